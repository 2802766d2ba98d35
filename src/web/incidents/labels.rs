//! Words for the codes an incident carries (status, severity, RSIT category), ages and the
//! acknowledgement deadline, in the reader's language. Templates get a `Labels` next to `page`.

use chrono::NaiveDateTime;

use crate::{
    domain::{
        deadline::{Deadline, DeadlineState, SlaKind},
        incident::{Pap, Severity, Tlp},
        reference_data::{self, RsitType},
        time,
        workflow::Status,
        Locale,
    },
    services::rows::Incident,
    web::{
        forms::Choice,
        i18n::translate,
        page::{Arg, Page},
    },
};

/// One line of the case page's deadline timeline.
#[derive(Clone, Debug)]
pub struct DeadlineRow {
    pub kind: &'static str,
    pub name: String,
    pub due_at: NaiveDateTime,
    pub met_at: Option<NaiveDateTime>,
    pub state: String,
    pub class: &'static str,
    /// The next pending deadline: what is due next.
    pub next: bool,
}

/// The colour class of one deadline at `now` (shared by the lists and the case page).
pub fn deadline_class(d: &Deadline, now: NaiveDateTime) -> &'static str {
    match d.state(now) {
        DeadlineState::Breached => "sla-overdue",
        DeadlineState::Missed => "sla-missed",
        DeadlineState::Met => "sla-met",
        DeadlineState::Pending if now >= d.warn_at() => "sla-soon",
        DeadlineState::Pending => "sla-ok",
    }
}

#[derive(Clone, Debug)]
pub struct Labels {
    pub locale: Locale,
}

/// One RSIT class with its types, for a grouped picker.
#[derive(Clone, Debug)]
pub struct CategoryGroup {
    pub label: String,
    pub choices: Vec<Choice>,
}

impl Labels {
    pub fn new(page: &Page) -> Self {
        Self {
            locale: page.locale,
        }
    }

    fn t(&self, key: &str) -> String {
        translate(self.locale, key, &[])
    }

    pub fn status(&self, status: &str) -> String {
        self.t(&format!("inc-status-{status}"))
    }

    pub fn severity(&self, severity: &Option<String>) -> String {
        match severity.as_deref() {
            Some(s) => self.t(&format!("inc-severity-{s}")),
            None => self.t("inc-severity-unset"),
        }
    }

    pub fn rsit_class(&self, class: &str) -> String {
        self.t(&format!("inc-rsit-class-{class}"))
    }

    pub fn category(&self, category: &str) -> String {
        match reference_data::rsit_type(category) {
            Some(t) => format!(
                "{} — {}",
                self.rsit_class(&t.class),
                self.t(&format!("inc-rsit-{}", t.type_name))
            ),
            None => category.to_owned(),
        }
    }

    /// How long ago, in whole minutes, hours or days.
    pub fn age(&self, since: impl Arg<NaiveDateTime>) -> String {
        let minutes = (time::now() - since.value()).num_minutes().max(0);
        let (key, n) = match minutes {
            m if m < 60 => ("inc-age-minutes", m),
            m if m < 48 * 60 => ("inc-age-hours", m / 60),
            m => ("inc-age-days", m / (24 * 60)),
        };
        translate(self.locale, key, &[("n", &n.to_string())])
    }

    /// The colour of the incident's next pending deadline: `sla-overdue` once due, `sla-soon`
    /// from the clock's warning instant (75 % of its time), `sla-ok` before; empty when none.
    pub fn sla_class(&self, incident: &Incident) -> &'static str {
        match incident.sla_facts().next_pending() {
            None => "",
            Some((_, d)) => deadline_class(&d, time::now()),
        }
    }

    /// The next pending deadline in words, so the colour is never the only signal:
    /// "containment due in 3 h", "acknowledgement overdue".
    pub fn sla_text(&self, incident: &Incident) -> String {
        let Some((kind, d)) = incident.sla_facts().next_pending() else {
            return String::new();
        };
        let name = self.deadline_name(kind.as_str());
        let left = d.due_at - time::now();
        if left <= chrono::Duration::zero() {
            return translate(self.locale, "inc-deadline-overdue", &[("deadline", &name)]);
        }
        let left = self.span(left.num_minutes());
        translate(
            self.locale,
            "inc-deadline-due",
            &[("deadline", &name), ("left", &left)],
        )
    }

    /// The case page's timeline: every deadline with its state, the next pending one marked.
    pub fn deadlines(&self, incident: &Incident) -> Vec<DeadlineRow> {
        let now = time::now();
        let facts = incident.sla_facts();
        let next = facts.next_pending().map(|(k, _)| k);
        facts
            .deadlines()
            .into_iter()
            .map(|(kind, d)| DeadlineRow {
                kind: kind.as_str(),
                name: self.deadline_name(kind.as_str()),
                due_at: d.due_at,
                met_at: d.met_at,
                state: self.deadline_state(d.state(now).as_str()),
                class: deadline_class(&d, now),
                next: next == Some(kind),
            })
            .collect()
    }

    /// A deadline kind's name (`ack` → "acknowledgement").
    pub fn deadline_name(&self, kind: &str) -> String {
        self.t(&format!("inc-deadline-{kind}"))
    }

    /// A deadline state's name (`breached` → "breached").
    pub fn deadline_state(&self, state: &str) -> String {
        self.t(&format!("inc-deadline-state-{state}"))
    }

    /// A span of time in whole minutes, hours or days.
    fn span(&self, minutes: i64) -> String {
        let (key, n) = match minutes.max(1) {
            m if m < 60 => ("inc-left-minutes", m),
            m if m < 48 * 60 => ("inc-left-hours", m / 60),
            m => ("inc-left-days", m / (24 * 60)),
        };
        translate(self.locale, key, &[("n", &n.to_string())])
    }

    /// The list orders: newest first, or the next deadline first.
    pub fn sorts(&self, selected: &str) -> Vec<Choice> {
        Choice::list(
            ["newest", "due"]
                .into_iter()
                .map(|s| (s.to_owned(), self.t(&format!("inc-sort-{s}")))),
            selected,
        )
    }

    pub fn statuses(&self, selected: &str) -> Vec<Choice> {
        Choice::list(
            Status::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), self.status(s.as_str()))),
            selected,
        )
    }

    pub fn severities(&self, selected: &str) -> Vec<Choice> {
        Choice::list(
            Severity::ALL.iter().map(|s| {
                (
                    s.as_str().to_owned(),
                    self.severity(&Some(s.as_str().into())),
                )
            }),
            selected,
        )
    }

    pub fn tlps(&self, selected: &str) -> Vec<Choice> {
        Choice::list(
            Tlp::ALL
                .iter()
                .map(|t| (t.as_str().to_owned(), t.as_str().to_owned())),
            selected,
        )
    }

    pub fn paps(&self, selected: &str) -> Vec<Choice> {
        Choice::list(
            Pap::ALL
                .iter()
                .map(|p| (p.as_str().to_owned(), p.as_str().to_owned())),
            selected,
        )
    }

    /// The RSIT taxonomy grouped by class, in the order of the reference list.
    pub fn categories(&self, selected: &str) -> Vec<CategoryGroup> {
        let mut groups: Vec<(String, Vec<&RsitType>)> = Vec::new();
        let mut types: Vec<&RsitType> = reference_data::rsit_types().collect();
        types.sort_by_key(|t| class_order(&t.class));
        for t in types {
            match groups.last_mut() {
                Some((class, members)) if *class == t.class => members.push(t),
                _ => groups.push((t.class.clone(), vec![t])),
            }
        }
        groups
            .into_iter()
            .map(|(class, members)| CategoryGroup {
                label: self.rsit_class(&class),
                choices: Choice::list(
                    members.into_iter().map(|t| {
                        (
                            t.type_name.clone(),
                            self.t(&format!("inc-rsit-{}", t.type_name)),
                        )
                    }),
                    selected,
                ),
            })
            .collect()
    }
}

/// The classes in the order ENISA lists them.
pub const RSIT_CLASSES: &[&str] = &[
    "abusive-content",
    "malicious-code",
    "information-gathering",
    "intrusion-attempts",
    "intrusions",
    "availability",
    "information-content-security",
    "fraud",
    "vulnerable",
    "other",
    "test",
];

fn class_order(class: &str) -> usize {
    RSIT_CLASSES
        .iter()
        .position(|c| *c == class)
        .unwrap_or(RSIT_CLASSES.len())
}

/// Every key this module builds at run time, for the translation completeness test.
pub fn keys() -> Vec<String> {
    let mut keys: Vec<String> = Status::ALL
        .iter()
        .map(|s| format!("inc-status-{s}"))
        .chain(Severity::ALL.iter().map(|s| format!("inc-severity-{s}")))
        .chain(RSIT_CLASSES.iter().map(|c| format!("inc-rsit-class-{c}")))
        .chain(reference_data::rsit_types().map(|t| format!("inc-rsit-{}", t.type_name)))
        .collect();
    keys.extend(
        [
            "inc-severity-unset",
            "inc-age-minutes",
            "inc-age-hours",
            "inc-age-days",
            "inc-deadline-overdue",
            "inc-deadline-due",
            "inc-left-minutes",
            "inc-left-hours",
            "inc-left-days",
            "inc-sort-newest",
            "inc-sort-due",
        ]
        .map(String::from),
    );
    keys.extend(SlaKind::ALL.iter().map(|k| format!("inc-deadline-{k}")));
    keys.extend(
        DeadlineState::ALL
            .iter()
            .map(|s| format!("inc-deadline-state-{s}")),
    );
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_key_is_translated_and_every_class_is_ordered() {
        for t in reference_data::rsit_types() {
            assert!(RSIT_CLASSES.contains(&t.class.as_str()), "{}", t.class);
        }
        for locale in Locale::ALL {
            for key in keys() {
                assert_ne!(translate(*locale, &key, &[("n", "2")]), key, "{locale}");
            }
        }
    }

    #[test]
    fn deadline_colours_follow_the_clock() {
        let now = time::now();
        let hours = chrono::Duration::hours;
        let d = |start, due, met| Deadline {
            start: now + start,
            due_at: now + due,
            met_at: met,
        };
        assert_eq!(
            deadline_class(&d(hours(-2), hours(-1), None), now),
            "sla-overdue"
        );
        assert_eq!(
            deadline_class(&d(hours(-3), hours(1), None), now),
            "sla-soon"
        );
        assert_eq!(deadline_class(&d(hours(-1), hours(3), None), now), "sla-ok");
        assert_eq!(
            deadline_class(&d(hours(-2), hours(-1), Some(now)), now),
            "sla-missed"
        );
        assert_eq!(
            deadline_class(&d(hours(-2), hours(1), Some(now)), now),
            "sla-met"
        );
        let l = Labels { locale: Locale::En };
        assert_eq!(l.span(30), "30 min");
        assert_eq!(l.span(150), "2 h");
        assert_eq!(l.span(3 * 24 * 60), "3 days");
    }
}
