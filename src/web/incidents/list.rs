//! `/incidents`: the incidents the reader may see, with filters and "next page" links; and the
//! start page of CERT staff (the work queue), reporters (their organisation's incidents) and
//! liaisons (incidents shared with them). Visibility is the service's, in SQL.

use actix_web::web;
use askama::Template;
use serde::Deserialize;

use crate::{
    auth::Actor,
    authz::{self, Action},
    error::{AppResult, FieldErrors},
    present::filters::{apply_cursor, cursor_after, parse_filter, IncidentQuery},
    services::{
        incidents,
        rows::{Incident, IncidentFilter, User},
        split_page_by, Page as DbPage,
    },
    state::AppState,
    web::{
        context::{SignedIn, WebResult},
        forms::{page_after, Choice, FormErrors},
        incidents::{
            labels::{CategoryGroup, Labels},
            names::{self, Names},
        },
        page::{render, Page},
    },
};

/// The filters of the list, as the form sends them (and the "next page" link repeats them).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub organisation_id: String,
    #[serde(default)]
    pub assignee_id: String,
    #[serde(default)]
    pub tlp: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub overdue: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub reported_from: String,
    #[serde(default)]
    pub reported_before: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub class: String,
    #[serde(default)]
    pub technique: String,
    #[serde(default)]
    pub after: String,
}

impl ListQuery {
    fn filter(&self, errors: &mut FieldErrors) -> IncidentFilter {
        let some = crate::web::forms::given;
        parse_filter(
            &IncidentQuery {
                status: some(&self.status),
                severity: some(&self.severity),
                category: some(&self.category),
                organisation_id: some(&self.organisation_id),
                assignee_id: some(&self.assignee_id),
                tlp: some(&self.tlp),
                q: some(&self.q),
                overdue: some(&self.overdue),
                sort: some(&self.sort),
                reported_from: some(&self.reported_from),
                reported_before: some(&self.reported_before),
                sector: some(&self.sector),
                class: some(&self.class),
                technique: some(&self.technique),
            },
            errors,
        )
    }

    /// The filters that the form has no field for (links from the dashboard and statistics),
    /// kept as hidden fields and named above the list.
    pub fn extra(&self) -> Vec<(&'static str, &str)> {
        // `overdue=true` is the form's checkbox; the kinds (`ack`, …) come only from links.
        let kind = !matches!(self.overdue.as_str(), "" | "true");
        self.pairs()
            .into_iter()
            .enumerate()
            .filter(|(i, (_, v))| !v.is_empty() && (*i > 9 || (*i == 9 && kind)))
            .map(|(_, pair)| pair)
            .collect()
    }

    fn pairs(&self) -> [(&'static str, &str); 14] {
        [
            ("status", &self.status),
            ("severity", &self.severity),
            ("category", &self.category),
            ("organisation_id", &self.organisation_id),
            ("assignee_id", &self.assignee_id),
            ("tlp", &self.tlp),
            ("q", &self.q),
            ("sort", &self.sort),
            ("technique", &self.technique),
            ("overdue", &self.overdue),
            ("reported_from", &self.reported_from),
            ("reported_before", &self.reported_before),
            ("sector", &self.sector),
            ("class", &self.class),
        ]
    }

    /// The query string of the next page: the same filters after `cursor`.
    fn next_href(&self, cursor: &str) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.pairs() {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        s.append_pair("after", cursor);
        format!("/incidents?{}", s.finish())
    }
}

pub fn rows(
    conn: &mut crate::db::DbConn,
    actor: &Actor,
    filter: &IncidentFilter,
    page: DbPage,
) -> AppResult<(Vec<Incident>, Option<String>)> {
    let found = incidents::list(conn, actor, filter, page)?;
    Ok(split_page_by(found, page, |i| cursor_after(filter, i)))
}

#[derive(Template)]
#[template(path = "incidents/list.html")]
struct ListTemplate {
    page: Page,
    l: Labels,
    query: ListQuery,
    errors: FormErrors,
    incidents: Vec<Incident>,
    names: Names,
    next_href: Option<String>,
    statuses: Vec<Choice>,
    sorts: Vec<Choice>,
    severities: Vec<Choice>,
    tlps: Vec<Choice>,
    categories: Vec<CategoryGroup>,
    organisations: Vec<Choice>,
    assignees: Vec<Choice>,
    staff_view: bool,
    may_file: bool,
}

/// "Any" first, then the choices of a select.
fn with_any(page: &Page, mut choices: Vec<Choice>) -> Vec<Choice> {
    choices.insert(
        0,
        Choice {
            value: String::new(),
            label: page.t("inc-filter-any"),
            selected: false,
        },
    );
    choices
}

/// A choice the list filters offer beyond the codes themselves (`open`, severity `none`).
fn with_choice(
    mut choices: Vec<Choice>,
    (value, label): (&str, String),
    selected: &str,
) -> Vec<Choice> {
    choices.push(Choice {
        value: value.to_owned(),
        label,
        selected: value == selected,
    });
    choices
}

/// The organisation and assignee filters' options: organisations by name, then "unassigned"
/// and the CERT staff.
fn people_choices(
    page: &Page,
    query: &ListQuery,
    names: &Names,
    staff: Vec<User>,
) -> (Vec<Choice>, Vec<Choice>) {
    let mut organisations: Vec<(String, String)> = names
        .organisations
        .iter()
        .map(|(id, name)| (id.to_string(), name.clone()))
        .collect();
    organisations.sort_by_key(|(_, name)| name.to_lowercase());
    organisations.insert(0, (String::new(), page.t("inc-filter-any")));
    let mut assignees = vec![
        (String::new(), page.t("inc-filter-any")),
        ("none".to_owned(), page.t("inc-unassigned")),
    ];
    assignees.extend(
        staff
            .into_iter()
            .map(|u| (u.id.to_string(), u.display_name)),
    );
    (
        Choice::list(organisations, &query.organisation_id),
        Choice::list(assignees, &query.assignee_id),
    )
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: SignedIn,
    query: web::Query<ListQuery>,
) -> WebResult {
    let query = query.into_inner();
    let page = ctx.page("inc-list-title");
    let l = Labels::new(&page);
    let mut field_errors = FieldErrors::new();
    let mut filter = query.filter(&mut field_errors);
    let mut db_page = page_after("")?;
    db_page.after = apply_cursor(Some(&query.after), &mut filter, &mut field_errors);
    let (errors, status) = FormErrors::checked(&page, field_errors)?;
    let actor = ctx.actor.clone();
    let valid = errors.is_empty();
    let (found, next, names, staff) = state
        .db
        .run(move |conn| {
            let (found, next) = if valid {
                rows(conn, &actor, &filter, db_page)?
            } else {
                (Vec::new(), None)
            };
            let names = Names::load(conn, &actor, found.iter().filter_map(|i| i.assignee_id))?;
            let staff = names::staff(conn, &actor)?;
            Ok((found, next, names, staff))
        })
        .await?;
    let (organisations, assignees) = people_choices(&page, &query, &names, staff);
    let any = |choices: Vec<Choice>| with_any(&page, choices);
    let role = ctx.actor.role;
    let template = ListTemplate {
        statuses: any(with_choice(
            l.statuses(&query.status),
            ("open", page.t("inc-filter-open")),
            &query.status,
        )),
        sorts: l.sorts(&query.sort),
        severities: any(with_choice(
            l.severities(&query.severity),
            ("none", l.severity(&None)),
            &query.severity,
        )),
        tlps: any(l.tlps(&query.tlp)),
        categories: l.categories(&query.category),
        organisations,
        assignees,
        next_href: next.map(|c| query.next_href(&c)),
        staff_view: authz::allows(role, Action::ReadInternal),
        may_file: authz::allows(role, Action::CreateIncident),
        incidents: found,
        names,
        query,
        errors,
        l,
        page,
    };
    Ok(render(status, &template.page, &template)?)
}
