//! Fault tests: the real server binary, or the real app, under faults a CERT will meet — a
//! `kill -9`, PostgreSQL restarting, a full evidence disk. (Mail with the SMTP server down is
//! `tests/api/mail.rs`, stretched to a minute by `QALXAN_FAULT_SMTP_DOWN_SECS`.)
//!
//! They restart the machine's PostgreSQL and mount file systems, so they do nothing unless
//! `QALXAN_FAULT_TESTS=1` is set, and must run one at a time:
//!
//! ```sh
//! QALXAN_FAULT_TESTS=1 cargo test --test faults -- --test-threads=1 --nocapture
//! QALXAN_FAULT_TESTS=1 QALXAN_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo test --test faults -- --test-threads=1 --nocapture
//! ```
//!
//! All traffic goes to 127.0.0.1; every loop is bounded in count and in time. Each test prints
//! its figures on a line starting with `FAULT`. See docs/FAULTS.md.

// The API tests' harness: fresh databases, users and tokens. This binary uses only part of it.
#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod kill;
mod load;
mod postgres;
mod server;
mod storage;

/// True when the fault tests were asked for; otherwise each test says so and passes.
pub fn enabled(test: &str) -> bool {
    let on = std::env::var("QALXAN_FAULT_TESTS").is_ok_and(|v| v == "1");
    if !on {
        eprintln!("{test}: skipped (set QALXAN_FAULT_TESTS=1 to run the fault tests)");
    }
    on
}

/// `sqlite` or `postgres`, for the figures.
pub fn backend() -> &'static str {
    match std::env::var("QALXAN_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => "postgres",
        _ => "sqlite",
    }
}
