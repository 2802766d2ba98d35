//! What the API returns: stable JSON shapes, separate from row structs.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    db::models::{organisation::Organisation, user::User},
    domain::time::to_utc,
};

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub sector: Option<String>,
    pub contact_email: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Organisation> for OrganisationView {
    fn from(o: Organisation) -> Self {
        Self {
            id: o.id,
            name: o.name,
            kind: o.kind,
            sector: o.sector,
            contact_email: o.contact_email,
            active: o.active,
            created_at: to_utc(o.created_at),
            updated_at: to_utc(o.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub organisation_id: i64,
    pub role: String,
    pub locale: String,
    pub time_zone: String,
    pub active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            organisation_id: u.organisation_id,
            role: u.role,
            locale: u.locale,
            time_zone: u.time_zone,
            active: u.active,
            last_login_at: u.last_login_at.map(to_utc),
            created_at: to_utc(u.created_at),
            updated_at: to_utc(u.updated_at),
        }
    }
}
