//! What the evidence endpoints return.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    domain::time::to_utc,
    services::rows::{CustodyEvent, Evidence},
};

/// An evidence record; `sha256` is the hex SHA-256 of the bytes, computed while they arrived.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceView {
    pub id: i64,
    pub incident_id: i64,
    pub file_name: String,
    /// As declared by the uploader; downloads are always `application/octet-stream`.
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub description: String,
    pub collected_by: Option<i64>,
    pub collected_at: DateTime<Utc>,
    pub uploader_organisation_id: i64,
}

impl From<Evidence> for EvidenceView {
    fn from(e: Evidence) -> Self {
        Self {
            id: e.id,
            incident_id: e.incident_id,
            file_name: e.file_name,
            media_type: e.media_type,
            size: e.size,
            sha256: e.sha256,
            description: e.description,
            collected_by: e.collected_by,
            collected_at: to_utc(e.collected_at),
            uploader_organisation_id: e.uploader_organisation_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustodyEventView {
    pub id: i64,
    pub evidence_id: i64,
    /// `collected`, `accessed`, `integrity_failure`, `transferred`, `sealed`, `returned`, `destroyed`.
    pub action: String,
    pub actor_id: Option<i64>,
    pub from_holder: Option<String>,
    pub to_holder: Option<String>,
    pub location: Option<String>,
    pub purpose: Option<String>,
    pub authority: Option<String>,
    pub note: Option<String>,
    /// The result of re-hashing the stored file, on `accessed` and `integrity_failure`.
    pub hash_verified: Option<bool>,
    pub at: DateTime<Utc>,
    /// The IANA zone the actor worked in.
    pub time_zone: String,
}

impl From<CustodyEvent> for CustodyEventView {
    fn from(c: CustodyEvent) -> Self {
        Self {
            id: c.id,
            evidence_id: c.evidence_id,
            action: c.action,
            actor_id: c.actor_id,
            from_holder: c.from_holder,
            to_holder: c.to_holder,
            location: c.location,
            purpose: c.purpose,
            authority: c.authority,
            note: c.note,
            hash_verified: c.hash_verified,
            at: to_utc(c.at),
            time_zone: c.time_zone,
        }
    }
}
