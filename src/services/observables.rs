//! Observables (IOCs) on incidents, their correlation across incidents, and bulk import.

use std::collections::BTreeMap;

use serde_json::json;

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{
            asset::{self, Asset},
            incident::{self, Incident},
            observable::{self as rows, NewObservable, Observable},
            Page,
        },
        write_tx, DbConn,
    },
    domain::{
        incident::Tlp,
        observable::{detect, ip_range, normalise, ObservableKind},
        time,
    },
    error::{AppError, AppResult, FieldErrors},
    services::{
        assets::link_in_tx,
        incidents::{append_event, check_text},
    },
};

/// Another incident where the same value was seen.
#[derive(Clone, Debug)]
pub struct Sighting {
    pub incident_id: i64,
    pub reference: String,
    pub observable_id: i64,
}

pub struct ObservableDetails {
    pub observable: Observable,
    pub also_seen_in: Vec<Sighting>,
    pub assets: Vec<Asset>,
}

pub struct NewIndicator {
    pub kind: String,
    pub value: String,
    pub tlp: Option<String>,
    pub note: Option<String>,
}

fn parse_indicator(
    input: &NewIndicator,
    default_tlp: Tlp,
) -> Result<(ObservableKind, String, Tlp, Option<String>), FieldErrors> {
    let mut errors = FieldErrors::new();
    let kind = errors.check("kind", ObservableKind::parse(&input.kind));
    let value = kind.and_then(|k| errors.check("value", normalise(k, &input.value)));
    let tlp = match input
        .tlp
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => Some(default_tlp),
        Some(raw) => errors.check("tlp", Tlp::parse_lenient(raw)),
    };
    let note = input
        .note
        .as_deref()
        .and_then(|n| check_text(&mut errors, "note", n, 2_000, false))
        .filter(|n| !n.is_empty());
    if errors.is_empty() {
        Ok((kind.unwrap(), value.unwrap(), tlp.unwrap(), note))
    } else {
        Err(errors)
    }
}

/// Inserts one observable and links approved assets whose address space contains an IP.
fn insert_one(
    conn: &mut DbConn,
    actor: &Actor,
    incident: &Incident,
    (kind, value, tlp, note): (ObservableKind, String, Tlp, Option<String>),
) -> AppResult<Observable> {
    if rows::find_in_incident(conn, incident.id, kind.as_str(), &value)?.is_some() {
        return Err(AppError::Conflict(format!(
            "{kind} {value} is already recorded on this incident"
        )));
    }
    let ip_key = matches!(kind, ObservableKind::Ip)
        .then(|| ip_range(&value).map(|r| r.0))
        .flatten();
    let now = time::now();
    let created = rows::insert(
        conn,
        &NewObservable {
            incident_id: incident.id,
            kind: kind.as_str(),
            value: &value,
            tlp: tlp.as_str(),
            tlp_rank: tlp.rank(),
            note: note.as_deref(),
            ip_key: ip_key.as_deref(),
            created_by: Some(actor.user_id),
            first_seen: now,
            last_seen: now,
            created_at: now,
        },
    )?;
    append_event(
        conn,
        actor,
        incident.id,
        "observable.added",
        json!({ "observable_id": created.id, "kind": created.kind, "value": created.value, "tlp": created.tlp, "note": created.note }),
    )?;
    if let Some(key) = &ip_key {
        for target in asset::containing(conn, key)? {
            if asset::find_link(conn, incident.id, target.id)?.is_none() {
                let impact = format!("Observed address {value} is in this asset's range");
                link_in_tx(conn, actor, incident.id, &target, Some(&impact), true)?;
            }
        }
    }
    Ok(created)
}

pub fn add(
    conn: &mut DbConn,
    actor: &Actor,
    incident_id: i64,
    input: NewIndicator,
) -> AppResult<Observable> {
    authz::require(actor, Action::EditIncident)?;
    write_tx(conn, |conn| {
        let incident = incident::find_visible(conn, incident_id, authz::incident_scope(actor))?;
        let default_tlp = Tlp::parse(&incident.tlp).unwrap_or(Tlp::Amber);
        let parsed = parse_indicator(&input, default_tlp).map_err(AppError::Validation)?;
        insert_one(conn, actor, &incident, parsed)
    })
}

fn sightings(
    conn: &mut DbConn,
    actor: &Actor,
    values: &[String],
    kind: Option<&str>,
    before_incident: Option<i64>,
    limit: i64,
) -> AppResult<Vec<(Observable, String)>> {
    Ok(rows::with_values(
        conn,
        values,
        kind,
        authz::incident_scope(actor),
        before_incident,
        limit,
    )?)
}

/// The incident's observables the caller may see, each with where else it was seen and which
/// registered assets contain it.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    incident_id: i64,
) -> AppResult<Vec<ObservableDetails>> {
    authz::require(actor, Action::ReadIncidents)?;
    let scope = authz::incident_scope(actor);
    let incident = incident::find_visible(conn, incident_id, scope)?;
    let own = rows::of_incident(conn, incident.id, scope)?;
    let values: Vec<String> = own.iter().map(|o| o.value.clone()).collect();
    let mut elsewhere: BTreeMap<(String, String), Vec<Sighting>> = BTreeMap::new();
    for (o, reference) in sightings(conn, actor, &values, None, None, 10_000)? {
        if o.incident_id != incident.id {
            elsewhere
                .entry((o.kind.clone(), o.value.clone()))
                .or_default()
                .push(Sighting {
                    incident_id: o.incident_id,
                    reference,
                    observable_id: o.id,
                });
        }
    }
    let sees_assets = authz::allows(actor.role, Action::ReadAssets);
    let asset_org = authz::asset_scope(actor).only();
    let mut out = Vec::with_capacity(own.len());
    for o in own {
        let assets = match (&o.ip_key, sees_assets) {
            (Some(key), true) => asset::containing(conn, key)?
                .into_iter()
                .filter(|a| asset_org.is_none_or(|org| a.organisation_id == org))
                .collect(),
            _ => Vec::new(),
        };
        let also_seen_in = elsewhere
            .remove(&(o.kind.clone(), o.value.clone()))
            .unwrap_or_default();
        out.push(ObservableDetails {
            observable: o,
            also_seen_in,
            assets,
        });
    }
    Ok(out)
}

/// Every visible incident where `value` was seen, normalised as `kind` or as the kind it looks like.
pub fn correlate(
    conn: &mut DbConn,
    actor: &Actor,
    value: &str,
    kind: Option<&str>,
    page: Page,
) -> AppResult<(ObservableKind, String, Vec<Sighting>)> {
    authz::require(actor, Action::ReadIncidents)?;
    let kind = match kind.map(str::trim).filter(|k| !k.is_empty()) {
        Some(raw) => ObservableKind::parse(raw).map_err(|m| AppError::field("kind", m))?,
        None => detect(value),
    };
    let normalised = normalise(kind, value).map_err(|m| AppError::field("value", m))?;
    let found = sightings(
        conn,
        actor,
        std::slice::from_ref(&normalised),
        Some(kind.as_str()),
        page.after,
        // One more than a page, so the caller knows whether another follows.
        page.limit + 1,
    )?;
    let list = found
        .into_iter()
        .map(|(o, reference)| Sighting {
            incident_id: o.incident_id,
            reference,
            observable_id: o.id,
        })
        .collect();
    Ok((kind, normalised, list))
}

#[derive(Debug, Default)]
pub struct ImportReport {
    pub created: Vec<Observable>,
    pub duplicates: usize,
    pub errors: Vec<(usize, String, String)>,
}

/// Imports a pasted or uploaded list: one indicator per line, or CSV lines `kind,value[,tlp]`.
/// Lines without a kind get the kind they look like. Bad lines are reported, good ones kept.
pub fn import(
    conn: &mut DbConn,
    actor: &Actor,
    incident_id: i64,
    text: &str,
    tlp: Option<&str>,
) -> AppResult<ImportReport> {
    authz::require(actor, Action::EditIncident)?;
    if text.lines().count() > 10_000 {
        return Err(AppError::field("text", "at most 10 000 lines per import"));
    }
    write_tx(conn, |conn| {
        let incident = incident::find_visible(conn, incident_id, authz::incident_scope(actor))?;
        let default_tlp = match tlp.map(str::trim).filter(|t| !t.is_empty()) {
            Some(raw) => Tlp::parse_lenient(raw).map_err(|m| AppError::field("tlp", m))?,
            None => Tlp::parse(&incident.tlp).unwrap_or(Tlp::Amber),
        };
        let mut report = ImportReport::default();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        for (index, record) in reader.records().enumerate() {
            let line = record
                .as_ref()
                .ok()
                .and_then(|r| r.position())
                .map_or(index + 1, |p| p.line() as usize);
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    report
                        .errors
                        .push((line, String::new(), format!("unreadable line: {e}")));
                    continue;
                }
            };
            let fields: Vec<&str> = record.iter().filter(|f| !f.is_empty()).collect();
            let indicator = match fields.as_slice() {
                [] => continue,
                [value] => NewIndicator {
                    kind: detect(value).as_str().to_owned(),
                    value: value.to_string(),
                    tlp: None,
                    note: None,
                },
                [kind, value] => NewIndicator {
                    kind: kind.to_string(),
                    value: value.to_string(),
                    tlp: None,
                    note: None,
                },
                [kind, value, tlp, ..] => NewIndicator {
                    kind: kind.to_string(),
                    value: value.to_string(),
                    tlp: Some(tlp.to_string()),
                    note: None,
                },
            };
            match parse_indicator(&indicator, default_tlp) {
                Err(fields) => {
                    let message = fields
                        .0
                        .into_iter()
                        .map(|(f, m)| format!("{f} {}", m.join("; ")))
                        .collect::<Vec<_>>()
                        .join(", ");
                    report.errors.push((line, indicator.value, message));
                }
                Ok(parsed) => {
                    if rows::find_in_incident(conn, incident.id, parsed.0.as_str(), &parsed.1)?
                        .is_some()
                    {
                        report.duplicates += 1;
                        continue;
                    }
                    report
                        .created
                        .push(insert_one(conn, actor, &incident, parsed)?);
                }
            }
        }
        Ok(report)
    })
}
