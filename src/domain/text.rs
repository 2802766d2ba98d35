//! The one rule for text arriving from outside: control characters other than tab, CR and LF
//! are refused. PostgreSQL cannot store NUL in `text` at all and SQLite can, so without this
//! the two databases would answer the same request differently; the other control characters
//! are refused with it because no field of a case has a use for them and they hide text from
//! readers. Every extractor (JSON, forms, multipart, query strings) applies this rule, so
//! services never see such characters.

use std::borrow::Cow;

use serde_json::Value;

/// The message every refused field carries.
pub const REFUSED: &str = "must not contain control characters (only tab, CR and LF are allowed)";

/// Whether `c` is refused at the edge.
pub fn is_refused(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\r' | '\n')
}

/// `Err(REFUSED)` when `text` holds a refused character.
pub fn check(text: &str) -> Result<(), String> {
    if text.chars().any(is_refused) {
        Err(REFUSED.to_owned())
    } else {
        Ok(())
    }
}

/// `text` without its refused characters, for inputs where dropping them is harmless (search
/// boxes): borrowed when there was nothing to drop.
pub fn strip(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_refused) {
        Cow::Owned(text.chars().filter(|c| !is_refused(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// A name for a field the client chose, printable in a message: refused characters escaped.
pub fn printable(name: &str) -> String {
    name.chars()
        .map(|c| {
            if is_refused(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The paths (`title`, `items[2].value`) of every string in `value` that holds a refused
/// character, in document order. An object key with one is reported under its escaped name,
/// since the key itself is what the client sent wrong.
pub fn refused_paths(value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    walk(value, &mut String::new(), &mut found);
    found
}

fn walk(value: &Value, path: &mut String, found: &mut Vec<String>) {
    match value {
        Value::String(s) if check(s).is_err() => found.push(if path.is_empty() {
            "body".to_owned()
        } else {
            path.clone()
        }),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(item, path, found);
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&printable(key));
                if check(key).is_err() {
                    found.push(path.clone());
                } else {
                    walk(item, path, found);
                }
                path.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn control_characters_are_refused_except_tab_cr_and_lf() {
        for ok in [
            "plain",
            "line one\nline two\r\n\tindented",
            "Azərbaycan",
            "Ёж",
            "",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok:?}");
        }
        for bad in [
            "a\0b",
            "\u{1}",
            "bell\u{7}",
            "\u{b}",
            "\u{c}",
            "\u{1b}[31m",
            "del\u{7f}",
        ] {
            assert_eq!(check(bad), Err(REFUSED.to_owned()), "{bad:?}");
        }
        // C1 controls are control characters too; format characters (ZWJ) are not.
        assert!(is_refused('\u{85}') && is_refused('\u{9f}'));
        assert!(!is_refused('\u{200d}') && !is_refused(' '));
    }

    #[test]
    fn strip_drops_only_refused_characters() {
        assert!(matches!(strip("bank"), Cow::Borrowed("bank")));
        assert_eq!(strip("ba\0n\u{1}k\t"), "bank\t");
        assert_eq!(strip("\0"), "");
    }

    #[test]
    fn json_paths_name_the_field() {
        let body = json!({
            "title": "a\u{0}b",
            "description": "fine\nlines",
            "items": [{ "value": "ok" }, { "value": "ok" }, { "value": "x\u{1}" }],
            "tags": ["ok", "\u{7f}"],
            "nested": { "deep": { "note": "\u{0}" } },
            "count": 3,
            "we\u{0}ird": "value",
        });
        assert_eq!(
            refused_paths(&body),
            vec![
                "items[2].value",
                "nested.deep.note",
                "tags[1]",
                "title",
                "we\\u{0}ird"
            ]
        );
        assert_eq!(refused_paths(&json!("\u{0}")), vec!["body"]);
        assert_eq!(
            refused_paths(&json!([1, "a", null, true])),
            Vec::<String>::new()
        );
        assert_eq!(printable("a\u{0}"), "a\\u{0}");
    }
}
