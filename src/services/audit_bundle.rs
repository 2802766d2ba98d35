//! Offline verification of an exported bundle, from the bundle alone: no database, no settings.
//! Checks the format, recomputes every event's hash and the chain up to the head, then the
//! Ed25519 signature over the canonical JSON of the bundle without its `signature`.

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::Value;

use crate::services::{
    audit::{canonical_json, chain_hash},
    audit_chain::{Chain, Link},
    audit_export::{ALGORITHM, FORMAT},
};

/// The keys of an event that are hashed, in the order the docs list them.
pub const HASHED_FIELDS: [&str; 10] = [
    "stream",
    "seq",
    "at",
    "actor_id",
    "actor_ip",
    "action",
    "entity_type",
    "entity_id",
    "incident_id",
    "details",
];

/// What a valid bundle proves.
#[derive(Debug)]
pub struct BundleSummary {
    pub stream: String,
    pub events: usize,
    pub head_seq: i64,
    pub head_hash: String,
    pub public_key: String,
    pub generated_at: String,
    /// Whether the caller pinned the expected public key.
    pub key_pinned: bool,
}

fn field<'a>(value: &'a Value, key: &str, what: &str) -> Result<&'a Value, String> {
    value
        .get(key)
        .ok_or_else(|| format!("{what} has no `{key}`"))
}

fn text<'a>(value: &'a Value, key: &str, what: &str) -> Result<&'a str, String> {
    field(value, key, what)?
        .as_str()
        .ok_or_else(|| format!("{what}: `{key}` is not a string"))
}

fn int(value: &Value, key: &str, what: &str) -> Result<i64, String> {
    field(value, key, what)?
        .as_i64()
        .ok_or_else(|| format!("{what}: `{key}` is not an integer"))
}

/// The hash an event should have: SHA-256 over its `prev_hash` and the canonical JSON of its
/// hashed fields.
pub fn event_hash(event: &Value, what: &str) -> Result<String, String> {
    let mut body = serde_json::Map::new();
    for key in HASHED_FIELDS {
        body.insert(key.to_owned(), field(event, key, what)?.clone());
    }
    Ok(chain_hash(
        text(event, "prev_hash", what)?,
        &canonical_json(&Value::Object(body)),
    ))
}

/// Verifies `bundle`; `pinned_key` (standard base64) is the public key it must be signed with.
pub fn verify_bundle(bundle: &Value, pinned_key: Option<&str>) -> Result<BundleSummary, String> {
    let format = text(bundle, "format", "the bundle")?;
    if format != FORMAT {
        return Err(format!("unknown format `{format}` (expected `{FORMAT}`)"));
    }
    let stream = text(bundle, "stream", "the bundle")?;
    let events = field(bundle, "events", "the bundle")?
        .as_array()
        .ok_or("the bundle: `events` is not a list")?;
    let head = field(bundle, "head", "the bundle")?;
    let head_seq = int(head, "seq", "the head")?;
    let head_hash = text(head, "hash", "the head")?;

    let mut chain = Chain::new(stream);
    for (index, event) in events.iter().enumerate() {
        let what = format!("event #{}", index + 1);
        let link = Link {
            stream: text(event, "stream", &what)?,
            seq: int(event, "seq", &what)?,
            id: event.get("id").and_then(Value::as_i64),
            prev_hash: text(event, "prev_hash", &what)?,
            hash: text(event, "hash", &what)?,
            computed: Some(event_hash(event, &what)?),
        };
        chain.push(&link).map_err(|bad| bad.to_string())?;
    }
    chain
        .finish(Some((head_seq, head_hash)))
        .map_err(|bad| bad.to_string())?;

    let public_key = verify_signature(bundle, pinned_key)?;

    Ok(BundleSummary {
        stream: stream.to_owned(),
        events: events.len(),
        head_seq,
        head_hash: head_hash.to_owned(),
        public_key,
        generated_at: text(bundle, "generated_at", "the bundle")?.to_owned(),
        key_pinned: pinned_key.is_some(),
    })
}

/// Checks the Ed25519 `signature` member over the canonical JSON of everything else, and
/// returns the signing key (base64). `pinned_key` refuses any other key.
pub fn verify_signature(bundle: &Value, pinned_key: Option<&str>) -> Result<String, String> {
    let signature = field(bundle, "signature", "the bundle")?;
    let algorithm = text(signature, "algorithm", "the signature")?;
    if algorithm != ALGORITHM {
        return Err(format!("unsupported signature algorithm `{algorithm}`"));
    }
    let public_key = text(signature, "public_key", "the signature")?;
    let key_bytes: [u8; 32] = B64
        .decode(public_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("the signature's public key is not base64 of 32 bytes")?;
    if let Some(pinned) = pinned_key {
        let pinned_bytes = B64
            .decode(pinned.trim())
            .map_err(|_| "the expected public key is not valid base64".to_owned())?;
        if pinned_bytes != key_bytes {
            return Err(format!(
                "signed with key {public_key}, not with the expected key {}",
                pinned.trim()
            ));
        }
    }
    let key = VerifyingKey::from_bytes(&key_bytes)
        .map_err(|_| "the signature's public key is not a valid Ed25519 key".to_owned())?;
    let value: [u8; 64] = B64
        .decode(text(signature, "value", "the signature")?)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("the signature value is not base64 of 64 bytes")?;
    let mut unsigned = bundle.clone();
    if let Some(map) = unsigned.as_object_mut() {
        map.remove("signature");
    }
    key.verify_strict(
        canonical_json(&unsigned).as_bytes(),
        &Signature::from_bytes(&value),
    )
    .map_err(|_| {
        "the signature does not match the bundle (altered after signing, or signed by another key)"
            .to_owned()
    })?;

    Ok(public_key.to_owned())
}

/// The format of a date-range export: several case bundles, the list itself signed so that a
/// dropped or added case is detected too.
pub const COLLECTION_FORMAT: &str = "qalxan-case-collection/1";

pub fn verify_collection(
    collection: &Value,
    pinned_key: Option<&str>,
) -> Result<Vec<BundleSummary>, String> {
    let format = text(collection, "format", "the collection")?;
    if format != COLLECTION_FORMAT {
        return Err(format!(
            "unknown format `{format}` (expected `{COLLECTION_FORMAT}`)"
        ));
    }
    verify_signature(collection, pinned_key)?;
    let bundles = field(collection, "bundles", "the collection")?
        .as_array()
        .ok_or("the collection: `bundles` is not a list")?;
    bundles
        .iter()
        .enumerate()
        .map(|(i, b)| {
            verify_bundle(b, pinned_key).map_err(|reason| format!("case #{}: {reason}", i + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde_json::json;

    use super::*;
    use crate::{
        db::models::audit::AuditEvent,
        services::{
            audit::{hashed_fields, recompute_hash, GENESIS},
            audit_export::{event_json, sign_bundle, AuditSigner},
        },
    };

    /// RFC 8032's first test key, so outside verifiers can cross-check the example.
    const SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

    fn event(
        seq: i64,
        prev: &str,
        micros: (u32, u32),
        who: (Option<i64>, Option<&str>),
        what: (&str, &str, i64),
        details: Value,
    ) -> AuditEvent {
        let mut e = AuditEvent {
            id: seq,
            stream: "system".into(),
            seq,
            at: NaiveDate::from_ymd_opt(2026, 11, 24)
                .unwrap()
                .and_hms_micro_opt(8, 0, micros.0, micros.1)
                .unwrap(),
            actor_id: who.0,
            actor_ip: who.1.map(Into::into),
            action: what.0.into(),
            entity_type: what.1.into(),
            entity_id: Some(what.2),
            incident_id: None,
            details: canonical_json(&details),
            prev_hash: prev.into(),
            hash: String::new(),
        };
        e.hash = recompute_hash(&e).unwrap();
        e
    }

    /// The two-event bundle that docs/AUDIT.md walks through.
    fn worked_example() -> (Vec<AuditEvent>, Value) {
        let first = event(
            1,
            GENESIS,
            (0, 0),
            (None, None),
            ("organisation.created", "organisation", 1),
            json!({"name": "CERT", "kind": "cert", "sector": null, "contact_email": null}),
        );
        let second = event(
            2,
            &first.hash,
            (1, 250_000),
            (Some(1), Some("192.0.2.10")),
            ("user.created", "user", 1),
            json!({"email": "admin@cert.example", "display_name": "Administrator", "role": "admin", "organisation_id": 1, "locale": "az"}),
        );
        let seed: [u8; 32] = hex::decode(SEED).unwrap().try_into().unwrap();
        let bundle = sign_bundle(
            json!({
                "format": FORMAT,
                "generated_at": "2026-11-24T09:00:00.000000Z",
                "stream": "system",
                "case": { "stream": "system" },
                "events": [event_json(&first), event_json(&second)],
                "head": { "seq": 2, "hash": second.hash },
            }),
            &AuditSigner::from_seed(&seed),
        );
        (vec![first, second], bundle)
    }

    #[test]
    fn the_worked_example_verifies_and_matches_the_docs() {
        let (events, bundle) = worked_example();
        let summary = verify_bundle(
            &bundle,
            Some("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="),
        )
        .unwrap();
        assert_eq!(summary.events, 2);

        let mut unsigned = bundle.clone();
        unsigned.as_object_mut().unwrap().remove("signature");
        let docs = include_str!("../../docs/AUDIT.md");
        let mut facts = vec![
            bundle["signature"]["public_key"]
                .as_str()
                .unwrap()
                .to_owned(),
            bundle["signature"]["value"].as_str().unwrap().to_owned(),
        ];
        for e in &events {
            let details: Value = serde_json::from_str(&e.details).unwrap();
            facts.push(canonical_json(&hashed_fields(e, &details)));
            facts.push(e.hash.clone());
        }
        if std::env::var_os("QALXAN_PRINT_EXAMPLE").is_some() {
            println!("{}", serde_json::to_string_pretty(&bundle).unwrap());
            println!("{}", canonical_json(&unsigned));
            facts.iter().for_each(|f| println!("{f}"));
        }
        for fact in facts {
            assert!(docs.contains(&fact), "docs/AUDIT.md lacks {fact}");
        }
    }

    #[test]
    fn every_kind_of_tampering_with_a_bundle_fails() {
        let (_, bundle) = worked_example();
        type Tamper = fn(&mut Value);
        let breaks: Vec<(Tamper, &str)> = vec![
            (
                |b| b["events"][0]["actor_ip"] = json!("10.0.0.1"),
                "content",
            ),
            (
                |b| {
                    b["events"].as_array_mut().unwrap().remove(0);
                },
                "missing",
            ),
            (
                |b| b["events"].as_array_mut().unwrap().swap(0, 1),
                "jumps from 0 to 2",
            ),
            (|b| b["events"][1]["seq"] = json!(1), "out of order"),
            (|b| b["head"]["seq"] = json!(3), "deleted"),
            (
                |b| b["case"] = json!({"stream": "other"}),
                "signature does not match",
            ),
            (|b| b["format"] = json!("other/1"), "unknown format"),
            (|b| b["signature"]["public_key"] = json!("AAAA"), "32 bytes"),
        ];
        for (tamper, reason) in breaks {
            let mut copy = bundle.clone();
            tamper(&mut copy);
            let err = verify_bundle(&copy, None).unwrap_err();
            assert!(err.contains(reason), "{reason}: {err}");
        }
        assert!(verify_bundle(&bundle, Some("AAAA")).is_err());
    }
}
