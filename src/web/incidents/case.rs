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
    db::{
        models::{
            asset::{Asset, Link},
            audit::AuditEvent,
            collaboration::{Comment, Share, Task},
            evidence::{CustodyEvent, Evidence},
            incident::Incident,
            Page as DbPage,
        },
        DbConn,
    },
    domain::{
        evidence::CustodyAction,
        observable::ObservableKind,
        workflow::{self, Status},
    },
    error::AppResult,
    services::{self, observables::ObservableDetails},
    state::AppState,
    web::{
        context::{SignedIn, WebResult},
        forms::{Choice, FormErrors},
        incidents::{
            labels::{CategoryGroup, Labels},
            names::{self, Names},
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

pub struct EvidenceItem {
    pub item: Evidence,
    pub custody: Vec<CustodyEvent>,
}

/// Everything a case page shows, loaded in one trip to the database pool.
pub struct CaseData {
    pub incident: Incident,
    pub comments: Vec<Comment>,
    pub tasks: Vec<Task>,
    pub shares: Vec<Share>,
    pub history: Vec<AuditEvent>,
    pub observables: Vec<ObservableDetails>,
    pub assets: Vec<(Link, Asset)>,
    pub asset_choices: Vec<Asset>,
    pub evidence: Vec<EvidenceItem>,
    pub staff: Vec<crate::db::models::user::User>,
    pub names: Names,
}

fn may(actor: &Actor, action: Action) -> bool {
    authz::allows(actor.role, action)
}

pub fn load(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<CaseData> {
    use services::incidents::{self as inc, collaboration as collab};
    let all = DbPage {
        limit: DbPage::MAX_LIMIT,
        after: None,
    };
    let incident = inc::get(conn, actor, id)?;
    let comments = collab::comments(conn, actor, id)?;
    let internal = may(actor, Action::ReadInternal);
    let (tasks, shares, history) = if internal {
        (
            collab::tasks(conn, actor, id)?,
            collab::shares(conn, actor, id)?,
            inc::history(conn, actor, id)?,
        )
    } else {
        Default::default()
    };
    let observables = services::observables::list(conn, actor, id)?;
    let reads_assets = may(actor, Action::ReadAssets);
    let assets = if reads_assets {
        services::assets::links(conn, actor, id)?
    } else {
        Vec::new()
    };
    let asset_choices = if may(actor, Action::ManageAssets) {
        services::assets::list(conn, actor, Default::default(), all)?
    } else {
        Vec::new()
    };
    let mut evidence = Vec::new();
    if may(actor, Action::ReadEvidence) {
        for item in services::evidence::list(conn, actor, id, all)? {
            let custody = services::evidence::custody(conn, actor, item.id, all)?;
            evidence.push(EvidenceItem { item, custody });
        }
    }
    let staff = names::staff(conn, actor)?;
    let people = comments
        .iter()
        .map(|c| c.author_id)
        .chain(tasks.iter().map(|t| t.assignee_id))
        .chain(history.iter().map(|e| e.actor_id))
        .chain(evidence.iter().map(|e| e.item.collected_by))
        .chain([incident.assignee_id, incident.reporter_id])
        .flatten()
        .collect::<Vec<_>>();
    let names = Names::load(conn, actor, people)?;
    Ok(CaseData {
        incident,
        comments,
        tasks,
        shares,
        history,
        observables,
        assets,
        asset_choices,
        evidence,
        staff,
        names,
    })
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

/// The case page, after a refused form (`failed`) or plainly.
pub async fn page(
    state: &AppState,
    ctx: &SignedIn,
    id: i64,
    failed: Failed,
    notice: Option<&str>,
) -> WebResult {
    let actor = ctx.actor.clone();
    let d = state.db.run(move |conn| load(conn, &actor, id)).await?;
    let status = if failed.section.is_empty() {
        StatusCode::OK
    } else {
        failed.errors.status()
    };
    let mut page = ctx.page("inc-case-title").with_notice(notice);
    page.title = format!("{} · {}", d.incident.reference, d.incident.title);
    let l = Labels::new(&page);
    let actor = &ctx.actor;
    let i = &d.incident;
    let from = Status::parse(&i.status).unwrap_or(Status::New);
    let offers = Status::ALL
        .iter()
        .filter(|to| workflow::is_edge(from, **to) && workflow::role_may(actor.role, from, **to))
        .map(|to| Offer {
            to: to.as_str(),
            label: page.t(&format!("inc-move-{to}")),
            needs_resolution: *to == Status::Closed && !workflow::is_reopen(from, *to),
            needs_reason: workflow::is_reopen(from, *to) || *to == Status::Rejected,
            needs_duplicate: *to == Status::Merged,
        })
        .collect();
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
    let custody_actions = Choice::list(
        CustodyAction::MANUAL
            .iter()
            .map(|a| (a.as_str().to_owned(), page.t(&format!("inc-custody-{a}")))),
        "",
    );
    let observable_kinds = Choice::list(
        ObservableKind::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), page.t(&format!("inc-kind-{k}")))),
        "",
    );
    // After a refused edit the selects show what was chosen, not what is stored.
    let edit = |field: &str, stored: &str| match failed.kept.get(field) {
        Some(v) if failed.section == "edit" => v.clone(),
        _ => stored.to_owned(),
    };
    let mut severities = l.severities(&edit("severity", i.severity.as_deref().unwrap_or_default()));
    if i.severity.is_none() {
        severities.insert(
            0,
            Choice {
                value: String::new(),
                label: page.t("inc-severity-unknown"),
                selected: edit("severity", "").is_empty(),
            },
        );
    }
    let template = CaseTemplate {
        categories: l.categories(&edit("category", &i.category)),
        severities,
        tlps: l.tlps(&edit("tlp", &i.tlp)),
        paps: l.paps(&edit("pap", &i.pap)),
        observable_kinds,
        share_tlps: l.tlps("TLP:AMBER"),
        assignees: Choice::list(assignees, &assignee),
        share_organisations: Choice::list(share_organisations, ""),
        custody_actions,
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
        offers,
        failed,
        no_errors: FormErrors::default(),
        d,
        l,
        page,
    };
    Ok(render(status, &template.page, &template)?)
}
