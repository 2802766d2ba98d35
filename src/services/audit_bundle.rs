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
    .map_err(|_| "the signature does not match the bundle (altered after signing, or signed by another key)".to_owned())?;

    Ok(BundleSummary {
        stream: stream.to_owned(),
        events: events.len(),
        head_seq,
        head_hash: head_hash.to_owned(),
        public_key: public_key.to_owned(),
        generated_at: text(bundle, "generated_at", "the bundle")?.to_owned(),
        key_pinned: pinned_key.is_some(),
    })
}
