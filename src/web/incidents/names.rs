//! Names for the ids a page shows: organisations, assignees, authors. Who may see whose name is
//! `authz::may_see_name`; the look-ups are `services::people`.

use std::collections::HashMap;

use crate::{auth::Actor, db::DbConn, error::AppResult, services, web::admin::organisation_names};

pub use services::people::active_staff as staff;

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
        let people = services::people::labels(conn, actor, people, &mut organisations)?;
        Ok(Self {
            organisations,
            people,
        })
    }
}
