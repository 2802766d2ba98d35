//! The labels an incident carries: category (RSIT), severity, TLP 2.0, PAP, and its reference.

use super::{reference_data, string_enum};

string_enum!(
    Severity {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
);

impl Severity {
    /// Also accepts the national scales' words (DESIGN §12): CISA NCISS and the EU colour scale.
    pub fn parse_lenient(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "emergency" | "severe" | "red" => Ok(Severity::Critical),
            "yellow" => Ok(Severity::High),
            "baseline" | "green" | "white" => Ok(Severity::Low),
            other => Self::parse(other),
        }
    }
}

string_enum!(
    /// FIRST TLP 2.0; higher rank is more restrictive.
    Tlp {
        Clear => "TLP:CLEAR",
        Green => "TLP:GREEN",
        Amber => "TLP:AMBER",
        AmberStrict => "TLP:AMBER+STRICT",
        Red => "TLP:RED",
    }
);

impl Tlp {
    pub fn rank(self) -> i32 {
        match self {
            Tlp::Clear => 0,
            Tlp::Green => 1,
            Tlp::Amber => 2,
            Tlp::AmberStrict => 3,
            Tlp::Red => 4,
        }
    }

    /// Accepts the labels in any case and TLP 1.0's WHITE.
    pub fn parse_lenient(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "TLP:WHITE" => Ok(Tlp::Clear),
            other => Self::parse(other),
        }
    }

    /// Content under these labels never goes into a mail body.
    pub fn keeps_out_of_mail(self) -> bool {
        matches!(self, Tlp::AmberStrict | Tlp::Red)
    }
}

string_enum!(
    /// Permissible Actions Protocol: what a recipient may do with the information.
    Pap {
        Clear => "PAP:CLEAR",
        Green => "PAP:GREEN",
        Amber => "PAP:AMBER",
        Red => "PAP:RED",
    }
);

impl Pap {
    pub fn parse_lenient(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "PAP:WHITE" => Ok(Pap::Clear),
            other => Self::parse(other),
        }
    }
}

pub const UNDETERMINED: &str = "undetermined";

/// Older MISP RSIT values and spellings that importers still send.
const LEGACY_CATEGORIES: &[(&str, &str)] = &[
    (
        "unauthorized-use-of-resources",
        "unauthorised-use-of-resources",
    ),
    (
        "unauthorized-information-access",
        "unauthorised-information-access",
    ),
    (
        "unauthorized-information-modification",
        "unauthorised-information-modification",
    ),
    ("vulnerable-service", "vulnerable-system"),
    ("virus", "infected-system"),
    ("worm", "infected-system"),
    ("trojan", "infected-system"),
    ("spyware", "infected-system"),
    ("dialer", "infected-system"),
    ("rootkit", "infected-system"),
    ("malware", "infected-system"),
    ("exploit-tool", "exploit"),
    ("compromised-account", "unprivileged-account-compromise"),
];

/// An RSIT type machine name (`phishing`), also from `class:type` and legacy MISP values.
pub fn parse_category(raw: &str) -> Result<String, String> {
    let lowered = raw.trim().to_ascii_lowercase();
    let name = lowered
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .trim_matches('"');
    let name = LEGACY_CATEGORIES
        .iter()
        .find(|(old, _)| *old == name)
        .map_or(name, |(_, new)| *new);
    reference_data::rsit_type(name)
        .map(|t| t.type_name.clone())
        .ok_or_else(|| {
            "is not an RSIT incident type (e.g. phishing, ddos, system-compromise)".to_owned()
        })
}

pub fn category_class(category: &str) -> Option<&'static str> {
    reference_data::rsit_type(category).map(|t| t.class.as_str())
}

/// `CERT-2026-00042`: the counter is per year, padded to five digits (more when it grows).
pub fn format_reference(prefix: &str, year: i32, number: i64) -> String {
    format!("{prefix}-{year}-{number:05}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_maps_national_scales() {
        assert_eq!(Severity::parse_lenient("Emergency"), Ok(Severity::Critical));
        assert_eq!(Severity::parse_lenient("red"), Ok(Severity::Critical));
        assert_eq!(Severity::parse_lenient("yellow"), Ok(Severity::High));
        assert_eq!(Severity::parse_lenient("medium"), Ok(Severity::Medium));
        assert_eq!(Severity::parse_lenient("baseline"), Ok(Severity::Low));
        assert!(Severity::parse_lenient("apocalyptic").is_err());
    }

    #[test]
    fn tlp_ranks_and_legacy_white() {
        let ranks: Vec<i32> = Tlp::ALL.iter().map(|t| t.rank()).collect();
        assert_eq!(ranks, [0, 1, 2, 3, 4]);
        assert_eq!(Tlp::parse_lenient("tlp:white"), Ok(Tlp::Clear));
        assert_eq!(Tlp::parse_lenient("TLP:AMBER+STRICT"), Ok(Tlp::AmberStrict));
        assert!(Tlp::parse_lenient("TLP:PURPLE").is_err());
        assert!(Tlp::Red.keeps_out_of_mail() && !Tlp::Amber.keeps_out_of_mail());
        assert_eq!(Pap::parse_lenient("pap:white"), Ok(Pap::Clear));
    }

    #[test]
    fn categories_accept_class_prefix_and_legacy_values() {
        assert_eq!(parse_category("phishing").unwrap(), "phishing");
        assert_eq!(parse_category("fraud:phishing").unwrap(), "phishing");
        assert_eq!(
            parse_category("Unauthorized-Use-Of-Resources").unwrap(),
            "unauthorised-use-of-resources"
        );
        assert_eq!(
            parse_category("malicious-code:trojan").unwrap(),
            "infected-system"
        );
        assert!(parse_category("alien-invasion").is_err());
        assert_eq!(category_class("ddos"), Some("availability"));
    }

    #[test]
    fn references_are_padded_per_year() {
        assert_eq!(format_reference("CERT", 2026, 42), "CERT-2026-00042");
        assert_eq!(
            format_reference("AZCERT", 2027, 123456),
            "AZCERT-2027-123456"
        );
    }
}
