//! Observables (IOCs): normalised before they are stored, so that the same indicator written
//! two ways is one value and correlates across incidents, and validated per kind.

use std::net::IpAddr;

use ipnet::IpNet;
use validator::ValidateEmail;

use super::string_enum;

string_enum!(
    ObservableKind {
        Ip => "ip",
        Cidr => "cidr",
        Domain => "domain",
        Url => "url",
        Email => "email",
        Md5 => "md5",
        Sha1 => "sha1",
        Sha256 => "sha256",
        Filename => "filename",
        Asn => "asn",
        Other => "other",
    }
);

/// Undoes the usual defanging of indicators in reports (`hxxp`, `[.]`, `(.)`, `[at]`, `[:]`).
pub fn refang(raw: &str) -> String {
    let mut s = raw.trim().to_owned();
    for (from, to) in [
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("[at]", "@"),
        ("(at)", "@"),
        ("[@]", "@"),
        ("[:]", ":"),
        ("[://]", "://"),
    ] {
        s = s.replace(from, to);
    }
    let lower = s.to_ascii_lowercase();
    for (from, to) in [
        ("hxxps://", "https://"),
        ("hxxp://", "http://"),
        ("fxp://", "ftp://"),
    ] {
        if lower.starts_with(from) {
            s = format!("{to}{}", &s[from.len()..]);
        }
    }
    s
}

fn ip(raw: &str) -> Result<IpAddr, String> {
    let trimmed = raw.trim_start_matches('[').trim_end_matches(']');
    trimmed
        .parse::<IpAddr>()
        .map(|ip| ip.to_canonical())
        .map_err(|_| "is not an IPv4 or IPv6 address".to_owned())
}

/// A registrable host name: LDH labels of 1–63 characters, 253 in all, IDN turned to punycode,
/// lower case, no trailing dot. `min_labels` is 2 for domains and 1 for host names.
pub fn domain_name(raw: &str, min_labels: usize) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('.');
    if trimmed.is_empty() {
        return Err("must not be empty".into());
    }
    let ascii =
        idna::domain_to_ascii(trimmed).map_err(|_| "is not a valid domain name".to_owned())?;
    let ascii = ascii.to_ascii_lowercase();
    let labels: Vec<&str> = ascii.split('.').collect();
    if ascii.len() > 253 || labels.len() < min_labels {
        return Err("is not a valid domain name".into());
    }
    for label in &labels {
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(format!("has an invalid label `{label}`"));
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err("is an address, not a domain name".into());
    }
    Ok(ascii)
}

fn hex_hash(raw: &str, len: usize, name: &str) -> Result<String, String> {
    let value = raw.trim().to_ascii_lowercase();
    if value.len() == len && value.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(value)
    } else {
        Err(format!("must be {len} hexadecimal characters ({name})"))
    }
}

/// The stored form of an indicator, or why it is not one.
pub fn normalise(kind: ObservableKind, raw: &str) -> Result<String, String> {
    let value = refang(raw);
    if value.is_empty() {
        return Err("must not be empty".into());
    }
    match kind {
        ObservableKind::Ip => ip(&value).map(|ip| ip.to_string()),
        ObservableKind::Cidr => {
            let net = match value.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => IpNet::from(
                    ip(&value)
                        .map_err(|_| "is not a CIDR block such as 192.0.2.0/24".to_owned())?,
                ),
            };
            Ok(net.trunc().to_string())
        }
        ObservableKind::Domain => domain_name(&value, 2),
        ObservableKind::Url => {
            let url = url::Url::parse(&value).map_err(|e| format!("is not a URL ({e})"))?;
            if url.host_str().is_none_or(str::is_empty) {
                return Err("is not a URL with a host".into());
            }
            Ok(url.to_string())
        }
        ObservableKind::Email => {
            let (local, domain) = value.rsplit_once('@').ok_or("is not an email address")?;
            let candidate = format!("{}@{}", local.to_ascii_lowercase(), domain_name(domain, 2)?);
            if candidate.validate_email() {
                Ok(candidate)
            } else {
                Err("is not an email address".into())
            }
        }
        ObservableKind::Md5 => hex_hash(&value, 32, "MD5"),
        ObservableKind::Sha1 => hex_hash(&value, 40, "SHA-1"),
        ObservableKind::Sha256 => hex_hash(&value, 64, "SHA-256"),
        ObservableKind::Filename => {
            if value.chars().count() > 255 || value.chars().any(char::is_control) {
                Err("must be at most 255 characters without control characters".into())
            } else {
                Ok(value)
            }
        }
        ObservableKind::Asn => {
            let digits = value
                .trim_start_matches(['A', 'a'])
                .trim_start_matches(['S', 's']);
            match digits.parse::<u32>() {
                Ok(n) if n > 0 => Ok(format!("AS{n}")),
                _ => Err("is not an AS number such as AS12345".into()),
            }
        }
        ObservableKind::Other => {
            if value.chars().count() > 1000 {
                Err("must be at most 1000 characters long".into())
            } else {
                Ok(value)
            }
        }
    }
}

/// The kind a bare value most likely is, for searches and imports that give no kind.
pub fn detect(raw: &str) -> ObservableKind {
    let value = refang(raw);
    let hex = value.chars().all(|c| c.is_ascii_hexdigit());
    match value.len() {
        32 if hex => return ObservableKind::Md5,
        40 if hex => return ObservableKind::Sha1,
        64 if hex => return ObservableKind::Sha256,
        _ => {}
    }
    if ip(&value).is_ok() {
        ObservableKind::Ip
    } else if value.contains('/') && value.parse::<IpNet>().is_ok() {
        ObservableKind::Cidr
    } else if value.contains("://") {
        ObservableKind::Url
    } else if value.contains('@') {
        ObservableKind::Email
    } else if normalise(ObservableKind::Asn, &value).is_ok()
        && value.to_ascii_uppercase().starts_with("AS")
    {
        ObservableKind::Asn
    } else if domain_name(&value, 2).is_ok() && !value.contains(' ') {
        ObservableKind::Domain
    } else {
        ObservableKind::Other
    }
}

/// Fixed-width hex of an address as IPv6 (IPv4 mapped), so ranges compare as text in SQL.
pub fn ip_key(ip: IpAddr) -> String {
    let v6 = match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    };
    hex::encode(v6.octets())
}

/// The first and last address of an IP or CIDR value, as `ip_key`s.
pub fn ip_range(value: &str) -> Option<(String, String)> {
    if let Ok(net) = value.parse::<IpNet>() {
        return Some((ip_key(net.network()), ip_key(net.broadcast())));
    }
    let ip = ip(value).ok()?;
    Some((ip_key(ip), ip_key(ip)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ObservableKind::*;

    #[test]
    fn normalisation_table() {
        let cases: &[(ObservableKind, &str, &str)] = &[
            (Ip, " 192.0.2.1 ", "192.0.2.1"),
            (Ip, "192.0.2[.]1", "192.0.2.1"),
            (Ip, "2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
            (Ip, "[2001:db8::1]", "2001:db8::1"),
            (Ip, "::ffff:192.0.2.7", "192.0.2.7"),
            (Cidr, "192.0.2.77/24", "192.0.2.0/24"),
            (Cidr, "2001:DB8::/32", "2001:db8::/32"),
            (Cidr, "198.51.100.1", "198.51.100.1/32"),
            (Domain, "Evil.Example.COM.", "evil.example.com"),
            (Domain, "evil[.]example[.]com", "evil.example.com"),
            (Domain, "bakı.az", "xn--bak-lua.az"),
            (Domain, "XN--BAK-LUA.AZ", "xn--bak-lua.az"),
            (
                Url,
                "HXXPS://Evil.Example.com/Login?Next=/A",
                "https://evil.example.com/Login?Next=/A",
            ),
            (Url, "http://bakı.az/path", "http://xn--bak-lua.az/path"),
            (
                Email,
                "Phisher@Evil.Example.COM",
                "phisher@evil.example.com",
            ),
            (
                Email,
                "phisher[at]evil[.]example.com",
                "phisher@evil.example.com",
            ),
            (
                Md5,
                "D41D8CD98F00B204E9800998ECF8427E",
                "d41d8cd98f00b204e9800998ecf8427e",
            ),
            (
                Sha1,
                "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709",
                "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            ),
            (
                Sha256,
                "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (Filename, "  Invoice.PDF.exe ", "Invoice.PDF.exe"),
            (Asn, "as12345", "AS12345"),
            (Asn, "28849", "AS28849"),
            (Other, " mutex: Global\\xyz ", "mutex: Global\\xyz"),
        ];
        for (kind, raw, expected) in cases {
            assert_eq!(
                normalise(*kind, raw).as_deref(),
                Ok(*expected),
                "{kind} {raw}"
            );
        }
    }

    #[test]
    fn validation_refusals_say_why() {
        let cases: &[(ObservableKind, &str)] = &[
            (Ip, "256.1.1.1"),
            (Ip, "evil.example.com"),
            (Cidr, "192.0.2.0/33"),
            (Domain, "localhost"),
            (Domain, "-bad-.example.com"),
            (Domain, "exa mple.com"),
            (Domain, "192.0.2.1"),
            (Url, "not a url"),
            (Url, "mailto:someone"),
            (Email, "no-at-sign"),
            (Md5, "xyz"),
            (Sha1, "d41d8cd98f00b204e9800998ecf8427e"),
            (
                Sha256,
                "g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
            ),
            (Filename, "a\u{0}b"),
            (Asn, "AS0"),
            (Asn, "ASX"),
            (Other, "   "),
        ];
        for (kind, raw) in cases {
            let err =
                normalise(*kind, raw).expect_err(&format!("{kind} {raw:?} should be refused"));
            assert!(!err.is_empty());
        }
    }

    #[test]
    fn kinds_are_detected_from_bare_values() {
        for (raw, kind) in [
            ("192.0.2.1", Ip),
            ("10.0.0.0/8", Cidr),
            ("https://x.example/a", Url),
            ("a@b.example", Email),
            ("d41d8cd98f00b204e9800998ecf8427e", Md5),
            ("AS12345", Asn),
            ("evil.example.com", Domain),
            ("mimikatz.exe something", Other),
        ] {
            assert_eq!(detect(raw), kind, "{raw}");
        }
    }

    #[test]
    fn ip_keys_order_addresses_and_ranges() {
        let (start, end) = ip_range("192.0.2.0/24").unwrap();
        let inside = ip_key("192.0.2.77".parse().unwrap());
        let outside = ip_key("192.0.3.1".parse().unwrap());
        assert!(start <= inside && inside <= end);
        assert!(outside > end);
        assert_eq!(start.len(), 32);
    }
}
