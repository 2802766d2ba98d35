//! The risk register: risks on an organisation's assets (likelihood × impact), their treatment,
//! links to incidents and vulnerabilities, the heat map, and "incidents move risk": linking an
//! incident to an asset flags the asset's risks for review in the same transaction.
//!
//! Who: reporters manage their own organisation's risks, CERT staff all, auditors read all,
//! liaisons nothing (`Action::ReadRisks`, `Action::ManageRisks`, `authz::risk_scope`).

mod input;

pub use input::{RiskInput, RiskPatch};

use serde_json::{json, Value};

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{
            asset::{self, Asset},
            audit::{self as audit_db, AuditEvent},
            incident::{self, Incident},
            risk::{self as rows, NewRisk, Risk, RiskChanges, RiskFilter, RiskOrder},
            user,
            vulnerability::{self, Vulnerability},
            Page,
        },
        write_tx, DbConn,
    },
    domain::{
        risk::{level, score, HeatMap, Treatment},
        threat, time,
        vulnerability::parse_cve,
    },
    error::{AppError, AppResult, FieldErrors},
    services::{
        audit::{self, By},
        incidents::text,
        organisations,
    },
};

/// The most a list page or a CSV export holds.
pub const REGISTER_LIMIT: i64 = 2_000;

fn only_organisation(actor: &Actor) -> AppResult<Option<i64>> {
    authz::require(actor, Action::ReadRisks)?;
    Ok(authz::risk_scope(actor).only())
}

/// A risk the caller may see, else 404.
fn visible(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Risk> {
    let only = only_organisation(actor)?;
    let found = rows::find(conn, id)?;
    if only.is_some_and(|org| org != found.organisation_id) {
        return Err(AppError::NotFound);
    }
    Ok(found)
}

/// A risk the caller may change: visible and `ManageRisks`.
fn editable(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Risk> {
    authz::require(actor, Action::ManageRisks)?;
    visible(conn, actor, id)
}

/// The assets named, each once, all of `organisation_id`.
fn assets_of(conn: &mut DbConn, organisation_id: i64, ids: &[i64]) -> AppResult<Vec<Asset>> {
    if ids.len() > 100 {
        return Err(AppError::field("asset_ids", "may name at most 100 assets"));
    }
    let mut found: Vec<Asset> = Vec::new();
    for id in ids {
        if found.iter().any(|a| a.id == *id) {
            continue;
        }
        match asset::find(conn, *id) {
            Ok(a) if a.organisation_id == organisation_id => found.push(a),
            _ => {
                return Err(AppError::field(
                    "asset_ids",
                    format!("{id} is not an asset of the risk's organisation"),
                ))
            }
        }
    }
    Ok(found)
}

fn check_owner(conn: &mut DbConn, organisation_id: i64, owner: Option<i64>) -> AppResult<()> {
    if let Some(id) = owner {
        match user::find(conn, id) {
            Ok(u) if u.organisation_id == organisation_id && u.active => {}
            _ => {
                return Err(AppError::field(
                    "owner_id",
                    "must be an active member of the risk's organisation",
                ))
            }
        }
    }
    Ok(())
}

fn snapshot(risk: &Risk, asset_ids: &[i64]) -> Value {
    json!({
        "organisation_id": risk.organisation_id, "title": risk.title,
        "description": risk.description, "threat": risk.threat, "likelihood": risk.likelihood,
        "impact": risk.impact, "score": risk.score, "level": risk.level, "owner_id": risk.owner_id,
        "treatment": risk.treatment, "treatment_plan": risk.treatment_plan,
        "treatment_due": risk.treatment_due, "review_at": risk.review_at,
        "residual_likelihood": risk.residual_likelihood, "residual_impact": risk.residual_impact,
        "review_due": risk.review_due, "asset_ids": asset_ids,
    })
}

pub fn create(conn: &mut DbConn, actor: &Actor, input: RiskInput) -> AppResult<Risk> {
    authz::require(actor, Action::ManageRisks)?;
    let mut errors = FieldErrors::new();
    let checked = input::check(&mut errors, &input);
    let organisation_id = match (input.organisation_id, authz::risk_scope(actor).only()) {
        (Some(id), Some(own)) if id != own => {
            errors.add(
                "organisation_id",
                "you may only register risks of your own organisation",
            );
            None
        }
        (Some(id), _) => Some(id),
        (None, Some(own)) => Some(own),
        (None, None) => {
            errors.add("organisation_id", "is required");
            None
        }
    };
    errors.into_result()?;
    let (c, organisation_id) = (checked.unwrap(), organisation_id.unwrap());
    write_tx(conn, |conn| {
        let org = organisations::named(conn, organisation_id)?;
        let assets = assets_of(conn, org.id, &input.asset_ids)?;
        check_owner(conn, org.id, input.owner_id)?;
        let now = time::now();
        let s = score(c.likelihood, c.impact);
        let created = rows::insert(
            conn,
            &NewRisk {
                organisation_id: org.id,
                title: &c.title,
                description: &c.description,
                threat: &c.threat,
                likelihood: c.likelihood,
                impact: c.impact,
                score: s,
                level: level(s).as_str(),
                owner_id: input.owner_id,
                treatment: c.treatment.as_str(),
                treatment_plan: c.treatment_plan.as_deref(),
                treatment_due: c.treatment_due.as_deref(),
                review_at: c.review_at.as_deref(),
                residual_likelihood: c.residual_likelihood,
                residual_impact: c.residual_impact,
                review_due: false,
                last_reviewed_at: now,
                created_by: Some(actor.user_id),
                created_at: now,
                updated_at: now,
            },
        )?;
        let ids: Vec<i64> = assets.iter().map(|a| a.id).collect();
        for id in &ids {
            rows::add_asset(conn, created.id, *id)?;
        }
        audit::record(
            conn,
            By::from(actor),
            "risk.created",
            "risk",
            created.id,
            snapshot(&created, &ids),
        )?;
        Ok(created)
    })
}

fn changes_of(errors: &mut FieldErrors, patch: &RiskPatch, before: &Risk) -> RiskChanges {
    let likelihood = input::rating(errors, "likelihood", patch.likelihood);
    let impact = input::rating(errors, "impact", patch.impact);
    let new_score = score(
        likelihood.unwrap_or(before.likelihood),
        impact.unwrap_or(before.impact),
    );
    let opt_text = |errors: &mut FieldErrors, field: &str, v: &Option<Option<String>>, date| {
        v.as_ref().map(|v| {
            if date {
                input::optional(errors, field, v.as_deref(), input::date)
            } else {
                input::optional(errors, field, v.as_deref(), text(20_000, false))
            }
        })
    };
    let opt_rating = |errors: &mut FieldErrors, field: &str, v: Option<Option<i32>>| {
        v.map(|v| input::rating(errors, field, v))
    };
    let reviewed = patch.reviewed == Some(true);
    RiskChanges {
        title: errors.patched("title", patch.title.as_deref(), text(200, true)),
        description: errors.patched(
            "description",
            patch.description.as_deref(),
            text(20_000, true),
        ),
        threat: errors.patched("threat", patch.threat.as_deref(), threat::parse),
        likelihood,
        impact,
        score: Some(new_score),
        level: Some(level(new_score).as_str().to_owned()),
        owner_id: patch.owner_id,
        treatment: errors
            .patched("treatment", patch.treatment.as_deref(), Treatment::parse)
            .map(|t| t.as_str().to_owned()),
        treatment_plan: opt_text(errors, "treatment_plan", &patch.treatment_plan, false),
        treatment_due: opt_text(errors, "treatment_due", &patch.treatment_due, true),
        review_at: opt_text(errors, "review_at", &patch.review_at, true),
        residual_likelihood: opt_rating(errors, "residual_likelihood", patch.residual_likelihood),
        residual_impact: opt_rating(errors, "residual_impact", patch.residual_impact),
        review_due: reviewed.then_some(false),
        review_incident_id: reviewed.then_some(None),
        last_reviewed_at: reviewed.then(time::now),
        updated_at: Some(time::now()),
    }
}

pub fn update(conn: &mut DbConn, actor: &Actor, id: i64, patch: RiskPatch) -> AppResult<Risk> {
    authz::require(actor, Action::ManageRisks)?;
    write_tx(conn, |conn| {
        let before = editable(conn, actor, id)?;
        let mut errors = FieldErrors::new();
        let changes = changes_of(&mut errors, &patch, &before);
        errors.into_result()?;
        let before_assets = rows::asset_ids(conn, id)?;
        if let Some(ids) = &patch.asset_ids {
            let assets = assets_of(conn, before.organisation_id, ids)?;
            rows::remove_assets(conn, id)?;
            for a in &assets {
                rows::add_asset(conn, id, a.id)?;
            }
        }
        if let Some(owner) = patch.owner_id {
            check_owner(conn, before.organisation_id, owner)?;
        }
        let after = rows::update(conn, id, &changes)?;
        let after_assets = rows::asset_ids(conn, id)?;
        let (old, new) = (
            snapshot(&before, &before_assets),
            snapshot(&after, &after_assets),
        );
        let pairs: Vec<(&str, Value, Value)> = old
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.clone(), new[k].clone()))
            .collect();
        let mut details = audit::changes(&pairs);
        if patch.reviewed == Some(true) {
            details["reviewed"] = json!(true);
        }
        audit::record(
            conn,
            By::from(actor),
            if patch.reviewed == Some(true) {
                "risk.reviewed"
            } else {
                "risk.updated"
            },
            "risk",
            id,
            details,
        )?;
        Ok(after)
    })
}

pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    mut filter: RiskFilter,
    page: Page,
) -> AppResult<Vec<Risk>> {
    filter.only_organisation = only_organisation(actor)?;
    Ok(rows::list(conn, &filter, page)?)
}

/// The register sorted for a page or the CSV, and the heat map of the same filter (without
/// the cell a heat-map link picked, so the map still shows every cell).
pub fn register(
    conn: &mut DbConn,
    actor: &Actor,
    mut filter: RiskFilter,
    order: RiskOrder,
) -> AppResult<(Vec<Risk>, HeatMap)> {
    filter.only_organisation = only_organisation(actor)?;
    let risks = rows::sorted(conn, &filter, order, REGISTER_LIMIT)?;
    let map_filter = RiskFilter {
        likelihood: None,
        impact: None,
        ..filter
    };
    let map = HeatMap::from_counts(
        rows::ratings(conn, &map_filter)?
            .into_iter()
            .map(|(l, i)| (l, i, 1)),
    );
    Ok((risks, map))
}

/// An incident as a risk page shows it.
pub struct IncidentRef {
    pub incident: Incident,
    /// The asset through which it touched the risk, for incidents since the last review.
    pub asset_id: Option<i64>,
}

/// A risk with everything its page shows.
pub struct RiskDetail {
    pub risk: Risk,
    pub assets: Vec<Asset>,
    /// Linked by hand.
    pub incidents: Vec<Incident>,
    pub vulnerabilities: Vec<Vulnerability>,
    /// Incidents linked to its assets since the last review (those the caller may see).
    pub recent_incidents: Vec<IncidentRef>,
    /// The incident that flagged it for review, if the caller may see it.
    pub review_incident: Option<Incident>,
}

pub fn get(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<RiskDetail> {
    let risk = visible(conn, actor, id)?;
    let scope = authz::incident_scope(actor);
    let assets = rows::asset_ids(conn, id)?
        .into_iter()
        .map(|a| asset::find(conn, a))
        .collect::<Result<Vec<_>, _>>()?;
    let incidents = rows::incident_ids(conn, id)?
        .into_iter()
        .filter_map(|i| incident::find_visible(conn, i, scope).ok())
        .collect();
    let mut recent_incidents: Vec<IncidentRef> = Vec::new();
    for (incident_id, asset_id, _) in
        rows::incidents_on_assets_since(conn, id, risk.last_reviewed_at)?
    {
        if recent_incidents
            .iter()
            .any(|r| r.incident.id == incident_id)
        {
            continue;
        }
        if let Ok(i) = incident::find_visible(conn, incident_id, scope) {
            recent_incidents.push(IncidentRef {
                incident: i,
                asset_id: Some(asset_id),
            });
        }
    }
    let review_incident = risk
        .review_incident_id
        .and_then(|i| incident::find_visible(conn, i, scope).ok());
    Ok(RiskDetail {
        vulnerabilities: rows::vulnerabilities_of(conn, id)?,
        risk,
        assets,
        incidents,
        recent_incidents,
        review_incident,
    })
}

/// The risk's audit events, oldest first, each with its before/after.
pub fn history(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Vec<AuditEvent>> {
    let risk = visible(conn, actor, id)?;
    Ok(audit_db::for_entity(conn, "risk", risk.id)?)
}

pub fn link_incident(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    incident_id: i64,
) -> AppResult<Incident> {
    write_tx(conn, |conn| {
        let risk = editable(conn, actor, id)?;
        let found =
            incident::find_visible(conn, incident_id, authz::incident_scope(actor)).map_err(
                AppError::field_if_missing("incident_id", "does not name an incident you can see"),
            )?;
        if rows::has_incident(conn, risk.id, found.id)? {
            return Err(AppError::Conflict(
                "the incident is already linked to this risk".into(),
            ));
        }
        rows::add_incident(conn, risk.id, found.id, actor.user_id, time::now())?;
        audit::record(
            conn,
            By::from(actor),
            "risk.incident_linked",
            "risk",
            risk.id,
            json!({ "incident_id": found.id, "reference": found.reference }),
        )?;
        Ok(found)
    })
}

pub fn link_vulnerability(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    cve: &str,
) -> AppResult<Vulnerability> {
    let cve = parse_cve(cve).map_err(|m| AppError::field("cve", m))?;
    write_tx(conn, |conn| {
        let risk = editable(conn, actor, id)?;
        let found = vulnerability::find_by_cve(conn, &cve)?
            .ok_or_else(|| AppError::field("cve", "is not a known vulnerability"))?;
        if rows::has_vulnerability(conn, risk.id, found.id)? {
            return Err(AppError::Conflict(
                "the vulnerability is already linked to this risk".into(),
            ));
        }
        rows::add_vulnerability(conn, risk.id, found.id, actor.user_id, time::now())?;
        audit::record(
            conn,
            By::from(actor),
            "risk.vulnerability_linked",
            "risk",
            risk.id,
            json!({ "cve": found.cve }),
        )?;
        Ok(found)
    })
}

/// "Incidents move risk": called inside the transaction that links `incident_id` to an asset;
/// every risk on that asset is flagged for review with the incident as the reason.
pub fn flag_for_review(
    conn: &mut DbConn,
    by: By,
    incident_id: i64,
    asset_id: i64,
) -> AppResult<usize> {
    let mut flagged = 0;
    for risk in rows::on_asset(conn, asset_id)? {
        if risk.review_due && risk.review_incident_id == Some(incident_id) {
            continue;
        }
        rows::update(
            conn,
            risk.id,
            &RiskChanges {
                review_due: Some(true),
                review_incident_id: Some(Some(incident_id)),
                updated_at: Some(time::now()),
                ..Default::default()
            },
        )?;
        audit::record(
            conn,
            by.clone(),
            "risk.review_due",
            "risk",
            risk.id,
            json!({ "incident_id": incident_id, "asset_id": asset_id }),
        )?;
        flagged += 1;
    }
    Ok(flagged)
}
