//! Builds a real Qalxan on a random port over a fresh database, plus users and tokens, so tests
//! read like stories. `QALXAN_TEST_DATABASE_URL=postgres://…` runs the same tests on PostgreSQL:
//! each test then gets its own throw-away database, dropped when the test ends.

use std::collections::HashMap;

use diesel::{connection::SimpleConnection, Connection, PgConnection};
use qalxan::{
    config::Settings,
    db::Db,
    domain::Role,
    services::{
        audit::By,
        organisations::{self, OrganisationInput},
        users::{self, UserInput},
    },
    startup::Application,
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

pub const ADMIN_EMAIL: &str = "admin@cert.test";
pub const PASSWORD: &str = "correct horse battery staple";

/// The workflow stamps `TestApp::set_stamps` writes.
#[derive(Clone, Copy, Debug)]
pub struct Stamps {
    pub reported: chrono::NaiveDateTime,
    pub acknowledged: Option<chrono::NaiveDateTime>,
    pub contained: Option<chrono::NaiveDateTime>,
    pub closed: Option<chrono::NaiveDateTime>,
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub settings: Settings,
    pub cert_org_id: i64,
    // Field order matters: the server's pool is gone before the database is dropped.
    _pg: PgGuard,
    _data_dir: tempfile::TempDir,
}

#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub organisation_id: i64,
    pub token: String,
}

/// The server URL of `QALXAN_TEST_DATABASE_URL` with another database name.
fn with_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("QALXAN_TEST_DATABASE_URL is a URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

/// `QALXAN_TEST_DATABASE_URL` without TLS unless it asks for it. The server is on this machine, so
/// TLS protects nothing here; and libpq's OpenSSL registers a clean-up at process exit that races
/// the pool threads the test servers leave running, which aborted the test binary with "double
/// free or corruption" after every test had passed.
fn test_server_url(url: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("QALXAN_TEST_DATABASE_URL is a URL");
    if !parsed.query_pairs().any(|(key, _)| key == "sslmode") {
        parsed.query_pairs_mut().append_pair("sslmode", "disable");
    }
    parsed.to_string()
}

/// Drops a throw-away PostgreSQL database when it goes out of scope.
pub struct PgGuard(Option<(String, String)>);

impl Drop for PgGuard {
    fn drop(&mut self) {
        if let Some((base, name)) = self.0.take() {
            if let Ok(mut admin) = PgConnection::establish(&base) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

pub fn test_env(data_dir: &std::path::Path) -> (HashMap<String, String>, PgGuard) {
    let mut env = HashMap::new();
    env.insert("QALXAN_DATA_DIR".into(), data_dir.display().to_string());
    env.insert("QALXAN_BIND".into(), "127.0.0.1:0".into());
    env.insert("QALXAN_BOOTSTRAP_ADMIN_EMAIL".into(), ADMIN_EMAIL.into());
    env.insert("QALXAN_BOOTSTRAP_ADMIN_PASSWORD".into(), PASSWORD.into());
    env.insert("QALXAN_DB_POOL_SIZE".into(), "4".into());
    let mut throwaway = None;
    if let Ok(base) = std::env::var("QALXAN_TEST_DATABASE_URL") {
        if base.starts_with("postgres") {
            let base = test_server_url(&base);
            let name = format!("qalxan_test_{}", uuid::Uuid::new_v4().simple());
            let mut admin =
                PgConnection::establish(&base).expect("cannot reach the PostgreSQL test server");
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create test database");
            env.insert("QALXAN_DATABASE_URL".into(), with_database(&base, &name));
            throwaway = Some((base, name));
        }
    }
    (env, PgGuard(throwaway))
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Like `spawn`, with a chance to change settings first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut HashMap<String, String>)) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let (mut env, pg) = test_env(data_dir.path());
        adjust(&mut env);
        let settings = Settings::load(None, &env).expect("test settings are valid");
        let app = Application::build(settings.clone())
            .await
            .expect("app builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let db = app.state().db.clone();
        actix_web::rt::spawn(app.run_until_stopped());
        let cert_org_id = db
            .run(|c| {
                Ok(
                    qalxan::db::models::organisation::find_first_of_kind(c, "cert")?
                        .unwrap()
                        .id,
                )
            })
            .await
            .unwrap();
        Self {
            address,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            db,
            settings,
            cert_org_id,
            _pg: pg,
            _data_dir: data_dir,
        }
    }

    pub fn state_tokens(&self) -> qalxan::auth::token::TokenKeys {
        qalxan::auth::token::TokenKeys::new(&self.settings)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, Some(token), None).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({ "email": email, "password": password })),
        )
        .await
    }

    pub async fn token_for(&self, email: &str) -> String {
        let res = self.login(email, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::OK, "login of {email}");
        res.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn admin(&self) -> TestUser {
        let token = self.token_for(ADMIN_EMAIL).await;
        let me: Value = self.get("/api/v1/me", &token).await.json().await.unwrap();
        TestUser {
            id: me["id"].as_i64().unwrap(),
            email: ADMIN_EMAIL.into(),
            organisation_id: me["organisation_id"].as_i64().unwrap(),
            token,
        }
    }

    /// A new organisation of `kind`, created directly through the service layer.
    pub async fn organisation(&self, kind: &str) -> i64 {
        self.organisation_full(kind, None, None).await
    }

    /// The same, with a NIS2 status (`essential`, `important`, `none`).
    pub async fn organisation_with(&self, kind: &str, nis2_entity: Option<&str>) -> i64 {
        self.organisation_full(kind, None, nis2_entity).await
    }

    /// A new organisation of `kind` in a NIS2 sector (or none).
    pub async fn organisation_in(&self, kind: &str, sector: Option<&str>) -> i64 {
        self.organisation_full(kind, sector, None).await
    }

    async fn organisation_full(
        &self,
        kind: &str,
        sector: Option<&str>,
        nis2_entity: Option<&str>,
    ) -> i64 {
        let kind = kind.to_owned();
        let sector = sector.map(str::to_owned);
        let nis2_entity = nis2_entity.map(str::to_owned);
        self.db
            .run(move |c| {
                organisations::create_as(
                    c,
                    By::system(),
                    OrganisationInput {
                        name: format!("{kind} {}", uuid::Uuid::new_v4().simple()),
                        kind,
                        sector,
                        contact_email: None,
                        nis2_entity,
                    },
                )
            })
            .await
            .expect("organisation created")
            .id
    }

    /// Puts an incident's SLA due times at known times (after `set_stamps`, which resets the
    /// acknowledgement's).
    pub async fn set_due_times(
        &self,
        id: i64,
        ack: chrono::NaiveDateTime,
        contain: Option<chrono::NaiveDateTime>,
        resolve: Option<chrono::NaiveDateTime>,
    ) {
        use diesel::prelude::*;
        use qalxan::db::schema::incidents::dsl as i;
        self.db
            .run(move |c| {
                diesel::update(i::incidents.find(id))
                    .set((
                        i::ack_due_at.eq(ack),
                        i::contain_due_at.eq(contain),
                        i::resolve_due_at.eq(resolve),
                    ))
                    .execute(c)?;
                Ok(())
            })
            .await
            .expect("due times set");
    }

    /// A NIS2 reporting stage of an incident with a known due time and submission (a
    /// correction when `supersedes` is given). Returns its id.
    pub async fn add_report_stage(
        &self,
        incident_id: i64,
        stage: &str,
        due_at: chrono::NaiveDateTime,
        submitted_at: Option<chrono::NaiveDateTime>,
        supersedes: Option<i64>,
    ) -> i64 {
        use diesel::prelude::*;
        use qalxan::db::schema::incident_reports::dsl as r;
        let stage = stage.to_owned();
        self.db
            .run(move |c| {
                Ok(diesel::insert_into(r::incident_reports)
                    .values((
                        r::incident_id.eq(incident_id),
                        r::stage.eq(stage),
                        r::due_at.eq(due_at),
                        r::submitted_at.eq(submitted_at),
                        r::supersedes.eq(supersedes),
                        r::created_at.eq(due_at),
                    ))
                    .returning(r::id)
                    .get_result::<i64>(c)?)
            })
            .await
            .expect("report stage added")
    }

    /// Puts an incident's workflow stamps at known times (the clock of a test is the database):
    /// the report (and its acknowledgement deadline, 24 h later), acknowledgement, containment
    /// and closure.
    pub async fn set_stamps(&self, id: i64, stamps: Stamps) {
        use diesel::prelude::*;
        use qalxan::db::schema::incidents::dsl as i;
        self.db
            .run(move |c| {
                diesel::update(i::incidents.find(id))
                    .set((
                        i::reported_at.eq(stamps.reported),
                        i::ack_due_at.eq(stamps.reported + chrono::Duration::hours(24)),
                        i::acknowledged_at.eq(stamps.acknowledged),
                        i::contained_at.eq(stamps.contained),
                        i::closed_at.eq(stamps.closed),
                    ))
                    .execute(c)?;
                Ok(())
            })
            .await
            .expect("stamps set");
    }

    /// A signed-in user with `role`: CERT roles join the CERT, others a new organisation
    /// (a government body for reporters, law enforcement for liaisons).
    pub async fn user(&self, role: Role) -> TestUser {
        let organisation_id = match role {
            Role::Reporter => self.organisation("government").await,
            Role::Liaison => self.organisation("law_enforcement").await,
            _ => self.cert_org_id,
        };
        self.user_in(role, organisation_id).await
    }

    pub async fn user_in(&self, role: Role, organisation_id: i64) -> TestUser {
        let email = format!(
            "{}-{}@example.test",
            role.as_str(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let e = email.clone();
        let created = self
            .db
            .run(move |c| {
                users::create_as(
                    c,
                    By::system(),
                    UserInput {
                        email: e,
                        display_name: format!("Test {}", role.as_str()),
                        password: PASSWORD.into(),
                        organisation_id,
                        role: role.as_str().into(),
                        locale: Some("en".into()),
                    },
                )
            })
            .await
            .expect("user created");
        let token = self.token_for(&email).await;
        TestUser {
            id: created.id,
            email,
            organisation_id,
            token,
        }
    }
}

/// Asserts an RFC 9457 problem with `status` and returns its body.
pub async fn assert_problem(res: Response, status: StatusCode) -> Value {
    assert_eq!(res.status(), status, "unexpected status");
    let content_type = res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"].as_u64(), Some(status.as_u16() as u64));
    assert!(
        body["title"].is_string() && body["type"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    body
}

pub async fn json(res: Response, status: StatusCode) -> Value {
    let actual = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(actual, status, "body: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

impl TestApp {
    /// Files an incident as `who` and returns it.
    pub async fn incident(&self, who: &TestUser, body: Value) -> Value {
        json(
            self.post("/api/v1/incidents", &who.token, body).await,
            StatusCode::CREATED,
        )
        .await
    }

    pub async fn transition(&self, who: &TestUser, id: i64, body: Value) -> Response {
        self.post(
            &format!("/api/v1/incidents/{id}/transitions"),
            &who.token,
            body,
        )
        .await
    }
}

pub fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

impl TestApp {
    /// Posts `body` as it is with `content_type` (file imports).
    pub async fn post_raw(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// An approved asset of `organisation_id`, registered by the administrator; `extra` fields
    /// (ip, vendor, product…) are added to the body.
    pub async fn asset(
        &self,
        organisation_id: i64,
        name: &str,
        criticality: i32,
        extra: Value,
    ) -> i64 {
        let admin = self.admin().await;
        let mut body = json!({
            "organisation_id": organisation_id, "name": name, "kind": "host", "criticality": criticality,
        });
        for (k, v) in extra.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        json(
            self.post("/api/v1/assets", &admin.token, body).await,
            StatusCode::CREATED,
        )
        .await["id"]
            .as_i64()
            .unwrap()
    }
}

impl TestApp {
    /// Moves an incident's clock back: its report, its stamps and its due times all `hours`
    /// earlier, as if it had been filed that long ago (`shift_incident_minutes`: in minutes).
    pub async fn shift_incident(&self, id: i64, hours: i64) {
        self.shift_incident_minutes(id, hours * 60).await;
    }

    pub async fn shift_incident_minutes(&self, id: i64, minutes: i64) {
        use diesel::prelude::*;
        use qalxan::db::{models::incident, schema::incidents};
        self.db
            .run(move |c| {
                let i = incident::find(c, id)?;
                let back = |t: chrono::NaiveDateTime| t - chrono::Duration::minutes(minutes);
                diesel::update(incidents::table.find(id))
                    .set((
                        incidents::reported_at.eq(back(i.reported_at)),
                        incidents::detected_at.eq(i.detected_at.map(back)),
                        incidents::acknowledged_at.eq(i.acknowledged_at.map(back)),
                        incidents::contained_at.eq(i.contained_at.map(back)),
                        incidents::closed_at.eq(i.closed_at.map(back)),
                        incidents::ack_due_at.eq(back(i.ack_due_at)),
                        incidents::contain_due_at.eq(i.contain_due_at.map(back)),
                        incidents::resolve_due_at.eq(i.resolve_due_at.map(back)),
                    ))
                    .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
    }

    /// `/metrics` as a scraper without a token reads it.
    pub async fn metrics_text(&self) -> String {
        let res = self.client.get(self.url("/metrics")).send().await.unwrap();
        res.text().await.unwrap()
    }

    /// One step of the deadline clock at `now`, as the job runs it.
    pub async fn clock_step(
        &self,
        now: chrono::NaiveDateTime,
    ) -> qalxan::services::clock::StepReport {
        let mail = self.settings.mail.clone();
        self.db
            .run(move |c| qalxan::services::clock::step(c, &mail, now))
            .await
            .expect("clock step")
    }
}

/// The actions of an incident's history, oldest first, as `who` sees them.
pub async fn history_actions(app: &TestApp, who: &TestUser, id: i64) -> Vec<String> {
    let path = format!("/api/v1/incidents/{id}/history");
    let history = json(app.get(&path, &who.token).await, StatusCode::OK).await;
    history
        .as_array()
        .expect("a list of events")
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}
