//! What the API returns: stable JSON shapes, separate from row structs. Signed case bundles
//! reuse them, so the web's export serves the same shapes as the API.

pub mod evidence;
pub mod reports;
pub mod risk;
pub mod techniques;

pub use evidence::{CustodyEventView, EvidenceView};
pub use reports::{next_due, report_views, NextDue, ReportList, ReportView};
pub use techniques::{
    CategorySuggestionView, SimilarIncidentView, TechniqueSuggestionView, TechniqueTagView,
};

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    domain::time::to_utc,
    services::rows::{Organisation, User},
};

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub sector: Option<String>,
    pub contact_email: Option<String>,
    pub active: bool,
    /// NIS2: `essential`, `important` or `none`.
    pub nis2_entity: String,
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
            nis2_entity: o.nis2_entity,
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

use crate::{
    auth::Actor,
    authz::{self, Action},
    domain::incident::category_class,
    services::rows::{AuditEvent, Comment, Incident, Share, Task},
};

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentView {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub description: String,
    /// RSIT type machine name, or `undetermined`.
    pub category: String,
    /// RSIT class derived from the category.
    pub category_class: Option<String>,
    pub severity: Option<String>,
    pub tlp: String,
    pub pap: String,
    pub status: String,
    pub organisation_id: i64,
    pub reporter_id: Option<i64>,
    /// The public reporter's address: CERT staff and auditors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter_contact: Option<String>,
    pub assignee_id: Option<i64>,
    pub detected_at: Option<DateTime<Utc>>,
    pub reported_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub contained_at: Option<DateTime<Utc>>,
    pub eradicated_at: Option<DateTime<Utc>>,
    pub recovered_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// When the CERT must have taken the incident up (the severity's SLA target; medium's while
    /// the incident has no severity).
    pub ack_due_at: DateTime<Utc>,
    /// When it must be contained (set once it has a severity).
    pub contain_due_at: Option<DateTime<Utc>>,
    /// When it must be closed (set once it has a severity).
    pub resolve_due_at: Option<DateTime<Utc>>,
    /// The SLA deadlines with their state at the time of the request.
    pub deadlines: Vec<DeadlineView>,
    pub resolution: Option<String>,
    pub root_cause: Option<String>,
    pub duplicate_of: Option<i64>,
    pub reopen_count: i32,
    /// Significant under NIS2: the incident has reporting stages (`/incidents/{id}/reports`).
    /// Given by the incident endpoints; left out where it was not looked up (exports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub significant: Option<bool>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One deadline of an incident, its state computed at the time of the request.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineView {
    /// `ack`, `contain` or `resolve`.
    pub kind: String,
    pub due_at: DateTime<Utc>,
    /// When it was met (absent while pending or breached).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met_at: Option<DateTime<Utc>>,
    /// `pending`, `met`, `missed` (met late) or `breached` (still open past due).
    pub state: String,
}

impl DeadlineView {
    /// The incident's SLA deadlines as they stand at `now`.
    pub fn all(i: &Incident, now: chrono::NaiveDateTime) -> Vec<Self> {
        i.sla_facts()
            .deadlines()
            .into_iter()
            .map(|(kind, d)| Self {
                kind: kind.as_str().to_owned(),
                due_at: to_utc(d.due_at),
                met_at: d.met_at.map(to_utc),
                state: d.state(now).as_str().to_owned(),
            })
            .collect()
    }
}

impl IncidentView {
    /// With the NIS2 mark looked up (`significant`: the ids of significant incidents).
    pub fn marked(
        i: Incident,
        actor: &Actor,
        significant: &std::collections::HashSet<i64>,
    ) -> Self {
        let flag = significant.contains(&i.id);
        Self {
            significant: Some(flag),
            ..Self::for_actor(i, actor)
        }
    }

    pub fn for_actor(i: Incident, actor: &Actor) -> Self {
        let internal = authz::allows(actor.role, Action::ReadInternal);
        let deadlines = DeadlineView::all(&i, crate::domain::time::now());
        Self {
            deadlines,
            contain_due_at: i.contain_due_at.map(to_utc),
            resolve_due_at: i.resolve_due_at.map(to_utc),
            category_class: category_class(&i.category).map(str::to_owned),
            id: i.id,
            reference: i.reference,
            title: i.title,
            description: i.description,
            category: i.category,
            severity: i.severity,
            tlp: i.tlp,
            pap: i.pap,
            status: i.status,
            organisation_id: i.organisation_id,
            reporter_id: i.reporter_id,
            reporter_contact: i.reporter_contact.filter(|_| internal),
            assignee_id: i.assignee_id,
            detected_at: i.detected_at.map(to_utc),
            reported_at: to_utc(i.reported_at),
            acknowledged_at: i.acknowledged_at.map(to_utc),
            contained_at: i.contained_at.map(to_utc),
            eradicated_at: i.eradicated_at.map(to_utc),
            recovered_at: i.recovered_at.map(to_utc),
            closed_at: i.closed_at.map(to_utc),
            ack_due_at: to_utc(i.ack_due_at),
            resolution: i.resolution,
            root_cause: i.root_cause,
            duplicate_of: i.duplicate_of,
            reopen_count: i.reopen_count,
            significant: None,
            created_at: to_utc(i.created_at),
            updated_at: to_utc(i.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentView {
    pub id: i64,
    pub incident_id: i64,
    pub author_id: Option<i64>,
    pub body: String,
    /// `internal` (CERT and auditors only) or `shared` (also the reporter side and agencies).
    pub visibility: String,
    pub created_at: DateTime<Utc>,
}

impl From<Comment> for CommentView {
    fn from(c: Comment) -> Self {
        Self {
            id: c.id,
            incident_id: c.incident_id,
            author_id: c.author_id,
            body: c.body,
            visibility: c.visibility,
            created_at: to_utc(c.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    pub id: i64,
    pub incident_id: i64,
    pub title: String,
    pub assignee_id: Option<i64>,
    /// `open`, `done` or `cancelled`.
    pub status: String,
    pub due_at: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<Task> for TaskView {
    fn from(t: Task) -> Self {
        Self {
            id: t.id,
            incident_id: t.incident_id,
            title: t.title,
            assignee_id: t.assignee_id,
            status: t.status,
            due_at: t.due_at.map(to_utc),
            created_by: t.created_by,
            created_at: to_utc(t.created_at),
            updated_at: to_utc(t.updated_at),
            completed_at: t.completed_at.map(to_utc),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareView {
    pub id: i64,
    pub incident_id: i64,
    pub organisation_id: i64,
    /// The most restrictive TLP the organisation may see through this share.
    pub max_tlp: String,
    pub shared_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<Share> for ShareView {
    fn from(s: Share) -> Self {
        Self {
            id: s.id,
            incident_id: s.incident_id,
            organisation_id: s.organisation_id,
            max_tlp: s.max_tlp,
            shared_by: s.shared_by,
            created_at: to_utc(s.created_at),
        }
    }
}

/// One audit event: the hashed fields exactly as hashed, plus `id`, `prev_hash` and `hash` (the
/// shape of bundle events too, so anyone can recompute a hash from what the API shows).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    pub id: i64,
    /// `system` or `incident:<id>`: the hash chain the event belongs to.
    pub stream: String,
    /// Position in the stream, from 1.
    pub seq: i64,
    /// RFC 3339 in UTC with exactly six fractional digits: the form that is hashed.
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_ip: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<i64>,
    pub incident_id: Option<i64>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditEvent> for AuditEventView {
    fn from(e: AuditEvent) -> Self {
        Self {
            // Unreadable details can only come from tampering: show them as they are.
            details: serde_json::from_str(&e.details)
                .unwrap_or_else(|_| serde_json::Value::String(e.details.clone())),
            id: e.id,
            stream: e.stream,
            seq: e.seq,
            at: crate::domain::time::rfc3339(e.at),
            actor_id: e.actor_id,
            actor_ip: e.actor_ip,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            incident_id: e.incident_id,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

use crate::services::rows::{Asset, Link, Observable};

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetView {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    /// `host`, `network`, `domain`, `application`, `ot_system` or `service`.
    pub kind: String,
    pub hostname: Option<String>,
    /// Canonical IP address or CIDR block.
    pub ip: Option<String>,
    /// Lower case, IDN in punycode.
    pub domain: Option<String>,
    pub sector: Option<String>,
    /// 1 (low) to 4 (vital).
    pub criticality: i32,
    /// `false` while a reporter's proposal waits for the CERT.
    pub approved: bool,
    /// Vendor and product as the KEV catalogue names them; KEV entries that match are proposed.
    pub vendor: Option<String>,
    pub product: Option<String>,
    /// CPE 2.3 name.
    pub cpe: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Asset> for AssetView {
    fn from(a: Asset) -> Self {
        Self {
            id: a.id,
            organisation_id: a.organisation_id,
            name: a.name,
            kind: a.kind,
            hostname: a.hostname,
            ip: a.ip,
            domain: a.domain,
            sector: a.sector,
            criticality: a.criticality,
            approved: a.approved,
            vendor: a.vendor,
            product: a.product,
            cpe: a.cpe,
            created_at: to_utc(a.created_at),
            updated_at: to_utc(a.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentAssetView {
    pub incident_id: i64,
    pub asset: AssetView,
    pub impact: Option<String>,
    pub linked_by: Option<i64>,
    pub linked_at: DateTime<Utc>,
}

impl From<(Link, Asset)> for IncidentAssetView {
    fn from((link, asset): (Link, Asset)) -> Self {
        Self {
            incident_id: link.incident_id,
            asset: asset.into(),
            impact: link.impact,
            linked_by: link.linked_by,
            linked_at: to_utc(link.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SightingView {
    pub incident_id: i64,
    pub reference: String,
    pub observable_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObservableView {
    pub id: i64,
    pub incident_id: i64,
    pub kind: String,
    /// The normalised value.
    pub value: String,
    pub tlp: String,
    pub note: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub created_by: Option<i64>,
    /// Other incidents you may see where the same value was recorded.
    pub also_seen_in: Vec<SightingView>,
    /// Registered assets whose address space contains this IP.
    pub assets: Vec<AssetView>,
}

impl ObservableView {
    pub fn new(o: Observable, also_seen_in: Vec<SightingView>, assets: Vec<AssetView>) -> Self {
        Self {
            id: o.id,
            incident_id: o.incident_id,
            kind: o.kind,
            value: o.value,
            tlp: o.tlp,
            note: o.note,
            first_seen: to_utc(o.first_seen),
            last_seen: to_utc(o.last_seen),
            created_by: o.created_by,
            also_seen_in,
            assets,
        }
    }
}
