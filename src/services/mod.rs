//! Use cases. Each takes the connection and the acting user, enforces the policy, and writes its
//! change together with its audit event in one transaction.

pub mod assets;
pub mod audit;
pub mod audit_bundle;
pub mod audit_chain;
pub mod audit_export;
pub mod audit_search;
pub mod audit_verify;
pub mod auth;
pub mod bootstrap;
pub mod clock;
pub mod evidence;
pub mod incidents;
pub mod nis2;
pub mod notify;
pub mod observables;
pub mod organisations;
pub mod outbox;
pub mod people;
pub mod risks;
pub mod rows;
pub mod sessions;
pub mod sla;
pub mod stats;
pub mod techniques;
pub mod users;
pub mod vulnerabilities;

/// Keyset paging, validated by the edges and passed to list services as it is.
pub use crate::db::models::{cursor, split_page, split_page_by, Page};
