//! Templates: `web/mail/<kind>.<locale>.txt` holds a kind's subject and text in one language,
//! extending `base.<locale>.txt` (notice, link, footer). The HTML part is `layout.html` filled
//! with the same rendered blocks, auto-escaped, so the two parts never say different things.
//!
//! TLP: mail about an incident marked TLP:RED or TLP:AMBER+STRICT — or whose TLP is missing or
//! unknown, failing closed — is rendered from a context stripped to the reference, the TLP and
//! the status, so no title, description or comment can reach a mail body whatever a template
//! says. The TLP label is always in the subject.

use std::sync::LazyLock;

use anyhow::{anyhow, Context};
use minijinja::{syntax::SyntaxConfig, value::Serde, Environment};
use serde_json::{Map, Value};

use crate::domain::{notification::MailKind, Locale};

pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Whether the content was withheld because of the TLP.
    pub restricted: bool,
}

/// What a template is rendered with besides the row's own context.
pub struct Site<'a> {
    pub base_url: &'a url::Url,
    pub cert_name: &'a str,
}

macro_rules! templates {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../../web/mail/", $name)))),+]
    };
}

const TEMPLATES: &[(&str, &str)] = templates!(
    "layout.html",
    "base.az.txt",
    "base.en.txt",
    "base.ru.txt",
    "incident_created.az.txt",
    "incident_created.en.txt",
    "incident_created.ru.txt",
    "report_received.az.txt",
    "report_received.en.txt",
    "report_received.ru.txt",
    "incident_acknowledged.az.txt",
    "incident_acknowledged.en.txt",
    "incident_acknowledged.ru.txt",
    "incident_assigned.az.txt",
    "incident_assigned.en.txt",
    "incident_assigned.ru.txt",
    "comment_shared.az.txt",
    "comment_shared.en.txt",
    "comment_shared.ru.txt",
    "status_changed.az.txt",
    "status_changed.en.txt",
    "status_changed.ru.txt",
    "incident_shared.az.txt",
    "incident_shared.en.txt",
    "incident_shared.ru.txt",
    "task_assigned.az.txt",
    "task_assigned.en.txt",
    "task_assigned.ru.txt",
    "deadline_warning.az.txt",
    "deadline_warning.en.txt",
    "deadline_warning.ru.txt",
    "deadline_breached.az.txt",
    "deadline_breached.en.txt",
    "deadline_breached.ru.txt",
);

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("valid syntax config"),
    );
    // Only the HTML layout escapes; the text templates produce plain text.
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            minijinja::AutoEscape::Html
        } else {
            minijinja::AutoEscape::None
        }
    });
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("mail template {name} does not parse: {e}"));
    }
    env
});

const RESTRICTED: &[&str] = &["TLP:RED", "TLP:AMBER+STRICT"];
const KNOWN: &[&str] = &[
    "TLP:CLEAR",
    "TLP:GREEN",
    "TLP:AMBER",
    "TLP:AMBER+STRICT",
    "TLP:RED",
];
/// What restricted mail may still say.
const RESTRICTED_KEYS: &[&str] = &[
    "reference",
    "status",
    "previous_status",
    "due_at",
    "deadline",
];

/// The TLP label to show and whether content must be withheld. Mail that is not about an
/// incident (no reference and no TLP) has neither.
pub fn tlp_rule(context: &Map<String, Value>) -> (Option<String>, bool) {
    let label = context
        .get("tlp")
        .and_then(Value::as_str)
        .map(|t| t.trim().to_ascii_uppercase())
        .map(|t| {
            if t == "TLP:WHITE" {
                "TLP:CLEAR".into()
            } else {
                t
            }
        });
    match label {
        Some(l) if KNOWN.contains(&l.as_str()) => {
            let restricted = RESTRICTED.contains(&l.as_str());
            (Some(l), restricted)
        }
        // Unknown or missing on incident mail: fail closed.
        _ if context.contains_key("reference") || context.contains_key("tlp") => {
            (Some("TLP:RED".into()), true)
        }
        _ => (None, false),
    }
}

/// Renders one message. `incident_id` makes the case link.
pub fn render(
    kind: MailKind,
    locale: Locale,
    context: &Value,
    incident_id: Option<i64>,
    site: &Site,
) -> anyhow::Result<Rendered> {
    let given = context.as_object().cloned().unwrap_or_default();
    let (tlp, restricted) = tlp_rule(&given);
    let mut ctx: Map<String, Value> = if restricted {
        given
            .into_iter()
            .filter(|(k, _)| RESTRICTED_KEYS.contains(&k.as_str()))
            .collect()
    } else {
        given
    };
    let base = site.base_url.as_str().trim_end_matches('/').to_owned();
    if let Some(id) = incident_id {
        ctx.insert("case_url".into(), format!("{base}/incidents/{id}").into());
    }
    ctx.insert("base_url".into(), base.into());
    ctx.insert("cert_name".into(), site.cert_name.into());
    ctx.insert("locale".into(), locale.as_str().into());
    if let Some(kind) = ctx.get("deadline").and_then(Value::as_str) {
        let label = super::labels::deadline(locale, kind);
        ctx.insert("deadline_label".into(), label.into());
        let due = ctx.get("due_at").and_then(Value::as_str);
        if let Some(text) = due.and_then(|d| super::labels::due_time(locale, d)) {
            ctx.insert("due_at_text".into(), text.into());
        }
    }
    ctx.insert("restricted".into(), restricted.into());
    ctx.insert("tlp".into(), tlp.clone().map_or(Value::Null, Value::from));
    let reference = ctx
        .get("reference")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let case_url = ctx.get("case_url").cloned().unwrap_or(Value::Null);
    let ctx = minijinja::Value::from(Serde(&ctx));

    let name = format!("{}.{}.txt", kind.as_str(), locale.as_str());
    let template = ENV
        .get_template(&name)
        .with_context(|| format!("no mail template {name}"))?;
    let mut captured = template
        .render_captured(ctx.clone())
        .map_err(|e| anyhow!("rendering {name}: {e:#}"))?;
    let blocks = captured.with_state_mut(|state| {
        let mut get = |block: &str| {
            state
                .render_block(block)
                .map(|s| s.trim().to_owned())
                .map_err(|e| anyhow!("rendering block {block} of {name}: {e:#}"))
        };
        Ok::<_, anyhow::Error>([
            get("subject")?,
            get("body")?,
            if restricted {
                String::new()
            } else {
                get("details")?
            },
            get("notice")?,
            get("link_label")?,
            get("footer")?,
        ])
    })?;
    let [subject, body, details, notice, link_label, footer] = blocks;
    let text = tidy(captured.output());

    let subject = compose_subject(reference.as_deref(), tlp.as_deref(), &subject);
    let footer: Vec<&str> = footer
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "--")
        .collect();
    let layout = serde_json::json!({
        "lang": locale.as_str(),
        "subject": subject,
        "body": paragraphs(&body),
        "details": paragraphs(&details),
        "notice": if restricted { paragraphs(&notice) } else { Vec::new() },
        "case_url": case_url,
        "link_label": link_label,
        "footer": footer,
    });
    let html = ENV
        .get_template("layout.html")
        .and_then(|t| t.render(Serde(&layout)))
        .map_err(|e| anyhow!("rendering layout.html: {e:#}"))?;
    Ok(Rendered {
        subject,
        text,
        html,
        restricted,
    })
}

/// `[CERT-2026-00042] [TLP:AMBER] <subject>`, on one line, without control characters.
pub fn compose_subject(reference: Option<&str>, tlp: Option<&str>, subject: &str) -> String {
    let mut out = String::new();
    if let Some(r) = reference.filter(|r| !r.trim().is_empty()) {
        out.push_str(&format!("[{}] ", r.trim()));
    }
    if let Some(t) = tlp {
        out.push_str(&format!("[{t}] "));
    }
    out.push_str(subject);
    sanitize_header(&out, 250)
}

/// One line of printable text: control characters (CR and LF included) become spaces, runs
/// of spaces collapse, and the result is cut at `max` characters.
pub fn sanitize_header(raw: &str, max: usize) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if out.chars().count() > max {
        out = out.chars().take(max - 1).collect::<String>() + "…";
    }
    out
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// At most one blank line in a row, no trailing spaces, one final newline.
fn tidy(text: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() {
            blank += 1;
            if blank > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_owned() + "\n"
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
