//! Use cases. Each takes the connection and the acting user, enforces the policy, and writes its
//! change together with its audit event in one transaction.

pub mod assets;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod incidents;
pub mod observables;
pub mod organisations;
pub mod users;
