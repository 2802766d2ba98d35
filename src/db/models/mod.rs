//! Row structs and the queries over them. Only this layer writes SQL.

pub mod asset;
pub mod audit;
pub mod collaboration;
pub mod evidence;
pub mod incident;
pub mod incident_report;
pub mod notification;
pub mod observable;
pub mod organisation;
pub mod outbox;
pub mod risk;
pub mod session;
pub mod sla;
pub mod stats;
pub mod technique;
pub mod throttle;
pub mod user;
pub mod vulnerability;

/// Keyset pagination over descending or ascending ids: the cursor is the last id seen, encoded
/// so clients treat it as opaque.
pub mod cursor {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

    pub fn encode(last_id: i64) -> String {
        URL_SAFE_NO_PAD.encode(format!("id:{last_id}"))
    }

    pub fn decode(raw: &str) -> Option<i64> {
        let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
        std::str::from_utf8(&bytes)
            .ok()?
            .strip_prefix("id:")?
            .parse()
            .ok()
    }

    /// A cursor for lists ordered by a time, then id (`sort=due`).
    pub fn encode_at(at: chrono::NaiveDateTime, last_id: i64) -> String {
        let micros = at.and_utc().timestamp_micros();
        URL_SAFE_NO_PAD.encode(format!("at:{micros}:{last_id}"))
    }

    pub fn decode_at(raw: &str) -> Option<(chrono::NaiveDateTime, i64)> {
        let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
        let text = std::str::from_utf8(&bytes).ok()?.strip_prefix("at:")?;
        let (micros, id) = text.split_once(':')?;
        let at = chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        Some((at.naive_utc(), id.parse().ok()?))
    }

    #[cfg(test)]
    #[test]
    fn round_trip() {
        assert_eq!(decode(&encode(12345)), Some(12345));
        assert_eq!(decode("garbage!"), None);
        let at = chrono::DateTime::from_timestamp_micros(1_790_000_000_123_456)
            .unwrap()
            .naive_utc();
        assert_eq!(decode_at(&encode_at(at, 7)), Some((at, 7)));
        assert_eq!(decode_at(&encode(7)), None);
    }
}

/// A page request already validated by the caller.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    pub limit: i64,
    pub after: Option<i64>,
}

impl Page {
    pub const DEFAULT_LIMIT: i64 = 50;
    pub const MAX_LIMIT: i64 = 200;
}

/// Fetches `limit + 1` rows to know whether another page exists.
pub fn split_page<T>(
    rows: Vec<T>,
    page: Page,
    id_of: impl Fn(&T) -> i64,
) -> (Vec<T>, Option<String>) {
    split_page_by(rows, page, |r| cursor::encode(id_of(r)))
}

/// [`split_page`] for lists in another order, whose cursor `cursor_of` makes from the last row.
pub fn split_page_by<T>(
    mut rows: Vec<T>,
    page: Page,
    cursor_of: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let more = rows.len() as i64 > page.limit;
    rows.truncate(page.limit as usize);
    let next = if more {
        rows.last().map(cursor_of)
    } else {
        None
    };
    (rows, next)
}
