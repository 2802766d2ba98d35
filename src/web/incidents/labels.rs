//! Words for the codes an incident carries (status, severity, RSIT category), ages and the
//! acknowledgement deadline, in the reader's language. Templates get a `Labels` next to `page`.

use chrono::NaiveDateTime;

use crate::{
    domain::{
        incident::{Pap, Severity, Tlp},
        reference_data::{self, RsitType},
        time,
        workflow::Status,
        Locale,
    },
    web::{
        forms::Choice,
        i18n::translate,
        page::{Arg, Page},
    },
};

/// Within this many hours of the acknowledgement deadline a new incident shows amber.
pub const SLA_WARNING_HOURS: i64 = 4;

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

    /// `sla-overdue`, `sla-soon` or `sla-ok` while the incident waits for acknowledgement.
    pub fn sla_class(&self, status: &str, due: impl Arg<NaiveDateTime>) -> &'static str {
        if status != Status::New.as_str() {
            return "";
        }
        let left = due.value() - time::now();
        if left.num_seconds() < 0 {
            "sla-overdue"
        } else if left.num_hours() < SLA_WARNING_HOURS {
            "sla-soon"
        } else {
            "sla-ok"
        }
    }

    /// The deadline in words, so the colour is never the only signal.
    pub fn sla_text(&self, status: &str, due: impl Arg<NaiveDateTime>) -> String {
        match self.sla_class(status, due.value()) {
            "sla-overdue" => self.t("inc-sla-overdue"),
            "" => String::new(),
            _ => {
                let left = (due.value() - time::now()).num_hours().max(0);
                translate(self.locale, "inc-sla-due", &[("n", &left.to_string())])
            }
        }
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
            "inc-sla-overdue",
            "inc-sla-due",
        ]
        .map(String::from),
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
    fn sla_colours_follow_the_deadline() {
        let l = Labels { locale: Locale::En };
        let now = time::now();
        assert_eq!(
            l.sla_class("new", now - chrono::Duration::minutes(1)),
            "sla-overdue"
        );
        assert_eq!(
            l.sla_class("new", now + chrono::Duration::hours(2)),
            "sla-soon"
        );
        assert_eq!(
            l.sla_class("new", now + chrono::Duration::hours(20)),
            "sla-ok"
        );
        assert_eq!(l.sla_class("triage", now - chrono::Duration::hours(2)), "");
    }
}
