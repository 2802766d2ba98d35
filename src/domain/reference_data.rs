//! Reference data shipped inside the binary: NIS2 sectors and the ENISA RSIT taxonomy.
//! The JSON files are copies of the product's reference set, so a clone needs nothing else.

use std::{collections::BTreeMap, sync::LazyLock};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Sector {
    pub sector: String,
    pub label: String,
    pub nis2_annex: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RsitType {
    pub class: String,
    pub class_label: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub type_label: String,
    pub description: String,
}

static SECTORS: LazyLock<Vec<Sector>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("reference/sectors.json"))
        .expect("embedded sectors.json is valid")
});

static RSIT: LazyLock<BTreeMap<String, RsitType>> = LazyLock::new(|| {
    let types: Vec<RsitType> = serde_json::from_str(include_str!("reference/rsit.json"))
        .expect("embedded rsit.json is valid");
    types
        .into_iter()
        .map(|t| (t.type_name.clone(), t))
        .collect()
});

pub fn sectors() -> &'static [Sector] {
    &SECTORS
}

pub fn parse_sector(raw: &str) -> Result<String, String> {
    let code = raw.trim();
    SECTORS
        .iter()
        .find(|s| s.sector == code)
        .map(|s| s.sector.clone())
        .ok_or_else(|| "is not a known sector code (see the NIS2 sector list)".to_owned())
}

pub fn rsit_types() -> impl Iterator<Item = &'static RsitType> {
    RSIT.values()
}

pub fn rsit_type(name: &str) -> Option<&'static RsitType> {
    RSIT.get(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_reference_data_loads() {
        assert!(sectors().len() >= 20);
        assert_eq!(parse_sector("banking").unwrap(), "banking");
        assert!(parse_sector("astrology").is_err());
        assert_eq!(rsit_type("phishing").unwrap().class, "fraud");
        assert!(rsit_type("undetermined").is_some());
        assert!(rsit_types().count() >= 39);
    }
}
