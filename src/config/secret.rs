//! Secrets: a type that never prints, and the generated ones kept in the data dir.

use std::{fmt, path::Path};

use anyhow::{anyhow, bail, Context};
use rand::RngCore;
use serde::Deserialize;

/// A secret that never prints: `Debug` shows a placeholder so settings can be logged safely.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The JWT secret is generated once and kept beside the database, readable by the owner only,
/// so tokens survive restarts without anyone having to invent a secret.
pub(super) fn load_or_create_secret(path: &Path) -> anyhow::Result<Secret> {
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the generated secret {}", path.display()))?;
        let text = text.trim();
        if text.len() < 32 {
            bail!(
                "{} is too short to be a secret; delete it to generate a new one",
                path.display()
            );
        }
        return Ok(Secret::new(text));
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    write_private(path, secret.as_bytes())?;
    Ok(Secret::new(secret))
}

/// An Ed25519 seed as configured: standard base64 of exactly 32 bytes.
pub fn decode_seed(raw: &str) -> anyhow::Result<[u8; 32]> {
    use base64::{engine::general_purpose::STANDARD, Engine};
    let bytes = STANDARD
        .decode(raw.trim())
        .map_err(|_| anyhow!("must be standard base64 of a 32-byte Ed25519 seed"))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| anyhow!("must be 32 bytes once decoded, not {}", b.len()))
}

/// Like the JWT secret: generated once into the data dir, owner-only. Several nodes sharing one
/// database should configure the same key instead, or their exports carry different keys.
pub(super) fn load_or_create_signing_key(path: &Path) -> anyhow::Result<Secret> {
    use base64::{engine::general_purpose::STANDARD, Engine};
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the audit signing key {}", path.display()))?;
        decode_seed(&text).with_context(|| {
            format!(
                "{} is not a valid key; restore it (exports signed with it verify against its public key)",
                path.display()
            )
        })?;
        return Ok(Secret::new(text.trim()));
    }
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let encoded = STANDARD.encode(seed);
    write_private(path, encoded.as_bytes())?;
    Ok(Secret::new(encoded))
}

#[cfg(unix)]
pub fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents)?;
    Ok(())
}

#[cfg(not(unix))]
pub fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("cannot create {}", path.display()))
}
