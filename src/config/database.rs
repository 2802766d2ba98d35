//! `QALXAN_DATABASE_URL`, the pool size and the wait for a pooled connection.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{anyhow, bail, Context};

use super::source::{number_in, pick, Env, FileSettings};

/// Which database the URL points at; anything else is refused, never guessed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            url::Url::parse(raw).map_err(|e| anyhow!("invalid PostgreSQL URL: {e}"))?;
            return Ok(Self::Postgres(raw.to_owned()));
        }
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() || path.contains(":memory:") {
                bail!("a SQLite URL needs a file path, e.g. sqlite://qalxan.db (in-memory databases are per connection and not supported)");
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        let scheme = raw.split("://").next().filter(|_| raw.contains("://"));
        match scheme {
            Some(s) => bail!("unsupported database URL scheme `{s}://`: use sqlite:// or postgres://"),
            None => bail!("database URL must start with sqlite:// or postgres:// (got something without a scheme)"),
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

pub(super) struct DatabaseSection {
    pub database: DatabaseUrl,
    pub db_pool_size: u32,
    pub db_timeout: Duration,
}

/// Without a URL the database is a SQLite file in the data dir, so a first start needs nothing.
pub(super) fn load(
    env: &dyn Env,
    file: &mut FileSettings,
    data_dir: &Path,
) -> anyhow::Result<DatabaseSection> {
    let database = match pick(env, "DATABASE_URL", file.database_url.take(), |v| v) {
        Some(raw) => DatabaseUrl::parse(&raw).context("QALXAN_DATABASE_URL")?,
        None => DatabaseUrl::Sqlite(data_dir.join("qalxan.db")),
    };
    let db_pool_size = number_in(env, "DB_POOL_SIZE", file.db_pool_size, 10, (1, 200))?;
    let db_timeout_ms = number_in(
        env,
        "DB_TIMEOUT_MS",
        file.db_timeout_ms,
        3_000,
        (100, 60_000),
    )?;
    Ok(DatabaseSection {
        database,
        db_pool_size,
        db_timeout: Duration::from_millis(db_timeout_ms),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_matched_by_scheme() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://a/b.db").unwrap(),
            DatabaseUrl::Sqlite("a/b.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(DatabaseUrl::parse("mysql://x")
            .unwrap_err()
            .to_string()
            .contains("mysql://"));
        assert!(DatabaseUrl::parse("host=localhost dbname=x").is_err());
        assert!(DatabaseUrl::parse("sqlite://:memory:").is_err());
        assert!(DatabaseUrl::parse("postgress://x").is_err());
    }
}
