//! Form plumbing shared by pages: a service's refusal turned into translated messages next to
//! the fields, and the option lists of selects.

use std::collections::BTreeMap;

use crate::{
    error::AppError,
    services::{cursor, Page as DbPage},
    web::page::Page,
};

/// The page of a list after the `after` cursor of a "next page" link (a forged one is a 400).
pub fn page_after(after: &str) -> Result<DbPage, AppError> {
    let after = match after.trim() {
        "" => None,
        raw => Some(cursor::decode(raw).ok_or(AppError::BadRequest("bad cursor".into()))?),
    };
    Ok(DbPage {
        limit: DbPage::DEFAULT_LIMIT,
        after,
    })
}

#[derive(Clone, Debug, Default)]
pub struct FormErrors {
    fields: BTreeMap<String, String>,
    /// Messages about the form as a whole (a conflict, the last administrator).
    pub general: Vec<String>,
    /// The refusal was a conflict with existing data (409) rather than invalid input (422).
    pub conflict: bool,
}

impl FormErrors {
    pub fn has(&self, field: &str) -> bool {
        self.fields.contains_key(field)
    }

    pub fn message(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }

    /// The status of a page that shows these errors.
    pub fn status(&self) -> actix_web::http::StatusCode {
        if self.conflict {
            actix_web::http::StatusCode::CONFLICT
        } else {
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_empty()
    }

    pub fn add(&mut self, field: &str, message: String) {
        self.fields
            .entry(field.to_owned())
            .and_modify(|m| {
                m.push_str("; ");
                m.push_str(&message);
            })
            .or_insert(message);
    }

    /// The checks of a query-string form: no messages and 200, or the messages and their status.
    pub fn checked(
        page: &Page,
        errors: crate::error::FieldErrors,
    ) -> Result<(Self, actix_web::http::StatusCode), AppError> {
        match errors.into_result() {
            Ok(()) => Ok((Self::default(), actix_web::http::StatusCode::OK)),
            Err(e) => {
                let errors = Self::from_error(page, e)?;
                let status = errors.status();
                Ok((errors, status))
            }
        }
    }

    /// A validation or conflict refusal as messages in the page's language; any other error is
    /// handed back for the error page.
    pub fn from_error(page: &Page, error: AppError) -> Result<Self, AppError> {
        let mut out = Self::default();
        match error {
            AppError::Validation(errors) => {
                for (field, messages) in errors.0 {
                    for message in messages {
                        out.add(&field, localize(page, &message));
                    }
                }
            }
            AppError::Conflict(message) => {
                out.conflict = true;
                if message.contains("email address already exists") {
                    out.add("email", page.t("err-email-taken"));
                } else if message.contains("organisation named") {
                    out.add("name", page.t("err-name-taken"));
                } else if message.contains("no active administrator") {
                    out.general.push(page.t("err-last-admin"));
                } else {
                    out.general.push(page.t("error-409-text"));
                }
            }
            other => return Err(other),
        }
        Ok(out)
    }
}

/// The services speak English to API clients; pages show the same rule in the reader's language.
fn localize(page: &Page, message: &str) -> String {
    let number: String = message.chars().filter(char::is_ascii_digit).collect();
    let key = match message {
        "must not be empty" | "is required" => "err-required",
        "is not a valid email address" => "err-email",
        "must not be the email address" => "err-password-email",
        "must not repeat a single character" => "err-password-repeat",
        "does not name an existing organisation" => "err-organisation-missing",
        "names a deactivated organisation" => "err-organisation-inactive",
        "CERT staff roles belong to the CERT's own organisation" => "err-staff-role",
        "does not match your current password" => "err-current-password",
        m if m.starts_with("must be at least") && !number.is_empty() => {
            return page.t_arg("err-min-chars", "min", &number)
        }
        m if m.starts_with("must be at most") && !number.is_empty() => {
            return page.t_arg("err-max-chars", "max", &number)
        }
        m if m.starts_with("must be one of") => "err-choice",
        m if m.starts_with("is not a known sector") => "err-sector",
        m if m.starts_with("must be a whole number of minutes") => "err-sla-minutes",
        m if m.starts_with("must not be shorter than") => "err-sla-order",
        _ => "err-invalid",
    };
    page.t(key)
}

/// One `<option>` of a select.
#[derive(Clone, Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn list(items: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Choice> {
        items
            .into_iter()
            .map(|(value, label)| Choice {
                selected: value == selected,
                value,
                label,
            })
            .collect()
    }
}

/// An HTML checkbox sends its value when ticked and nothing at all otherwise.
pub fn ticked(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.is_empty())
}

/// An empty text field means "none".
pub fn non_empty(value: &str) -> Option<String> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// A form field as an optional value: blank means "not given".
pub fn given(value: &str) -> Option<String> {
    (!value.trim().is_empty()).then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{domain::Locale, error::FieldErrors};

    #[test]
    fn service_messages_are_translated_and_unknown_errors_pass_through() {
        let page = Page {
            locale: Locale::En,
            tz: chrono_tz::Asia::Baku,
            user: None,
            csrf: String::new(),
            path: "/".into(),
            title: String::new(),
            cert_name: "CERT".into(),
            notice: None,
            remember_locale: false,
            cookies: Vec::new(),
        };
        let mut errors = FieldErrors::new();
        errors.add("password", "must be at least 12 characters long");
        errors.add("email", "is not a valid email address");
        errors.add("role", "must be one of: admin, coordinator");
        let form = FormErrors::from_error(&page, AppError::Validation(errors)).unwrap();
        assert!(form.message("password").unwrap().contains("12"));
        assert_eq!(form.message("email"), Some(page.t("err-email").as_str()));
        assert!(form.has("role") && !form.has("display_name"));
        let conflict = AppError::Conflict("a user with this email address already exists".into());
        assert!(FormErrors::from_error(&page, conflict)
            .unwrap()
            .has("email"));
        assert!(FormErrors::from_error(&page, AppError::Forbidden).is_err());
    }
}
