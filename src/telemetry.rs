//! Logging: `pretty` for people, `json` for log collectors; level from `RUST_LOG`.

use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter};

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let registry = tracing_subscriber::registry().with(filter);
    // try_init: a second call (tests, the CLI after `serve`) keeps the first subscriber.
    let _ = match format {
        LogFormat::Pretty => registry.with(fmt::layer().with_target(false)).try_init(),
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true),
            )
            .try_init(),
    };
}

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::StatusCode,
    HttpMessage,
};
use tracing::Level;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

/// The request span of every request, as tracing-actix-web's default but with secrets kept out
/// of the logged target: a public tracking code is a bearer credential for its report.
pub struct RequestSpan;

/// The path and query as logged, with tracking codes replaced.
pub fn redacted_target(path: &str, query: Option<&str>) -> String {
    let path = ["/track/", "/api/v1/public/reports/"]
        .iter()
        .find_map(|prefix| {
            path.strip_prefix(prefix)
                .filter(|code| !code.is_empty())
                .map(|_| format!("{prefix}[redacted]"))
        })
        .unwrap_or_else(|| path.to_owned());
    match query {
        Some(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path,
    }
}

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> tracing::Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        let user_agent = request
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %redacted_target(request.path(), request.uri().query()),
            http.client_ip = %request.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default(),
            http.user_agent = %user_agent,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: tracing::Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
        let failed = match outcome {
            Ok(res) => res
                .response()
                .error()
                .map(|e| (res.status(), format!("{e:?}"))),
            Err(e) => Some((e.as_response_error().status_code(), format!("{e:?}"))),
        };
        if let Some((status, error)) = failed {
            let message = "Error encountered while processing the incoming HTTP request";
            match error_event_level(status) {
                Level::ERROR => tracing::error!(status = status.as_u16(), "{message}: {error}"),
                Level::WARN => tracing::warn!(status = status.as_u16(), "{message}: {error}"),
                _ => tracing::debug!(status = status.as_u16(), "{message}: {error}"),
            }
        }
    }
}

/// The level at which a response carrying an error is logged. Only failures on our side are
/// errors; a client's mistake is a warning; anything else (the redirect to sign-in that every
/// anonymous page view gets is a `WebError` with status 303) is routine.
pub fn error_event_level(status: StatusCode) -> Level {
    if status.is_server_error() {
        Level::ERROR
    } else if status.is_client_error() {
        Level::WARN
    } else {
        Level::DEBUG
    }
}

#[cfg(test)]
mod tests {
    use super::{error_event_level, redacted_target, Level, StatusCode};

    #[test]
    fn only_server_failures_are_logged_as_errors() {
        assert_eq!(error_event_level(StatusCode::SEE_OTHER), Level::DEBUG);
        assert_eq!(error_event_level(StatusCode::NOT_FOUND), Level::WARN);
        assert_eq!(
            error_event_level(StatusCode::UNPROCESSABLE_ENTITY),
            Level::WARN
        );
        assert_eq!(
            error_event_level(StatusCode::INTERNAL_SERVER_ERROR),
            Level::ERROR
        );
        assert_eq!(
            error_event_level(StatusCode::SERVICE_UNAVAILABLE),
            Level::ERROR
        );
    }

    #[test]
    fn tracking_codes_never_reach_the_log() {
        assert_eq!(
            redacted_target("/track/AbC123secret", None),
            "/track/[redacted]"
        );
        assert_eq!(
            redacted_target("/api/v1/public/reports/AbC123secret", None),
            "/api/v1/public/reports/[redacted]"
        );
        assert_eq!(redacted_target("/track", None), "/track");
        assert_eq!(
            redacted_target("/api/v1/public/reports", None),
            "/api/v1/public/reports"
        );
        assert_eq!(
            redacted_target("/api/v1/incidents", Some("q=bank")),
            "/api/v1/incidents?q=bank"
        );
    }
}
