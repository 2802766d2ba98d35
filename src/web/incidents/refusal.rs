//! A refused case-page form: the services' messages in the reader's language, at the fields of
//! the one form that was sent, with what was typed kept.

use std::collections::HashMap;

use crate::{
    error::{AppError, AppResult},
    state::AppState,
    web::{
        context::{SignedIn, WebResult},
        forms::FormErrors,
        i18n::translate,
        incidents::case::{self, Failed},
        page::Page,
    },
};

/// The workflow's and the services' own words, in the reader's language; anything else goes
/// to the shared translations of `FormErrors`.
fn localize(page: &Page, message: &str) -> Option<String> {
    let key = match message {
        m if m.contains("before the incident leaves new") && m.contains("RSIT") => {
            "inc-err-category-first"
        }
        m if m.contains("before the incident leaves new") => "inc-err-severity-first",
        m if m.contains("before the incident is reopened") && m.contains("RSIT") => {
            "inc-err-category-reopen"
        }
        m if m.contains("before the incident is reopened") => "inc-err-severity-reopen",
        "containment needs an assignee" => "inc-err-assignee-first",
        "is required to close an incident" => "err-required",
        "is required to reopen an incident" => "err-required",
        "is required to merge an incident" => "err-required",
        "cannot be the incident itself" => "inc-err-duplicate-self",
        "does not name an incident you can see" => "inc-err-duplicate-missing",
        "names an incident that is itself merged" => "inc-err-duplicate-merged",
        "cannot be in the future" => "inc-err-future",
        m if m.starts_with("must be an RFC 3339 time") => "inc-err-time",
        "must be an active member of the CERT staff" => "inc-err-staff",
        m if m.contains("cannot go back to undetermined") => "inc-err-undetermined",
        _ => return None,
    };
    Some(translate(page.locale, key, &[]))
}

/// A refusal as messages for one form. Fields the form does not have (a transition refused for
/// a missing category) are named in the summary above it.
pub fn form_errors(page: &Page, error: AppError, own_fields: &[&str]) -> AppResult<FormErrors> {
    let AppError::Validation(fields) = error else {
        return FormErrors::from_error(page, error);
    };
    let mut out = FormErrors::default();
    for (field, messages) in fields.0 {
        for message in messages {
            let text = localize(page, &message).unwrap_or_else(|| {
                let mut one = crate::error::FieldErrors::new();
                one.add(&field, message.clone());
                FormErrors::from_error(page, AppError::Validation(one))
                    .ok()
                    .and_then(|e| e.message(&field).map(str::to_owned))
                    .unwrap_or_default()
            });
            if own_fields.contains(&field.as_str()) {
                out.add(&field, text);
            } else {
                let key = format!("inc-field-{field}");
                let label = Some(translate(page.locale, &key, &[]))
                    .filter(|l| *l != key)
                    .unwrap_or_else(|| field.clone());
                out.general.push(format!("{label}: {text}"));
            }
        }
    }
    Ok(out)
}

/// Back to the case page with the refusal shown at `section`'s form.
pub async fn refused(
    state: &AppState,
    ctx: &SignedIn,
    id: i64,
    section: &str,
    own_fields: &[&str],
    error: AppError,
    kept: HashMap<String, String>,
) -> WebResult {
    if matches!(error, AppError::NotFound | AppError::Forbidden) {
        return Err(error.into());
    }
    let errors = form_errors(&ctx.page, error, own_fields)?;
    let failed = Failed {
        section: section.to_owned(),
        errors,
        kept,
    };
    case::page(state, ctx, id, failed, None).await
}

pub fn case_url(id: i64, anchor: &str) -> String {
    format!("/incidents/{id}?saved=1#{anchor}")
}
