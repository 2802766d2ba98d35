//! NIS2 Art. 23 reporting: which entities report, the stages of a significant incident, when
//! each is due, how a submission is judged, and what each stage's form must hold. Pure rules.

use chrono::{Duration, Months, NaiveDateTime};
use serde_json::{Map, Value};

use super::{identity::EmailAddress, incident::Severity, string_enum};

string_enum!(
    /// What NIS2 makes of an organisation: only essential and important entities report.
    Nis2Entity {
        Essential => "essential",
        Important => "important",
        None => "none",
    }
);

impl Nis2Entity {
    pub fn reports(self) -> bool {
        self != Nis2Entity::None
    }
}

string_enum!(
    /// The reporting stages, in the order they normally come.
    Stage {
        EarlyWarning => "early_warning",
        Notification => "notification",
        Intermediate => "intermediate",
        Final => "final",
    }
);

string_enum!(
    /// How a stage (or the CERT's answer to an early warning) stands against its due time.
    ReportState {
        Pending => "pending",
        OnTime => "on_time",
        Late => "late",
        Overdue => "overdue",
    }
);

/// The early warning: 24 hours after the entity became aware (or the report, if unknown).
pub const EARLY_WARNING_WITHIN: Duration = Duration::hours(24);
/// The incident notification: 72 hours after the entity became aware.
pub const NOTIFICATION_WITHIN: Duration = Duration::hours(72);
/// The CERT's answer to an early warning: 24 hours after its submission.
pub const ACKNOWLEDGE_WITHIN: Duration = Duration::hours(24);

/// When the clock of a significant incident starts: awareness, else the report.
pub fn aware_at(detected_at: Option<NaiveDateTime>, reported_at: NaiveDateTime) -> NaiveDateTime {
    detected_at.unwrap_or(reported_at)
}

pub fn early_warning_due(aware: NaiveDateTime) -> NaiveDateTime {
    aware + EARLY_WARNING_WITHIN
}

pub fn notification_due(aware: NaiveDateTime) -> NaiveDateTime {
    aware + NOTIFICATION_WITHIN
}

/// One calendar month after the notification was submitted; a day the next month lacks becomes
/// its last day (31 January → 28 or 29 February), the time of day kept.
pub fn final_due(notification_submitted: NaiveDateTime) -> NaiveDateTime {
    notification_submitted
        .checked_add_months(Months::new(1))
        .unwrap_or(NaiveDateTime::MAX)
}

pub fn acknowledge_due(early_warning_submitted: NaiveDateTime) -> NaiveDateTime {
    early_warning_submitted + ACKNOWLEDGE_WITHIN
}

/// Pending until due, overdue after; once done, on time or late. Due exactly on time counts.
pub fn state(due: NaiveDateTime, done: Option<NaiveDateTime>, now: NaiveDateTime) -> ReportState {
    match done {
        Some(at) if at <= due => ReportState::OnTime,
        Some(_) => ReportState::Late,
        None if now <= due => ReportState::Pending,
        None => ReportState::Overdue,
    }
}

/// A field of a stage's form and the rule its value follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `yes`, `no` or `unknown`.
    YesNoUnknown,
    /// Text of at most `MAX_TEXT` characters.
    Text,
    /// A phone number: digits with `+`, spaces, dashes, dots and brackets.
    Phone,
    Email,
    /// `low`, `medium`, `high` or `critical`.
    Severity,
    /// A whole number ≥ 0.
    Count,
}

pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

const fn req(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
    }
}

pub const MAX_TEXT: usize = 20_000;

const EARLY_WARNING: &[Field] = &[
    req("suspected_malicious", Kind::YesNoUnknown),
    req("cross_border_impact", Kind::YesNoUnknown),
    req("summary", Kind::Text),
    req("contact_name", Kind::Text),
    req("contact_phone", Kind::Phone),
    req("contact_email", Kind::Email),
];

/// The notification repeats the early warning's fields and adds these.
const NOTIFICATION_MORE: &[Field] = &[
    req("severity_assessment", Kind::Severity),
    req("impact", Kind::Text),
    req("affected_services", Kind::Text),
    req("users_affected", Kind::Count),
    Field {
        name: "indicators",
        kind: Kind::Text,
        required: false,
    },
];

const INTERMEDIATE: &[Field] = &[req("status_update", Kind::Text)];

const FINAL: &[Field] = &[
    req("description", Kind::Text),
    req("root_cause", Kind::Text),
    req("mitigations_applied", Kind::Text),
    req("mitigations_ongoing", Kind::Text),
    req("cross_border_impact_details", Kind::Text),
];

impl Stage {
    /// The form of this stage, in the order it is shown.
    pub fn fields(self) -> Vec<&'static Field> {
        let (first, more): (&'static [Field], &'static [Field]) = match self {
            Stage::EarlyWarning => (EARLY_WARNING, &[]),
            Stage::Notification => (EARLY_WARNING, NOTIFICATION_MORE),
            Stage::Intermediate => (INTERMEDIATE, &[]),
            Stage::Final => (FINAL, &[]),
        };
        first.iter().chain(more).collect()
    }
}

/// The submitted `fields` of `stage`, normalised; or every problem as (`fields.<name>`, message).
pub fn check_fields(
    stage: Stage,
    given: &Map<String, Value>,
) -> Result<Map<String, Value>, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let mut out = Map::new();
    let form = stage.fields();
    for name in given.keys() {
        if !form.iter().any(|f| f.name == name) {
            errors.push((
                format!("fields.{name}"),
                format!("is not a field of the {stage} report"),
            ));
        }
    }
    for field in form {
        let value = given.get(field.name).filter(|v| !is_blank(v));
        let key = format!("fields.{}", field.name);
        match value {
            None if field.required => errors.push((key, "is required".to_owned())),
            None => {}
            Some(value) => match check_value(field.kind, value) {
                Ok(v) => {
                    out.insert(field.name.to_owned(), v);
                }
                Err(message) => errors.push((key, message)),
            },
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn check_value(kind: Kind, value: &Value) -> Result<Value, String> {
    if kind == Kind::Count {
        return count(value).map(Value::from);
    }
    let Value::String(raw) = value else {
        return Err("must be text".to_owned());
    };
    let raw = raw.trim();
    let text = match kind {
        Kind::YesNoUnknown => match raw {
            "yes" | "no" | "unknown" => raw.to_owned(),
            _ => return Err("must be one of: yes, no, unknown".to_owned()),
        },
        Kind::Text if raw.chars().count() > MAX_TEXT => {
            return Err(format!("must be at most {MAX_TEXT} characters long"))
        }
        Kind::Text => raw.to_owned(),
        Kind::Phone => phone(raw)?,
        Kind::Email => EmailAddress::parse(raw)?.into_inner(),
        Kind::Severity => Severity::parse_lenient(raw)?.as_str().to_owned(),
        Kind::Count => unreachable!("handled above"),
    };
    Ok(Value::String(text))
}

/// A whole number ≥ 0, given as a JSON number or as digits (a form posts text).
fn count(value: &Value) -> Result<u64, String> {
    let message = || "must be a whole number of at least 0".to_owned();
    match value {
        Value::Number(n) => n.as_u64().ok_or_else(message),
        Value::String(s) => s.trim().parse::<u64>().map_err(|_| message()),
        _ => Err(message()),
    }
}

fn phone(raw: &str) -> Result<String, String> {
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    let allowed = raw
        .chars()
        .all(|c| c.is_ascii_digit() || " +-.()/".contains(c));
    if allowed && (5..=20).contains(&digits) && raw.chars().count() <= 40 {
        Ok(raw.to_owned())
    } else {
        Err(
            "must be a phone number (5 to 20 digits; +, spaces, dashes and brackets allowed)"
                .to_owned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn the_clocks_start_at_awareness_else_at_the_report() {
        let reported = at("2026-03-10 12:00");
        let detected = at("2026-03-09 08:30");
        assert_eq!(aware_at(Some(detected), reported), detected);
        assert_eq!(aware_at(None, reported), reported);
        assert_eq!(early_warning_due(detected), at("2026-03-10 08:30"));
        assert_eq!(notification_due(detected), at("2026-03-12 08:30"));
        assert_eq!(
            acknowledge_due(at("2026-03-10 07:00")),
            at("2026-03-11 07:00")
        );
    }

    #[test]
    fn the_final_report_is_due_one_calendar_month_after_the_notification() {
        assert_eq!(final_due(at("2026-03-12 08:30")), at("2026-04-12 08:30"));
        // End of month clamps: 31 January → 28 February (2026) or 29 February (2028).
        assert_eq!(final_due(at("2026-01-31 23:10")), at("2026-02-28 23:10"));
        assert_eq!(final_due(at("2028-01-31 10:00")), at("2028-02-29 10:00"));
        assert_eq!(final_due(at("2026-03-31 10:00")), at("2026-04-30 10:00"));
        // December rolls into the next year; a month is not 30 days.
        assert_eq!(final_due(at("2026-12-15 09:00")), at("2027-01-15 09:00"));
        assert_eq!(final_due(at("2026-02-01 00:00")), at("2026-03-01 00:00"));
    }

    #[test]
    fn states_against_the_due_time() {
        let due = at("2026-03-10 08:30");
        let (before, after) = (at("2026-03-10 08:00"), at("2026-03-10 09:00"));
        assert_eq!(state(due, None, before), ReportState::Pending);
        assert_eq!(state(due, None, due), ReportState::Pending);
        assert_eq!(state(due, None, after), ReportState::Overdue);
        assert_eq!(state(due, Some(due), after), ReportState::OnTime);
        assert_eq!(state(due, Some(before), after), ReportState::OnTime);
        assert_eq!(state(due, Some(after), after), ReportState::Late);
    }

    fn early_warning() -> Map<String, Value> {
        json!({
            "suspected_malicious": "yes", "cross_border_impact": "unknown",
            "summary": " Ransomware on billing ", "contact_name": "Duty officer",
            "contact_phone": "+994 12 555-01-01", "contact_email": "SOC@Bank.az",
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn a_complete_early_warning_is_normalised() {
        let out = check_fields(Stage::EarlyWarning, &early_warning()).unwrap();
        assert_eq!(out["summary"], "Ransomware on billing");
        assert_eq!(out["contact_email"], "soc@bank.az");
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut given = early_warning();
        given.insert("suspected_malicious".into(), json!("maybe"));
        given.insert("contact_phone".into(), json!("call me"));
        given.insert("contact_email".into(), json!("nobody"));
        given.remove("summary");
        given.insert("colour".into(), json!("red"));
        let errors = check_fields(Stage::EarlyWarning, &given).unwrap_err();
        let names: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        for expected in [
            "fields.suspected_malicious",
            "fields.contact_phone",
            "fields.contact_email",
            "fields.summary",
            "fields.colour",
        ] {
            assert!(names.contains(&expected), "{expected} in {names:?}");
        }
    }

    #[test]
    fn the_notification_adds_its_own_fields() {
        let mut given = early_warning();
        assert!(check_fields(Stage::Notification, &given).is_err());
        given.insert("severity_assessment".into(), json!("High"));
        given.insert("impact".into(), json!("Card payments down"));
        given.insert("affected_services".into(), json!("payments"));
        given.insert("users_affected".into(), json!("1200"));
        let out = check_fields(Stage::Notification, &given).unwrap();
        assert_eq!(out["users_affected"], json!(1200));
        assert_eq!(out["severity_assessment"], "high");
        assert!(!out.contains_key("indicators"));
        given.insert("users_affected".into(), json!(-3));
        let errors = check_fields(Stage::Notification, &given).unwrap_err();
        assert_eq!(errors[0].0, "fields.users_affected");
        given.insert("users_affected".into(), json!(2.5));
        assert!(check_fields(Stage::Notification, &given).is_err());
    }

    #[test]
    fn intermediate_and_final_forms() {
        let update = json!({ "status_update": "Contained" });
        assert!(check_fields(Stage::Intermediate, update.as_object().unwrap()).is_ok());
        let partial = json!({ "description": "x", "root_cause": 3 });
        let errors = check_fields(Stage::Final, partial.as_object().unwrap()).unwrap_err();
        assert!(errors
            .iter()
            .any(|(f, m)| f == "fields.root_cause" && m == "must be text"));
        assert_eq!(errors.len(), 4);
    }

    #[test]
    fn only_essential_and_important_entities_report() {
        assert!(Nis2Entity::Essential.reports() && Nis2Entity::Important.reports());
        assert!(!Nis2Entity::None.reports());
        assert!(Nis2Entity::parse("critical").is_err());
        assert_eq!(Stage::parse("final"), Ok(Stage::Final));
    }
}
