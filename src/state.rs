//! What every handler can reach: the database, settings, token keys, metrics.

use std::sync::Arc;

use crate::{
    auth::token::TokenKeys, config::Settings, db::Db, metrics::Metrics,
    services::techniques::Models,
};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub tokens: TokenKeys,
    pub metrics: Metrics,
    /// The trained suggestion models (technique, category).
    pub models: Arc<Models>,
}
