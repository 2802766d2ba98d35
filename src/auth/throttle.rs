//! The login throttle rule, kept pure: given the counters of a key, is it locked, and what do
//! the counters become after one more failure.

use chrono::{Duration, NaiveDateTime};

/// Failures are counted within this window; after it they start again from zero.
pub const WINDOW: Duration = Duration::minutes(15);
/// Failed passwords for one email address before its sign-in is paused.
pub const ACCOUNT_FREE_FAILURES: i32 = 5;
const MAX_LOCK: Duration = Duration::minutes(15);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counters {
    pub failures: i32,
    pub window_started_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// Progressive pause: 30 s after the 5th failure, doubling up to 15 minutes.
    Account,
    /// A flat 15-minute pause once an address reaches its limit.
    Address { limit: i32 },
}

/// Seconds until the key may try again, or `None` if it may try now.
pub fn retry_after(counters: &Counters, now: NaiveDateTime) -> Option<u64> {
    let until = counters.locked_until?;
    (until > now).then(|| (until - now).num_seconds().max(1) as u64)
}

pub fn after_failure(kind: KeyKind, counters: Option<Counters>, now: NaiveDateTime) -> Counters {
    let mut next = match counters {
        Some(c)
            if now - c.window_started_at <= WINDOW || c.locked_until.is_some_and(|u| u > now) =>
        {
            c
        }
        _ => Counters {
            failures: 0,
            window_started_at: now,
            locked_until: None,
        },
    };
    next.failures += 1;
    next.locked_until = match kind {
        KeyKind::Account if next.failures >= ACCOUNT_FREE_FAILURES => {
            let doublings = (next.failures - ACCOUNT_FREE_FAILURES).min(10) as u32;
            Some(now + (Duration::seconds(30) * 2_i32.pow(doublings)).min(MAX_LOCK))
        }
        KeyKind::Address { limit } if next.failures >= limit => Some(now + MAX_LOCK),
        _ => None,
    };
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0)
            .unwrap()
            .naive_utc()
    }

    #[test]
    fn accounts_lock_progressively_after_five_failures() {
        let mut c = None;
        for i in 1..=4 {
            let next = after_failure(KeyKind::Account, c, t(i));
            assert_eq!(next.locked_until, None, "failure {i}");
            c = Some(next);
        }
        let fifth = after_failure(KeyKind::Account, c, t(5));
        assert_eq!(retry_after(&fifth, t(5)), Some(30));
        let sixth = after_failure(KeyKind::Account, Some(fifth), t(6));
        assert_eq!(retry_after(&sixth, t(6)), Some(60));
        let mut many = sixth;
        for i in 7..40 {
            many = after_failure(KeyKind::Account, Some(many), t(i));
        }
        assert_eq!(
            retry_after(&many, t(39)),
            Some(15 * 60),
            "capped at 15 minutes"
        );
        assert_eq!(
            retry_after(&many, t(39 + 15 * 60)),
            None,
            "free again afterwards"
        );
    }

    #[test]
    fn the_window_resets_old_failures() {
        let c = after_failure(KeyKind::Account, None, t(0));
        let later = after_failure(KeyKind::Account, Some(c), t(16 * 60));
        assert_eq!(later.failures, 1);
    }

    #[test]
    fn addresses_lock_flat_at_their_limit() {
        let mut c = None;
        for i in 1..=9 {
            c = Some(after_failure(KeyKind::Address { limit: 10 }, c, t(i)));
            assert_eq!(retry_after(&c.unwrap(), t(i)), None);
        }
        let tenth = after_failure(KeyKind::Address { limit: 10 }, c, t(10));
        assert_eq!(retry_after(&tenth, t(10)), Some(15 * 60));
    }
}
