//! How pages name the people they mention, and who can be given an incident: look-ups only, the
//! rules are `authz::may_see_name` and `Action::ListUsers`.

use std::collections::{BTreeSet, HashMap};

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{organisation, user, user::User, user::UserFilter, Page},
        DbConn,
    },
    domain::Role,
    error::AppResult,
};

/// A label for each of `people` that exists: the person's name where the actor may see it, else
/// the name of the person's organisation. `organisations` holds the names already known (the
/// actor's visible organisations) and gains any a label needed, so one look-up serves a page.
pub fn labels(
    conn: &mut DbConn,
    actor: &Actor,
    people: impl IntoIterator<Item = i64>,
    organisations: &mut HashMap<i64, String>,
) -> AppResult<HashMap<i64, String>> {
    let mut labels = HashMap::new();
    for id in people.into_iter().collect::<BTreeSet<_>>() {
        // A person deleted since the row was written simply goes unnamed.
        let Ok(person) = user::find(conn, id) else {
            continue;
        };
        let label = if authz::may_see_name(actor, person.organisation_id) {
            person.display_name
        } else {
            match organisations.get(&person.organisation_id) {
                Some(name) => name.clone(),
                None => {
                    let name = organisation::find(conn, person.organisation_id)?.name;
                    organisations.insert(person.organisation_id, name.clone());
                    name
                }
            }
        };
        labels.insert(id, label);
    }
    Ok(labels)
}

/// Active CERT staff by name, for choosing an assignee (empty for those who may not list users).
pub fn active_staff(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<User>> {
    if !authz::allows(actor.role, Action::ListUsers) {
        return Ok(Vec::new());
    }
    let mut all = Vec::new();
    let mut after = None;
    let filter = UserFilter {
        active: Some(true),
        ..Default::default()
    };
    loop {
        let page = Page {
            limit: Page::MAX_LIMIT,
            after,
        };
        let rows = super::users::list(conn, actor, &filter, page)?;
        let more = rows.len() as i64 > page.limit;
        for u in rows.into_iter().take(page.limit as usize) {
            after = Some(u.id);
            if Role::parse(&u.role).is_ok_and(Role::is_cert_staff) {
                all.push(u);
            }
        }
        if !more {
            all.sort_by_key(|u| u.display_name.to_lowercase());
            return Ok(all);
        }
    }
}
