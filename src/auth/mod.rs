//! Who is calling: password hashing, bearer tokens, web sessions, login throttling and the
//! `Actor` extractor.

pub mod actor;
pub mod password;
pub mod session;
pub mod throttle;
pub mod token;

pub use actor::Actor;
