//! Vulnerabilities: the KEV and EPSS files admins load, CVEs recorded with a CVSS vector, their
//! links to assets, KEV entries proposed for an asset's vendor and product, and the exposure
//! list. Files are all-or-nothing: a bad entry refuses the whole file and keeps nothing.

use std::collections::HashMap;

use serde_json::json;

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{
            asset::{self, Asset},
            vulnerability::{
                self as rows, AssetVulnerability, NewAssetVulnerability, NewVulnerability,
                Vulnerability, VulnerabilityChanges, VulnerabilityFilter,
            },
            Page,
        },
        write_tx, DbConn,
    },
    domain::{
        risk::{exposure_weight, VulnerabilityStatus},
        time,
        vulnerability::{parse_cve, parse_epss, parse_kev, score_cvss, EpssEntry, KevEntry},
    },
    error::{AppError, AppResult, FieldErrors},
    services::{
        audit::{self, By, Entry},
        incidents::check_text,
    },
};

/// The two file formats `import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    /// CISA's Known Exploited Vulnerabilities catalogue, JSON.
    Kev,
    /// FIRST's EPSS scores, CSV.
    Epss,
}

impl Feed {
    pub fn as_str(self) -> &'static str {
        match self {
            Feed::Kev => "kev",
            Feed::Epss => "epss",
        }
    }
}

/// What one import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    pub format: Feed,
    pub entries: usize,
    pub created: usize,
    pub updated: usize,
}

fn vulnerability_id(
    conn: &mut DbConn,
    known: &mut HashMap<String, i64>,
    cve: &str,
    created: &mut usize,
) -> AppResult<i64> {
    if let Some(id) = known.get(cve) {
        return Ok(*id);
    }
    let now = time::now();
    let row = rows::insert(
        conn,
        &NewVulnerability {
            cve,
            kev: false,
            ransomware_use: false,
            created_at: now,
            updated_at: now,
        },
    )?;
    *created += 1;
    known.insert(cve.to_owned(), row.id);
    Ok(row.id)
}

fn kev_changes(entry: &KevEntry) -> VulnerabilityChanges {
    VulnerabilityChanges {
        vendor: Some(Some(entry.vendor.clone())),
        product: Some(Some(entry.product.clone())),
        kev: Some(true),
        kev_added: Some(Some(entry.date_added.clone())),
        kev_due: Some(Some(entry.due_date.clone())),
        kev_action: Some(Some(entry.required_action.clone())),
        ransomware_use: Some(entry.ransomware_use),
        cwes: Some((!entry.cwes.is_empty()).then(|| entry.cwes.join(","))),
        updated_at: Some(time::now()),
        ..Default::default()
    }
}

fn epss_changes(entry: &EpssEntry, date: Option<&str>) -> VulnerabilityChanges {
    VulnerabilityChanges {
        epss_ppm: Some(Some(entry.epss_ppm)),
        epss_percentile_ppm: Some(Some(entry.percentile_ppm)),
        epss_date: Some(date.map(str::to_owned)),
        updated_at: Some(time::now()),
        ..Default::default()
    }
}

/// Loads a KEV catalogue or an EPSS file: every entry creates or updates its CVE's row, in one
/// transaction with one audit event. A malformed file is a 422 naming the entry or line.
pub fn import(
    conn: &mut DbConn,
    actor: &Actor,
    feed: Feed,
    body: &[u8],
) -> AppResult<ImportReport> {
    authz::require(actor, Action::ManageVulnerabilities)?;
    let mut kev = Vec::new();
    let mut epss = Vec::new();
    let mut epss_date = None;
    match feed {
        Feed::Kev => kev = parse_kev(body).map_err(AppError::Validation)?,
        Feed::Epss => {
            let text = std::str::from_utf8(body)
                .map_err(|_| AppError::field("file", "must be UTF-8 text"))?;
            (epss, epss_date) = parse_epss(text).map_err(AppError::Validation)?;
        }
    }
    write_tx(conn, |conn| {
        let mut known: HashMap<String, i64> = rows::all_ids(conn)?.into_iter().collect();
        let before = known.len();
        let mut created = 0;
        let mut touched = std::collections::HashSet::new();
        for entry in &kev {
            let id = vulnerability_id(conn, &mut known, &entry.cve, &mut created)?;
            let current = rows::find(conn, id)?;
            let mut changes = kev_changes(entry);
            if current.summary.is_none() {
                changes.summary = Some(entry.summary.clone().or_else(|| entry.name.clone()));
            }
            rows::update(conn, id, &changes)?;
            touched.insert(id);
        }
        for entry in &epss {
            let id = vulnerability_id(conn, &mut known, &entry.cve, &mut created)?;
            rows::update(conn, id, &epss_changes(entry, epss_date.as_deref()))?;
            touched.insert(id);
        }
        debug_assert_eq!(known.len(), before + created);
        let report = ImportReport {
            format: feed,
            entries: kev.len() + epss.len(),
            created,
            updated: touched.len() - created,
        };
        audit::append(
            conn,
            Entry {
                by: By::from(actor),
                action: "vulnerabilities.imported",
                entity_type: "vulnerability",
                entity_id: None,
                incident_id: None,
                details: json!({
                    "format": feed.as_str(), "entries": report.entries,
                    "created": report.created, "updated": report.updated, "epss_date": epss_date,
                }),
            },
        )?;
        Ok(report)
    })
}

/// A CVE recorded by hand, as the API's JSON body.
#[derive(Debug, Default, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CreateVulnerability)]
pub struct VulnerabilityInput {
    /// `CVE-YYYY-NNNN…`.
    pub cve: String,
    /// A CVSS 3.0, 3.1 or 4.0 vector; scored by the RustSec `cvss` crate.
    pub cvss_vector: Option<String>,
    pub summary: Option<String>,
}

/// Records a CVE (or updates the vector and summary of a known one): `(row, created)`.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    input: VulnerabilityInput,
) -> AppResult<(Vulnerability, bool)> {
    authz::require(actor, Action::ManageVulnerabilities)?;
    let mut errors = FieldErrors::new();
    let cve = errors.check("cve", parse_cve(&input.cve));
    let cvss = input
        .cvss_vector
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .and_then(|v| errors.check("cvss_vector", score_cvss(v)));
    let summary = input
        .summary
        .as_deref()
        .and_then(|s| check_text(&mut errors, "summary", s, 2_000, false))
        .filter(|s| !s.is_empty());
    errors.into_result()?;
    let cve = cve.unwrap();
    write_tx(conn, |conn| {
        let existing = rows::find_by_cve(conn, &cve)?;
        let created = existing.is_none();
        let mut known: HashMap<String, i64> = existing
            .as_ref()
            .map(|v| (v.cve.clone(), v.id))
            .into_iter()
            .collect();
        let mut count = 0;
        let id = vulnerability_id(conn, &mut known, &cve, &mut count)?;
        let mut changes = VulnerabilityChanges {
            updated_at: Some(time::now()),
            ..Default::default()
        };
        if let Some((vector, tenths)) = &cvss {
            changes.cvss_vector = Some(Some(vector.clone()));
            changes.cvss_score_tenths = Some(Some(*tenths));
        }
        if summary.is_some() {
            changes.summary = Some(summary.clone());
        }
        let row = rows::update(conn, id, &changes)?;
        audit::record(
            conn,
            By::from(actor),
            if created {
                "vulnerability.created"
            } else {
                "vulnerability.updated"
            },
            "vulnerability",
            row.id,
            json!({ "cve": row.cve, "cvss_vector": row.cvss_vector, "cvss_score_tenths": row.cvss_score_tenths, "summary": row.summary }),
        )?;
        Ok((row, created))
    })
}

pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    filter: VulnerabilityFilter,
    page: Page,
) -> AppResult<Vec<Vulnerability>> {
    authz::require(actor, Action::ReadRisks)?;
    Ok(rows::list(conn, &filter, page)?)
}

pub fn get(conn: &mut DbConn, actor: &Actor, cve: &str) -> AppResult<Vulnerability> {
    authz::require(actor, Action::ReadRisks)?;
    let cve = parse_cve(cve).map_err(|_| AppError::NotFound)?;
    rows::find_by_cve(conn, &cve)?.ok_or(AppError::NotFound)
}

/// An asset the caller may see under `authz::risk_scope`, else 404.
pub(crate) fn visible_asset(conn: &mut DbConn, actor: &Actor, asset_id: i64) -> AppResult<Asset> {
    let found = asset::find(conn, asset_id)?;
    if authz::risk_scope(actor)
        .only()
        .is_some_and(|org| org != found.organisation_id)
    {
        return Err(AppError::NotFound);
    }
    Ok(found)
}

/// A link of an asset to a CVE, as the API's JSON body.
#[derive(Debug, Default, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = LinkVulnerability)]
pub struct AssetVulnerabilityInput {
    pub cve: String,
    /// `open`, `mitigated` or `accepted`.
    pub status: String,
    pub note: Option<String>,
}

/// Links a known CVE to an asset, or changes the link's status: `(link, vulnerability, created)`.
pub fn link_asset(
    conn: &mut DbConn,
    actor: &Actor,
    asset_id: i64,
    input: AssetVulnerabilityInput,
) -> AppResult<(AssetVulnerability, Vulnerability, bool)> {
    authz::require(actor, Action::ManageRisks)?;
    let mut errors = FieldErrors::new();
    let cve = errors.check("cve", parse_cve(&input.cve));
    let status = errors.check("status", VulnerabilityStatus::parse(&input.status));
    let note = input
        .note
        .as_deref()
        .and_then(|n| check_text(&mut errors, "note", n, 2_000, false))
        .filter(|n| !n.is_empty());
    errors.into_result()?;
    let (cve, status) = (cve.unwrap(), status.unwrap());
    write_tx(conn, |conn| {
        let target = visible_asset(conn, actor, asset_id)?;
        let vulnerability = rows::find_by_cve(conn, &cve)?.ok_or_else(|| {
            AppError::field(
                "cve",
                "is not a known vulnerability (import or record it first)",
            )
        })?;
        let now = time::now();
        let (link, created, action) = match rows::find_link(conn, target.id, vulnerability.id)? {
            Some(existing) => (
                rows::update_link(conn, existing.id, status.as_str(), note.as_deref(), now)?,
                false,
                "asset.vulnerability_updated",
            ),
            None => (
                rows::insert_link(
                    conn,
                    &NewAssetVulnerability {
                        asset_id: target.id,
                        vulnerability_id: vulnerability.id,
                        status: status.as_str(),
                        note: note.as_deref(),
                        linked_by: Some(actor.user_id),
                        created_at: now,
                        updated_at: now,
                    },
                )?,
                true,
                "asset.vulnerability_linked",
            ),
        };
        audit::record(
            conn,
            By::from(actor),
            action,
            "asset",
            target.id,
            json!({ "cve": vulnerability.cve, "status": link.status, "note": link.note }),
        )?;
        Ok((link, vulnerability, created))
    })
}

/// An asset's vulnerabilities and the KEV entries that match its vendor and product but are
/// not linked yet (the proposals).
pub struct AssetVulnerabilities {
    pub linked: Vec<(AssetVulnerability, Vulnerability)>,
    pub proposed: Vec<Vulnerability>,
}

pub fn of_asset(
    conn: &mut DbConn,
    actor: &Actor,
    asset_id: i64,
) -> AppResult<AssetVulnerabilities> {
    authz::require(actor, Action::ReadRisks)?;
    let target = visible_asset(conn, actor, asset_id)?;
    let linked = rows::of_asset(conn, target.id)?;
    let proposed = match (target.vendor.as_deref(), target.product.as_deref()) {
        (Some(vendor), Some(product)) => rows::kev_matching(conn, vendor, product)?
            .into_iter()
            .filter(|v| !linked.iter().any(|(_, l)| l.id == v.id))
            .collect(),
        _ => Vec::new(),
    };
    Ok(AssetVulnerabilities { linked, proposed })
}

/// One asset of the exposure list: its weight and the open vulnerabilities behind it.
pub struct Exposure {
    pub asset: Asset,
    /// criticality × (KEV ? 1 : EPSS), in millionths.
    pub weight: i64,
    pub reasons: Vec<Vulnerability>,
}

/// Assets with open vulnerabilities, most exposed first (the caller's organisation's for
/// reporters, all for CERT staff and auditors).
pub fn exposure(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Exposure>> {
    authz::require(actor, Action::ReadRisks)?;
    let only = authz::risk_scope(actor).only();
    let mut by_asset: Vec<Exposure> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    for (_, asset, vulnerability) in rows::open_links(conn, only)? {
        let weight = exposure_weight(asset.criticality, vulnerability.kev, vulnerability.epss_ppm);
        match index.get(&asset.id) {
            Some(&at) => {
                let entry = &mut by_asset[at];
                entry.weight = entry.weight.max(weight);
                entry.reasons.push(vulnerability);
            }
            None => {
                index.insert(asset.id, by_asset.len());
                by_asset.push(Exposure {
                    asset,
                    weight,
                    reasons: vec![vulnerability],
                });
            }
        }
    }
    for entry in &mut by_asset {
        let criticality = entry.asset.criticality;
        entry
            .reasons
            .sort_by_key(|v| std::cmp::Reverse(exposure_weight(criticality, v.kev, v.epss_ppm)));
    }
    by_asset.sort_by_key(|e| (std::cmp::Reverse(e.weight), e.asset.id));
    Ok(by_asset)
}
