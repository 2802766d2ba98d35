//! Appending to the audit trail. Every mutating service calls `append` inside its transaction.
//!
//! Each stream (`system`, `incident:<id>`) is a hash chain:
//! `hash = hex(SHA-256(prev_hash ‖ canonical_json(event)))`, where `prev_hash` is the previous
//! event's hash in hex (64 zeros for the first) and the canonical JSON has sorted keys, no
//! whitespace, and `at` in RFC 3339 with microseconds.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{
    auth::Actor,
    db::{
        models::audit::{self, AuditEvent, NewAuditEvent},
        DbConn,
    },
    domain::time,
    error::AppResult,
};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
pub const SYSTEM_STREAM: &str = "system";

pub fn stream_for(incident_id: Option<i64>) -> String {
    incident_id.map_or_else(|| SYSTEM_STREAM.to_owned(), |id| format!("incident:{id}"))
}

/// Who did it: a signed-in user, or the system itself (start-up, workers), with the address the
/// request came from.
#[derive(Clone, Debug, Default)]
pub struct By {
    pub actor_id: Option<i64>,
    pub ip: Option<String>,
}

impl From<&Actor> for By {
    fn from(actor: &Actor) -> Self {
        Self {
            actor_id: Some(actor.user_id),
            ip: actor.ip.clone(),
        }
    }
}

impl By {
    pub fn system() -> Self {
        Self::default()
    }
}

#[derive(Debug)]
pub struct Entry<'a> {
    pub by: By,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<i64>,
    pub incident_id: Option<i64>,
    pub details: Value,
}

/// The fields that are hashed, as one JSON object.
pub fn hashed_fields(event: &AuditEvent, details: &Value) -> Value {
    json!({
        "stream": event.stream,
        "seq": event.seq,
        "at": time::rfc3339(event.at),
        "actor_id": event.actor_id,
        "actor_ip": event.actor_ip,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "incident_id": event.incident_id,
        "details": details,
    })
}

/// JSON with object keys sorted at every level and no insignificant whitespace. Written out
/// here rather than relying on serde_json's map order, which a dependency's feature can change.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

pub fn chain_hash(prev_hash: &str, canonical: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(canonical.as_bytes());
    hex::encode(hasher.finalize())
}

/// Appends one event to its stream. Call inside the transaction that makes the change.
/// Appends an event about one record that belongs to no incident (an account, an organisation,
/// an asset, a queued mail, a sign-in): it goes to the system stream, keyed by the record's id.
pub fn record(
    conn: &mut DbConn,
    by: By,
    action: &str,
    entity_type: &str,
    entity_id: i64,
    details: Value,
) -> AppResult<AuditEvent> {
    append(
        conn,
        Entry {
            by,
            action,
            entity_type,
            entity_id: Some(entity_id),
            incident_id: None,
            details,
        },
    )
}

pub fn append(conn: &mut DbConn, entry: Entry) -> AppResult<AuditEvent> {
    let stream = stream_for(entry.incident_id);
    let head = audit::lock_head(conn, &stream, GENESIS)?;
    let details = canonical_json(&entry.details);
    let mut event = AuditEvent {
        id: 0,
        stream: stream.clone(),
        seq: head.seq + 1,
        at: time::now(),
        actor_id: entry.by.actor_id,
        actor_ip: entry.by.ip.clone(),
        action: entry.action.to_owned(),
        entity_type: entry.entity_type.to_owned(),
        entity_id: entry.entity_id,
        incident_id: entry.incident_id,
        details: details.clone(),
        prev_hash: head.hash.clone(),
        hash: String::new(),
    };
    event.hash = chain_hash(
        &event.prev_hash,
        &canonical_json(&hashed_fields(&event, &entry.details)),
    );
    let stored = audit::insert(
        conn,
        &NewAuditEvent {
            stream: &event.stream,
            seq: event.seq,
            at: event.at,
            actor_id: event.actor_id,
            actor_ip: event.actor_ip.as_deref(),
            action: &event.action,
            entity_type: &event.entity_type,
            entity_id: event.entity_id,
            incident_id: event.incident_id,
            details: &details,
            prev_hash: &event.prev_hash,
            hash: &event.hash,
        },
    )?;
    audit::set_head(conn, &stream, stored.seq, &stored.hash)?;
    Ok(stored)
}

/// Recomputes one event's hash from its stored fields.
pub fn recompute_hash(event: &AuditEvent) -> Option<String> {
    let details: Value = serde_json::from_str(&event.details).ok()?;
    Some(chain_hash(
        &event.prev_hash,
        &canonical_json(&hashed_fields(event, &details)),
    ))
}

/// A field-level before/after for updates: only the fields that changed.
pub fn changes(pairs: &[(&str, Value, Value)]) -> Value {
    let mut map = serde_json::Map::new();
    for (field, before, after) in pairs {
        if before != after {
            map.insert(
                (*field).to_owned(),
                json!({ "before": before, "after": after }),
            );
        }
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let v = json!({"b": 1, "a": {"z": [3, {"y": null, "x": "ə"}], "c": true}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":true,"z":[3,{"x":"ə","y":null}]},"b":1}"#
        );
    }

    #[test]
    fn the_chain_hash_is_sha256_of_prev_and_body() {
        // printf '%s{}' 000…000 | sha256sum
        assert_eq!(
            chain_hash(GENESIS, "{}"),
            "5508d2b710e64bc470079e1b211d9c58e21011e59d0559e422345dc19d659a75"
        );
        assert_ne!(chain_hash(GENESIS, "{}"), chain_hash(GENESIS, "{ }"));
    }

    #[test]
    fn changes_keep_only_what_changed() {
        let c = changes(&[
            ("title", json!("a"), json!("b")),
            ("severity", json!("low"), json!("low")),
        ]);
        assert_eq!(c, json!({"title": {"before": "a", "after": "b"}}));
    }
}
