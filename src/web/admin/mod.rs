//! Administration pages: users, organisations and the SLA targets.

pub mod organisations;
pub mod sla;
pub mod users;

use std::collections::HashMap;

use serde::Deserialize;

use crate::{
    auth::Actor,
    db::DbConn,
    error::{AppError, AppResult},
    services::{self, cursor, rows::Organisation, Page as DbPage},
};

/// The query of a list page: the keyset cursor, and which confirmation to show after a save.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub after: Option<String>,
    pub created: Option<String>,
    pub saved: Option<String>,
}

impl ListQuery {
    pub fn notice(&self) -> Option<&'static str> {
        if self.created.is_some() {
            Some("notice-created")
        } else if self.saved.is_some() {
            Some("notice-saved")
        } else {
            None
        }
    }
}

pub fn list_page(query: &ListQuery) -> AppResult<DbPage> {
    let after = match query.after.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => Some(cursor::decode(raw).ok_or(AppError::BadRequest("bad cursor".into()))?),
        None => None,
    };
    Ok(DbPage {
        limit: DbPage::DEFAULT_LIMIT,
        after,
    })
}

/// Names of the organisations the actor may see, by id (for tables).
pub fn organisation_names(conn: &mut DbConn, actor: &Actor) -> AppResult<HashMap<i64, String>> {
    Ok(all_organisations(conn, actor)?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

/// Every organisation the actor may see, page after page.
pub fn all_organisations(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Organisation>> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = DbPage {
            limit: DbPage::MAX_LIMIT,
            after,
        };
        let rows = services::organisations::list(conn, actor, None, page)?;
        let more = rows.len() as i64 > page.limit;
        for org in rows.into_iter().take(page.limit as usize) {
            after = Some(org.id);
            all.push(org);
        }
        if !more {
            return Ok(all);
        }
    }
}
