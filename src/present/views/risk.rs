//! JSON shapes of the risk registry: threats, vulnerabilities, exposure, risks.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    domain::{
        risk::{level, score},
        threat::Threat,
        time::{rfc3339, to_utc},
    },
    services::{
        risks::RiskDetail,
        rows::{AssetVulnerability, AuditEvent, Incident, Risk, Vulnerability},
        vulnerabilities::Exposure,
    },
};

use super::AssetView;

#[derive(Debug, Serialize, ToSchema)]
pub struct ThreatView {
    /// The code risks name in `threat`.
    pub code: String,
    /// `az`, `en` and `ru`.
    pub names: std::collections::BTreeMap<String, String>,
    pub description: std::collections::BTreeMap<String, String>,
    /// The RSIT incident classes the threat covers.
    pub rsit_classes: Vec<String>,
}

impl From<&Threat> for ThreatView {
    fn from(t: &Threat) -> Self {
        Self {
            code: t.code.clone(),
            names: t.names.clone(),
            description: t.description.clone(),
            rsit_classes: t.rsit_classes.clone(),
        }
    }
}

/// A probability kept in millionths, as a number from 0 to 1.
pub fn probability(ppm: Option<i32>) -> Option<f64> {
    ppm.map(|p| f64::from(p) / 1e6)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VulnerabilityView {
    pub cve: String,
    pub summary: Option<String>,
    /// KEV `vendorProject` and `product`.
    pub vendor: Option<String>,
    pub product: Option<String>,
    /// In CISA's Known Exploited Vulnerabilities catalogue.
    pub kev: bool,
    /// KEV `dateAdded`, `YYYY-MM-DD`.
    pub kev_added: Option<String>,
    /// KEV `dueDate`, `YYYY-MM-DD`.
    pub kev_due: Option<String>,
    pub kev_required_action: Option<String>,
    /// KEV `knownRansomwareCampaignUse` is `Known`.
    pub ransomware_use: bool,
    pub cwes: Vec<String>,
    /// EPSS probability of exploitation in the next 30 days, 0 to 1.
    pub epss: Option<f64>,
    pub epss_percentile: Option<f64>,
    /// The date of the EPSS scores.
    pub epss_date: Option<String>,
    pub cvss_vector: Option<String>,
    /// CVSS base score, 0.0 to 10.0.
    pub cvss_score: Option<f64>,
    pub updated_at: DateTime<Utc>,
}

impl From<Vulnerability> for VulnerabilityView {
    fn from(v: Vulnerability) -> Self {
        Self {
            cve: v.cve,
            summary: v.summary,
            vendor: v.vendor,
            product: v.product,
            kev: v.kev,
            kev_added: v.kev_added,
            kev_due: v.kev_due,
            kev_required_action: v.kev_action,
            ransomware_use: v.ransomware_use,
            cwes: v
                .cwes
                .map(|c| c.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
            epss: probability(v.epss_ppm),
            epss_percentile: probability(v.epss_percentile_ppm),
            epss_date: v.epss_date,
            cvss_vector: v.cvss_vector,
            cvss_score: v.cvss_score_tenths.map(|t| f64::from(t) / 10.0),
            updated_at: to_utc(v.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetVulnerabilityView {
    pub asset_id: i64,
    /// `open`, `mitigated` or `accepted`.
    pub status: String,
    pub note: Option<String>,
    pub linked_by: Option<i64>,
    pub linked_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub vulnerability: VulnerabilityView,
}

impl From<(AssetVulnerability, Vulnerability)> for AssetVulnerabilityView {
    fn from((link, v): (AssetVulnerability, Vulnerability)) -> Self {
        Self {
            asset_id: link.asset_id,
            status: link.status,
            note: link.note,
            linked_by: link.linked_by,
            linked_at: to_utc(link.created_at),
            updated_at: to_utc(link.updated_at),
            vulnerability: v.into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetVulnerabilitiesView {
    pub items: Vec<AssetVulnerabilityView>,
    /// KEV entries whose vendor and product match the asset's and that are not linked yet.
    pub proposed: Vec<VulnerabilityView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExposureReason {
    pub cve: String,
    pub kev: bool,
    pub ransomware_use: bool,
    pub epss: Option<f64>,
    pub cvss_score: Option<f64>,
    /// In words: `known exploited (KEV), used by ransomware` or `EPSS 0.42`.
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExposureView {
    pub asset: AssetView,
    /// criticality × (1 for a KEV entry, else its EPSS probability): the order of the list.
    pub weight: f64,
    pub reasons: Vec<ExposureReason>,
}

pub fn reason_text(v: &Vulnerability) -> String {
    match (v.kev, v.ransomware_use, probability(v.epss_ppm)) {
        (true, true, _) => "known exploited (KEV), used by ransomware".into(),
        (true, false, _) => "known exploited (KEV)".into(),
        (false, _, Some(p)) => format!("EPSS {p:.3}"),
        (false, _, None) => "open, no exploitation data".into(),
    }
}

impl From<Exposure> for ExposureView {
    fn from(e: Exposure) -> Self {
        Self {
            weight: e.weight as f64 / 1e6,
            reasons: e
                .reasons
                .into_iter()
                .map(|v| ExposureReason {
                    reason: reason_text(&v),
                    cve: v.cve,
                    kev: v.kev,
                    ransomware_use: v.ransomware_use,
                    epss: probability(v.epss_ppm),
                    cvss_score: v.cvss_score_tenths.map(|t| f64::from(t) / 10.0),
                })
                .collect(),
            asset: e.asset.into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RiskView {
    pub id: i64,
    pub organisation_id: i64,
    pub title: String,
    pub description: String,
    pub threat: String,
    pub likelihood: i32,
    pub impact: i32,
    /// likelihood × impact.
    pub score: i32,
    /// `low` (1–4), `medium` (5–9), `high` (10–16) or `critical` (20–25).
    pub level: String,
    pub owner_id: Option<i64>,
    pub treatment: String,
    pub treatment_plan: Option<String>,
    pub treatment_due: Option<String>,
    pub review_at: Option<String>,
    pub residual_likelihood: Option<i32>,
    pub residual_impact: Option<i32>,
    pub residual_score: Option<i32>,
    pub residual_level: Option<String>,
    /// An incident hit one of its assets since the last review.
    pub review_due: bool,
    pub last_reviewed_at: DateTime<Utc>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Risk> for RiskView {
    fn from(r: Risk) -> Self {
        let residual = r
            .residual_likelihood
            .zip(r.residual_impact)
            .map(|(l, i)| score(l, i));
        Self {
            id: r.id,
            organisation_id: r.organisation_id,
            title: r.title,
            description: r.description,
            threat: r.threat,
            likelihood: r.likelihood,
            impact: r.impact,
            score: r.score,
            level: r.level,
            owner_id: r.owner_id,
            treatment: r.treatment,
            treatment_plan: r.treatment_plan,
            treatment_due: r.treatment_due,
            review_at: r.review_at,
            residual_likelihood: r.residual_likelihood,
            residual_impact: r.residual_impact,
            residual_score: residual,
            residual_level: residual.map(|s| level(s).as_str().to_owned()),
            review_due: r.review_due,
            last_reviewed_at: to_utc(r.last_reviewed_at),
            created_by: r.created_by,
            created_at: to_utc(r.created_at),
            updated_at: to_utc(r.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentRefView {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub status: String,
    /// The risk's asset the incident was linked to (incidents since the last review).
    pub asset_id: Option<i64>,
}

fn incident_ref(i: Incident, asset_id: Option<i64>) -> IncidentRefView {
    IncidentRefView {
        id: i.id,
        reference: i.reference,
        title: i.title,
        status: i.status,
        asset_id,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RiskDetailView {
    #[serde(flatten)]
    pub risk: RiskView,
    pub assets: Vec<AssetView>,
    /// Incidents linked to the risk by hand.
    pub incidents: Vec<IncidentRefView>,
    pub vulnerabilities: Vec<VulnerabilityView>,
    /// Incidents linked to its assets since its last review (those you may see).
    pub incidents_since_review: Vec<IncidentRefView>,
    /// The incident that flagged it for review, when you may see it.
    pub review_reason: Option<IncidentRefView>,
}

impl From<RiskDetail> for RiskDetailView {
    fn from(d: RiskDetail) -> Self {
        Self {
            risk: d.risk.into(),
            assets: d.assets.into_iter().map(Into::into).collect(),
            incidents: d
                .incidents
                .into_iter()
                .map(|i| incident_ref(i, None))
                .collect(),
            vulnerabilities: d.vulnerabilities.into_iter().map(Into::into).collect(),
            incidents_since_review: d
                .recent_incidents
                .into_iter()
                .map(|r| incident_ref(r.incident, r.asset_id))
                .collect(),
            review_reason: d.review_incident.map(|i| incident_ref(i, None)),
        }
    }
}

/// One event of a risk's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskEventView {
    pub at: String,
    pub actor_id: Option<i64>,
    /// `risk.created`, `risk.updated`, `risk.reviewed`, `risk.review_due`, `risk.incident_linked`…
    pub action: String,
    /// For changes, `{field: {before, after}}`.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<AuditEvent> for RiskEventView {
    fn from(e: AuditEvent) -> Self {
        Self {
            at: rfc3339(e.at),
            actor_id: e.actor_id,
            action: e.action,
            details: serde_json::from_str(&e.details)
                .unwrap_or(serde_json::Value::String(e.details)),
        }
    }
}
