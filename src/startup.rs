//! Building the application: database, migrations, bootstrap, the HTTP server and its middleware.

use std::{net::TcpListener, sync::Arc, time::Instant};

use actix_web::{
    body::MessageBody,
    dev::{Server, Service, ServiceResponse},
    http::header::{self, HeaderValue},
    middleware::{Compress, ErrorHandlerResponse, ErrorHandlers},
    web, App, HttpMessage, HttpServer,
};
use anyhow::Context;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    api,
    auth::token::TokenKeys,
    config::Settings,
    db::{self, Db},
    error::{AppError, Problem},
    metrics::Metrics,
    services,
    state::AppState,
    web as html,
};

pub struct Application {
    server: Server,
    port: u16,
    state: AppState,
}

/// Connects, migrates and runs the first-start bootstrap; shared by `serve` and the CLI.
pub fn prepare_database(settings: &Settings) -> anyhow::Result<Db> {
    let pool = db::connect(
        &settings.database,
        settings.db_pool_size,
        settings.db_timeout,
    )?;
    let mut conn = pool.get().context("cannot get a database connection")?;
    let applied = db::migrate(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(backend = settings.database.backend_name(), migrations = ?applied, "applied migrations");
    }
    services::bootstrap::run(&mut conn, settings)?;
    drop(conn);
    Ok(Db::new(pool))
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let settings = Arc::new(settings);
        let prepared = settings.clone();
        let db = tokio::task::spawn_blocking(move || prepare_database(&prepared))
            .await
            .context("start-up task failed")??;
        let state = AppState {
            db,
            tokens: TokenKeys::new(&settings),
            metrics: Metrics::new(),
            settings: settings.clone(),
            models: Default::default(),
        };
        services::techniques::models::warm_up();
        let listener = TcpListener::bind(settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let server = server(state.clone(), listener)?;
        Ok(Self {
            server,
            port,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Runs until SIGTERM or SIGINT, then finishes in-flight requests (up to 30 s). The mail
    /// worker (when SMTP is configured) and the deadline clock run alongside and stop after the
    /// server, finishing the batch or step in hand.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = crate::mail::worker::spawn(
            self.state.db.clone(),
            self.state.settings.clone(),
            self.state.metrics.clone(),
            stopped,
        )
        .map_err(|e| std::io::Error::other(format!("{e:#}")))?;
        let clock = crate::clock::spawn(
            self.state.db.clone(),
            self.state.settings.clone(),
            self.state.metrics.clone(),
            stop.subscribe(),
        );
        let result = self.server.await;
        let _ = stop.send(true);
        if let Some(worker) = worker {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(60), worker).await;
        }
        if let Some(clock) = clock {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(30), clock).await;
        }
        result
    }
}

fn server(state: AppState, listener: TcpListener) -> anyhow::Result<Server> {
    let data = web::Data::new(state);
    let openapi = api::ApiDoc::openapi();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
            .app_data(web::QueryConfig::default().error_handler(|err, _| {
                AppError::BadRequest(format!("invalid query string: {err}")).into()
            }))
            .configure(api::routes)
            .configure(html::routes)
            .service(web::redirect("/api/docs", "/api/docs/"))
            .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", openapi.clone()))
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(AppError::NotFound)
            }))
            // Innermost, so that its refusals get the error pages and problem+json below.
            .wrap_fn(crate::input_guard::guard)
            .wrap(ErrorHandlers::new().default_handler(problem_for_bare_errors))
            .wrap(Compress::default())
            .wrap_fn(edge)
            .wrap(TracingLogger::<crate::telemetry::RequestSpan>::new())
    })
    .shutdown_timeout(30)
    .listen(listener)?
    .run();
    Ok(server)
}

/// No inline scripts or styles anywhere: pages load only our own files.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Per-request edge work that needs the response: metrics, the request id header, and the
/// security headers every answer carries.
fn edge<S, B>(
    req: actix_web::dev::ServiceRequest,
    srv: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>>
where
    S: Service<
        actix_web::dev::ServiceRequest,
        Response = ServiceResponse<B>,
        Error = actix_web::Error,
    >,
{
    let started = Instant::now();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.metrics.clone());
    // Served over https: tell browsers never to come back over plain http.
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.settings.base_url.scheme() == "https");
    let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let method = req.method().to_string();
    let docs = req.path().starts_with("/api/docs");
    let fut = srv.call(req);
    async move {
        let mut res = fut.await?;
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into());
        if let Some(metrics) = metrics {
            metrics.observe(
                &method,
                &route,
                res.status().as_u16(),
                started.elapsed().as_secs_f64(),
            );
        }
        let headers = res.headers_mut();
        if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
            headers.insert(header::HeaderName::from_static("x-request-id"), id);
        }
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        // A page may ask for a stricter policy (the public tracking pages: no-referrer).
        if !headers.contains_key(header::REFERRER_POLICY) {
            headers.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            );
        }
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        if https {
            headers.insert(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static("max-age=31536000; includeSubDomains"),
            );
        }
        if !docs && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            );
        }
        Ok(res)
    }
}

/// Errors produced by the framework itself (405, 413 from a payload limit, ...) come without a
/// body or as plain text; give them the same problem+json shape as ours, or on pages meant for
/// people (everything outside `/api/` and the operations endpoints) an HTML error page.
fn problem_for_bare_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if content_type.contains("html") {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    // People get an HTML page in their language; machines (the API) get problem+json.
    let res = match html::errors::replace(res) {
        Ok(page) => return Ok(ErrorHandlerResponse::Response(page)),
        Err(res) => res,
    };
    if content_type.contains("json") {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match status.as_u16() {
        405 => "This method is not allowed on this resource.",
        413 => "The request body is too large.",
        404 => "The resource does not exist or is not visible to you.",
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    let allow = res.headers().get(header::ALLOW).cloned();
    let (req, _) = res.into_parts();
    let mut response = Problem::new(status, detail).response();
    if let Some(allow) = allow {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}
