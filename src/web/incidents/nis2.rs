//! The case page's NIS2 reporting section: the stages as a timeline with what is due next, the
//! stage forms for the reporting side (and the CERT on its behalf), the CERT's request for an
//! intermediate report and its answer to early warnings.

use std::collections::HashMap;

use actix_web::web;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::{
    auth::Actor,
    authz::Action,
    db::DbConn,
    domain::{
        nis2::{Kind, Nis2Entity, Stage},
        time,
    },
    error::{AppError, AppResult},
    present::views::{next_due, report_views, ReportView},
    services::{
        nis2::{self, ReportInput, ReportRequest},
        organisations,
    },
    state::AppState,
    web::{
        context::{SignedIn, Submitted, WebResult},
        forms::{non_empty, Choice, FormErrors},
        incidents::{
            case::{self, Failed},
            case_data::may,
            local_to_rfc3339,
            refusal::{case_url, refused},
        },
        page::{see_other, Page},
    },
};

/// What the section shows, loaded with the rest of the case.
pub struct Nis2Data {
    /// The reporting organisation is an essential or important entity.
    pub entity: bool,
    pub significant: bool,
    pub reports: Vec<ReportView>,
}

pub fn load(
    conn: &mut DbConn,
    actor: &Actor,
    incident_id: i64,
    org: i64,
) -> AppResult<Option<Nis2Data>> {
    if !may(actor, Action::ReadReports) {
        return Ok(None);
    }
    let organisation = organisations::get(conn, actor, org)?;
    let entity = Nis2Entity::parse(&organisation.nis2_entity).is_ok_and(Nis2Entity::reports);
    let significant = nis2::is_significant(conn, incident_id)?;
    if !entity && !significant {
        return Ok(None);
    }
    let rows = nis2::list(conn, actor, incident_id)?;
    Ok(Some(Nis2Data {
        entity,
        significant,
        reports: report_views(&rows, time::now()),
    }))
}

/// One input of a stage form.
pub struct FormField {
    pub name: &'static str,
    /// `select`, `textarea`, `tel`, `email` or `number`.
    pub input: &'static str,
    pub required: bool,
    pub value: String,
    pub choices: Vec<Choice>,
}

/// A stage form: a first submission, or a correction of version `supersedes`.
pub struct StageForm {
    pub stage: &'static str,
    pub supersedes: Option<i64>,
    /// The section name a refusal comes back to (`nis2-<stage>` or `nis2-fix-<id>`).
    pub section: String,
    pub fields: Vec<FormField>,
}

/// The section as the template shows it.
pub struct Nis2Section {
    pub entity: bool,
    pub significant: bool,
    pub reports: Vec<ReportView>,
    pub next: Option<(String, DateTime<Utc>)>,
    pub forms: Vec<StageForm>,
    pub may_submit: bool,
    pub may_request: bool,
    pub may_acknowledge: bool,
    /// A refusal of a form no longer on the page (a stage submitted meanwhile), shown on top.
    pub orphan_errors: Vec<String>,
}

fn text_of(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn form(page: &Page, failed: &Failed, stage: Stage, fix: Option<&ReportView>) -> StageForm {
    let section = match fix {
        Some(v) => format!("nis2-fix-{}", v.id),
        None => format!("nis2-{stage}"),
    };
    let kept = failed.section == section;
    let fields = stage
        .fields()
        .into_iter()
        .map(|f| {
            let value = match (kept, fix) {
                (true, _) => failed.kept.get(f.name).cloned().unwrap_or_default(),
                (false, Some(v)) => text_of(v.fields.get(f.name)),
                (false, None) => String::new(),
            };
            let options: &[&str] = match f.kind {
                Kind::YesNoUnknown => &["yes", "no", "unknown"],
                Kind::Severity => &["low", "medium", "high", "critical"],
                _ => &[],
            };
            let mut choices = vec![(String::new(), "—".to_owned())];
            choices.extend(
                options
                    .iter()
                    .map(|o| (o.to_string(), page.t(&format!("inc-nis2-option-{o}")))),
            );
            FormField {
                name: f.name,
                input: match f.kind {
                    Kind::YesNoUnknown | Kind::Severity => "select",
                    Kind::Text => "textarea",
                    Kind::Phone => "tel",
                    Kind::Email => "email",
                    Kind::Count => "number",
                },
                required: f.required,
                choices: if options.is_empty() {
                    Vec::new()
                } else {
                    Choice::list(choices, &value)
                },
                value,
            }
        })
        .collect();
    StageForm {
        stage: stage.as_str(),
        supersedes: fix.map(|v| v.id),
        section,
        fields,
    }
}

/// The section for the case page, with the forms this reader may send.
pub fn section(page: &Page, actor: &Actor, data: Nis2Data, failed: &Failed) -> Nis2Section {
    let may_submit = may(actor, Action::SubmitReports) && data.significant;
    let mut forms = Vec::new();
    if may_submit {
        for stage in Stage::ALL {
            let rows: Vec<&ReportView> = data
                .reports
                .iter()
                .filter(|r| r.stage == stage.as_str())
                .collect();
            if rows.iter().any(|r| r.submitted_at.is_none()) {
                forms.push(form(page, failed, *stage, None));
            }
            let current = rows
                .iter()
                .filter(|r| r.submitted_at.is_some() && r.superseded_by.is_none());
            for version in current {
                forms.push(form(page, failed, *stage, Some(version)));
            }
        }
    }
    let may_request = may(actor, Action::RequestReports) && data.significant;
    let may_acknowledge = may(actor, Action::AcknowledgeReports);
    let shown = |section: &str| {
        forms.iter().any(|f| f.section == section)
            || (section == "nis2-request" && may_request)
            || (section == "nis2-mark" && !data.significant)
            || (may_acknowledge
                && data.reports.iter().any(|r| {
                    r.acknowledged_at.is_none() && section == format!("nis2-ack-{}", r.id)
                }))
    };
    let orphan_errors = if failed.section.starts_with("nis2") && !shown(&failed.section) {
        failed.errors.general.clone()
    } else {
        Vec::new()
    };
    Nis2Section {
        orphan_errors,
        next: next_due(&data.reports),
        entity: data.entity,
        significant: data.significant,
        reports: data.reports,
        forms,
        may_submit: may(actor, Action::SubmitReports),
        may_request,
        may_acknowledge,
    }
}

/// Where a refusal goes: the form's section, its own fields and what was typed.
struct Refusal {
    section: String,
    fields: Vec<String>,
    kept: HashMap<String, String>,
}

/// Runs `job` for the reader; back to the section when it worked, else to the refused form with
/// the services' words in the reader's language (conflicts at the form's head).
async fn perform<T: Send + 'static>(
    state: &AppState,
    ctx: &SignedIn,
    id: i64,
    refusal: Refusal,
    job: impl FnOnce(&mut DbConn, &Actor) -> AppResult<T> + Send + 'static,
) -> WebResult {
    let actor = ctx.actor.clone();
    let error = match state.db.run(move |conn| job(conn, &actor)).await {
        Ok(_) => return Ok(see_other(&case_url(id, "nis2"))),
        Err(error) => error,
    };
    let Refusal {
        section,
        fields,
        kept,
    } = refusal;
    let AppError::Conflict(message) = &error else {
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        return refused(state, ctx, id, &section, &fields, error, kept).await;
    };
    let key = match message.as_str() {
        m if m.contains("already submitted") => "inc-nis2-err-submitted",
        m if m.contains("already corrected") || m.contains("corrected meanwhile") => {
            "inc-nis2-err-corrected"
        }
        m if m.contains("already acknowledged") => "inc-nis2-err-acknowledged",
        m if m.contains("final report opens") => "inc-nis2-err-final",
        m if m.contains("intermediate report was requested") => "inc-nis2-err-intermediate",
        _ => "error-409-text",
    };
    let mut errors = FormErrors::default();
    errors.general.push(ctx.page.t(key));
    errors.conflict = true;
    let failed = Failed {
        section,
        errors,
        kept,
    };
    case::page(state, ctx, id, failed, None).await
}

type Form = Submitted<HashMap<String, String>>;

pub async fn mark(state: web::Data<AppState>, id: web::Path<i64>, posted: Form) -> WebResult {
    let id = id.into_inner();
    let refusal = Refusal {
        section: "nis2-mark".into(),
        fields: Vec::new(),
        kept: HashMap::new(),
    };
    perform(&state, &posted.who, id, refusal, move |conn, actor| {
        nis2::mark(conn, actor, id, true)
    })
    .await
}

/// A stage form: `stage`, `supersedes` for a correction, and the stage's own fields.
pub async fn submit(state: web::Data<AppState>, id: web::Path<i64>, posted: Form) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    let id = id.into_inner();
    let raw_stage = form.get("stage").cloned().unwrap_or_default();
    let supersedes = form
        .get("supersedes")
        .and_then(|s| non_empty(s))
        .map(|s| s.parse().unwrap_or(0));
    let names: Vec<&'static str> = Stage::parse(&raw_stage)
        .map(|s| s.fields().into_iter().map(|f| f.name).collect())
        .unwrap_or_default();
    let kept: HashMap<String, String> = names
        .iter()
        .filter_map(|n| form.get(*n).map(|v| (n.to_string(), v.clone())))
        .collect();
    let refusal = Refusal {
        section: match supersedes {
            Some(v) => format!("nis2-fix-{v}"),
            None => format!("nis2-{raw_stage}"),
        },
        fields: names.iter().map(|n| format!("fields.{n}")).collect(),
        kept: kept.clone(),
    };
    let fields: Map<String, Value> = kept
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let input = ReportInput {
        stage: raw_stage,
        fields: Value::Object(fields),
        supersedes,
    };
    perform(&state, &ctx, id, refusal, move |conn, actor| {
        nis2::submit(conn, actor, id, input)
    })
    .await
}

pub async fn request(state: web::Data<AppState>, id: web::Path<i64>, posted: Form) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    let id = id.into_inner();
    let due = form.get("due_at").cloned().unwrap_or_default();
    let input = ReportRequest {
        stage: Stage::Intermediate.as_str().to_owned(),
        due_at: local_to_rfc3339(ctx.page.tz, &due),
    };
    let refusal = Refusal {
        section: "nis2-request".into(),
        fields: vec!["due_at".into()],
        kept: HashMap::from([("due_at".to_owned(), due)]),
    };
    perform(&state, &ctx, id, refusal, move |conn, actor| {
        nis2::request(conn, actor, id, input)
    })
    .await
}

pub async fn acknowledge(
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    posted: Form,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    let (id, report_id) = path.into_inner();
    let feedback = form.get("feedback").cloned().unwrap_or_default();
    let refusal = Refusal {
        section: format!("nis2-ack-{report_id}"),
        fields: vec!["feedback".into()],
        kept: HashMap::from([("feedback".to_owned(), feedback.clone())]),
    };
    perform(&state, &ctx, id, refusal, move |conn, actor| {
        // The early warning must belong to this page's incident.
        if !nis2::list(conn, actor, id)?
            .iter()
            .any(|r| r.id == report_id)
        {
            return Err(AppError::NotFound);
        }
        nis2::acknowledge(conn, actor, report_id, &feedback)
    })
    .await
}
