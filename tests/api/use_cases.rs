//! Use cases called directly, without HTTP: each service on a fresh database (SQLite, or
//! PostgreSQL under `QALXAN_TEST_DATABASE_URL`), asserting the rows it wrote, the audit events
//! beside them and the mail it queued — and that a refused call wrote none of them.

use std::collections::BTreeSet;

use qalxan::{
    auth::Actor,
    config::Settings,
    db::{
        models::{audit, incident, organisation, outbox, outbox::OutboxRow, Page},
        Db, DbConn, PooledConn,
    },
    domain::Role,
    error::AppError,
    services::{
        self,
        audit::By,
        evidence::{self, store::Store, CustodyInput, UploadMeta},
        incidents::{collaboration, workflow::TransitionRequest, IncidentInput, IncidentPatch},
        notify::{self, MailKind, Notification, Recipient},
        organisations::OrganisationInput,
        users::UserInput,
    },
    startup,
};
use serde_json::{json, Value};

use crate::helpers::{test_env, PgGuard, PASSWORD};

/// A migrated, bootstrapped database and the settings it was made with; no server.
struct World {
    db: Db,
    settings: Settings,
    cert_org: i64,
    // Field order matters: the pool is gone before the database is dropped.
    _pg: PgGuard,
    _data_dir: tempfile::TempDir,
}

impl World {
    fn new() -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let (env, pg) = test_env(data_dir.path());
        let settings = Settings::load(None, &env).expect("test settings are valid");
        let db = startup::prepare_database(&settings).expect("database prepared");
        let mut conn = db.pool().get().unwrap();
        let cert_org = organisation::find_first_of_kind(&mut conn, "cert")
            .unwrap()
            .expect("bootstrap made the CERT")
            .id;
        drop(conn);
        Self {
            db,
            settings,
            cert_org,
            _pg: pg,
            _data_dir: data_dir,
        }
    }

    fn conn(&self) -> PooledConn {
        self.db.pool().get().expect("a connection")
    }

    fn organisation(&self, kind: &str) -> i64 {
        services::organisations::create_as(
            &mut self.conn(),
            By::system(),
            OrganisationInput {
                name: format!("{kind} {}", uuid::Uuid::new_v4().simple()),
                kind: kind.into(),
                sector: None,
                contact_email: None,
                nis2_entity: None,
            },
        )
        .expect("organisation created")
        .id
    }

    fn actor_in(&self, role: Role, organisation_id: i64) -> Actor {
        let user = services::users::create_as(
            &mut self.conn(),
            By::system(),
            UserInput {
                email: format!(
                    "{role}-{}@example.test",
                    &uuid::Uuid::new_v4().simple().to_string()[..8]
                ),
                display_name: format!("Test {role}"),
                password: PASSWORD.into(),
                organisation_id,
                role: role.as_str().into(),
                locale: Some("en".into()),
            },
        )
        .expect("user created");
        Actor::from_user(&user, None).unwrap()
    }

    fn staff(&self, role: Role) -> Actor {
        self.actor_in(role, self.cert_org)
    }

    fn incident(&self, by: &Actor, organisation_id: i64, classified: bool) -> incident::Incident {
        let (category, severity) = if classified {
            (Some("phishing".to_owned()), Some("high".to_owned()))
        } else {
            (None, None)
        };
        services::incidents::create(
            &mut self.conn(),
            by,
            &self.settings,
            IncidentInput {
                title: "Phishing against ministry staff".into(),
                description: "Mails ask for VPN passwords.".into(),
                category,
                severity,
                tlp: None,
                pap: None,
                detected_at: None,
                organisation_id: Some(organisation_id),
                significant: None,
            },
        )
        .expect("incident created")
    }
}

/// Everything a use case can leave behind for one incident: its stream and its mail.
#[derive(Debug, PartialEq)]
struct Trace {
    actions: Vec<String>,
    mail: Vec<(String, String)>,
}

fn trace(conn: &mut DbConn, incident_id: i64) -> Trace {
    let actions = audit::for_incident(conn, incident_id)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    let mut mail: Vec<(String, String)> = all_mail(conn)
        .into_iter()
        .filter(|m| m.incident_id == Some(incident_id))
        .map(|m| (m.kind, m.recipient_email))
        .collect();
    mail.sort();
    Trace { actions, mail }
}

fn all_mail(conn: &mut DbConn) -> Vec<OutboxRow> {
    let page = Page {
        limit: Page::MAX_LIMIT,
        after: None,
    };
    outbox::list(conn, None, page).unwrap()
}

fn last_details(conn: &mut DbConn, incident_id: i64) -> Value {
    let events = audit::for_incident(conn, incident_id).unwrap();
    serde_json::from_str(&events.last().unwrap().details).unwrap()
}

fn move_to(to: &str) -> TransitionRequest {
    TransitionRequest {
        to: to.into(),
        ..Default::default()
    }
}

fn fields(error: AppError) -> BTreeSet<String> {
    match error {
        AppError::Validation(f) => f.0.into_keys().collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn mail(kind: MailKind, to: &Actor) -> (String, String) {
    (kind.as_str().to_owned(), to.email.clone())
}

#[test]
fn creating_an_incident_writes_the_row_its_event_and_its_mail_together() {
    let w = World::new();
    let coordinators = [w.staff(Role::Coordinator), w.staff(Role::Coordinator)];
    let org = w.organisation("government");
    let reporter = w.actor_in(Role::Reporter, org);
    let mut conn = w.conn();
    let before = all_mail(&mut conn).len();

    // A reporter may file only for their own organisation; refused, nothing is written.
    let other = w.organisation("government");
    let refused = services::incidents::create(
        &mut conn,
        &reporter,
        &w.settings,
        IncidentInput {
            title: "t".into(),
            description: "d".into(),
            category: None,
            severity: None,
            tlp: None,
            pap: None,
            detected_at: None,
            organisation_id: Some(other),
            significant: None,
        },
    )
    .unwrap_err();
    assert_eq!(fields(refused), BTreeSet::from(["organisation_id".into()]));
    assert_eq!(all_mail(&mut conn).len(), before);

    let created = w.incident(&reporter, org, false);
    let stored = incident::find(&mut conn, created.id).unwrap();
    assert_eq!(stored.status, "new");
    assert_eq!(stored.category, "undetermined");
    assert_eq!(stored.organisation_id, org);
    assert_eq!(stored.reporter_id, Some(reporter.user_id));
    assert_eq!(stored.created_by, Some(reporter.user_id));
    assert!(stored
        .reference
        .starts_with(&format!("{}-", w.settings.reference_prefix)));
    let events = audit::for_incident(&mut conn, created.id).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "incident.created");
    assert_eq!(events[0].actor_id, Some(reporter.user_id));
    assert_eq!(
        (events[0].stream.as_str(), events[0].seq),
        (format!("incident:{}", created.id).as_str(), 1)
    );
    // Every coordinator hears of it, and the reporter gets a receipt.
    let mut expected = vec![
        mail(MailKind::IncidentCreated, &coordinators[0]),
        mail(MailKind::IncidentCreated, &coordinators[1]),
        mail(MailKind::ReportReceived, &reporter),
    ];
    expected.sort();
    assert_eq!(trace(&mut conn, created.id).mail, expected);
}

#[test]
fn a_transition_changes_the_row_records_the_move_and_tells_the_reporter() {
    let w = World::new();
    let coordinator = w.staff(Role::Coordinator);
    let responder = w.staff(Role::Responder);
    let org = w.organisation("government");
    let reporter = w.actor_in(Role::Reporter, org);
    let outsider = w.actor_in(Role::Reporter, w.organisation("government"));
    let mut conn = w.conn();
    let filed = w.incident(&reporter, org, false);
    let untouched = trace(&mut conn, filed.id);

    // Refusals, each before anything is written: not visible, not permitted, not classified,
    // not a move.
    let refuse = |conn: &mut DbConn, who: &Actor, to: &str| {
        services::incidents::workflow::transition(conn, who, filed.id, move_to(to)).unwrap_err()
    };
    assert!(matches!(
        refuse(&mut conn, &outsider, "triage"),
        AppError::NotFound
    ));
    assert!(matches!(
        refuse(&mut conn, &reporter, "triage"),
        AppError::Forbidden
    ));
    assert!(matches!(
        refuse(&mut conn, &responder, "rejected"),
        AppError::Forbidden
    ));
    assert_eq!(
        fields(refuse(&mut conn, &responder, "triage")),
        BTreeSet::from(["category".into(), "severity".into()])
    );
    assert!(matches!(
        refuse(&mut conn, &coordinator, "recovery"),
        AppError::Conflict(_)
    ));
    assert_eq!(trace(&mut conn, filed.id), untouched);
    assert_eq!(incident::find(&mut conn, filed.id).unwrap().status, "new");

    services::incidents::update(
        &mut conn,
        &coordinator,
        filed.id,
        IncidentPatch {
            category: Some("phishing".into()),
            severity: Some("medium".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let moved = services::incidents::workflow::transition(
        &mut conn,
        &responder,
        filed.id,
        move_to("triage"),
    )
    .unwrap();
    assert_eq!(moved.status, "triage");
    assert!(moved.acknowledged_at.is_some());
    let stored = incident::find(&mut conn, filed.id).unwrap();
    assert_eq!(
        (stored.status.as_str(), stored.acknowledged_at),
        ("triage", moved.acknowledged_at)
    );
    let after = trace(&mut conn, filed.id);
    assert_eq!(
        after.actions,
        [
            "incident.created",
            "incident.updated",
            "incident.transitioned"
        ]
    );
    assert_eq!(last_details(&mut conn, filed.id)["from"], "new");
    assert_eq!(last_details(&mut conn, filed.id)["to"], "triage");
    assert!(after
        .mail
        .contains(&mail(MailKind::IncidentAcknowledged, &reporter)));
    assert_eq!(after.mail.len(), untouched.mail.len() + 1);
}

#[test]
fn a_duplicate_merged_from_new_takes_the_classification_of_its_twin() {
    let w = World::new();
    let coordinator = w.staff(Role::Coordinator);
    let org = w.organisation("government");
    let reporter = w.actor_in(Role::Reporter, org);
    let mut conn = w.conn();
    let twin = w.incident(&coordinator, org, true);
    let duplicate = w.incident(&reporter, org, false);
    let merged = services::incidents::workflow::transition(
        &mut conn,
        &coordinator,
        duplicate.id,
        TransitionRequest {
            to: "merged".into(),
            duplicate_of: Some(twin.id),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(merged.status, "merged");
    assert_eq!(merged.duplicate_of, Some(twin.id));
    assert_eq!(
        (merged.category.as_str(), merged.severity.as_deref()),
        ("phishing", Some("high"))
    );
    let details = last_details(&mut conn, duplicate.id);
    assert_eq!(
        (details["category"].as_str(), details["severity"].as_str()),
        (Some("phishing"), Some("high"))
    );
    // The twin's own stream says what joined it.
    assert_eq!(
        last_details(&mut conn, twin.id)["duplicate_id"],
        duplicate.id
    );
    assert_eq!(
        trace(&mut conn, twin.id).actions.last().unwrap(),
        "incident.duplicate_merged"
    );
    // A report rejected as it came in stays unclassified.
    let spam = w.incident(&reporter, org, false);
    let rejected = services::incidents::workflow::transition(
        &mut conn,
        &coordinator,
        spam.id,
        move_to("rejected"),
    )
    .unwrap();
    assert_eq!(
        (rejected.category.as_str(), rejected.severity),
        ("undetermined", None)
    );
    assert!(rejected.closed_at.is_some());
}

#[test]
fn sharing_writes_the_share_its_event_and_tells_the_agency_liaisons() {
    let w = World::new();
    let coordinator = w.staff(Role::Coordinator);
    let responder = w.staff(Role::Responder);
    let agency = w.organisation("law_enforcement");
    let liaison = w.actor_in(Role::Liaison, agency);
    let mut conn = w.conn();
    let filed = w.incident(&coordinator, w.organisation("government"), true);
    assert_eq!(filed.tlp, "TLP:AMBER");
    let untouched = trace(&mut conn, filed.id);
    assert!(matches!(
        services::incidents::get(&mut conn, &liaison, filed.id),
        Err(AppError::NotFound)
    ));

    let share = |conn: &mut DbConn, who: &Actor, tlp: &str| {
        collaboration::share(conn, who, filed.id, agency, tlp)
    };
    assert!(matches!(
        share(&mut conn, &responder, "TLP:AMBER"),
        Err(AppError::Forbidden)
    ));
    assert_eq!(
        fields(share(&mut conn, &coordinator, "TLP:RED").unwrap_err()),
        BTreeSet::from(["max_tlp".into()])
    );
    assert_eq!(trace(&mut conn, filed.id), untouched);

    let made = share(&mut conn, &coordinator, "TLP:AMBER").unwrap();
    assert_eq!(
        (made.organisation_id, made.max_tlp.as_str()),
        (agency, "TLP:AMBER")
    );
    assert_eq!(made.shared_by, Some(coordinator.user_id));
    let shared = trace(&mut conn, filed.id);
    assert_eq!(shared.actions.last().unwrap(), "incident.shared");
    assert_eq!(last_details(&mut conn, filed.id)["organisation_id"], agency);
    assert!(shared
        .mail
        .contains(&mail(MailKind::IncidentShared, &liaison)));
    assert!(services::incidents::get(&mut conn, &liaison, filed.id).is_ok());

    // Sharing again changes the ceiling of the one share; below the incident's TLP the
    // liaison no longer sees it and is not mailed about it.
    let lowered = share(&mut conn, &coordinator, "TLP:GREEN").unwrap();
    assert_eq!(lowered.id, made.id);
    let shares = collaboration::shares(&mut conn, &coordinator, filed.id).unwrap();
    assert_eq!(shares.len(), 1);
    assert_eq!(shares[0].max_tlp, "TLP:GREEN");
    let after = trace(&mut conn, filed.id);
    assert_eq!(after.mail, shared.mail);
    assert_eq!(after.actions.len(), shared.actions.len() + 1);
    assert!(matches!(
        services::incidents::get(&mut conn, &liaison, filed.id),
        Err(AppError::NotFound)
    ));
}

#[test]
fn evidence_custody_is_an_unbroken_chain_that_destruction_closes() {
    let w = World::new();
    let responder = w.staff(Role::Responder);
    let org = w.organisation("government");
    let reporter = w.actor_in(Role::Reporter, org);
    let outsider = w.actor_in(Role::Reporter, w.organisation("government"));
    let mut conn = w.conn();
    let filed = w.incident(&reporter, org, false);

    let store = Store::new(&w.settings.data_dir);
    let mut blob = store.create_temp().unwrap();
    blob.write(b"From: attacker@example.test\n\nGive me your password")
        .unwrap();
    let stored = blob.finish(&store).unwrap();
    assert!(stored.newly_stored && store.blob_path(&stored.sha256).exists());
    let meta = UploadMeta {
        file_name: "mail.eml".into(),
        media_type: "message/rfc822".into(),
        description: "the phishing mail".into(),
    };
    assert!(matches!(
        evidence::record_upload(&mut conn, &outsider, filed.id, &meta, &stored),
        Err(AppError::NotFound)
    ));
    let item = evidence::record_upload(&mut conn, &reporter, filed.id, &meta, &stored).unwrap();
    assert_eq!(
        (item.sha256.as_str(), item.size),
        (stored.sha256.as_str(), stored.size as i64)
    );
    assert_eq!(item.uploader_organisation_id, org);

    let record = |conn: &mut DbConn, who: &Actor, action: &str, holder: Option<&str>| {
        let input = CustodyInput {
            action: action.into(),
            holder: holder.map(str::to_owned),
            location: None,
            purpose: None,
            authority: (action == "destroyed").then(|| "Court order 12/2026".to_owned()),
            note: None,
            time_zone: None,
        };
        evidence::record_custody(conn, who, item.id, input)
    };
    assert!(matches!(
        record(&mut conn, &reporter, "sealed", None),
        Err(AppError::Forbidden)
    ));
    assert_eq!(
        fields(record(&mut conn, &responder, "transferred", None).unwrap_err()),
        BTreeSet::from(["holder".into()])
    );
    record(&mut conn, &responder, "transferred", Some("Forensics lab")).unwrap();
    record(&mut conn, &responder, "destroyed", None).unwrap();
    assert!(matches!(
        record(&mut conn, &responder, "sealed", None),
        Err(AppError::Conflict(_))
    ));

    let page = Page {
        limit: 50,
        after: None,
    };
    let chain = evidence::custody(&mut conn, &responder, item.id, page).unwrap();
    let actions: Vec<&str> = chain.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["collected", "transferred", "destroyed"]);
    assert_eq!(chain[0].actor_id, Some(reporter.user_id));
    assert_eq!(chain[1].to_holder.as_deref(), Some("Forensics lab"));
    assert_eq!(chain[2].authority.as_deref(), Some("Court order 12/2026"));
    assert_eq!(
        trace(&mut conn, filed.id).actions[1..],
        [
            "evidence.collected",
            "evidence.transferred",
            "evidence.destroyed"
        ]
    );
}

#[test]
fn outbox_mail_waits_fails_and_is_sent_again_only_by_an_admin() {
    let w = World::new();
    let coordinator = w.staff(Role::Coordinator);
    let admin = w.staff(Role::Admin);
    let mut conn = w.conn();
    let id = notify::enqueue(
        &mut conn,
        Notification {
            kind: MailKind::IncidentCreated,
            to: Recipient::address("duty@cert.test", Default::default()),
            incident_id: None,
            thread_key: Some("CERT-2026-00001".into()),
            context: json!({ "reference": "CERT-2026-00001" }),
        },
    )
    .unwrap()
    .expect("an address without an account cannot opt out");
    let queued = outbox::find(&mut conn, id).unwrap();
    assert_eq!((queued.status.as_str(), queued.attempts), ("pending", 0));
    assert_eq!(queued.recipient_email, "duty@cert.test");
    assert_eq!(
        serde_json::from_str::<Value>(&queued.context).unwrap()["reference"],
        "CERT-2026-00001"
    );
    // Retrying is for failed mail only.
    assert!(matches!(
        services::outbox::retry(&mut conn, &admin, id),
        Err(AppError::Conflict(_))
    ));

    // A worker takes it and gives up on it.
    let now = qalxan::domain::time::now();
    let claimed = outbox::claim(
        &mut conn,
        &outbox::Claim {
            worker: "worker-1",
            now,
            lease_until: now + chrono::Duration::minutes(5),
            limit: 10,
            token: "t",
            host: "cert.test",
        },
    )
    .unwrap();
    assert_eq!(claimed.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
    assert!(
        outbox::mark_attempt_failed(&mut conn, id, "worker-1", "550 no such user", None).unwrap()
    );
    assert_eq!(outbox::find(&mut conn, id).unwrap().status, "failed");

    assert!(matches!(
        services::outbox::retry(&mut conn, &coordinator, id),
        Err(AppError::Forbidden)
    ));
    let retried = services::outbox::retry(&mut conn, &admin, id).unwrap();
    assert_eq!((retried.status.as_str(), retried.attempts), ("pending", 0));
    assert_eq!(retried.last_error.as_deref(), Some("550 no such user"));
    let events = audit::latest_for_entity(&mut conn, "outbox", "outbox.retried").unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].entity_id, events[0].actor_id),
        (Some(id), Some(admin.user_id))
    );
    let details: Value = serde_json::from_str(&events[0].details).unwrap();
    assert_eq!(
        (details["attempts"].as_i64(), details["last_error"].as_str()),
        (Some(1), Some("550 no such user"))
    );
}
