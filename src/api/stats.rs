//! Indicators, the situation dashboard and the national statistics. Labels are in the caller's
//! language.

use actix_web::{http::header, web, HttpResponse};

use crate::{
    api::reply::run,
    auth::Actor,
    domain::time,
    error::{AppResult, FieldErrors, Problem},
    present::{
        dashboard::DashboardView,
        stats::{KpiQuery, KpiReport, NationalQuery, NationalReport},
    },
    services::stats,
    state::AppState,
};

/// Indicators per month, week, sector, category, RSIT class, severity or organisation, over the
/// incidents reported in a window (CERT staff and auditors: all; reporters: their
/// organisation's; liaisons: 403). `format=csv` gives the same rows as CSV, totals last.
#[utoipa::path(get, path = "/api/v1/stats/kpis", tag = "stats", security(("bearer" = [])), params(KpiQuery),
    responses((status = 200, body = KpiReport, description = "JSON, or `text/csv` with `format=csv`"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn kpis(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<KpiQuery>,
) -> AppResult<HttpResponse> {
    let now = time::now();
    let mut errors = FieldErrors::new();
    let by = query.group_by(&mut errors);
    let csv = query.csv(&mut errors);
    let window = query.window(&mut errors, now.date());
    errors.into_result()?;
    let locale = actor.locale;
    let report = run(&state, &actor, move |conn, actor| {
        let cohort = stats::cohort(conn, actor, window, now)?;
        Ok(KpiReport::new(&cohort, by, locale))
    })
    .await?;
    if csv {
        let name = format!(
            "kpis-{}-{}-{}.csv",
            report.group_by.as_str(),
            report.from,
            report.to
        );
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ))
            .body(report.to_csv()));
    }
    Ok(HttpResponse::Ok().json(report))
}

/// The situation now: open incidents by status and severity, unassigned, overdue, intake,
/// top categories and sectors of the week, and reports per day over 90 days; each number with
/// the incident list query that lists exactly its incidents (CERT staff and auditors).
#[utoipa::path(get, path = "/api/v1/stats/dashboard", tag = "stats", security(("bearer" = [])),
    responses((status = 200, body = DashboardView), (status = 403, body = Problem)))]
pub async fn dashboard(
    state: web::Data<AppState>,
    actor: Actor,
) -> AppResult<web::Json<DashboardView>> {
    let locale = actor.locale;
    let view = run(&state, &actor, move |conn, actor| {
        let d = stats::dashboard(conn, actor, time::now())?;
        Ok(DashboardView::new(&d, locale))
    })
    .await?;
    Ok(web::Json(view))
}

/// Publishable statistics of a year or a quarter (TLP:CLEAR): counts per RSIT class, sector,
/// severity and month and the median times, without organisation names or titles; every count
/// below `QALXAN_STATS_MIN_CELL` withheld and shown as `< n`. Merged and rejected incidents are
/// left out (CERT staff and auditors).
#[utoipa::path(get, path = "/api/v1/stats/national", tag = "stats", security(("bearer" = [])), params(NationalQuery),
    responses((status = 200, body = NationalReport), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn national(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<NationalQuery>,
) -> AppResult<web::Json<NationalReport>> {
    let now = time::now();
    let mut errors = FieldErrors::new();
    let (year, quarter) = query.parse(&mut errors, now.date());
    errors.into_result()?;
    let min_cell = state.settings.stats_min_cell;
    let locale = actor.locale;
    let report = run(&state, &actor, move |conn, actor| {
        let n = stats::national(conn, actor, year, quarter, min_cell, now)?;
        Ok(NationalReport::new(&n, locale))
    })
    .await?;
    Ok(web::Json(report))
}
