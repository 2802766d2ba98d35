//! Mail: rendering outbox rows into messages (templates under `web/mail/`), the hygiene every
//! message gets (threading headers, safe subjects, TLP), and the worker that sends them.

pub mod labels;
pub mod message;
pub mod render;
pub mod worker;

pub use worker::Worker;
