//! Row structs and the queries over them. Only this layer writes SQL.

pub mod asset;
pub mod audit;
pub mod collaboration;
pub mod evidence;
pub mod incident;
pub mod notification;
pub mod observable;
pub mod organisation;
pub mod outbox;
pub mod risk;
pub mod session;
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

    #[cfg(test)]
    #[test]
    fn round_trip() {
        assert_eq!(decode(&encode(12345)), Some(12345));
        assert_eq!(decode("garbage!"), None);
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
    mut rows: Vec<T>,
    page: Page,
    id_of: impl Fn(&T) -> i64,
) -> (Vec<T>, Option<String>) {
    let more = rows.len() as i64 > page.limit;
    rows.truncate(page.limit as usize);
    let next = if more {
        rows.last().map(|r| cursor::encode(id_of(r)))
    } else {
        None
    };
    (rows, next)
}
