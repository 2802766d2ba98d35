//! Use cases. Each takes the connection and the acting user, enforces the policy, and writes its
//! change together with its audit event in one transaction.

pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod incidents;
pub mod notify;
pub mod organisations;
pub mod outbox;
pub mod users;
