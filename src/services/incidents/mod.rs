//! Incidents: intake, reading, editing. Workflow, collaboration and public reporting live in the
//! submodules. Every read goes through the policy's SQL scope; every change writes its audit
//! event into the incident's own stream in the same transaction.

mod checks;
pub mod collaboration;
pub mod export;
pub mod notices;
pub mod public;
pub mod workflow;

use checks::check_detected_at;
pub use checks::{check_text, parse_time, search_key, text};

use chrono::{Datelike, NaiveDateTime};
use serde_json::{json, Value};

use crate::services::{self, nis2, organisations, sla};
use crate::{
    auth::Actor,
    authz::{self, Action, OrganisationScope},
    config::Settings,
    db::{
        models::{
            audit::{self as audit_db, AuditEvent},
            incident::{self, Incident, IncidentChanges, IncidentFilter, NewIncident},
            Page,
        },
        write_tx, DbConn,
    },
    domain::{
        incident::{format_reference, parse_category, Pap, Severity, Tlp, UNDETERMINED},
        time,
        workflow::Status,
        Role,
    },
    error::{AppError, AppResult, FieldErrors},
    services::audit::{self, By, Entry},
};

pub const MAX_TITLE: usize = 300;
pub const MAX_DESCRIPTION: usize = 100_000;

/// A new incident as the API's JSON body and the filing form give it.
#[derive(Debug, Default, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CreateIncident)]
pub struct IncidentInput {
    /// At most 300 characters.
    pub title: String,
    /// At most 100 000 characters.
    pub description: String,
    /// RSIT type machine name (e.g. `phishing`); `undetermined` when left out.
    pub category: Option<String>,
    /// `low`, `medium`, `high` or `critical` (national scale words are mapped).
    pub severity: Option<String>,
    /// `TLP:CLEAR`, `TLP:GREEN`, `TLP:AMBER` (default), `TLP:AMBER+STRICT` or `TLP:RED`.
    pub tlp: Option<String>,
    /// `PAP:CLEAR`, `PAP:GREEN`, `PAP:AMBER` (default) or `PAP:RED`.
    pub pap: Option<String>,
    /// When the reporting entity became aware (RFC 3339).
    pub detected_at: Option<String>,
    /// The reporting organisation (CERT staff only; reporters always file for their own).
    pub organisation_id: Option<i64>,
    /// A significant incident under NIS2 (only for essential or important entities): its
    /// reporting stages start.
    pub significant: Option<bool>,
}

/// Who the incident comes from, when not a signed-in user of the reporting side.
pub struct Intake<'a> {
    pub by: By,
    pub created_by: Option<i64>,
    pub reporter_id: Option<i64>,
    pub reporter_contact: Option<&'a str>,
    pub tracking_hash: Option<&'a str>,
    pub source: &'a str,
}

pub struct Checked {
    title: String,
    description: String,
    category: String,
    severity: Option<Severity>,
    tlp: Tlp,
    pap: Pap,
    detected_at: Option<NaiveDateTime>,
}

pub fn check_input(input: &IncidentInput) -> AppResult<Checked> {
    let mut errors = FieldErrors::new();
    let title = check_text(&mut errors, "title", &input.title, MAX_TITLE, true);
    let description = check_text(
        &mut errors,
        "description",
        &input.description,
        MAX_DESCRIPTION,
        true,
    );
    let category = match input
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => Some(UNDETERMINED.to_owned()),
        Some(raw) => errors.check("category", parse_category(raw)),
    };
    let severity = match input
        .severity
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => Some(None),
        Some(raw) => errors
            .check("severity", Severity::parse_lenient(raw))
            .map(Some),
    };
    let tlp = match input.tlp.as_deref() {
        None | Some("") => Some(Tlp::Amber),
        Some(raw) => errors.check("tlp", Tlp::parse_lenient(raw)),
    };
    let pap = match input.pap.as_deref() {
        None | Some("") => Some(Pap::Amber),
        Some(raw) => errors.check("pap", Pap::parse_lenient(raw)),
    };
    let detected_at = check_detected_at(&mut errors, input.detected_at.as_deref());
    errors.into_result()?;
    Ok(Checked {
        title: title.unwrap(),
        description: description.unwrap(),
        category: category.unwrap(),
        severity: severity.unwrap(),
        tlp: tlp.unwrap(),
        pap: pap.unwrap(),
        detected_at: detected_at.unwrap(),
    })
}

/// Inserts a new incident with its reference, and its `incident.created` event. Call inside a
/// write transaction.
pub fn insert_new(
    conn: &mut DbConn,
    prefix: &str,
    organisation_id: i64,
    checked: &Checked,
    intake: &Intake,
) -> AppResult<Incident> {
    let now = time::now();
    let year = now.year();
    let number = incident::next_counter(conn, &format!("{prefix}-{year}"))?;
    let due = sla::due_for(conn, now, checked.severity)?;
    let reference = format_reference(prefix, year, number);
    let created = incident::insert(
        conn,
        &NewIncident {
            reference: &reference,
            title: &checked.title,
            description: &checked.description,
            search_key: &search_key(&reference, &checked.title, &checked.description),
            category: &checked.category,
            severity: checked.severity.map(Severity::as_str),
            tlp: checked.tlp.as_str(),
            tlp_rank: checked.tlp.rank(),
            pap: checked.pap.as_str(),
            status: Status::New.as_str(),
            organisation_id,
            reporter_id: intake.reporter_id,
            reporter_contact: intake.reporter_contact,
            tracking_hash: intake.tracking_hash,
            detected_at: checked.detected_at,
            reported_at: now,
            ack_due_at: due.ack,
            contain_due_at: due.contain,
            resolve_due_at: due.resolve,
            reopen_count: 0,
            created_by: intake.created_by,
            created_at: now,
            updated_at: now,
        },
    )?;
    audit::append(
        conn,
        Entry {
            by: intake.by.clone(),
            action: "incident.created",
            entity_type: "incident",
            entity_id: Some(created.id),
            incident_id: Some(created.id),
            details: json!({
                "reference": created.reference, "title": created.title, "description": created.description,
                "category": created.category, "severity": created.severity, "tlp": created.tlp, "pap": created.pap,
                "organisation_id": created.organisation_id, "detected_at": created.detected_at.map(time::rfc3339),
                "source": intake.source, "reporter_contact": created.reporter_contact,
            }),
        },
    )?;
    Ok(created)
}

pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
    input: IncidentInput,
) -> AppResult<Incident> {
    authz::require(actor, Action::CreateIncident)?;
    let checked = check_input(&input)?;
    let organisation_id = match (authz::filing_scope(actor), input.organisation_id) {
        (OrganisationScope::Only(own), Some(id)) if id != own => {
            return Err(AppError::field(
                "organisation_id",
                "reporters file incidents for their own organisation",
            ))
        }
        (OrganisationScope::Only(own), _) => own,
        (OrganisationScope::All, requested) => requested.unwrap_or(actor.organisation_id),
    };
    write_tx(conn, |conn| {
        let org = organisations::named_active(conn, organisation_id)?;
        let intake = Intake {
            by: By::from(actor),
            created_by: Some(actor.user_id),
            reporter_id: (actor.role == Role::Reporter).then_some(actor.user_id),
            reporter_contact: None,
            tracking_hash: None,
            source: if actor.role == Role::Reporter {
                "reporter"
            } else {
                "cert"
            },
        };
        let created = insert_new(conn, &settings.reference_prefix, org.id, &checked, &intake)?;
        notices::created(conn, &settings.mail, &created, Some(actor), &org.name)?;
        match input.significant {
            Some(true) => nis2::set_significant(conn, actor, created, true),
            _ => Ok(created),
        }
    })
}

pub fn get(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Incident> {
    authz::require(actor, Action::ReadIncidents)?;
    Ok(incident::find_visible(
        conn,
        id,
        authz::incident_scope(actor),
    )?)
}

pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &IncidentFilter,
    page: Page,
) -> AppResult<Vec<Incident>> {
    authz::require(actor, Action::ReadIncidents)?;
    if filter.technique.is_some() {
        // Tags are the CERT's analysis: filtering by them would reveal them.
        authz::require(actor, Action::ReadTechniques)?;
    }
    Ok(incident::list(
        conn,
        authz::incident_scope(actor),
        filter,
        page,
    )?)
}

// A change to an incident's details as the API's JSON body and the edit form give it (a plain
// comment: a doc comment would become the schema's description).
#[derive(Debug, Default, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = UpdateIncident)]
pub struct IncidentPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub severity: Option<String>,
    pub tlp: Option<String>,
    pub pap: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "crate::domain::patch::double_option")]
    #[schema(value_type = Option<String>)]
    pub detected_at: Option<Option<String>>,
    /// `true` marks the incident significant under NIS2 (the reporter side may send this
    /// field alone); it cannot be withdrawn.
    pub significant: Option<bool>,
}

impl IncidentPatch {
    /// Only the NIS2 mark, which the reporter side may set too.
    fn only_significant(&self) -> bool {
        let IncidentPatch {
            title,
            description,
            category,
            severity,
            tlp,
            pap,
            detected_at,
            significant,
        } = self;
        significant.is_some()
            && title.is_none()
            && description.is_none()
            && category.is_none()
            && severity.is_none()
            && tlp.is_none()
            && pap.is_none()
            && detected_at.is_none()
    }
}

pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    patch: IncidentPatch,
) -> AppResult<Incident> {
    if let (true, Some(flag)) = (patch.only_significant(), patch.significant) {
        return services::nis2::mark(conn, actor, id, flag);
    }
    authz::require(actor, Action::EditIncident)?;
    let mut errors = FieldErrors::new();
    let title = errors.patched("title", patch.title.as_deref(), text(MAX_TITLE, true));
    let description = patch.description.as_deref();
    let description = errors.patched("description", description, text(MAX_DESCRIPTION, true));
    let category = errors.patched("category", patch.category.as_deref(), parse_category);
    let severity = errors.patched(
        "severity",
        patch.severity.as_deref(),
        Severity::parse_lenient,
    );
    let tlp = errors.patched("tlp", patch.tlp.as_deref(), Tlp::parse_lenient);
    let pap = errors.patched("pap", patch.pap.as_deref(), Pap::parse_lenient);
    let detected_at = patch
        .detected_at
        .as_ref()
        .and_then(|d| check_detected_at(&mut errors, d.as_deref()));
    errors.into_result()?;

    write_tx(conn, |conn| {
        let before = incident::find_visible(conn, id, authz::incident_scope(actor))?;
        if before.status != Status::New.as_str() && category.as_deref() == Some(UNDETERMINED) {
            return Err(AppError::field(
                "category",
                "cannot go back to undetermined once the incident left new",
            ));
        }
        let text_changed = title.is_some() || description.is_some();
        let new_title = title.clone().unwrap_or_else(|| before.title.clone());
        let new_description = description
            .clone()
            .unwrap_or_else(|| before.description.clone());
        let mut changes = IncidentChanges {
            title,
            description,
            search_key: text_changed
                .then(|| search_key(&before.reference, &new_title, &new_description)),
            category,
            severity: severity.map(|s| Some(s.as_str().to_owned())),
            tlp: tlp.map(|t| t.as_str().to_owned()),
            tlp_rank: tlp.map(Tlp::rank),
            pap: pap.map(|p| p.as_str().to_owned()),
            detected_at,
            updated_at: Some(time::now()),
            ..Default::default()
        };
        if let Some(new) = severity.filter(|s| before.severity.as_deref() != Some(s.as_str())) {
            let targets = sla::targets_for(conn, Some(new))?;
            sla::recompute_into(&mut changes, &before, Some(new), targets);
        }
        let after = incident::update(conn, id, &changes)?;
        let mut fields = vec![
            ("title", json!(before.title), json!(after.title)),
            (
                "description",
                json!(before.description),
                json!(after.description),
            ),
            ("category", json!(before.category), json!(after.category)),
            ("severity", json!(before.severity), json!(after.severity)),
            ("tlp", json!(before.tlp), json!(after.tlp)),
            ("pap", json!(before.pap), json!(after.pap)),
            (
                "detected_at",
                json!(before.detected_at.map(time::rfc3339)),
                json!(after.detected_at.map(time::rfc3339)),
            ),
        ];
        fields.extend(sla::due_changes(&before, &after));
        let details = audit::changes(&fields);
        if details.as_object().is_some_and(|m| !m.is_empty()) {
            append_event(conn, actor, id, "incident.updated", details)?;
        }
        if before.detected_at != after.detected_at {
            services::nis2::reschedule(conn, &after)?;
        }
        match patch.significant {
            Some(flag) => services::nis2::set_significant(conn, actor, after, flag),
            None => Ok(after),
        }
    })
}

/// An event in the incident's stream by a signed-in actor.
pub fn append_event(
    conn: &mut DbConn,
    actor: &Actor,
    incident_id: i64,
    action: &str,
    details: Value,
) -> AppResult<AuditEvent> {
    audit::append(
        conn,
        Entry {
            by: By::from(actor),
            action,
            entity_type: "incident",
            entity_id: Some(incident_id),
            incident_id: Some(incident_id),
            details,
        },
    )
}

/// The incident's audit events, oldest first: for the CERT and auditors only.
pub fn history(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Vec<AuditEvent>> {
    authz::require(actor, Action::ReadInternal)?;
    let visible = incident::find_visible(conn, id, authz::incident_scope(actor))?;
    Ok(audit_db::for_incident(conn, visible.id)?)
}
