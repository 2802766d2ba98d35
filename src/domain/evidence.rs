//! Evidence rules without I/O: custody actions and what they need, file names as stored and as
//! sent back, media types.

use unicode_normalization::UnicodeNormalization;

use super::string_enum;

pub const MAX_FILE_NAME: usize = 255;
pub const MAX_DESCRIPTION: usize = 10_000;
pub const MAX_HOLDER: usize = 300;
pub const MAX_NOTE: usize = 10_000;
pub const DEFAULT_MEDIA_TYPE: &str = "application/octet-stream";
const FALLBACK_NAME: &str = "evidence";

string_enum!(
    /// What happened to an item of evidence. `collected`, `accessed` and `integrity_failure` are
    /// written by the server itself (upload, download, a failed hash check); the rest by people.
    CustodyAction {
        Collected => "collected",
        Accessed => "accessed",
        IntegrityFailure => "integrity_failure",
        Transferred => "transferred",
        Sealed => "sealed",
        Returned => "returned",
        Destroyed => "destroyed",
    }
);

impl CustodyAction {
    pub const MANUAL: &'static [CustodyAction] = &[
        CustodyAction::Transferred,
        CustodyAction::Sealed,
        CustodyAction::Returned,
        CustodyAction::Destroyed,
    ];

    /// Parses an action a person may record by hand.
    pub fn parse_manual(raw: &str) -> Result<Self, String> {
        let names = || {
            Self::MANUAL
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match Self::parse(raw) {
            Ok(action) if Self::MANUAL.contains(&action) => Ok(action),
            Ok(action) => Err(format!(
                "`{action}` is recorded by the server itself; use one of: {}",
                names()
            )),
            Err(_) => Err(format!("must be one of: {}", names())),
        }
    }

    /// Whether the event names a new holder (who has the item afterwards).
    pub fn needs_holder(self) -> bool {
        matches!(self, CustodyAction::Transferred | CustodyAction::Returned)
    }
}

/// Bidirectional controls let `exe.pdf` display as `fdp.exe`; they have no place in a name.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// The client's file name as stored: the last path component only, NFC, without control or
/// bidirectional characters, at most 255 characters; `evidence` when nothing is left.
pub fn sanitise_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .nfc()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() || trimmed == "." || trimmed == ".." {
        return FALLBACK_NAME.to_owned();
    }
    trimmed.chars().take(MAX_FILE_NAME).collect()
}

/// The part's declared type, reduced to `type/subtype` in lower case; anything absent or odd
/// becomes `application/octet-stream`. It is metadata only: downloads are never served as it.
pub fn media_type(declared: Option<&str>) -> String {
    match declared.map(|m| m.trim().to_ascii_lowercase()) {
        Some(m) if m.len() <= 255 && is_media_type(&m) => m,
        _ => DEFAULT_MEDIA_TYPE.to_owned(),
    }
}

fn is_media_type(value: &str) -> bool {
    // RFC 6838 restricted names: letters, digits and ! # $ & - ^ _ . + on both sides of one `/`.
    let ok = |part: &str| {
        !part.is_empty()
            && part.len() <= 127
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    };
    matches!(value.split_once('/'), Some((t, s)) if ok(t) && ok(s))
}

/// `Content-Disposition` for a download: an ASCII fallback plus the exact name in RFC 8187
/// encoding, so non-Latin names (Azerbaijani, Russian) survive and nothing can break the header.
pub fn content_disposition(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in file_name.bytes() {
        let c = byte as char;
        if c.is_ascii_alphanumeric() || "!#$&+-.^_`|~".contains(c) {
            encoded.push(c);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// An IANA zone name such as `Asia/Baku` or `UTC`, checked for shape only (no zone database).
pub fn check_time_zone(raw: &str) -> Result<String, String> {
    let value = raw.trim();
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+-".contains(c))
    };
    let ok = value.len() <= 64
        && (value == "UTC"
            || (value.contains('/')
                && value.split('/').all(part_ok)
                && value.starts_with(|c: char| c.is_ascii_uppercase())));
    if ok {
        Ok(value.to_owned())
    } else {
        Err("must be an IANA time zone such as Asia/Baku or UTC".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_controls_and_length() {
        assert_eq!(sanitise_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitise_file_name("C:\\Users\\x\\dump.pcap"), "dump.pcap");
        assert_eq!(sanitise_file_name("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(
            sanitise_file_name("invoice\u{202E}fdp.exe"),
            "invoicefdp.exe"
        );
        assert_eq!(sanitise_file_name(".."), "evidence");
        assert_eq!(sanitise_file_name("dir/"), "evidence");
        assert_eq!(sanitise_file_name("  "), "evidence");
        assert_eq!(sanitise_file_name("hesabat-ə.docx"), "hesabat-ə.docx");
        let long = "ş".repeat(400);
        assert_eq!(sanitise_file_name(&long).chars().count(), 255);
        // Decomposed input is stored composed.
        assert_eq!(sanitise_file_name("s\u{0327}.txt"), "ş.txt");
    }

    #[test]
    fn media_types_are_checked_and_defaulted() {
        assert_eq!(media_type(Some("Application/PDF")), "application/pdf");
        assert_eq!(
            media_type(Some("application/vnd.tcpdump.pcap")),
            "application/vnd.tcpdump.pcap"
        );
        assert_eq!(media_type(None), DEFAULT_MEDIA_TYPE);
        assert_eq!(media_type(Some("text/html; x=\"")), DEFAULT_MEDIA_TYPE);
        assert_eq!(media_type(Some("nonsense")), DEFAULT_MEDIA_TYPE);
    }

    #[test]
    fn content_disposition_encodes_every_name_safely() {
        assert_eq!(
            content_disposition("log.txt"),
            "attachment; filename=\"log.txt\"; filename*=UTF-8''log.txt"
        );
        assert_eq!(
            content_disposition("şəkil \"1\".png"),
            "attachment; filename=\"__kil _1_.png\"; filename*=UTF-8''%C5%9F%C9%99kil%20%221%22.png"
        );
        assert!(!content_disposition("a;b\r\nc").contains('\n'));
    }

    #[test]
    fn only_manual_actions_can_be_recorded_by_hand() {
        assert_eq!(
            CustodyAction::parse_manual("sealed"),
            Ok(CustodyAction::Sealed)
        );
        assert!(CustodyAction::parse_manual("accessed")
            .unwrap_err()
            .contains("recorded by the server"));
        assert!(CustodyAction::parse_manual("lost")
            .unwrap_err()
            .contains("transferred"));
    }

    #[test]
    fn time_zones_are_checked_for_shape() {
        assert_eq!(check_time_zone("Asia/Baku"), Ok("Asia/Baku".into()));
        assert!(check_time_zone("UTC").is_ok());
        assert!(check_time_zone("America/Argentina/Buenos_Aires").is_ok());
        assert!(check_time_zone("Etc/GMT+4").is_ok());
        assert!(check_time_zone("baku").is_err());
        assert!(check_time_zone("Asia/../x").is_err());
    }
}
