//! Signed, self-contained exports of one audit stream ("bundles") that a third party can verify
//! offline: the events with every hashed field, the stream's head, and an Ed25519 signature over
//! the canonical JSON of the rest. `docs/AUDIT.md` states the rules for outside verifiers.

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use ed25519_dalek::{Signer, SigningKey};
use serde::Serialize;
use serde_json::{json, Value};

use crate::{
    auth::Actor,
    authz::{self, Action},
    config::{decode_seed, Settings},
    db::{
        models::audit::{self as rows, AuditEvent},
        write_tx, DbConn,
    },
    domain::time,
    error::AppResult,
    services::audit::{self, canonical_json, hashed_fields, By, Entry, GENESIS, SYSTEM_STREAM},
};

pub const FORMAT: &str = "qalxan-case-bundle/1";
pub const ALGORITHM: &str = "ed25519";

/// The instance's signing key (from `QALXAN_AUDIT_SIGNING_KEY` or the data dir).
pub struct AuditSigner {
    key: SigningKey,
}

impl AuditSigner {
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(seed),
        }
    }

    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        Ok(Self::from_seed(&decode_seed(
            settings.audit_signing_key.expose(),
        )?))
    }

    /// Standard base64 (with padding) of the 32-byte public key.
    pub fn public_key(&self) -> String {
        B64.encode(self.key.verifying_key().to_bytes())
    }

    /// Standard base64 of the 64-byte signature of `message`.
    pub fn sign(&self, message: &[u8]) -> String {
        B64.encode(self.key.sign(message).to_bytes())
    }
}

/// What `GET /api/v1/audit/public-key` answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicKey {
    /// Always `ed25519`.
    pub algorithm: &'static str,
    /// Standard base64 of the 32-byte Ed25519 public key.
    pub public_key: String,
}

pub fn public_key(signer: &AuditSigner) -> PublicKey {
    PublicKey {
        algorithm: ALGORITHM,
        public_key: signer.public_key(),
    }
}

/// One event as the API and bundles show it: the hashed fields exactly as hashed (`at` in
/// RFC 3339 with microseconds, `details` as JSON), plus `id`, `prev_hash` and `hash`.
pub fn event_json(event: &AuditEvent) -> Value {
    let details = serde_json::from_str(&event.details)
        // Unreadable details can only come from tampering; show them as they are.
        .unwrap_or_else(|_| Value::String(event.details.clone()));
    let mut value = hashed_fields(event, &details);
    value["id"] = json!(event.id);
    value["prev_hash"] = json!(event.prev_hash);
    value["hash"] = json!(event.hash);
    value
}

/// Builds the signed bundle of `stream` with the caller's `case` data. The head is read first
/// and only events up to it are taken, so the bundle is one consistent prefix of the chain even
/// while others append; call it inside the caller's transaction to match `case` to it.
pub fn build_bundle(
    conn: &mut DbConn,
    case: Value,
    stream: &str,
    signer: &AuditSigner,
) -> AppResult<Value> {
    let (head_seq, head_hash) =
        rows::head(conn, stream)?.unwrap_or_else(|| (0, GENESIS.to_owned()));
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let chunk = rows::stream_chunk(
            conn,
            stream,
            after,
            Some(head_seq),
            crate::services::audit_verify::CHUNK,
        )?;
        let Some(last) = chunk.last() else { break };
        after = last.seq;
        events.extend(chunk.iter().map(event_json));
    }
    Ok(sign_bundle(
        json!({
            "format": FORMAT,
            "generated_at": time::rfc3339(time::now()),
            "stream": stream,
            "case": case,
            "events": events,
            "head": { "seq": head_seq, "hash": head_hash },
        }),
        signer,
    ))
}

/// Adds the `signature` member: Ed25519 over the canonical JSON of everything else.
pub fn sign_bundle(mut bundle: Value, signer: &AuditSigner) -> Value {
    let signature = signer.sign(canonical_json(&bundle).as_bytes());
    bundle["signature"] = json!({
        "algorithm": ALGORITHM,
        "public_key": signer.public_key(),
        "value": signature,
    });
    bundle
}

/// The system stream as a bundle (auditors, admins); the export itself is audited, after the
/// bundle's head, with the head it exported.
pub fn export_system(conn: &mut DbConn, actor: &Actor, signer: &AuditSigner) -> AppResult<Value> {
    authz::require(actor, Action::ReadAudit)?;
    let bundle = build_bundle(
        conn,
        json!({ "stream": SYSTEM_STREAM }),
        SYSTEM_STREAM,
        signer,
    )?;
    write_tx(conn, |conn| {
        audit::append(
            conn,
            Entry {
                by: By::from(actor),
                action: "audit.exported",
                entity_type: "audit_stream",
                entity_id: None,
                incident_id: None,
                details: json!({
                    "stream": SYSTEM_STREAM,
                    "head": bundle["head"],
                    "public_key": signer.public_key(),
                }),
            },
        )
    })?;
    Ok(bundle)
}
