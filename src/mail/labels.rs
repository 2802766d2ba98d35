//! Names of deadline kinds in mail, per language: the clock queues the code (`deadline`), the
//! renderer adds `deadline_label` in the recipient's language.

use crate::domain::Locale;

/// Every deadline kind a source may send, with its name in az, en and ru.
const DEADLINES: &[(&str, [&str; 3])] = &[
    ("ack", ["qəbul etmə", "acknowledgement", "подтверждение"]),
    ("contain", ["məhdudlaşdırma", "containment", "локализация"]),
    ("resolve", ["həll etmə", "resolution", "решение"]),
    (
        "early_warning",
        [
            "NIS2 ilkin xəbərdarlıq",
            "NIS2 early warning",
            "NIS2 раннее предупреждение",
        ],
    ),
    (
        "notification",
        [
            "NIS2 insident bildirişi",
            "NIS2 incident notification",
            "NIS2 уведомление об инциденте",
        ],
    ),
    (
        "intermediate",
        [
            "NIS2 aralıq hesabat",
            "NIS2 intermediate report",
            "NIS2 промежуточный отчёт",
        ],
    ),
    (
        "final",
        [
            "NIS2 yekun hesabat",
            "NIS2 final report",
            "NIS2 итоговый отчёт",
        ],
    ),
    (
        "early_warning_answer",
        [
            "ilkin xəbərdarlığa cavab",
            "answer to the early warning",
            "ответ на раннее предупреждение",
        ],
    ),
];

/// The deadline's name in `locale`; an unknown code is shown as it is.
pub fn deadline(locale: Locale, kind: &str) -> String {
    let index = match locale {
        Locale::Az => 0,
        Locale::En => 1,
        Locale::Ru => 2,
    };
    DEADLINES
        .iter()
        .find(|(code, _)| *code == kind)
        .map_or_else(|| kind.to_owned(), |(_, names)| names[index].to_owned())
}

/// A due time (RFC 3339) as the language writes dates, in UTC and saying so:
/// `02.12.2026 14:00 UTC` (az, ru), `2026-12-02 14:00 UTC` (en).
pub fn due_time(locale: Locale, rfc3339: &str) -> Option<String> {
    let at = chrono::DateTime::parse_from_rfc3339(rfc3339).ok()?;
    let pattern = match locale {
        Locale::En => "%Y-%m-%d %H:%M UTC",
        Locale::Az | Locale::Ru => "%d.%m.%Y %H:%M UTC",
    };
    Some(at.with_timezone(&chrono::Utc).format(pattern).to_string())
}

/// The codes with a name, for tests and docs.
pub fn kinds() -> impl Iterator<Item = &'static str> {
    DEADLINES.iter().map(|(code, _)| *code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_named_in_every_language() {
        for kind in kinds() {
            for locale in Locale::ALL {
                assert!(!deadline(*locale, kind).is_empty());
            }
        }
        assert_eq!(deadline(Locale::En, "contain"), "containment");
        assert_eq!(deadline(Locale::Ru, "other"), "other");
        let due = "2026-12-02T14:00:00.000000Z";
        assert_eq!(due_time(Locale::Az, due).unwrap(), "02.12.2026 14:00 UTC");
        assert_eq!(due_time(Locale::En, due).unwrap(), "2026-12-02 14:00 UTC");
        assert_eq!(due_time(Locale::En, "soon"), None);
    }
}
