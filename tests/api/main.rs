//! One integration-test binary: every module drives the real HTTP app over a fresh database.

mod audit;
mod audit_export;
mod auth;
mod browser;
mod browser_incidents;
mod browser_portal;
mod cli;
mod edge;
mod evidence;
mod export;
mod hardening;
mod helpers;
mod incidents;
mod mail;
mod metrics;
mod notifications;
mod observables;
mod openapi;
mod public;
mod smtp_sink;
mod use_cases;
mod users;
mod web;
mod web_incidents;
mod web_portal;
mod web_profile;
