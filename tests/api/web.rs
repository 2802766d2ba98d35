//! The web UI over plain HTTP: sessions, cookies, CSRF, languages, error pages and the admin
//! forms. The browser journeys are in `browser.rs`.

use qalxan::domain::Role;
use reqwest::{header, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, ADMIN_EMAIL, PASSWORD};

/// A browser without a browser: a cookie jar, no redirects followed.
pub struct WebClient {
    pub client: reqwest::Client,
    base: String,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }

    /// The first `csrf_token` hidden field of the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker).expect("page has a CSRF field") + marker.len();
        self.body[start..].split('"').next().unwrap().to_owned()
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }
}

impl WebClient {
    pub fn new(app: &TestApp) -> Self {
        Self {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.address.clone(),
        }
    }

    async fn read(res: reqwest::Response) -> Page {
        Page {
            status: res.status(),
            headers: res.headers().clone(),
            body: res.text().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::read(
            self.client
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Self::read(
            self.client
                .post(format!("{}{path}", self.base))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts `form` with the CSRF token of the page at `form_page`.
    pub async fn submit(&self, form_page: &str, action: &str, form: &[(&str, &str)]) -> Page {
        let token = self.get(form_page).await.csrf();
        let mut fields = vec![("csrf_token", token.as_str())];
        fields.extend_from_slice(form);
        self.post(action, &fields).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        self.submit(
            "/login",
            "/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub async fn signed_in(app: &TestApp, email: &str) -> Self {
        let web = Self::new(app);
        let res = web.sign_in(email, PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        web
    }
}

fn session_cookie(page: &Page) -> String {
    page.set_cookies()
        .into_iter()
        .find(|c| c.starts_with("qalxan_session="))
        .expect("a session cookie is set")
}

#[actix_web::test]
async fn pages_need_a_session_and_send_strangers_to_sign_in() {
    let app = TestApp::spawn().await;
    let web = WebClient::new(&app);
    let res = web.get("/").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/login?next=%2F");
    let res = web.get("/admin/users?after=x").await;
    assert_eq!(res.location(), "/login?next=%2Fadmin%2Fusers%3Fafter%3Dx");
    let login = web.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("name=\"email\"") && login.body.contains("name=\"password\""));
}

#[actix_web::test]
async fn signing_in_sets_a_strict_session_cookie_and_returns_to_next() {
    let app = TestApp::spawn().await;
    let web = WebClient::new(&app);
    let token = web.get("/login").await.csrf();
    let res = web
        .post(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", ADMIN_EMAIL),
                ("password", PASSWORD),
                ("next", "/admin/users"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/admin/users");
    let cookie = session_cookie(&res);
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let home = web.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Administrator"), "{}", home.body);
    // A signed-in visitor of the sign-in page goes home.
    assert_eq!(web.get("/login").await.status, StatusCode::SEE_OTHER);

    // Behind https the cookie is also Secure.
    let app = TestApp::spawn_with(|env| {
        env.insert("QALXAN_BASE_URL".into(), "https://qalxan.example".into());
    })
    .await;
    let web = WebClient::new(&app);
    let login = web.get("/login").await;
    assert!(login.set_cookies()[0].contains("Secure"));
    let res = web
        .post(
            "/login",
            &[
                ("csrf_token", &login.csrf()),
                ("email", ADMIN_EMAIL),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert!(session_cookie(&res).contains("Secure"));
}

#[actix_web::test]
async fn next_never_leads_to_another_site() {
    let app = TestApp::spawn().await;
    let web = WebClient::new(&app);
    let token = web.get("/login").await.csrf();
    let res = web
        .post(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", ADMIN_EMAIL),
                ("password", PASSWORD),
                ("next", "//evil.example/steal"),
            ],
        )
        .await;
    assert_eq!(res.location(), "/");
}

#[actix_web::test]
async fn a_wrong_password_is_refused_on_the_page_with_the_email_kept() {
    let app = TestApp::spawn().await;
    let web = WebClient::new(&app);
    let res = web.sign_in(ADMIN_EMAIL, "not the right password").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res
        .set_cookies()
        .iter()
        .all(|c| !c.starts_with("qalxan_session=")));
    assert!(res.body.contains("role=\"alert\""));
    assert!(res.body.contains(&format!("value=\"{ADMIN_EMAIL}\"")));
    // The same throttle as the API: five failures pause the account.
    for _ in 0..4 {
        web.sign_in(ADMIN_EMAIL, "not the right password").await;
    }
    let res = web.sign_in(ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers.contains_key(header::RETRY_AFTER));
}

#[actix_web::test]
async fn every_form_refuses_posts_without_a_valid_csrf_token() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.organisation("government").await;

    // The sign-in form: no token, and a token that is not the cookie's.
    let stranger = WebClient::new(&app);
    let form = [("email", ADMIN_EMAIL), ("password", PASSWORD)];
    assert_eq!(
        stranger.post("/login", &form).await.status,
        StatusCode::FORBIDDEN
    );
    stranger.get("/login").await;
    let forged = [
        ("csrf_token", "forged-token-forged-token-forged-token-xx"),
        ("email", ADMIN_EMAIL),
        ("password", PASSWORD),
    ];
    let res = stranger.post("/login", &forged).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));

    let web = WebClient::signed_in(&app, ADMIN_EMAIL).await;
    let user_path = format!("/admin/users/{}", admin.id);
    let org_path = format!("/admin/organisations/{org}");
    let posts: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/logout", vec![]),
        ("/language", vec![("lang", "en")]),
        (
            "/admin/users",
            vec![
                ("email", "new@example.test"),
                ("display_name", "New"),
                ("password", PASSWORD),
                ("role", "reporter"),
                ("locale", "az"),
            ],
        ),
        (
            &user_path,
            vec![
                ("display_name", "Renamed"),
                ("role", "admin"),
                ("locale", "ru"),
            ],
        ),
        (
            "/admin/organisations",
            vec![("name", "Forged"), ("kind", "government")],
        ),
        (&org_path, vec![("name", "Forged")]),
    ];
    for (path, fields) in &posts {
        let res = web.post(path, fields).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path} without a token");
        assert!(res.body.contains("error-heading"), "{path}: an HTML page");
        let mut wrong = vec![("csrf_token", "x".repeat(43))];
        wrong.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
        let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            web.post(path, &wrong).await.status,
            StatusCode::FORBIDDEN,
            "{path} with a wrong token"
        );
    }
    // Nothing happened: still signed in, nothing renamed, nothing created.
    let users = web.get("/admin/users").await;
    assert_eq!(users.status, StatusCode::OK);
    assert!(!users.body.contains("new@example.test") && !users.body.contains("Renamed"));
    let orgs = web.get("/admin/organisations").await;
    assert!(!orgs.body.contains("Forged"));
    assert!(web.get("/").await.body.contains("lang=\"az\""));
}

#[actix_web::test]
async fn signing_out_ends_the_session_for_good() {
    let app = TestApp::spawn().await;
    let web = WebClient::new(&app);
    let res = web.sign_in(ADMIN_EMAIL, PASSWORD).await;
    let cookie = session_cookie(&res);
    let cookie = cookie.split(';').next().unwrap().to_owned();

    let confirm = web.get("/logout").await;
    assert_eq!(confirm.status, StatusCode::OK);
    let res = web
        .post("/logout", &[("csrf_token", &confirm.csrf())])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/login?signed_out=1");
    assert!(session_cookie(&res).contains("Max-Age=0"));

    // The old cookie, replayed by someone who copied it, is worthless.
    let replay = app
        .client
        .get(app.url("/"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::SEE_OTHER);
    // Signing in and out are both in the audit trail.
    for action in ["auth.login", "auth.logout"] {
        let events = app
            .db
            .run(move |c| {
                Ok(qalxan::db::models::audit::latest_for_entity(
                    c, "user", action,
                )?)
            })
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "{action}");
    }
}

#[actix_web::test]
async fn deactivating_a_user_ends_their_sessions_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let reporter = app.user(Role::Reporter).await;
    let web = WebClient::signed_in(&app, &reporter.email).await;
    assert_eq!(web.get("/").await.status, StatusCode::OK);

    let res = app
        .patch(
            &format!("/api/v1/users/{}", reporter.id),
            &admin.token,
            json!({ "active": false }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let id = reporter.id;
    let left = app
        .db
        .run(move |c| Ok(qalxan::db::models::session::count_for_user(c, id)?))
        .await
        .unwrap();
    assert_eq!(left, 0);
    assert_eq!(web.get("/").await.status, StatusCode::SEE_OTHER);
    // And a deactivated user cannot sign in again.
    let res = WebClient::new(&app)
        .sign_in(&reporter.email, PASSWORD)
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn idle_and_old_sessions_end() {
    let app = TestApp::spawn().await;
    let web = WebClient::new(&app);
    let res = web.sign_in(ADMIN_EMAIL, PASSWORD).await;
    let token = session_cookie(&res)
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("qalxan_session=")
        .to_owned();
    let id = qalxan::auth::session::session_id(&token);
    assert_eq!(web.get("/").await.status, StatusCode::OK);
    // Two hours without a request (the idle limit is one hour).
    let long_ago = qalxan::domain::time::now() - chrono::Duration::hours(2);
    app.db
        .run(move |c| Ok(qalxan::db::models::session::touch(c, &id, long_ago)?))
        .await
        .unwrap();
    assert_eq!(web.get("/").await.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn the_api_does_not_accept_the_session_cookie() {
    let app = TestApp::spawn().await;
    let web = WebClient::signed_in(&app, ADMIN_EMAIL).await;
    let res = web.get("/api/v1/me").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .contains("problem+json"));
}

#[actix_web::test]
async fn admin_pages_are_refused_to_other_roles_with_an_html_page() {
    let app = TestApp::spawn().await;
    for role in [Role::Reporter, Role::Coordinator, Role::Auditor] {
        let user = app.user(role).await;
        let web = WebClient::signed_in(&app, &user.email).await;
        for path in ["/admin/users", "/admin/users/new", "/admin/organisations"] {
            let res = web.get(path).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{role} {path}");
            assert!(res.body.contains("error-heading"), "{role} {path}");
            assert!(res.body.contains("403"));
        }
        // An auditor's start page is the audit log (`/` redirects there).
        let start = if role == Role::Auditor { "/audit" } else { "/" };
        let token = web.get(start).await.csrf();
        let res = web
            .post(
                "/admin/organisations",
                &[
                    ("csrf_token", &token),
                    ("name", "Sneaky"),
                    ("kind", "government"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{role} creating");
        // The menu offers only what the role may open.
        assert!(!web.get(start).await.body.contains("href=\"/admin/users\""));
    }
}

#[actix_web::test]
async fn admins_create_and_edit_users_and_organisations_through_the_forms() {
    let app = TestApp::spawn().await;
    let web = WebClient::signed_in(&app, ADMIN_EMAIL).await;

    let res = web
        .submit(
            "/admin/organisations/new",
            "/admin/organisations",
            &[
                ("name", "Nazirlik <b>X</b>"),
                ("kind", "government"),
                ("sector", "public-administration"),
                ("contact_email", "soc@nazirlik.example"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let list = web.get("/admin/organisations?created=1").await;
    assert!(
        list.body.contains("Nazirlik &#60;b&#62;X&#60;/b&#62;"),
        "escaped"
    );
    assert!(list.body.contains("role=\"status\""));
    let org_id = app
        .db
        .run(|c| {
            Ok(
                qalxan::db::models::organisation::find_by_name(c, "Nazirlik <b>X</b>")?
                    .unwrap()
                    .id,
            )
        })
        .await
        .unwrap();

    // Invalid input comes back next to the fields, with what was typed.
    let res = web
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("email", "not-an-email"),
                ("display_name", "<script>alert(1)</script>"),
                ("password", "short"),
                ("organisation_id", &org_id.to_string()),
                ("role", "reporter"),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"f-email-error\""));
    assert!(res.body.contains("id=\"f-password-error\""));
    assert!(res.body.contains("value=\"not-an-email\""));
    assert!(res
        .body
        .contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(!res.body.contains("<script>alert(1)"));

    let res = web
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("email", "Reporter@Nazirlik.example"),
                ("display_name", "Rəşad Məmmədov"),
                ("password", PASSWORD),
                ("organisation_id", &org_id.to_string()),
                ("role", "reporter"),
                ("locale", "ru"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // The same address again is a conflict shown at the email field.
    let res = web
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("email", "reporter@nazirlik.example"),
                ("display_name", "Again"),
                ("password", PASSWORD),
                ("organisation_id", &org_id.to_string()),
                ("role", "reporter"),
                ("locale", "ru"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("id=\"f-email-error\""));

    let user = app
        .db
        .run(|c| {
            Ok(qalxan::db::models::user::find_by_email(c, "reporter@nazirlik.example")?.unwrap())
        })
        .await
        .unwrap();
    assert_eq!(
        (user.role.as_str(), user.locale.as_str()),
        ("reporter", "ru")
    );
    let path = format!("/admin/users/{}", user.id);
    let res = web
        .submit(
            &path,
            &path,
            &[
                ("display_name", "Rəşad M."),
                ("role", "reporter"),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let after = app
        .db
        .run(move |c| Ok(qalxan::db::models::user::find(c, user.id)?))
        .await
        .unwrap();
    assert_eq!(after.display_name, "Rəşad M.");
    assert_eq!(after.locale, "en");
    assert!(!after.active, "an unticked box deactivates");

    // The last administrator cannot be demoted: the refusal is on the page.
    let admin_path = "/admin/users/1";
    let res = web
        .submit(
            admin_path,
            admin_path,
            &[
                ("display_name", "Administrator"),
                ("role", "responder"),
                ("locale", "az"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("role=\"alert\""));

    let org_path = format!("/admin/organisations/{org_id}");
    let res = web
        .submit(
            &org_path,
            &org_path,
            &[
                ("name", "Nazirlik Y"),
                ("sector", ""),
                ("contact_email", ""),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let org = app
        .db
        .run(move |c| Ok(qalxan::db::models::organisation::find(c, org_id)?))
        .await
        .unwrap();
    assert_eq!(
        (org.name.as_str(), org.sector.clone()),
        ("Nazirlik Y", None)
    );
}

#[actix_web::test]
async fn the_language_follows_preference_then_choice_then_browser() {
    let app = TestApp::spawn().await;
    let web = WebClient::new(&app);
    // Nothing known: Azerbaijani.
    assert!(web.get("/login").await.body.contains("<html lang=\"az\">"));
    // The browser's Accept-Language.
    let res = web
        .client
        .get(app.url("/login"))
        .header(header::ACCEPT_LANGUAGE, "ru-RU,ru;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains("<html lang=\"ru\">"));
    // ?lang= wins over the browser and is remembered.
    let res = web.get("/login?lang=en").await;
    assert!(res.body.contains("<html lang=\"en\">") && res.body.contains("Sign in"));
    assert!(res
        .set_cookies()
        .iter()
        .any(|c| c.starts_with("qalxan_lang=en")));
    assert!(web.get("/login").await.body.contains("<html lang=\"en\">"));

    // Signed in, the stored preference wins (the bootstrap admin's is az) ...
    let res = web.sign_in(ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let home = web.get("/?lang=en").await;
    assert!(home.body.contains("<html lang=\"az\">"));
    // ... and the switcher changes it.
    let res = web
        .post(
            "/language",
            &[
                ("csrf_token", &home.csrf()),
                ("lang", "ru"),
                ("next", "/admin/users"),
            ],
        )
        .await;
    assert_eq!(res.location(), "/admin/users");
    let users = web.get("/admin/users").await;
    assert!(users.body.contains("<html lang=\"ru\">") && users.body.contains("Пользователи"));
}

#[actix_web::test]
async fn times_are_shown_in_the_users_zone() {
    let app = TestApp::spawn().await;
    let web = WebClient::signed_in(&app, ADMIN_EMAIL).await;
    let users = web.get("/admin/users").await;
    // Signed in just now; shown in Asia/Baku (UTC+4) as dd.MM.yyyy HH:mm.
    let expected = (chrono::Utc::now() + chrono::Duration::hours(4))
        .format("%d.%m.%Y")
        .to_string();
    assert!(users.body.contains(&expected), "{}", users.body);
}

#[actix_web::test]
async fn unknown_pages_are_html_and_unknown_api_paths_problem_json() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/no/such/page?lang=en"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(res.text().await.unwrap().contains("Page not found"));
    let res = app
        .client
        .get(app.url("/api/v1/no/such"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
}

#[actix_web::test]
async fn pages_carry_a_strict_content_security_policy_and_no_inline_code() {
    let app = TestApp::spawn().await;
    let web = WebClient::signed_in(&app, ADMIN_EMAIL).await;
    let stranger = WebClient::new(&app);
    for path in [
        "/login?lang=ru",
        "/",
        "/admin/users",
        "/admin/users/new",
        "/admin/organisations/new",
    ] {
        let client = if path.starts_with("/login") {
            &stranger
        } else {
            &web
        };
        let res = client.get(path).await;
        let csp = res.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("style-src 'self'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(res.headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(res.headers[header::CACHE_CONTROL], "no-store");
        for inline in ["style=", "<style", "onclick", "onload", "<script>"] {
            assert!(!res.body.contains(inline), "{path} has {inline}");
        }
        assert!(
            res.body.contains("<main id=\"main\""),
            "{path}: a main landmark"
        );
        assert!(res.body.contains("href=\"#main\""), "{path}: a skip link");
    }
}

#[actix_web::test]
async fn static_files_are_embedded_and_cached() {
    let app = TestApp::spawn().await;
    let web = WebClient::new(&app);
    let login = web.get("/login").await;
    let start = login.body.find("/static/app.css?v=").unwrap();
    let href = login.body[start..].split('"').next().unwrap().to_owned();
    let css = web.get(&href).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert!(css.headers[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("max-age"));
    assert!(css.body.contains(".tlp-red"));
    let etag = css.headers[header::ETAG].to_str().unwrap().to_owned();
    let again = web
        .client
        .get(app.url("/static/app.css"))
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(web.get("/static/app.js").await.status, StatusCode::OK);
    assert_eq!(
        web.get("/static/nope.js").await.status,
        StatusCode::NOT_FOUND
    );
}
