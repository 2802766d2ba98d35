//! Email addresses and the password policy.

use validator::ValidateEmail;

/// An email address as stored: trimmed and lower-cased, so uniqueness is case-insensitive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err("is required".into());
        }
        if value.len() > 254 || !value.validate_email() {
            return Err("is not a valid email address".into());
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 256;

/// OWASP ASVS-style policy: length over composition rules, and never the account's own address.
pub fn check_password(password: &str, email: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "must be at least {MIN_PASSWORD_CHARS} characters long"
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!(
            "must be at most {MAX_PASSWORD_CHARS} characters long"
        ));
    }
    let lowered = password.trim().to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if lowered == email || (!local.is_empty() && lowered == local) {
        return Err("must not be the email address".into());
    }
    if password
        .chars()
        .all(|c| c == password.chars().next().unwrap_or(' '))
    {
        return Err("must not repeat a single character".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            EmailAddress::parse("  Aysel@CERT.gov.AZ ")
                .unwrap()
                .as_str(),
            "aysel@cert.gov.az"
        );
        assert!(EmailAddress::parse("not-an-email").is_err());
        assert!(EmailAddress::parse("").is_err());
        assert!(EmailAddress::parse("a@b\r\nBcc: x@y.z").is_err());
    }

    #[test]
    fn password_policy() {
        assert!(check_password("correct horse battery", "a@b.az").is_ok());
        assert!(check_password("short", "a@b.az")
            .unwrap_err()
            .contains("12"));
        assert!(check_password("Analyst@CERT.az", "analyst@cert.az")
            .unwrap_err()
            .contains("email"));
        assert!(check_password("analyst.one.x", "analyst.one.x@cert.az").is_err());
        assert!(check_password("aaaaaaaaaaaaaaa", "a@b.az").is_err());
        assert!(check_password(&"x".repeat(300), "a@b.az").is_err());
        // Twelve characters, counted as characters rather than bytes.
        assert!(check_password("şəğçöüıİşəğç", "a@b.az").is_ok());
    }
}
