//! `/` for everyone but auditors: the work queue of CERT staff (new and unassigned first, then
//! their own, then all open incidents), the reporting side's own incidents, the incidents
//! shared with a liaison's organisation.

use actix_web::http::StatusCode;
use askama::Template;

use crate::{
    authz::{self, Action},
    domain::{workflow::Status, Role},
    error::AppError,
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

/// The start page for everyone but auditors (`None`: the general start page).
pub async fn home(state: &AppState, ctx: &SignedIn) -> Result<Option<WebResult>, AppError> {
    let role = ctx.actor.role;
    if role == Role::Auditor {
        return Ok(None);
    }
    let page = ctx.page("home-title");
    let staff_view = role.is_cert_staff();
    let open = open_statuses().join(",");
    let me = ctx.actor.user_id;
    let specs: Vec<(&'static str, &str, IncidentFilter, String)> = if staff_view {
        vec![
            (
                "queue-unassigned",
                "inc-queue-unassigned",
                IncidentFilter {
                    statuses: open_statuses(),
                    assignee_id: Some(None),
                    ..Default::default()
                },
                format!("/incidents?status={open}&assignee_id=none"),
            ),
            (
                "queue-mine",
                "inc-queue-mine",
                IncidentFilter {
                    statuses: open_statuses(),
                    assignee_id: Some(Some(me)),
                    ..Default::default()
                },
                format!("/incidents?status={open}&assignee_id={me}"),
            ),
            (
                "queue-open",
                "inc-queue-open",
                IncidentFilter {
                    statuses: open_statuses(),
                    ..Default::default()
                },
                format!("/incidents?status={open}"),
            ),
        ]
    } else {
        let title = if role == Role::Liaison {
            "inc-queue-shared"
        } else {
            "inc-queue-organisation"
        };
        vec![(
            "queue-visible",
            title,
            IncidentFilter::default(),
            "/incidents".to_owned(),
        )]
    };
    let actor = ctx.actor.clone();
    let filters: Vec<IncidentFilter> = specs.iter().map(|s| s.2.clone()).collect();
    let (lists, names) = state
        .db
        .run(move |conn| {
            let page = DbPage {
                limit: QUEUE_LIMIT,
                after: None,
            };
            let mut lists = Vec::new();
            for filter in &filters {
                let (mut found, _) = rows(conn, &actor, filter, page)?;
                // New incidents first, the nearest acknowledgement deadline first among them.
                found.sort_by_key(|i| (i.status != Status::New.as_str(), i.ack_due_at));
                lists.push(found);
            }
            let people = lists.iter().flatten().filter_map(|i| i.assignee_id);
            let names = Names::load(conn, &actor, people.collect::<Vec<_>>())?;
            Ok((lists, names))
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
        staff_view,
        may_file: authz::allows(role, Action::CreateIncident),
    };
    Ok(Some(
        render(StatusCode::OK, &template.page, &template).map_err(Into::into),
    ))
}
