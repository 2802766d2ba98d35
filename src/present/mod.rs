//! What the two edges (`api` and `web`) share in reading requests and shaping answers: the
//! JSON views (also the shapes inside signed bundles), incident filters, CSV, the printable case
//! report, evidence streaming and translations. It sits beside the edges and below them: it
//! calls services and never `api` or `web`, so neither edge needs to import the other.

pub mod csv;
pub mod evidence;
pub mod export;
pub mod filters;
pub mod i18n;
pub mod report;
pub mod views;

#[cfg(test)]
mod tests;
