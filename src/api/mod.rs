//! The JSON API: one route table, one OpenAPI document generated from the handlers.

pub mod assets;
pub mod audit;
pub mod auth;
pub mod collaboration;
pub mod evidence;
pub mod export;
pub mod extract;
pub mod incidents;
pub mod observables;
pub mod openapi;
pub mod ops;
pub mod organisations;
pub mod outbox;
pub mod public;
pub mod reply;
pub mod reports;
pub mod risks;
pub mod sla;
pub mod stats;
pub mod techniques;
pub mod users;
pub mod vulnerabilities;

/// The JSON shapes live with the other shared presentation, since signed bundles use them too.
pub use crate::present::views;

use actix_web::web;

pub use openapi::ApiDoc;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(ops::healthz))
        .route("/readyz", web::get().to(ops::readyz))
        .route("/metrics", web::get().to(ops::metrics))
        .service(
            web::scope("/api/v1")
                .route("/auth/login", web::post().to(auth::login))
                .service(web::resource("/me").get(auth::me).patch(auth::update_me))
                .service(
                    web::resource("/organisations")
                        .get(organisations::list)
                        .post(organisations::create),
                )
                .service(
                    web::resource("/organisations/{id}")
                        .get(organisations::get)
                        .patch(organisations::update),
                )
                .service(web::resource("/users").get(users::list).post(users::create))
                .service(
                    web::resource("/users/{id}")
                        .get(users::get)
                        .patch(users::update),
                )
                .service(
                    web::resource("/incidents")
                        .get(incidents::list)
                        .post(incidents::create),
                )
                .service(
                    web::resource("/incidents/{id}")
                        .get(incidents::get)
                        .patch(incidents::update),
                )
                .route(
                    "/incidents/{id}/transitions",
                    web::post().to(incidents::transition),
                )
                .route("/incidents/{id}/assign", web::post().to(incidents::assign))
                .route("/incidents/{id}/history", web::get().to(incidents::history))
                .service(
                    web::resource("/incidents/{id}/reports")
                        .get(reports::list)
                        .post(reports::submit),
                )
                .route(
                    "/incidents/{id}/reports/request",
                    web::post().to(reports::request),
                )
                .route(
                    "/incident-reports/{id}/acknowledge",
                    web::post().to(reports::acknowledge),
                )
                .route("/incidents/{id}/export", web::get().to(export::incident))
                .service(
                    web::resource("/incidents/{id}/techniques")
                        .get(techniques::list)
                        .post(techniques::add),
                )
                .route(
                    "/incidents/{id}/techniques/{technique_id}",
                    web::delete().to(techniques::remove),
                )
                .route(
                    "/incidents/{id}/suggestions",
                    web::get().to(techniques::for_incident),
                )
                .route("/analysis/techniques", web::post().to(techniques::analyse))
                .service(
                    web::resource("/incidents/{id}/comments")
                        .get(collaboration::comments)
                        .post(collaboration::add_comment),
                )
                .service(
                    web::resource("/incidents/{id}/tasks")
                        .get(collaboration::tasks)
                        .post(collaboration::add_task),
                )
                .service(
                    web::resource("/incidents/{id}/shares")
                        .get(collaboration::shares)
                        .post(collaboration::share),
                )
                .route("/tasks/{id}", web::patch().to(collaboration::update_task))
                .service(
                    web::resource("/assets")
                        .get(assets::list)
                        .post(assets::create),
                )
                .service(
                    web::resource("/assets/{id}")
                        .get(assets::get)
                        .patch(assets::update),
                )
                .service(
                    web::resource("/incidents/{id}/assets")
                        .get(assets::links)
                        .post(assets::link),
                )
                .service(
                    web::resource("/incidents/{id}/observables")
                        .get(observables::list)
                        .post(observables::add),
                )
                .service(
                    web::resource("/incidents/{id}/observables/import")
                        .app_data(web::PayloadConfig::new(2 * 1024 * 1024))
                        .post(observables::import),
                )
                .route("/observables", web::get().to(observables::correlate))
                .service(
                    web::resource("/incidents/{id}/evidence")
                        .get(evidence::list)
                        .post(evidence::upload),
                )
                .route("/evidence/{id}", web::get().to(evidence::get))
                .route("/evidence/{id}/content", web::get().to(evidence::content))
                .service(
                    web::resource("/evidence/{id}/custody")
                        .get(evidence::custody)
                        .post(evidence::add_custody),
                )
                .route("/public/reports", web::post().to(public::submit))
                .route(
                    "/public/reports/{tracking_code}",
                    web::get().to(public::track),
                )
                .route("/audit", web::get().to(audit::search))
                .route("/audit/verify", web::get().to(audit::verify))
                .route("/audit/cases", web::get().to(export::range))
                .route("/audit/export", web::get().to(audit::export))
                .route("/audit/public-key", web::get().to(audit::public_key))
                .route("/threats", web::get().to(risks::threats))
                .service(web::resource("/risks").get(risks::list).post(risks::create))
                .service(
                    web::resource("/risks/{id}")
                        .get(risks::get)
                        .patch(risks::update),
                )
                .route("/risks/{id}/history", web::get().to(risks::history))
                .route(
                    "/risks/{id}/incidents",
                    web::post().to(risks::link_incident),
                )
                .route(
                    "/risks/{id}/vulnerabilities",
                    web::post().to(risks::link_vulnerability),
                )
                .route(
                    "/vulnerabilities/import",
                    web::post().to(vulnerabilities::import),
                )
                .service(
                    web::resource("/vulnerabilities")
                        .get(vulnerabilities::list)
                        .post(vulnerabilities::create),
                )
                .route(
                    "/vulnerabilities/{cve}",
                    web::get().to(vulnerabilities::get),
                )
                .service(
                    web::resource("/assets/{id}/vulnerabilities")
                        .get(vulnerabilities::of_asset)
                        .post(vulnerabilities::link_asset),
                )
                .route("/exposure", web::get().to(vulnerabilities::exposure))
                .route("/sla-policies", web::get().to(sla::list))
                .route("/sla-policies/{severity}", web::put().to(sla::update))
                .route("/stats/kpis", web::get().to(stats::kpis))
                .route("/stats/dashboard", web::get().to(stats::dashboard))
                .route("/stats/national", web::get().to(stats::national))
                .route("/admin/outbox", web::get().to(outbox::list))
                .route("/admin/outbox/{id}/retry", web::post().to(outbox::retry)),
        );
}
