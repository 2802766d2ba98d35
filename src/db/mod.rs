//! The one database layer: a diesel `MultiConnection` over PostgreSQL and SQLite, an r2d2 pool
//! whose manager picks the backend from the URL scheme (never by trial), embedded migrations
//! per backend, and a write-transaction helper that is safe under SQLite's single writer.

pub mod models;
pub mod schema;

use std::time::Duration;

use anyhow::Context;
use diesel::{
    connection::{AnsiTransactionManager, SimpleConnection, TransactionManager},
    pg::PgConnection,
    r2d2::{self, ManageConnection},
    sqlite::SqliteConnection,
    Connection,
};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::DatabaseUrl;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Per-connection SQLite settings: foreign keys are off by default in SQLite, and without a busy
/// timeout a second writer fails at once instead of waiting its turn.
const SQLITE_PRAGMAS: &str =
    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;";

#[derive(Clone, Debug)]
pub struct Manager {
    url: DatabaseUrl,
}

impl Manager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(DbConn::Pg)
                .map_err(r2d2::Error::ConnectionError),
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_str().ok_or_else(|| {
                    r2d2::Error::ConnectionError(diesel::ConnectionError::InvalidConnectionUrl(
                        "SQLite path is not valid UTF-8".into(),
                    ))
                })?;
                let mut conn =
                    SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || r2d2::R2D2Connection::is_broken(conn)
    }
}

impl DbConn {
    pub fn is_postgres(&self) -> bool {
        matches!(self, DbConn::Pg(_))
    }
}

/// Builds the pool, creating the SQLite file's folder and switching SQLite to WAL once.
/// `timeout` bounds the wait for a connection: with the database down, a request fails with
/// 503 after it instead of hanging (r2d2's own default is 30 s).
pub fn connect(url: &DatabaseUrl, size: u32, timeout: Duration) -> anyhow::Result<Pool> {
    if let DatabaseUrl::Sqlite(path) = url {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the folder for {}", path.display()))?;
        }
    }
    let manager = Manager::new(url.clone());
    // Connect once by hand so the real error (libpq's message, a bad path) reaches the user,
    // instead of r2d2's generic timeout.
    let mut first = manager.connect().map_err(|e| {
        anyhow::anyhow!("cannot connect to the {} database: {e}", url.backend_name())
    })?;
    if let DbConn::Sqlite(conn) = &mut first {
        conn.batch_execute("PRAGMA journal_mode = WAL;")
            .context("cannot switch SQLite to WAL")?;
    }
    drop(first);
    r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(timeout)
        .build(manager)
        .context("cannot build the database pool")
}

/// Runs pending migrations. On PostgreSQL an advisory lock keeps two nodes starting at once
/// from migrating over each other.
pub fn migrate(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConn::Pg(pg) => {
            pg.batch_execute("SELECT pg_advisory_lock(7314052611)")?;
            let result = pg
                .run_pending_migrations(PG_MIGRATIONS)
                .map(|v| v.iter().map(|m| m.to_string()).collect());
            pg.batch_execute("SELECT pg_advisory_unlock(7314052611)")?;
            result
        }
        DbConn::Sqlite(lite) => lite
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
    };
    applied.map_err(|e| anyhow::anyhow!("migration failed: {e}"))
}

/// A read-write transaction. On SQLite it begins `IMMEDIATE`, taking the write lock up front:
/// a deferred transaction that reads and then writes fails with SQLITE_BUSY when another
/// writer got in between, and the busy timeout cannot help it.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Pg(_) => conn.transaction(f),
        DbConn::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(value) => {
                    match <DbConn as Connection>::TransactionManager::commit_transaction(conn) {
                        Ok(()) => Ok(value),
                        Err(commit_error) => {
                            let _ =
                                <DbConn as Connection>::TransactionManager::rollback_transaction(
                                    conn,
                                );
                            Err(commit_error.into())
                        }
                    }
                }
                Err(error) => {
                    <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
                    Err(error)
                }
            }
        }
    }
}

/// The pool, plus the one way request code touches it: on actix's blocking pool, inside the
/// caller's tracing span.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
}

impl Db {
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub async fn run<T, F>(&self, f: F) -> crate::error::AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> crate::error::AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        actix_web::web::block(move || {
            let _entered = span.enter();
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }
}
