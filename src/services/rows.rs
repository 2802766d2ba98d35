//! The rows services take and return, named here for the edges: `api`, `web` and `present` read
//! them but never reach `db::models`, whose queries are for services alone.

pub use crate::db::models::{
    asset::{Asset, AssetFilter, Link},
    audit::{AuditEvent, AuditFilter},
    collaboration::{Comment, Share, Task},
    evidence::{CustodyEvent, Evidence},
    incident::{Incident, IncidentFilter, OverdueKind, OPEN_STATUSES},
    incident_report::IncidentReport,
    observable::Observable,
    organisation::Organisation,
    outbox::{OutboxRow, STATUSES as OUTBOX_STATUSES},
    risk::{Risk, RiskFilter, RiskOrder},
    session::SessionRow,
    sla::SlaPolicy,
    user::{User, UserFilter},
    vulnerability::{AssetVulnerability, Vulnerability, VulnerabilityFilter},
};
