//! Deadlines: the SLA targets per severity, the state of one deadline at a given instant, and
//! when the clock must act on it (a warning once 75 % of the time is used, a breach notice once
//! it passed). Pure: every function takes `now`, so tests choose the time.

use chrono::{Duration, NaiveDateTime};

use super::{incident::Severity, string_enum};

string_enum!(
    /// The three SLA clocks of an incident.
    SlaKind {
        Ack => "ack",
        Contain => "contain",
        Resolve => "resolve",
    }
);

string_enum!(
    /// `pending`: open and not yet due; `met`: done in time; `missed`: done, but late;
    /// `breached`: still not done past its due time.
    DeadlineState {
        Pending => "pending",
        Met => "met",
        Missed => "missed",
        Breached => "breached",
    }
);

string_enum!(
    /// What the clock sends about a deadline, each at most once.
    Alert {
        Warning => "warning",
        Breach => "breach",
    }
);

/// The share of a deadline's time after which the clock warns, in percent.
pub const WARN_AT_PERCENT: i32 = 75;

/// One SLA policy: minutes from the report to acknowledgement, containment and resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Targets {
    pub ack_minutes: i32,
    pub contain_minutes: i32,
    pub resolve_minutes: i32,
}

impl Targets {
    /// A year: longer targets are typing mistakes.
    pub const MAX_MINUTES: i32 = 366 * 24 * 60;

    /// The defaults of the issue (minutes): critical 60 / 240 / 4 320, high 240 / 1 440 /
    /// 10 080, medium 1 440 / 4 320 / 20 160, low 4 320 / 10 080 / 43 200.
    pub fn default_for(severity: Severity) -> Self {
        let (ack_minutes, contain_minutes, resolve_minutes) = match severity {
            Severity::Critical => (60, 240, 4_320),
            Severity::High => (240, 1_440, 10_080),
            Severity::Medium => (1_440, 4_320, 20_160),
            Severity::Low => (4_320, 10_080, 43_200),
        };
        Self {
            ack_minutes,
            contain_minutes,
            resolve_minutes,
        }
    }

    pub fn minutes(&self, kind: SlaKind) -> i32 {
        match kind {
            SlaKind::Ack => self.ack_minutes,
            SlaKind::Contain => self.contain_minutes,
            SlaKind::Resolve => self.resolve_minutes,
        }
    }

    /// Each target from 1 minute to a year, and in the order the work happens
    /// (acknowledge ≤ contain ≤ resolve). Returns `(field, message)` pairs.
    pub fn check(&self) -> Vec<(&'static str, String)> {
        let mut errors = Vec::new();
        for (field, value) in [
            ("ack_minutes", self.ack_minutes),
            ("contain_minutes", self.contain_minutes),
            ("resolve_minutes", self.resolve_minutes),
        ] {
            if !(1..=Self::MAX_MINUTES).contains(&value) {
                errors.push((
                    field,
                    format!(
                        "must be a whole number of minutes from 1 to {}",
                        Self::MAX_MINUTES
                    ),
                ));
            }
        }
        if errors.is_empty() && self.contain_minutes < self.ack_minutes {
            errors.push((
                "contain_minutes",
                "must not be shorter than ack_minutes".to_owned(),
            ));
        }
        if errors.is_empty() && self.resolve_minutes < self.contain_minutes {
            errors.push((
                "resolve_minutes",
                "must not be shorter than contain_minutes".to_owned(),
            ));
        }
        errors
    }
}

/// One deadline: when its clock started, when it is due, and when it was met, if it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    pub start: NaiveDateTime,
    pub due_at: NaiveDateTime,
    pub met_at: Option<NaiveDateTime>,
}

impl Deadline {
    pub fn state(&self, now: NaiveDateTime) -> DeadlineState {
        match self.met_at {
            Some(met) if met <= self.due_at => DeadlineState::Met,
            Some(_) => DeadlineState::Missed,
            None if now >= self.due_at => DeadlineState::Breached,
            None => DeadlineState::Pending,
        }
    }

    /// When 75 % of the time from start to due is used (the due time itself when the deadline
    /// started late).
    pub fn warn_at(&self) -> NaiveDateTime {
        let span = self.due_at - self.start;
        if span <= Duration::zero() {
            return self.due_at;
        }
        self.start + span * WARN_AT_PERCENT / 100
    }

    /// The alert the clock owes at `now`: none once met; a breach once due; a warning from the
    /// 75 % instant. (Past due, only the breach is sent: a warning then would come too late.)
    pub fn alert(&self, now: NaiveDateTime) -> Option<Alert> {
        if self.met_at.is_some() {
            None
        } else if now >= self.due_at {
            Some(Alert::Breach)
        } else if now >= self.warn_at() {
            Some(Alert::Warning)
        } else {
            None
        }
    }
}

/// Where incidents without a pending deadline sort: after every real due time.
pub fn no_deadline() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("a valid date")
}

/// The severity whose targets apply: an incident without one yet is acknowledged on medium's
/// clock, and has no containment or resolution deadline until it is classified.
pub fn sla_severity(severity: Option<Severity>) -> Severity {
    severity.unwrap_or(Severity::Medium)
}

/// The three due times; containment and resolution need a severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueTimes {
    pub ack: NaiveDateTime,
    pub contain: Option<NaiveDateTime>,
    pub resolve: Option<NaiveDateTime>,
}

/// Due times from the report instant, the severity, and the targets of `sla_severity(severity)`.
pub fn due_times(reported_at: NaiveDateTime, severity: Option<Severity>, t: Targets) -> DueTimes {
    let after = |minutes: i32| reported_at + Duration::minutes(minutes.into());
    DueTimes {
        ack: after(t.ack_minutes),
        contain: severity.map(|_| after(t.contain_minutes)),
        resolve: severity.map(|_| after(t.resolve_minutes)),
    }
}

/// What an incident's SLA clocks read from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlaFacts {
    pub reported_at: NaiveDateTime,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub contained_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub due: DueTimes,
}

impl SlaFacts {
    /// When each clock stopped: acknowledgement when the CERT took it up; containment when
    /// contained, or when the incident ended without needing it (closed at triage, rejected,
    /// merged); resolution when closed.
    pub fn met_at(&self, kind: SlaKind) -> Option<NaiveDateTime> {
        match kind {
            SlaKind::Ack => self.acknowledged_at,
            SlaKind::Contain => self.contained_at.or(self.closed_at),
            SlaKind::Resolve => self.closed_at,
        }
    }

    /// The deadlines the incident has, in order (containment and resolution once classified).
    pub fn deadlines(&self) -> Vec<(SlaKind, Deadline)> {
        [
            (SlaKind::Ack, Some(self.due.ack)),
            (SlaKind::Contain, self.due.contain),
            (SlaKind::Resolve, self.due.resolve),
        ]
        .into_iter()
        .filter_map(|(kind, due)| {
            due.map(|due_at| {
                let deadline = Deadline {
                    start: self.reported_at,
                    due_at,
                    met_at: self.met_at(kind),
                };
                (kind, deadline)
            })
        })
        .collect()
    }

    /// The next deadline not yet met, in the order the work happens (acknowledge, contain,
    /// resolve) — the nearest one, since targets are ordered the same way. What the work queue
    /// sorts and colours by; `db::models::incident::NEXT_DUE` is the same rule in SQL.
    pub fn next_pending(&self) -> Option<(SlaKind, Deadline)> {
        self.deadlines()
            .into_iter()
            .find(|(_, d)| d.met_at.is_none())
    }

    /// The sort key of `sort=due`: the next pending due time, or [`NO_DEADLINE`] (last).
    pub fn queue_key(&self) -> NaiveDateTime {
        self.next_pending()
            .map_or_else(no_deadline, |(_, d)| d.due_at)
    }

    /// New due times for the deadlines still pending; met ones keep theirs (their outcome is
    /// history). Used when the severity or the policy changes.
    pub fn recomputed(&self, fresh: DueTimes) -> DueTimes {
        let keep = |kind, old, new| {
            if self.met_at(kind).is_some() {
                old
            } else {
                new
            }
        };
        DueTimes {
            ack: keep(SlaKind::Ack, Some(self.due.ack), Some(fresh.ack)).unwrap_or(fresh.ack),
            contain: keep(SlaKind::Contain, self.due.contain, fresh.contain),
            resolve: keep(SlaKind::Resolve, self.due.resolve, fresh.resolve),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_790_000_000, 0)
            .unwrap()
            .naive_utc()
            + Duration::hours(hours)
    }

    #[test]
    fn defaults_follow_the_issue_and_check_refuses_bad_values() {
        let c = Targets::default_for(Severity::Critical);
        assert_eq!(
            (c.ack_minutes, c.contain_minutes, c.resolve_minutes),
            (60, 240, 4_320)
        );
        let l = Targets::default_for(Severity::Low);
        assert_eq!(l.minutes(SlaKind::Resolve), 43_200);
        for s in Severity::ALL {
            assert!(Targets::default_for(*s).check().is_empty(), "{s}");
        }
        let zero = Targets {
            ack_minutes: 0,
            ..c
        };
        assert_eq!(zero.check()[0].0, "ack_minutes");
        let huge = Targets {
            resolve_minutes: Targets::MAX_MINUTES + 1,
            ..c
        };
        assert_eq!(huge.check()[0].0, "resolve_minutes");
        let backwards = Targets {
            contain_minutes: 30,
            ..c
        };
        assert_eq!(backwards.check()[0].0, "contain_minutes");
        let short = Targets {
            resolve_minutes: 200,
            ..c
        };
        assert_eq!(short.check()[0].0, "resolve_minutes");
    }

    #[test]
    fn states_pending_met_missed_breached() {
        let d = Deadline {
            start: at(0),
            due_at: at(4),
            met_at: None,
        };
        assert_eq!(d.state(at(3)), DeadlineState::Pending);
        assert_eq!(d.state(at(4)), DeadlineState::Breached);
        let met = Deadline {
            met_at: Some(at(2)),
            ..d
        };
        assert_eq!(met.state(at(10)), DeadlineState::Met);
        let missed = Deadline {
            met_at: Some(at(5)),
            ..d
        };
        assert_eq!(missed.state(at(10)), DeadlineState::Missed);
    }

    #[test]
    fn warning_at_three_quarters_then_breach_and_nothing_once_met() {
        let d = Deadline {
            start: at(0),
            due_at: at(4),
            met_at: None,
        };
        assert_eq!(d.warn_at(), at(3));
        assert_eq!(d.alert(at(2)), None);
        assert_eq!(d.alert(at(3)), Some(Alert::Warning));
        assert_eq!(d.alert(at(4)), Some(Alert::Breach));
        assert_eq!(
            Deadline {
                met_at: Some(at(5)),
                ..d
            }
            .alert(at(9)),
            None
        );
        let late = Deadline {
            start: at(5),
            due_at: at(4),
            met_at: None,
        };
        assert_eq!(late.warn_at(), at(4));
    }

    #[test]
    fn due_times_need_a_severity_beyond_acknowledgement() {
        let medium = Targets::default_for(Severity::Medium);
        let none = due_times(at(0), None, medium);
        assert_eq!(none.ack, at(24));
        assert_eq!((none.contain, none.resolve), (None, None));
        let high = Targets::default_for(Severity::High);
        let d = due_times(at(0), Some(Severity::High), high);
        assert_eq!(
            (d.ack, d.contain, d.resolve),
            (at(4), Some(at(24)), Some(at(168)))
        );
    }

    #[test]
    fn met_deadlines_keep_their_due_time_on_recomputation() {
        let old = due_times(
            at(0),
            Some(Severity::Low),
            Targets::default_for(Severity::Low),
        );
        let facts = SlaFacts {
            reported_at: at(0),
            acknowledged_at: Some(at(1)),
            contained_at: None,
            closed_at: None,
            due: old,
        };
        let fresh = due_times(
            at(0),
            Some(Severity::Critical),
            Targets::default_for(Severity::Critical),
        );
        let new = facts.recomputed(fresh);
        assert_eq!(new.ack, old.ack);
        assert_eq!((new.contain, new.resolve), (Some(at(4)), Some(at(72))));
        let next = SlaFacts { due: new, ..facts }.next_pending().unwrap();
        assert_eq!((next.0, next.1.due_at), (SlaKind::Contain, at(4)));
        // Closed at triage: containment counts as met when the incident ended.
        let closed = SlaFacts {
            closed_at: Some(at(2)),
            due: new,
            ..facts
        };
        assert_eq!(closed.met_at(SlaKind::Contain), Some(at(2)));
        assert!(closed.next_pending().is_none());
    }
}
