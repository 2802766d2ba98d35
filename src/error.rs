//! One error type for domain services and the HTTP edge, rendered as RFC 9457 problem details.

use std::collections::BTreeMap;

use actix_web::{http::StatusCode, HttpResponse, ResponseError};
use serde::Serialize;

/// Per-field validation messages, keyed by the request's field name.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct FieldErrors(pub BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    /// Keeps the value when `result` is Ok, records the message under `field` otherwise.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    /// A field of a patch: left out means "no change" (`None`); a value given is checked by
    /// `rule`, and a failure is recorded under `field`.
    pub fn patched<T>(
        &mut self,
        field: &str,
        given: Option<&str>,
        rule: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        given.and_then(|raw| self.check(field, rule(raw)))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Err(Validation)` if anything was recorded.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self))
        }
    }
}

impl From<validator::ValidationErrors> for FieldErrors {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut out = FieldErrors::new();
        for (field, list) in errors.field_errors() {
            for e in list {
                let message = e
                    .message
                    .as_ref()
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| describe(e));
                out.add(field.as_ref(), message);
            }
        }
        out
    }
}

fn describe(e: &validator::ValidationError) -> String {
    let param = |name: &str| e.params.get(name).map(|v| v.to_string());
    match e.code.as_ref() {
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max} characters long"),
            (Some(min), None) if min == "1" => "must not be empty".into(),
            (Some(min), None) => format!("must be at least {min} characters long"),
            (None, Some(max)) => format!("must be at most {max} characters long"),
            _ => "has an invalid length".into(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            _ => "is out of range".into(),
        },
        "email" => "is not a valid email address".into(),
        "url" => "is not a valid URL".into(),
        other => format!("is invalid ({other})"),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthorized,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Gone(String),
    #[error("payload too large")]
    PayloadTooLarge(String),
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    #[error("validation failed")]
    Validation(FieldErrors),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("service unavailable")]
    Unavailable(String),
    /// The disk under the data directory is full: the client is not at fault and may retry
    /// once an operator made room (RFC 4918's 507).
    #[error("insufficient storage")]
    InsufficientStorage(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        AppError::Validation(errors)
    }

    /// For a look-up of a row that a request field names: a missing row is that field's error
    /// (422), while any other database error (a lost connection is 503) keeps its own meaning.
    /// Mapping every error to the field once answered a PostgreSQL restart with a 422.
    pub fn field_if_missing(
        field: &'static str,
        message: &'static str,
    ) -> impl FnOnce(diesel::result::Error) -> AppError {
        move |error| match error {
            diesel::result::Error::NotFound => AppError::field(field, message),
            other => other.into(),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        match error {
            diesel::result::Error::NotFound => AppError::NotFound,
            lost if connection_lost(&lost) => {
                AppError::Unavailable(format!("database connection lost: {lost}"))
            }
            other => AppError::Internal(anyhow::Error::new(other).context("database error")),
        }
    }
}

/// Whether `error` means the database went away (a restart, a crash, a dropped link) rather
/// than a fault in the request or the code: such requests get 503 and may be retried, and the
/// pool replaces the connection, since `Manager::is_valid` fails on it at the next checkout.
///
/// libpq reports most of these as `ClosedConnection`; a server shutting down sends its reason
/// (SQLSTATE 57P01 and friends) as an ordinary error first, which diesel cannot classify and
/// only the message tells apart.
pub fn connection_lost(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    const LOST: [&str; 7] = [
        "terminating connection",
        "server closed the connection",
        "no connection to the server",
        "the database system is shutting down",
        "the database system is starting up",
        "could not receive data from server",
        "could not send data to server",
    ];
    match error {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => true,
        Error::DatabaseError(_, info) => LOST.iter().any(|m| info.message().contains(m)),
        // The work failed and so did the rollback: the lost link explains both.
        Error::RollbackErrorOnCommit {
            rollback_error,
            commit_error,
        } => connection_lost(rollback_error) || connection_lost(commit_error),
        // diesel marks its transaction state broken when a BEGIN, COMMIT or ROLLBACK could
        // not reach the server.
        Error::BrokenTransactionManager => true,
        _ => false,
    }
}

/// Whether a file-system error means the disk (or the user's quota) is full.
pub fn storage_full(error: &std::io::Error) -> bool {
    // ENOSPC and EDQUOT on Linux; `ErrorKind` covers the other platforms.
    error.kind() == std::io::ErrorKind::StorageFull
        || error.kind() == std::io::ErrorKind::QuotaExceeded
        || matches!(error.raw_os_error(), Some(28 | 122))
}

impl AppError {
    /// An error of the evidence store, or any other write under the data directory: a full
    /// disk is 507, anything else is ours (500, with `context` in the log).
    pub fn storage(error: std::io::Error, context: &'static str) -> Self {
        if storage_full(&error) {
            AppError::InsufficientStorage(format!("{context}: {error}"))
        } else {
            AppError::Internal(anyhow::Error::new(error).context(context))
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(format!("database unavailable: {error}"))
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        AppError::Internal(anyhow::anyhow!("blocking task failed: {error}"))
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<FieldErrors>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        let title = status.canonical_reason().unwrap_or("Error").to_owned();
        let slug = title.to_lowercase().replace(' ', "-");
        Self {
            type_: format!("https://qalxan.az/problems/{slug}"),
            title,
            status: status.as_u16(),
            detail: detail.into(),
            errors: None,
        }
    }

    pub fn response(self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        HttpResponse::build(status)
            .content_type("application/problem+json")
            .json(self)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let detail = match self {
            AppError::BadRequest(d)
            | AppError::Conflict(d)
            | AppError::Gone(d)
            | AppError::PayloadTooLarge(d)
            | AppError::UnsupportedMediaType(d) => d.clone(),
            AppError::Unauthorized => "A valid bearer token or session is required.".into(),
            AppError::Forbidden => "Your role does not allow this action.".into(),
            AppError::NotFound => "The resource does not exist or is not visible to you.".into(),
            AppError::Validation(_) => "One or more fields are invalid.".into(),
            AppError::TooManyRequests { .. } => "Too many attempts; try again later.".into(),
            AppError::Unavailable(d) => {
                tracing::warn!(reason = %d, "service unavailable");
                "The service is temporarily unavailable.".into()
            }
            AppError::InsufficientStorage(d) => {
                // Operators must act (free space), so this is an error in the log, not a warning.
                tracing::error!(reason = %d, "storage full");
                "The server has no room to store this; nothing was kept. Try again later.".into()
            }
            AppError::Internal(e) => {
                // The cause chain goes to the log, never to the client.
                tracing::error!(error = format!("{e:#}"), "internal error");
                "An internal error occurred; it has been logged.".into()
            }
        };
        let mut problem = Problem::new(status, detail);
        if let AppError::Validation(errors) = self {
            problem.errors = Some(errors.clone());
        }
        let mut response = problem.response();
        if let AppError::TooManyRequests { retry_after_secs } = self {
            response.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(retry_after_secs.max(&1).to_owned()),
            );
        }
        if let AppError::Unauthorized = self {
            response.headers_mut().insert(
                actix_web::http::header::WWW_AUTHENTICATE,
                actix_web::http::header::HeaderValue::from_static("Bearer realm=\"qalxan\""),
            );
        }
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorKind, Error};

    use super::*;

    fn db_error(kind: DatabaseErrorKind, message: &str) -> Error {
        Error::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn a_lost_database_is_503_and_a_bad_statement_stays_500() {
        let lost = [
            db_error(DatabaseErrorKind::ClosedConnection, "anything"),
            db_error(
                DatabaseErrorKind::Unknown,
                "terminating connection due to administrator command",
            ),
            db_error(
                DatabaseErrorKind::Unknown,
                "server closed the connection unexpectedly",
            ),
            Error::RollbackErrorOnCommit {
                rollback_error: Box::new(db_error(DatabaseErrorKind::ClosedConnection, "x")),
                commit_error: Box::new(db_error(DatabaseErrorKind::Unknown, "y")),
            },
            Error::BrokenTransactionManager,
        ];
        for error in lost {
            let text = error.to_string();
            let app: AppError = error.into();
            assert_eq!(app.status_code(), StatusCode::SERVICE_UNAVAILABLE, "{text}");
        }
        let ours = [
            db_error(
                DatabaseErrorKind::Unknown,
                "syntax error at or near \"SELEC\"",
            ),
            db_error(DatabaseErrorKind::UniqueViolation, "duplicate key"),
            Error::RollbackTransaction,
        ];
        for error in ours {
            let text = error.to_string();
            let app: AppError = error.into();
            assert_eq!(
                app.status_code(),
                StatusCode::INTERNAL_SERVER_ERROR,
                "{text}"
            );
        }
        let missing: AppError = Error::NotFound.into();
        assert_eq!(missing.status_code(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn a_full_disk_is_507_and_other_file_errors_stay_500() {
        let full = std::io::Error::from_raw_os_error(28);
        let quota = std::io::Error::from_raw_os_error(122);
        for error in [full, quota] {
            let app = AppError::storage(error, "writing");
            assert_eq!(app.status_code(), StatusCode::INSUFFICIENT_STORAGE);
            let response = app.error_response();
            assert_eq!(
                response.headers().get("content-type").unwrap(),
                "application/problem+json"
            );
        }
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(
            AppError::storage(denied, "writing").status_code(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
