//! Return addresses (`next=`): where the browser goes after signing in or switching language.
//! Only a path on this site is accepted; anything else becomes `/`.
//!
//! Browsers are lenient in ways that turn odd paths into other sites: they drop tabs and line
//! breaks inside a URL (`/\t/evil.example` is followed as `//evil.example`), treat `\` as `/`,
//! and `//host` is a network-path reference. So the address is refused if any form of it, as
//! sent or percent-decoded (repeatedly, for `%2509`), holds a control or whitespace character
//! or a backslash, or starts with anything but a single `/`. A value that passes is also always
//! a valid `Location` header, so the redirect itself cannot fail.

use std::borrow::Cow;

/// How many rounds of percent-decoding are looked through; deeper nesting is refused outright.
const DECODE_ROUNDS: usize = 4;

/// `next` if it is a same-origin path, else `/`.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(n) if is_local_path(n) => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// Whether `raw` is a path on this site that is safe to redirect to (see the module comment).
pub fn is_local_path(raw: &str) -> bool {
    let mut form = Cow::Borrowed(raw);
    for _ in 0..DECODE_ROUNDS {
        if !is_plain_local_path(&form) {
            return false;
        }
        let decoded = match percent_encoding::percent_decode_str(&form).decode_utf8() {
            Ok(decoded) => decoded.into_owned(),
            // Not UTF-8 once decoded: not an address anyone meant.
            Err(_) => return false,
        };
        if decoded == form {
            return true;
        }
        form = Cow::Owned(decoded);
    }
    false
}

fn is_plain_local_path(form: &str) -> bool {
    form.starts_with('/')
        && !form.starts_with("//")
        && !form
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_are_kept() {
        for ok in [
            "/",
            "/admin/users?x=1",
            "/incidents?q=bank&status=new",
            "/incidents/4#comments",
            "/incidents?q=%C9%99li",
            "/a%2Fb",
        ] {
            assert_eq!(local_path(Some(ok)), ok, "{ok}");
        }
    }

    #[test]
    fn anything_that_could_leave_the_site_becomes_root() {
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "evil.example",
            "",
            "/\\evil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/%2509/evil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/%2F/evil.example",
            "/%2F%2Fevil.example",
            "/\n/evil.example",
            "/x\r\nSet-Cookie: a=b",
            "/x%0d%0aSet-Cookie:%20a=b",
            "/\u{b}/evil.example",
            "/ /evil.example",
            "/%20/evil.example",
            "/\u{a0}/evil.example",
            "/\u{3000}x",
            "/%00",
            "/%ff",
            "/%25252525252509",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn what_passes_is_a_valid_location_header() {
        for ok in ["/admin/users?x=1", "/incidents?q=%C9%99li", "/x%7Cy"] {
            assert!(
                actix_web::http::header::HeaderValue::from_str(&local_path(Some(ok))).is_ok(),
                "{ok}"
            );
        }
    }
}
