//! The MITRE ATT&CK Enterprise catalogue (techniques and sub-techniques with their tactics),
//! shipped inside the binary: `reference/attack.json`, extracted by `reference/extract_attack.py`.

use std::{collections::HashMap, sync::LazyLock};

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct Technique {
    pub id: String,
    pub name: String,
    pub tactics: Vec<String>,
    /// Revoked by MITRE since; kept so that tags and TRAM's labels keep their names.
    #[serde(default)]
    pub revoked: bool,
}

#[derive(Debug, Deserialize)]
struct Catalogue {
    attack_version: String,
    techniques: Vec<Technique>,
}

static CATALOGUE: LazyLock<(String, Vec<Technique>, HashMap<String, usize>)> =
    LazyLock::new(|| {
        let c: Catalogue = serde_json::from_str(include_str!("reference/attack.json"))
            .expect("embedded attack.json is valid");
        let index = c
            .techniques
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.clone(), i))
            .collect();
        (c.attack_version, c.techniques, index)
    });

/// The ATT&CK version of the catalogue (`18.1`).
pub fn version() -> &'static str {
    &CATALOGUE.0
}

pub fn techniques() -> &'static [Technique] {
    &CATALOGUE.1
}

pub fn technique(id: &str) -> Option<&'static Technique> {
    CATALOGUE.2.get(id).map(|&i| &CATALOGUE.1[i])
}

/// A technique id as users type it (`t1566.001 `) checked against the catalogue.
pub fn parse_technique_id(raw: &str) -> Result<&'static Technique, String> {
    let id = raw.trim().to_ascii_uppercase();
    let shaped = id.len() >= 5
        && id.starts_with('T')
        && id[1..5].bytes().all(|b| b.is_ascii_digit())
        && (id.len() == 5
            || (id.len() == 9 && &id[5..6] == "." && id[6..].bytes().all(|b| b.is_ascii_digit())));
    if !shaped {
        return Err("must be an ATT&CK technique id such as T1566 or T1566.001".to_owned());
    }
    technique(&id).ok_or_else(|| format!("is not a technique of ATT&CK Enterprise {}", version()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_techniques_and_sub_techniques() {
        assert_eq!(version(), "18.1");
        assert!(techniques().len() > 600);
        let phishing = technique("T1566").unwrap();
        assert_eq!(phishing.name, "Phishing");
        assert_eq!(phishing.tactics, ["initial-access"]);
        let cmd = technique("T1059.003").unwrap();
        assert_eq!(cmd.name, "Windows Command Shell");
        assert!(technique("T1574.002").unwrap().revoked);
    }

    #[test]
    fn ids_are_parsed_leniently_and_checked() {
        assert_eq!(parse_technique_id(" t1566.001 ").unwrap().id, "T1566.001");
        for bad in ["", "T15", "phishing", "T1566.1", "T1566-001", "T9999"] {
            assert!(parse_technique_id(bad).is_err(), "{bad}");
        }
        assert!(parse_technique_id("T9999").unwrap_err().contains("18.1"));
    }
}
