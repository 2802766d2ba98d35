//! The rules one hash chain must obey, independent of where its events come from: the database
//! (`audit verify`) or an exported bundle (`audit verify-bundle`). Pure, so both verifiers judge
//! alike and the rules are testable without a database.

use serde::Serialize;

use crate::services::audit::GENESIS;

/// Where a chain first goes wrong, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BadEvent {
    pub stream: String,
    /// The sequence number at which the break shows (the event's, or the head's).
    pub seq: Option<i64>,
    /// The database id of the offending event, when there is one.
    pub event_id: Option<i64>,
    pub reason: String,
}

impl std::fmt::Display for BadEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stream {}", self.stream)?;
        if let Some(seq) = self.seq {
            write!(f, " seq {seq}")?;
        }
        if let Some(id) = self.event_id {
            write!(f, " (event id {id})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// One event as the chain sees it. `computed` is the hash recomputed from the event's content,
/// `None` when the content cannot even be read (details that are not JSON).
#[derive(Debug)]
pub struct Link<'a> {
    pub stream: &'a str,
    pub seq: i64,
    pub id: Option<i64>,
    pub prev_hash: &'a str,
    pub hash: &'a str,
    pub computed: Option<String>,
}

/// Walks one stream in sequence order.
#[derive(Debug)]
pub struct Chain {
    stream: String,
    last_seq: i64,
    last_hash: String,
    last_id: Option<i64>,
}

impl Chain {
    pub fn new(stream: &str) -> Self {
        Self {
            stream: stream.to_owned(),
            last_seq: 0,
            last_hash: GENESIS.to_owned(),
            last_id: None,
        }
    }

    pub fn last_seq(&self) -> i64 {
        self.last_seq
    }

    fn bad(&self, link: &Link, reason: String) -> BadEvent {
        BadEvent {
            stream: self.stream.clone(),
            seq: Some(link.seq),
            event_id: link.id,
            reason,
        }
    }

    /// Accepts the next event, or says how it breaks the chain.
    pub fn push(&mut self, link: &Link) -> Result<(), BadEvent> {
        let expected = self.last_seq + 1;
        if link.stream != self.stream {
            return Err(self.bad(link, format!("belongs to stream `{}`", link.stream)));
        }
        if link.seq > expected {
            let missing = link.seq - expected;
            return Err(self.bad(
                link,
                format!(
                    "sequence jumps from {} to {}: {missing} event(s) missing (deleted)",
                    self.last_seq, link.seq
                ),
            ));
        }
        if link.seq < expected {
            return Err(self.bad(
                link,
                format!("out of order: expected seq {expected} (duplicated or reordered)"),
            ));
        }
        // Appends to one stream serialise on its head, so ids grow with seq; rows whose
        // contents were swapped between ids break this even though each row is intact.
        if let (Some(previous), Some(id)) = (self.last_id, link.id) {
            if id <= previous {
                return Err(self.bad(
                    link,
                    format!(
                        "id {id} is not above the previous event's id {previous} (rows reordered)"
                    ),
                ));
            }
        }
        if link.prev_hash != self.last_hash {
            return Err(self.bad(
                link,
                format!(
                    "prev_hash does not match the hash of seq {} (event inserted, removed or reordered)",
                    self.last_seq
                ),
            ));
        }
        match &link.computed {
            None => return Err(self.bad(link, "details are not valid JSON".into())),
            Some(computed) if computed != link.hash => {
                return Err(self.bad(
                    link,
                    "hash does not match the event's content (changed after it was written)".into(),
                ))
            }
            Some(_) => {}
        }
        self.last_seq = link.seq;
        self.last_hash = link.hash.to_owned();
        self.last_id = link.id;
        Ok(())
    }

    /// Compares the end of the walked chain with the stream's head (seq, hash): this is what
    /// catches a deleted last event or one appended behind the application's back.
    pub fn finish(&self, head: Option<(i64, &str)>) -> Result<(), BadEvent> {
        let bad = |seq: i64, reason: String| BadEvent {
            stream: self.stream.clone(),
            seq: Some(seq),
            event_id: None,
            reason,
        };
        let Some((head_seq, head_hash)) = head else {
            return Err(bad(
                self.last_seq,
                "the stream has events but no head row (forged stream or deleted head)".into(),
            ));
        };
        if head_seq > self.last_seq {
            return Err(bad(
                head_seq,
                format!(
                    "the head is at seq {head_seq} but the stream ends at seq {}: the last event(s) were deleted",
                    self.last_seq
                ),
            ));
        }
        if head_seq < self.last_seq {
            return Err(bad(
                self.last_seq,
                format!(
                    "the stream continues past its head (seq {head_seq}): event(s) were inserted"
                ),
            ));
        }
        if head_hash != self.last_hash {
            return Err(bad(
                head_seq,
                "the head's hash differs from the last event's hash".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::audit::chain_hash;

    /// A valid chain of `n` synthetic events: (seq, prev, hash).
    fn chain(n: i64) -> Vec<(i64, String, String)> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let hash = chain_hash(&prev, &format!("{{\"seq\":{seq}}}"));
                let item = (seq, prev.clone(), hash.clone());
                prev = hash;
                item
            })
            .collect()
    }

    fn run(events: &[(i64, String, String)], head: Option<(i64, &str)>) -> Result<(), BadEvent> {
        let mut c = Chain::new("system");
        for (i, (seq, prev, hash)) in events.iter().enumerate() {
            c.push(&Link {
                stream: "system",
                seq: *seq,
                id: Some(i as i64 + 1),
                prev_hash: prev,
                hash,
                computed: Some(chain_hash(prev, &format!("{{\"seq\":{seq}}}"))),
            })?;
        }
        c.finish(head)
    }

    #[test]
    fn an_intact_chain_passes_and_every_break_is_named() {
        let events = chain(4);
        let head = Some((4, events[3].2.as_str()));
        assert_eq!(run(&events, head), Ok(()));

        let mut deleted = events.clone();
        deleted.remove(1);
        assert!(run(&deleted, head).unwrap_err().reason.contains("missing"));

        let last_gone = &events[..3];
        let err = run(last_gone, head).unwrap_err();
        assert!(err.reason.contains("last event(s) were deleted"), "{err}");

        assert!(run(&events, Some((3, events[2].2.as_str())))
            .unwrap_err()
            .reason
            .contains("inserted"));
        assert!(run(&events, None).unwrap_err().reason.contains("no head"));

        let mut swapped = events.clone();
        swapped.swap(1, 2);
        assert!(run(&swapped, head).is_err());

        let mut changed = events.clone();
        changed[2].2 = "f".repeat(64);
        let err = run(&changed, head).unwrap_err();
        assert_eq!(err.seq, Some(3));
        assert!(err.reason.contains("content"), "{err}");
    }
}
