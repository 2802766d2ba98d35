//! Qalxan: the incident-response case manager of a national CERT.

pub mod api;
pub mod auth;
pub mod authz;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod input_guard;
pub mod mail;
pub mod metrics;
pub mod present;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod web;

#[cfg(test)]
mod architecture;
