//! Who is calling: password hashing, bearer tokens, login throttling and the `Actor` extractor.

pub mod actor;
pub mod password;
pub mod throttle;
pub mod token;

pub use actor::Actor;
