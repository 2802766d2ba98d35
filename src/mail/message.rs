//! Turning a rendered outbox row into an RFC 5322 message with the headers that make mail
//! clients thread it and keep auto-responders quiet.

use lettre::message::{
    header::{self, Header, HeaderName, HeaderValue},
    Mailbox, Message, MultiPart,
};

use super::render::Rendered;

macro_rules! plain_header {
    ($type_name:ident, $name:literal) => {
        #[derive(Clone, Debug)]
        struct $type_name(String);

        impl Header for $type_name {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }
            fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok(Self(s.into()))
            }
            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

plain_header!(ContentLanguage, "Content-Language");
plain_header!(AutoSubmitted, "Auto-Submitted");

/// The root every message of one incident refers to: `<incident-{key}@{host}>`. The key is
/// reduced to characters that are safe in a message id.
pub fn thread_root(thread_key: &str, host: &str) -> String {
    let key: String = thread_key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    format!("<incident-{key}@{host}>")
}

/// The host part of Message-IDs: the public host name of this installation.
pub fn id_host(base_url: &url::Url) -> String {
    base_url
        .host_str()
        .filter(|h| !h.is_empty())
        .unwrap_or("localhost")
        .trim_matches(['[', ']'])
        .replace(':', "-")
}

pub struct Addressing<'a> {
    pub from: &'a Mailbox,
    pub to: &'a str,
    pub message_id: &'a str,
    pub thread_root: Option<String>,
    pub locale: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("invalid recipient address `{0}`: {1}")]
    Recipient(String, lettre::address::AddressError),
    #[error("cannot build the message: {0}")]
    Message(#[from] lettre::error::Error),
}

pub fn build(addr: &Addressing, rendered: &Rendered) -> Result<Message, BuildError> {
    let to: Mailbox = addr
        .to
        .trim()
        .parse::<lettre::Address>()
        .map(|a| Mailbox::new(None, a))
        .map_err(|e| BuildError::Recipient(addr.to.to_owned(), e))?;
    let mut builder = Message::builder()
        .from(addr.from.clone())
        .to(to)
        .subject(rendered.subject.clone())
        .message_id(Some(addr.message_id.to_owned()))
        .header(ContentLanguage(addr.locale.to_owned()))
        .header(AutoSubmitted("auto-generated".into()));
    if let Some(root) = &addr.thread_root {
        builder = builder.in_reply_to(root.clone()).references(root.clone());
    }
    let body = MultiPart::alternative()
        .singlepart(
            lettre::message::SinglePart::builder()
                .header(header::ContentType::TEXT_PLAIN)
                .body(rendered.text.clone()),
        )
        .singlepart(
            lettre::message::SinglePart::builder()
                .header(header::ContentType::TEXT_HTML)
                .body(rendered.html.clone()),
        );
    Ok(builder.multipart(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_roots_are_stable_and_safe() {
        assert_eq!(
            thread_root("CERT-2026-00042", "qalxan.cert.az"),
            "<incident-CERT-2026-00042@qalxan.cert.az>"
        );
        assert_eq!(thread_root("X>\r\nBcc: a@b", "h"), "<incident-XBccab@h>");
        let base = url::Url::parse("https://[::1]:8080/x").unwrap();
        assert_eq!(id_host(&base), "--1");
    }
}
