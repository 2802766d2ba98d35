//! Web sessions: random tokens whose hash names a server-side row, CSRF tokens, and the expiry
//! rules. Pure functions only; storage is `services::sessions`.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{Duration, NaiveDateTime};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{config::Settings, db::models::session::SessionRow};

/// The session cookie: `HttpOnly`, `SameSite=Lax`, `Secure` when the base URL is https.
pub const SESSION_COOKIE: &str = "qalxan_session";
/// The pre-session CSRF cookie used by the sign-in form (double submit: no session exists yet).
pub const LOGIN_CSRF_COOKIE: &str = "qalxan_login_csrf";
/// The hidden form field carrying the CSRF token on every state-changing form.
pub const CSRF_FIELD: &str = "csrf_token";

/// 256 random bits, URL-safe base64 (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database stores in place of the cookie's token.
pub fn session_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Equality that takes the same time wherever the strings differ, for comparing secrets.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub max: Duration,
}

impl SessionPolicy {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            idle: Duration::minutes(settings.session_idle_minutes),
            max: Duration::hours(settings.session_max_hours),
        }
    }

    pub fn expires_at(&self, created_at: NaiveDateTime) -> NaiveDateTime {
        created_at + self.max
    }

    /// Live until its absolute end and while used at least once per idle period.
    pub fn is_live(&self, row: &SessionRow, now: NaiveDateTime) -> bool {
        now < row.expires_at && now < row.last_seen_at + self.idle
    }

    /// `last_seen_at` is written at most once a minute, so reading pages is not a stream of writes
    /// (SQLite has one writer); the idle timeout is therefore exact to a minute.
    pub fn needs_touch(&self, row: &SessionRow, now: NaiveDateTime) -> bool {
        now - row.last_seen_at >= Duration::minutes(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(created: NaiveDateTime, seen: NaiveDateTime, policy: &SessionPolicy) -> SessionRow {
        SessionRow {
            id: session_id("t"),
            user_id: 1,
            csrf_token: random_token(),
            created_at: created,
            last_seen_at: seen,
            expires_at: policy.expires_at(created),
            user_agent: None,
        }
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(session_id(&a).len(), 64);
        assert_ne!(session_id(&a), a);
        assert!(constant_time_eq(&a, &a.clone()));
        assert!(!constant_time_eq(&a, &b));
        assert!(!constant_time_eq("abc", "abcd"));
    }

    #[test]
    fn sessions_end_when_idle_or_at_their_absolute_end() {
        let policy = SessionPolicy {
            idle: Duration::minutes(60),
            max: Duration::hours(8),
        };
        let t0 = crate::domain::time::now();
        let fresh = row(t0, t0, &policy);
        assert!(policy.is_live(&fresh, t0 + Duration::minutes(59)));
        assert!(!policy.is_live(&fresh, t0 + Duration::minutes(60)));
        let busy = row(t0, t0 + Duration::minutes(479), &policy);
        assert!(policy.is_live(&busy, t0 + Duration::minutes(479)));
        assert!(!policy.is_live(&busy, t0 + Duration::hours(8)));
        assert!(!policy.needs_touch(&fresh, t0 + Duration::seconds(59)));
        assert!(policy.needs_touch(&fresh, t0 + Duration::seconds(60)));
    }
}
