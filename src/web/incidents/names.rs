//! Names for the ids a page shows: organisations, assignees, authors. Outside the CERT the
//! staff directory is not readable (`ListUsers`), so outsiders see a person's name only when
//! they are from their own organisation, and otherwise the name of the person's organisation.

use std::collections::{BTreeSet, HashMap};

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{organisation, user, user::User, user::UserFilter, Page as DbPage},
        DbConn,
    },
    domain::Role,
    error::AppResult,
    services,
    web::admin::organisation_names,
};

#[derive(Clone, Debug, Default)]
pub struct Names {
    pub organisations: HashMap<i64, String>,
    pub people: HashMap<i64, String>,
}

impl Names {
    pub fn organisation(&self, id: &i64) -> String {
        self.organisations.get(id).cloned().unwrap_or_default()
    }

    pub fn person(&self, id: &Option<i64>) -> String {
        id.and_then(|id| self.people.get(&id).cloned())
            .unwrap_or_default()
    }

    /// The organisations and the named people the actor may see.
    pub fn load(
        conn: &mut DbConn,
        actor: &Actor,
        people: impl IntoIterator<Item = i64>,
    ) -> AppResult<Self> {
        let mut organisations = organisation_names(conn, actor)?;
        let insider = authz::allows(actor.role, Action::ListUsers);
        let mut names = HashMap::new();
        for id in people.into_iter().collect::<BTreeSet<_>>() {
            let Ok(person) = user::find(conn, id) else {
                continue;
            };
            let label = if insider || person.organisation_id == actor.organisation_id {
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
            names.insert(id, label);
        }
        Ok(Self {
            organisations,
            people: names,
        })
    }
}

/// Active CERT staff, for the assignee selects (empty for those who may not list users).
pub fn staff(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<User>> {
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
        let page = DbPage {
            limit: DbPage::MAX_LIMIT,
            after,
        };
        let rows = services::users::list(conn, actor, &filter, page)?;
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
