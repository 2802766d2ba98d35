//! `/` for everyone but auditors: the work queue of CERT staff (unassigned first, then their own,
//! then all open incidents; each by the next SLA deadline), the reporting side's own incidents, the incidents
//! shared with a liaison's organisation.

use actix_web::http::StatusCode;
use askama::Template;

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::DbConn,
    domain::{workflow::Status, Role},
    error::{AppError, AppResult},
    present::run,
    services::{
        rows::{Incident, IncidentFilter},
        Page as DbPage,
    },
    state::AppState,
    web::{
        context::{SignedIn, WebResult},
        incidents::{labels::Labels, list::rows, names::Names},
        page::{render, Page},
    },
};

/// One section of the work queue.
pub struct QueueSection {
    pub id: &'static str,
    pub title: String,
    pub incidents: Vec<Incident>,
    /// The full list with the same filter.
    pub more_href: String,
}

#[derive(Template)]
#[template(path = "incidents/queue.html")]
struct QueueTemplate {
    page: Page,
    l: Labels,
    sections: Vec<QueueSection>,
    names: Names,
    staff_view: bool,
    may_file: bool,
}

const QUEUE_LIMIT: i64 = 25;

fn open_statuses() -> Vec<String> {
    Status::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str().to_owned())
        .collect()
}

/// A section before it is loaded: its anchor, its title's key, what it lists and the link to
/// the full list.
type Spec = (&'static str, &'static str, IncidentFilter, String);

/// CERT staff: unassigned, their own, all open; everyone else: what they may see.
fn specs(actor: &Actor) -> Vec<Spec> {
    if !actor.role.is_cert_staff() {
        let title = if actor.role == Role::Liaison {
            "inc-queue-shared"
        } else {
            "inc-queue-organisation"
        };
        let all = IncidentFilter::default();
        return vec![("queue-visible", title, all, "/incidents".to_owned())];
    }
    let open = open_statuses().join(",");
    let me = actor.user_id;
    let open_with = |assignee_id| IncidentFilter {
        statuses: open_statuses(),
        assignee_id,
        sort_due: true,
        ..Default::default()
    };
    vec![
        (
            "queue-unassigned",
            "inc-queue-unassigned",
            open_with(Some(None)),
            format!("/incidents?status={open}&assignee_id=none&sort=due"),
        ),
        (
            "queue-mine",
            "inc-queue-mine",
            open_with(Some(Some(me))),
            format!("/incidents?status={open}&assignee_id={me}&sort=due"),
        ),
        (
            "queue-open",
            "inc-queue-open",
            open_with(None),
            format!("/incidents?status={open}&sort=due"),
        ),
    ]
}

/// Each section's first incidents, the next SLA deadline first (the list's `sort=due`), and the
/// names of their assignees.
fn load(
    conn: &mut DbConn,
    actor: &Actor,
    filters: &[IncidentFilter],
) -> AppResult<(Vec<Vec<Incident>>, Names)> {
    let page = DbPage {
        limit: QUEUE_LIMIT,
        after: None,
    };
    let mut lists = Vec::new();
    for filter in filters {
        let (found, _) = rows(conn, actor, filter, page)?;
        lists.push(found);
    }
    let people = lists.iter().flatten().filter_map(|i| i.assignee_id);
    let names = Names::load(conn, actor, people.collect::<Vec<_>>())?;
    Ok((lists, names))
}

/// The start page for everyone but auditors (`None`: the general start page).
pub async fn home(state: &AppState, ctx: &SignedIn) -> Result<Option<WebResult>, AppError> {
    let role = ctx.actor.role;
    if role == Role::Auditor {
        return Ok(None);
    }
    let page = ctx.page("home-title");
    let specs = specs(&ctx.actor);
    let filters: Vec<IncidentFilter> = specs.iter().map(|s| s.2.clone()).collect();
    let (lists, names) = run(state, &ctx.actor, move |conn, actor| {
        load(conn, actor, &filters)
    })
    .await?;
    let sections = specs
        .into_iter()
        .zip(lists)
        .map(|((id, title, _, more_href), incidents)| QueueSection {
            id,
            title: page.t(title),
            incidents,
            more_href,
        })
        .collect();
    let template = QueueTemplate {
        l: Labels::new(&page),
        page,
        sections,
        names,
        staff_view: role.is_cert_staff(),
        may_file: authz::allows(role, Action::CreateIncident),
    };
    Ok(Some(
        render(StatusCode::OK, &template.page, &template).map_err(Into::into),
    ))
}
