//! The threat catalogue: ENISA Threat Landscape prime threats, each mapped to the RSIT classes
//! whose incidents it covers, named in az, en and ru (`reference/threats.json`).

use std::{collections::BTreeMap, sync::LazyLock};

use serde::Deserialize;

use super::Locale;

#[derive(Debug, Deserialize)]
pub struct Threat {
    pub code: String,
    pub names: BTreeMap<String, String>,
    pub description: BTreeMap<String, String>,
    pub rsit_classes: Vec<String>,
}

impl Threat {
    pub fn name(&self, locale: Locale) -> &str {
        self.names.get(locale.as_str()).map_or("", String::as_str)
    }

    pub fn describe(&self, locale: Locale) -> &str {
        self.description
            .get(locale.as_str())
            .map_or("", String::as_str)
    }
}

static THREATS: LazyLock<Vec<Threat>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("reference/threats.json"))
        .expect("embedded threats.json is valid")
});

pub fn threats() -> &'static [Threat] {
    &THREATS
}

pub fn find(code: &str) -> Option<&'static Threat> {
    THREATS.iter().find(|t| t.code == code)
}

pub fn parse(raw: &str) -> Result<String, String> {
    find(raw.trim())
        .map(|t| t.code.clone())
        .ok_or_else(|| "is not a threat of the catalogue (see GET /api/v1/threats)".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::reference_data::rsit_types;

    #[test]
    fn every_threat_is_named_in_every_language_and_maps_to_known_rsit_classes() {
        let classes: Vec<&str> = rsit_types().map(|t| t.class.as_str()).collect();
        assert!(threats().len() >= 8);
        for threat in threats() {
            for locale in Locale::ALL {
                assert!(!threat.name(*locale).is_empty(), "{} {locale}", threat.code);
                assert!(
                    !threat.describe(*locale).is_empty(),
                    "{} {locale}",
                    threat.code
                );
            }
            assert!(!threat.rsit_classes.is_empty());
            for class in &threat.rsit_classes {
                assert!(classes.contains(&class.as_str()), "{class}");
            }
        }
        assert_eq!(parse("ransomware"), Ok("ransomware".into()));
        assert!(parse("aliens").is_err());
    }
}
