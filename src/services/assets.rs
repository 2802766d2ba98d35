//! The CII registry: assets per organisation, their links to incidents, and their history.

use serde_json::json;

use crate::services::organisations;
use crate::{
    auth::Actor,
    authz::{self, Action, IncidentScope},
    db::{
        models::{
            asset::{self, Asset, AssetChanges, AssetFilter, Link, NewAsset, NewLink},
            incident, Page,
        },
        write_tx, DbConn,
    },
    domain::{
        asset::{parse_criticality, AssetKind},
        observable::{self, ip_range, ObservableKind},
        reference_data, time,
    },
    error::{AppError, AppResult, FieldErrors},
    services::{
        audit::{self, By},
        incidents::{append_event, check_text, text},
    },
};

/// A new asset as the API's JSON body and the registry form give it.
#[derive(Debug, Default, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CreateAsset)]
pub struct AssetInput {
    /// Required for CERT staff; reporters propose for their own organisation.
    pub organisation_id: Option<i64>,
    pub name: String,
    pub kind: String,
    pub hostname: Option<String>,
    /// An IP address or CIDR block.
    pub ip: Option<String>,
    pub domain: Option<String>,
    /// NIS2 sector code; defaults to the organisation's.
    pub sector: Option<String>,
    /// 1 (low) to 4 (vital).
    pub criticality: i32,
    /// Who makes what it runs, as the KEV catalogue names them (`vendorProject`), for proposals.
    pub vendor: Option<String>,
    /// The product (KEV `product`).
    pub product: Option<String>,
    /// A CPE 2.3 name (`cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*`).
    pub cpe: Option<String>,
}

/// What an asset runs: vendor, product and CPE name, each optional.
struct Software {
    vendor: Option<String>,
    product: Option<String>,
    cpe: Option<String>,
}

fn check_cpe(raw: &str) -> Result<String, String> {
    let value = text(300, false)(raw)?;
    if value.starts_with("cpe:2.3:") || value.starts_with("cpe:/") {
        Ok(value)
    } else {
        Err("must be a CPE name starting with cpe:2.3: (or cpe:/)".into())
    }
}

fn check_software(
    errors: &mut FieldErrors,
    vendor: Option<&str>,
    product: Option<&str>,
    cpe: Option<&str>,
) -> Software {
    Software {
        vendor: nonempty(vendor).and_then(|v| errors.check("vendor", text(200, false)(v))),
        product: nonempty(product).and_then(|p| errors.check("product", text(200, false)(p))),
        cpe: nonempty(cpe).and_then(|c| errors.check("cpe", check_cpe(c))),
    }
}

struct Identifiers {
    hostname: Option<String>,
    ip: Option<String>,
    range: Option<(String, String)>,
    domain: Option<String>,
}

fn nonempty(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

fn check_identifiers(
    errors: &mut FieldErrors,
    hostname: Option<&str>,
    ip: Option<&str>,
    domain: Option<&str>,
) -> Identifiers {
    let hostname =
        nonempty(hostname).and_then(|h| errors.check("hostname", observable::domain_name(h, 1)));
    let ip = nonempty(ip).and_then(|raw| {
        let kind = if raw.contains('/') {
            ObservableKind::Cidr
        } else {
            ObservableKind::Ip
        };
        errors.check(
            "ip",
            observable::normalise(kind, raw)
                .map_err(|_| "is not an IP address or CIDR block".to_owned()),
        )
    });
    let domain =
        nonempty(domain).and_then(|d| errors.check("domain", observable::domain_name(d, 2)));
    let range = ip.as_deref().and_then(ip_range);
    Identifiers {
        hostname,
        ip,
        range,
        domain,
    }
}

/// The one organisation whose assets the caller sees, or `None` for all (`authz::asset_scope`).
fn only_organisation(actor: &Actor) -> AppResult<Option<i64>> {
    authz::require(actor, Action::ReadAssets)?;
    Ok(authz::asset_scope(actor).only())
}

pub fn create(conn: &mut DbConn, actor: &Actor, input: AssetInput) -> AppResult<Asset> {
    let staff = authz::allows(actor.role, Action::ManageAssets);
    if !staff {
        authz::require(actor, Action::ProposeAssets)?;
    }
    let mut errors = FieldErrors::new();
    let name = check_text(&mut errors, "name", &input.name, 200, true);
    let kind = errors.check("kind", AssetKind::parse(&input.kind));
    let criticality = errors.check("criticality", parse_criticality(input.criticality));
    let ids = check_identifiers(
        &mut errors,
        input.hostname.as_deref(),
        input.ip.as_deref(),
        input.domain.as_deref(),
    );
    let sector = nonempty(input.sector.as_deref())
        .and_then(|s| errors.check("sector", reference_data::parse_sector(s)));
    let software = check_software(
        &mut errors,
        input.vendor.as_deref(),
        input.product.as_deref(),
        input.cpe.as_deref(),
    );
    let organisation_id = match input.organisation_id {
        Some(id) if !staff && id != actor.organisation_id => {
            errors.add(
                "organisation_id",
                "you may only propose assets of your own organisation",
            );
            None
        }
        Some(id) => Some(id),
        None if staff => {
            errors.add("organisation_id", "is required");
            None
        }
        None => Some(actor.organisation_id),
    };
    errors.into_result()?;
    write_tx(conn, |conn| {
        let org = organisations::named(conn, organisation_id.unwrap())?;
        let now = time::now();
        let created = asset::insert(
            conn,
            &NewAsset {
                organisation_id: org.id,
                name: name.as_deref().unwrap(),
                kind: kind.unwrap().as_str(),
                hostname: ids.hostname.as_deref(),
                ip: ids.ip.as_deref(),
                ip_start: ids.range.as_ref().map(|r| r.0.as_str()),
                ip_end: ids.range.as_ref().map(|r| r.1.as_str()),
                domain: ids.domain.as_deref(),
                sector: sector.as_deref().or(org.sector.as_deref()),
                criticality: criticality.unwrap(),
                approved: staff,
                created_by: Some(actor.user_id),
                created_at: now,
                updated_at: now,
                vendor: software.vendor.as_deref(),
                product: software.product.as_deref(),
                cpe: software.cpe.as_deref(),
            },
        )?;
        audit::record(
            conn,
            By::from(actor),
            if staff {
                "asset.created"
            } else {
                "asset.proposed"
            },
            "asset",
            created.id,
            json!({
                "organisation_id": created.organisation_id, "name": created.name, "kind": created.kind,
                "hostname": created.hostname, "ip": created.ip, "domain": created.domain,
                "sector": created.sector, "criticality": created.criticality,
                "vendor": created.vendor, "product": created.product, "cpe": created.cpe,
            }),
        )?;
        Ok(created)
    })
}

#[derive(Debug, Default)]
pub struct AssetPatch {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub hostname: Option<Option<String>>,
    pub ip: Option<Option<String>>,
    pub domain: Option<Option<String>>,
    pub sector: Option<Option<String>>,
    pub criticality: Option<i32>,
    pub approved: Option<bool>,
    pub vendor: Option<Option<String>>,
    pub product: Option<Option<String>>,
    pub cpe: Option<Option<String>>,
}

pub fn update(conn: &mut DbConn, actor: &Actor, id: i64, patch: AssetPatch) -> AppResult<Asset> {
    authz::require(actor, Action::ManageAssets)?;
    let mut errors = FieldErrors::new();
    let name = errors.patched("name", patch.name.as_deref(), text(200, true));
    let kind = errors.patched("kind", patch.kind.as_deref(), AssetKind::parse);
    let criticality = patch
        .criticality
        .and_then(|c| errors.check("criticality", parse_criticality(c)));
    let ids = check_identifiers(
        &mut errors,
        patch.hostname.as_ref().and_then(|h| h.as_deref()),
        patch.ip.as_ref().and_then(|h| h.as_deref()),
        patch.domain.as_ref().and_then(|h| h.as_deref()),
    );
    let sector = patch.sector.as_ref().map(|s| {
        nonempty(s.as_deref()).and_then(|s| errors.check("sector", reference_data::parse_sector(s)))
    });
    let software = check_software(
        &mut errors,
        patch.vendor.as_ref().and_then(|v| v.as_deref()),
        patch.product.as_ref().and_then(|v| v.as_deref()),
        patch.cpe.as_ref().and_then(|v| v.as_deref()),
    );
    errors.into_result()?;
    write_tx(conn, |conn| {
        let before = asset::find(conn, id)?;
        let after = asset::update(
            conn,
            id,
            &AssetChanges {
                name,
                kind: kind.map(|k| k.as_str().to_owned()),
                hostname: patch.hostname.as_ref().map(|_| ids.hostname.clone()),
                ip: patch.ip.as_ref().map(|_| ids.ip.clone()),
                ip_start: patch
                    .ip
                    .as_ref()
                    .map(|_| ids.range.as_ref().map(|r| r.0.clone())),
                ip_end: patch
                    .ip
                    .as_ref()
                    .map(|_| ids.range.as_ref().map(|r| r.1.clone())),
                domain: patch.domain.as_ref().map(|_| ids.domain.clone()),
                sector: sector.clone(),
                criticality,
                approved: patch.approved,
                updated_at: Some(time::now()),
                vendor: patch.vendor.as_ref().map(|_| software.vendor.clone()),
                product: patch.product.as_ref().map(|_| software.product.clone()),
                cpe: patch.cpe.as_ref().map(|_| software.cpe.clone()),
            },
        )?;
        let details = audit::changes(&[
            ("name", json!(before.name), json!(after.name)),
            ("kind", json!(before.kind), json!(after.kind)),
            ("hostname", json!(before.hostname), json!(after.hostname)),
            ("ip", json!(before.ip), json!(after.ip)),
            ("domain", json!(before.domain), json!(after.domain)),
            ("sector", json!(before.sector), json!(after.sector)),
            (
                "criticality",
                json!(before.criticality),
                json!(after.criticality),
            ),
            ("approved", json!(before.approved), json!(after.approved)),
            ("vendor", json!(before.vendor), json!(after.vendor)),
            ("product", json!(before.product), json!(after.product)),
            ("cpe", json!(before.cpe), json!(after.cpe)),
        ]);
        audit::record(conn, By::from(actor), "asset.updated", "asset", id, details)?;
        Ok(after)
    })
}

pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    mut filter: AssetFilter,
    page: Page,
) -> AppResult<Vec<Asset>> {
    filter.only_organisation = only_organisation(actor)?;
    Ok(asset::list(conn, &filter, page)?)
}

/// One incident an asset was involved in, as far as the caller may see.
pub struct AssetIncident {
    pub link: Link,
    pub reference: String,
    pub title: String,
    pub status: String,
}

pub fn get(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<(Asset, Vec<AssetIncident>)> {
    let only = only_organisation(actor)?;
    let found = asset::find(conn, id)?;
    if only.is_some_and(|org| org != found.organisation_id) {
        return Err(AppError::NotFound);
    }
    let scope = authz::incident_scope(actor);
    let mut history = Vec::new();
    for (link, incident_id) in asset::links_of_asset(conn, id)? {
        if let Ok(i) = incident::find_visible(conn, incident_id, scope) {
            history.push(AssetIncident {
                link,
                reference: i.reference,
                title: i.title,
                status: i.status,
            });
        }
    }
    Ok((found, history))
}

/// Records that an incident affects an asset. Used by people and by IP correlation (`by_rule`).
pub fn link_in_tx(
    conn: &mut DbConn,
    actor: &Actor,
    incident_id: i64,
    target: &Asset,
    impact: Option<&str>,
    by_rule: bool,
) -> AppResult<Link> {
    let link = asset::insert_link(
        conn,
        &NewLink {
            incident_id,
            asset_id: target.id,
            impact,
            linked_by: Some(actor.user_id),
            created_at: time::now(),
        },
    )?;
    append_event(
        conn,
        actor,
        incident_id,
        "asset.linked",
        json!({ "asset_id": target.id, "asset": target.name, "impact": impact, "automatic": by_rule }),
    )?;
    // Incidents move risk: the asset's risks are flagged for review in this same transaction.
    crate::services::risks::flag_for_review(conn, By::from(actor), incident_id, target.id)?;
    Ok(link)
}

pub fn link(
    conn: &mut DbConn,
    actor: &Actor,
    incident_id: i64,
    asset_id: i64,
    impact: Option<String>,
) -> AppResult<(Link, Asset)> {
    authz::require(actor, Action::EditIncident)?;
    let mut errors = FieldErrors::new();
    let impact = impact
        .as_deref()
        .and_then(|i| check_text(&mut errors, "impact", i, 2_000, false))
        .filter(|i| !i.is_empty());
    errors.into_result()?;
    write_tx(conn, |conn| {
        let incident = incident::find_visible(conn, incident_id, authz::incident_scope(actor))?;
        let target = asset::find(conn, asset_id).map_err(AppError::field_if_missing(
            "asset_id",
            "does not name an existing asset",
        ))?;
        if asset::find_link(conn, incident.id, target.id)?.is_some() {
            return Err(AppError::Conflict(
                "the asset is already linked to this incident".into(),
            ));
        }
        let link = link_in_tx(conn, actor, incident.id, &target, impact.as_deref(), false)?;
        Ok((link, target))
    })
}

pub fn links(conn: &mut DbConn, actor: &Actor, incident_id: i64) -> AppResult<Vec<(Link, Asset)>> {
    let only = only_organisation(actor)?;
    let scope = authz::incident_scope(actor);
    let incident = incident::find_visible(conn, incident_id, scope)?;
    debug_assert!(
        !matches!(scope, IncidentScope::SharedWith(_)),
        "liaisons cannot read assets"
    );
    Ok(asset::links_of_incident(conn, incident.id, only)?)
}
