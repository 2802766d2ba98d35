//! The HTTP side: where to listen, the public address, the CERT's name and reference prefix,
//! and the largest upload.

use std::net::SocketAddr;

use anyhow::{anyhow, bail};

use super::source::{number, number_in, pick, Env, FileSettings};

pub const DEFAULT_EVIDENCE_MAX_BYTES: u64 = 1024 * 1024 * 1024;
/// 1 TiB: a sanity bound against a mistyped limit, far above what one upload should carry.
const MAX_EVIDENCE_MAX_BYTES: u64 = 1 << 40;

pub(super) struct WebSection {
    pub bind: SocketAddr,
    pub base_url: url::Url,
    pub cert_name: String,
    pub reference_prefix: String,
    pub evidence_max_bytes: u64,
    pub stats_min_cell: u64,
}

pub(super) fn load(env: &dyn Env, file: &mut FileSettings) -> anyhow::Result<WebSection> {
    let bind_raw =
        pick(env, "BIND", file.bind.take(), |v| v).unwrap_or_else(|| "127.0.0.1:8080".into());
    let bind: SocketAddr = bind_raw.trim().parse().map_err(|_| {
        anyhow!("QALXAN_BIND: `{bind_raw}` is not an address:port such as 127.0.0.1:8080")
    })?;
    let base_raw = pick(env, "BASE_URL", file.base_url.take(), |v| v)
        .unwrap_or_else(|| format!("http://{bind}"));
    let base_url = url::Url::parse(base_raw.trim())
        .map_err(|e| anyhow!("QALXAN_BASE_URL: `{base_raw}` is not a URL ({e})"))?;
    if !matches!(base_url.scheme(), "http" | "https") {
        bail!("QALXAN_BASE_URL must be an http:// or https:// URL");
    }
    let reference_prefix = reference_prefix(env, file)?;
    let evidence_max_bytes = number(
        env,
        "EVIDENCE_MAX_BYTES",
        file.evidence_max_bytes,
        DEFAULT_EVIDENCE_MAX_BYTES,
    )?;
    if !(1..=MAX_EVIDENCE_MAX_BYTES).contains(&evidence_max_bytes) {
        bail!("QALXAN_EVIDENCE_MAX_BYTES must be between 1 and {MAX_EVIDENCE_MAX_BYTES} (1 TiB)");
    }
    let stats_min_cell = number_in(env, "STATS_MIN_CELL", file.stats_min_cell, 3, (1, 1000))?;
    Ok(WebSection {
        stats_min_cell,
        bind,
        base_url,
        cert_name: pick(env, "CERT_NAME", file.cert_name.take(), |v| v)
            .unwrap_or_else(|| "CERT".into()),
        reference_prefix,
        evidence_max_bytes,
    })
}

/// The prefix of incident references (`CERT-2026-00042`): short, capitals and digits only.
fn reference_prefix(env: &dyn Env, file: &mut FileSettings) -> anyhow::Result<String> {
    let prefix = pick(env, "REFERENCE_PREFIX", file.reference_prefix.take(), |v| v)
        .unwrap_or_else(|| "CERT".into())
        .trim()
        .to_owned();
    let well_formed = !prefix.is_empty()
        && prefix.len() <= 12
        && prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if !well_formed {
        bail!("QALXAN_REFERENCE_PREFIX must be 1 to 12 capital letters or digits, e.g. CERT");
    }
    Ok(prefix)
}
