//! The search key: text folded in Rust with Azerbaijani rules, because database case folding is
//! wrong for Azerbaijani (`I` lower-cases to `ı`, `İ` to `i`) and SQLite folds ASCII only.

use unicode_normalization::UnicodeNormalization;

/// Folds for matching: `İ`, `I`, `ı` all become `i`; `ə` becomes `e`; other letters lose case and
/// diacritics (`ş`→`s`, `ğ`→`g`, `ö`→`o`, `ü`→`u`, `ç`→`c`, `ё`→`е`), so a query typed with or
/// without Azerbaijani letters, on any keyboard, finds the same text.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'İ' | 'I' | 'ı' => out.push('i'),
            'Ə' | 'ə' => out.push('e'),
            _ => {
                for lower in c.to_lowercase() {
                    out.extend(lower.to_string().nfkd().filter(|d| !is_combining_mark(*d)));
                }
            }
        }
    }
    out
}

fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{20d0}'..='\u{20ff}')
}

/// A `LIKE` pattern that finds `query` anywhere, with `\` escaping the wildcards.
pub fn contains_pattern(query: &str) -> String {
    let mut pattern = String::from("%");
    for c in fold(query.trim()).chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azerbaijani_letters_fold_both_ways() {
        assert_eq!(fold("İSTİFADƏÇİ"), "istifadeci");
        assert_eq!(fold("istifadəçi"), "istifadeci");
        assert_eq!(fold("BAKI"), "baki");
        assert_eq!(fold("Bakı"), "baki");
        assert_eq!(fold("Şəki Ğ Ö Ü Ç"), "seki g o u c");
        assert_eq!(fold("Ёлка ФИШИНГ"), "елка фишинг");
        assert_eq!(fold("CERT-2026-00042"), "cert-2026-00042");
    }

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(contains_pattern(" İnternet "), "%internet%");
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
