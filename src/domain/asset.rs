//! The national CII registry's vocabulary.

use super::string_enum;

string_enum!(
    AssetKind {
        Host => "host",
        Network => "network",
        Domain => "domain",
        Application => "application",
        OtSystem => "ot_system",
        Service => "service",
    }
);

/// 1 (low) to 4 (vital to the country).
pub fn parse_criticality(value: i32) -> Result<i32, String> {
    if (1..=4).contains(&value) {
        Ok(value)
    } else {
        Err("must be from 1 (low) to 4 (vital)".into())
    }
}
