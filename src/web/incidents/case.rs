//! `/incidents/{id}`: the case page. Every section is loaded through its service and shown only
//! when the policy lets the reader see it; a refused form comes back here with its messages
//! next to the fields of that one form and the input kept.

use std::collections::HashMap;

use actix_web::{http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use crate::{
    auth::Actor,
    authz::{self, Action},
    domain::{
        evidence::CustodyAction,
        observable::ObservableKind,
        workflow::{self, Status},
    },
    present::run,
    services::rows::{Comment, Incident},
    state::AppState,
    web::{
        context::{SignedIn, WebResult},
        forms::{Choice, FormErrors},
        incidents::{
            case_data::{load, may, CaseData},
            labels::{CategoryGroup, Labels},
            nis2::{self, Nis2Section},
            utc_to_local_input,
        },
        page::{render, Page},
    },
};

/// A move the reader may make from the current status, with the fields its guard needs.
pub struct Offer {
    pub to: &'static str,
    pub label: String,
    pub needs_resolution: bool,
    pub needs_reason: bool,
    pub needs_duplicate: bool,
}

/// Which form was refused, what it said and what was typed.
#[derive(Default)]
pub struct Failed {
    pub section: String,
    pub errors: FormErrors,
    pub kept: HashMap<String, String>,
}

impl Failed {
    /// 200 for the plain page, else the refusal's own status (422 or 409).
    fn status(&self) -> StatusCode {
        if self.section.is_empty() {
            StatusCode::OK
        } else {
            self.errors.status()
        }
    }
}

#[derive(Template)]
#[template(path = "incidents/case.html")]
pub struct CaseTemplate {
    pub page: Page,
    pub l: Labels,
    pub d: CaseData,
    pub failed: Failed,
    pub no_errors: FormErrors,
    pub offers: Vec<Offer>,
    pub categories: Vec<CategoryGroup>,
    pub severities: Vec<Choice>,
    pub tlps: Vec<Choice>,
    pub paps: Vec<Choice>,
    pub share_tlps: Vec<Choice>,
    pub assignees: Vec<Choice>,
    pub share_organisations: Vec<Choice>,
    pub custody_actions: Vec<Choice>,
    pub observable_kinds: Vec<Choice>,
    pub internal: bool,
    pub may_edit: bool,
    pub may_assign: bool,
    pub may_comment_internal: bool,
    pub may_comment_shared: bool,
    pub may_share: bool,
    pub reads_assets: bool,
    pub may_upload: bool,
    pub reads_evidence: bool,
    pub may_custody: bool,
    pub may_export: bool,
    pub nis2: Option<Nis2Section>,
    pub reads_techniques: bool,
    pub may_tag: bool,
}

impl CaseTemplate {
    /// The messages of `section`'s form, or none when another form (or nothing) was refused.
    pub fn errors(&self, section: &str) -> &FormErrors {
        if self.failed.section == section {
            &self.failed.errors
        } else {
            &self.no_errors
        }
    }

    /// What was typed into `field` of `section`'s refused form, else `default`.
    pub fn kept(&self, section: &str, field: &str, default: &str) -> String {
        match self.failed.kept.get(field) {
            Some(v) if self.failed.section == section => v.clone(),
            _ => default.to_owned(),
        }
    }

    pub fn detected_at_input(&self) -> String {
        let current = utc_to_local_input(self.page.tz, self.d.incident.detected_at);
        self.kept("edit", "detected_at", &current)
    }

    pub fn is_internal(&self, comment: &Comment) -> bool {
        comment.visibility == "internal"
    }

    /// A score in 0..1 as a whole percentage.
    pub fn percent(&self, score: &f32) -> String {
        format!("{:.0} %", (score * 100.0).clamp(0.0, 100.0))
    }

    /// The technique's page on attack.mitre.org (`T1566.001` → `/techniques/T1566/001/`).
    pub fn attack_url(&self, id: &str) -> String {
        format!(
            "https://attack.mitre.org/techniques/{}/",
            id.replace('.', "/")
        )
    }

    pub fn size(&self, bytes: &i64) -> String {
        match *bytes {
            b if b < 1024 => format!("{b} B"),
            b if b < 1024 * 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
            b => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CaseQuery {
    pub created: Option<String>,
    pub saved: Option<String>,
}

pub async fn show(
    state: web::Data<AppState>,
    ctx: SignedIn,
    id: web::Path<i64>,
    query: web::Query<CaseQuery>,
) -> WebResult {
    let notice = match (&query.created, &query.saved) {
        (Some(_), _) => Some("inc-notice-filed"),
        (_, Some(_)) => Some("notice-saved"),
        _ => None,
    };
    page(&state, &ctx, id.into_inner(), Failed::default(), notice).await
}

/// The moves this reader may make from `from`, with the guard fields each one asks for.
fn offers(page: &Page, actor: &Actor, from: Status) -> Vec<Offer> {
    Status::ALL
        .iter()
        .filter(|to| workflow::is_edge(from, **to) && authz::may_move(actor.role, from, **to))
        .map(|to| Offer {
            to: to.as_str(),
            label: page.t(&format!("inc-move-{to}")),
            needs_resolution: *to == Status::Closed && !workflow::is_reopen(from, *to),
            needs_reason: workflow::is_reopen(from, *to) || *to == Status::Rejected,
            needs_duplicate: *to == Status::Merged,
        })
        .collect()
}

/// Who the incident can be assigned to (the current one selected), and the organisations it
/// can be shared with (any but its own).
fn people_choices(page: &Page, d: &CaseData) -> (Vec<Choice>, Vec<Choice>) {
    let i = &d.incident;
    let mut assignees = vec![(String::new(), page.t("inc-unassigned"))];
    assignees.extend(
        d.staff
            .iter()
            .map(|u| (u.id.to_string(), u.display_name.clone())),
    );
    let assignee = i.assignee_id.map(|a| a.to_string()).unwrap_or_default();
    let mut share_organisations: Vec<(String, String)> = d
        .names
        .organisations
        .iter()
        .filter(|(id, _)| **id != i.organisation_id)
        .map(|(id, name)| (id.to_string(), name.clone()))
        .collect();
    share_organisations.sort_by_key(|(_, name)| name.to_lowercase());
    (
        Choice::list(assignees, &assignee),
        Choice::list(share_organisations, ""),
    )
}

/// After a refused edit the selects show what was chosen, not what is stored.
fn edited(failed: &Failed, field: &str, stored: &str) -> String {
    match failed.kept.get(field) {
        Some(v) if failed.section == "edit" => v.clone(),
        _ => stored.to_owned(),
    }
}

/// The severity select, with "unknown" first while the incident has none.
fn severities(page: &Page, l: &Labels, i: &Incident, failed: &Failed) -> Vec<Choice> {
    let stored = i.severity.as_deref().unwrap_or_default();
    let mut severities = l.severities(&edited(failed, "severity", stored));
    if i.severity.is_none() {
        severities.insert(
            0,
            Choice {
                value: String::new(),
                label: page.t("inc-severity-unknown"),
                selected: edited(failed, "severity", "").is_empty(),
            },
        );
    }
    severities
}

/// The case page, after a refused form (`failed`) or plainly.
pub async fn page(
    state: &AppState,
    ctx: &SignedIn,
    id: i64,
    failed: Failed,
    notice: Option<&str>,
) -> WebResult {
    let models = state.models.clone();
    let mut d = run(state, &ctx.actor, move |conn, actor| {
        load(conn, actor, id, &models)
    })
    .await?;
    let status = failed.status();
    let mut page = ctx.page("inc-case-title").with_notice(notice);
    page.title = format!("{} · {}", d.incident.reference, d.incident.title);
    let l = Labels::new(&page);
    let actor = &ctx.actor;
    let i = &d.incident;
    let from = Status::parse(&i.status).unwrap_or(Status::New);
    let (assignees, share_organisations) = people_choices(&page, &d);
    let edit = |field: &str, stored: &str| edited(&failed, field, stored);
    let nis2 = d
        .nis2
        .take()
        .map(|n| nis2::section(&page, actor, n, &failed));
    let template = CaseTemplate {
        categories: l.categories(&edit("category", &i.category)),
        severities: severities(&page, &l, i, &failed),
        tlps: l.tlps(&edit("tlp", &i.tlp)),
        paps: l.paps(&edit("pap", &i.pap)),
        observable_kinds: Choice::list(
            ObservableKind::ALL
                .iter()
                .map(|k| (k.as_str().to_owned(), page.t(&format!("inc-kind-{k}")))),
            "",
        ),
        share_tlps: l.tlps("TLP:AMBER"),
        assignees,
        share_organisations,
        custody_actions: Choice::list(
            CustodyAction::MANUAL
                .iter()
                .map(|a| (a.as_str().to_owned(), page.t(&format!("inc-custody-{a}")))),
            "",
        ),
        internal: may(actor, Action::ReadInternal),
        may_edit: may(actor, Action::EditIncident),
        may_assign: may(actor, Action::AssignIncident) && from.is_open(),
        may_comment_internal: may(actor, Action::CommentInternal),
        may_comment_shared: may(actor, Action::CommentShared),
        may_share: may(actor, Action::ShareIncident),
        reads_assets: may(actor, Action::ReadAssets),
        may_upload: may(actor, Action::UploadEvidence),
        reads_evidence: may(actor, Action::ReadEvidence),
        may_custody: may(actor, Action::RecordCustody),
        may_export: may(actor, Action::ReadAudit),
        reads_techniques: may(actor, Action::ReadTechniques),
        may_tag: may(actor, Action::TagTechniques),
        offers: offers(&page, actor, from),
        nis2,
        failed,
        no_errors: FormErrors::default(),
        d,
        l,
        page,
    };
    Ok(render(status, &template.page, &template)?)
}
