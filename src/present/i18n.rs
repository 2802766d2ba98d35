//! Translations: Project Fluent catalogues under `web/i18n/<locale>/*.ftl`, embedded in the
//! binary, plus choosing the language of a request and formatting times for it.

use std::{borrow::Cow, collections::HashMap, sync::LazyLock};

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use fluent_bundle::{concurrent::FluentBundle, FluentArgs, FluentResource, FluentValue};
use rust_embed::RustEmbed;

use crate::domain::Locale;

#[derive(RustEmbed)]
#[folder = "web/i18n/"]
struct Catalogues;

type Bundle = FluentBundle<FluentResource>;

static BUNDLES: LazyLock<HashMap<Locale, Bundle>> = LazyLock::new(|| {
    Locale::ALL
        .iter()
        .map(|locale| (*locale, build_bundle(*locale)))
        .collect()
});

/// The catalogue files of one locale, sorted by name.
fn sources(locale: Locale) -> Vec<(String, String)> {
    let prefix = format!("{}/", locale.as_str());
    let mut files: Vec<(String, String)> = Catalogues::iter()
        .filter(|name| name.starts_with(&prefix) && name.ends_with(".ftl"))
        .filter_map(|name| {
            let file = Catalogues::get(&name)?;
            let text = String::from_utf8(file.data.into_owned()).ok()?;
            Some((name.into_owned(), text))
        })
        .collect();
    files.sort();
    files
}

fn build_bundle(locale: Locale) -> Bundle {
    let id = locale
        .as_str()
        .parse()
        .expect("locale codes are language identifiers");
    let mut bundle = Bundle::new_concurrent(vec![id]);
    // Unicode isolation marks around arguments would end up inside HTML and test assertions.
    bundle.set_use_isolating(false);
    for (name, text) in sources(locale) {
        let resource = FluentResource::try_new(text).unwrap_or_else(|(resource, errors)| {
            tracing::error!(file = name, ?errors, "translation file has syntax errors");
            resource
        });
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(file = name, ?errors, "translation file redefines messages");
        }
    }
    bundle
}

/// The message `key` in `locale`, with arguments. A missing key shows as itself (and a unit
/// test makes sure none is missing).
pub fn translate(locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
    let bundle = &BUNDLES[&locale];
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        tracing::warn!(key, locale = %locale, "missing translation");
        return key.to_owned();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        // Numbers stay numbers so plural rules apply.
        match value.parse::<f64>() {
            Ok(n) if !value.is_empty() => fluent_args.set(*name, FluentValue::from(n)),
            _ => fluent_args.set(*name, FluentValue::from(Cow::Owned(value.to_string()))),
        }
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    if !errors.is_empty() {
        tracing::warn!(key, locale = %locale, ?errors, "translation did not format cleanly");
    }
    text.into_owned()
}

/// The first supported language in an `Accept-Language` header, by quality.
pub fn from_accept_language(header: &str) -> Option<Locale> {
    let mut candidates: Vec<(f32, usize, Locale)> = header
        .split(',')
        .enumerate()
        .filter_map(|(position, part)| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
            let locale = Locale::parse(&primary).ok()?;
            (quality > 0.0).then_some((quality, position, locale))
        })
        .collect();
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    candidates.first().map(|c| c.2)
}

/// A stored time zone name, or Asia/Baku when it is empty or unknown.
pub fn time_zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::Asia::Baku)
}

/// A stored UTC time in the reader's zone: `dd.MM.yyyy HH:mm` in Azerbaijani and Russian,
/// `dd Mon yyyy HH:mm` in English.
pub fn format_datetime(locale: Locale, tz: Tz, utc: NaiveDateTime) -> String {
    let local = utc.and_utc().with_timezone(&tz);
    match locale {
        Locale::Az | Locale::Ru => local.format("%d.%m.%Y %H:%M").to_string(),
        Locale::En => local.format("%d %b %Y %H:%M").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use fluent_bundle::FluentResource;
    use fluent_syntax::ast::Entry;

    use super::*;

    fn message_ids(locale: Locale) -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        for (name, text) in sources(locale) {
            let resource = FluentResource::try_new(text)
                .unwrap_or_else(|(_, errors)| panic!("{name} does not parse: {errors:?}"));
            for entry in resource.entries() {
                if let Entry::Message(m) = entry {
                    assert!(
                        ids.insert(m.id.name.to_owned()),
                        "{name}: {} twice",
                        m.id.name
                    );
                }
            }
        }
        ids
    }

    #[test]
    fn every_key_exists_in_all_three_languages() {
        let az = message_ids(Locale::Az);
        assert!(az.len() > 50, "catalogues are embedded");
        for locale in [Locale::En, Locale::Ru] {
            let other = message_ids(locale);
            let missing: Vec<_> = az.difference(&other).collect();
            let extra: Vec<_> = other.difference(&az).collect();
            assert!(missing.is_empty(), "missing in {locale}: {missing:?}");
            assert!(extra.is_empty(), "only in {locale}, not in az: {extra:?}");
        }
    }

    /// Every `t("…")` / `t_arg("…"` in a template names a message that exists.
    #[test]
    fn keys_used_in_templates_exist() {
        let known = message_ids(Locale::Az);
        let mut stack = vec![std::path::PathBuf::from("web/templates")];
        let mut checked = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for marker in [".t(\"", ".t_arg(\""] {
                    for piece in text.split(marker).skip(1) {
                        let key = piece.split('"').next().unwrap();
                        assert!(known.contains(key), "{}: unknown key {key}", path.display());
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 20, "templates were scanned");
    }

    #[test]
    fn arguments_and_plurals_format() {
        assert_eq!(
            translate(Locale::En, "home-welcome", &[("name", "Aysel")]),
            "Welcome, Aysel"
        );
        assert_eq!(translate(Locale::En, "no-such-key", &[]), "no-such-key");
    }

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(
            from_accept_language("ru-RU,ru;q=0.9,en;q=0.8"),
            Some(Locale::Ru)
        );
        assert_eq!(
            from_accept_language("de-DE,en;q=0.5,az;q=0.7"),
            Some(Locale::Az)
        );
        assert_eq!(from_accept_language("en-GB"), Some(Locale::En));
        assert_eq!(from_accept_language("de, fr;q=0.8"), None);
        assert_eq!(from_accept_language("az;q=0, en;q=0.1"), Some(Locale::En));
        assert_eq!(from_accept_language(""), None);
    }

    #[test]
    fn times_show_in_the_readers_zone_and_format() {
        let utc = chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
            .unwrap()
            .and_hms_opt(20, 5, 0)
            .unwrap();
        let baku = time_zone("Asia/Baku");
        assert_eq!(format_datetime(Locale::Az, baku, utc), "25.11.2026 00:05");
        assert_eq!(format_datetime(Locale::Ru, baku, utc), "25.11.2026 00:05");
        assert_eq!(format_datetime(Locale::En, baku, utc), "25 Nov 2026 00:05");
        assert_eq!(time_zone("Mars/Olympus"), chrono_tz::Asia::Baku);
        assert_eq!(
            format_datetime(Locale::Az, time_zone("UTC"), utc),
            "24.11.2026 20:05"
        );
    }
}
