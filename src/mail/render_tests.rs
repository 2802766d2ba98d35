use serde_json::json;

use super::*;

fn site() -> (url::Url, &'static str) {
    (
        url::Url::parse("https://qalxan.cert.az/").unwrap(),
        "CERT.AZ",
    )
}

fn full_context(tlp: &str) -> Value {
    json!({
        "reference": "CERT-2026-00042", "tlp": tlp, "title": "Phishing <b>wave</b>",
        "description": "DESCRIPTION-TEXT", "comment": "COMMENT-TEXT", "severity": "high",
        "category": "phishing", "status": "containment", "previous_status": "triage",
        "actor_name": "Aysel", "assignee_name": "Aysel", "organisation_name": "Agency",
        "shared_tlp": "TLP:AMBER", "task_title": "TASK-TEXT", "due_at": "01.12.2026 10:00",
        "reporter_name": "Rauf",
    })
}

fn render_it(kind: MailKind, locale: Locale, context: &Value) -> Rendered {
    let (base, cert) = site();
    render(
        kind,
        locale,
        context,
        Some(42),
        &Site {
            base_url: &base,
            cert_name: cert,
        },
    )
    .unwrap_or_else(|e| panic!("{kind} {locale}: {e:#}"))
}

#[test]
fn every_kind_renders_in_every_language_with_reference_tlp_and_link() {
    for kind in MailKind::ALL {
        for locale in Locale::ALL {
            let r = render_it(*kind, *locale, &full_context("TLP:AMBER"));
            assert!(
                r.subject.starts_with("[CERT-2026-00042] [TLP:AMBER] "),
                "{kind} {locale}: {}",
                r.subject
            );
            let link = "https://qalxan.cert.az/incidents/42";
            assert!(r.text.contains(link), "{kind} {locale}: {}", r.text);
            // minijinja's HTML escaping writes `/` as `&#x2f;`, which browsers read back.
            let html = r.html.replace("&#x2f;", "/");
            assert!(
                html.contains(&format!("href=\"{link}\"")),
                "{kind} {locale}"
            );
            assert!(r.html.contains(&format!("lang=\"{locale}\"")));
            assert!(r.text.contains("CERT-2026-00042"), "{kind} {locale}");
            assert!(!r.text.contains("{{") && !r.html.contains("{{"));
            assert!(!r.restricted);
        }
    }
    let created = render_it(
        MailKind::IncidentCreated,
        Locale::En,
        &full_context("TLP:GREEN"),
    );
    assert!(created.text.contains("DESCRIPTION-TEXT") && created.html.contains("DESCRIPTION-TEXT"));
    let comment = render_it(
        MailKind::CommentShared,
        Locale::Ru,
        &full_context("TLP:CLEAR"),
    );
    assert!(comment.text.contains("COMMENT-TEXT"));
}

#[test]
fn languages_differ() {
    let ctx = full_context("TLP:GREEN");
    let az = render_it(MailKind::ReportReceived, Locale::Az, &ctx);
    let en = render_it(MailKind::ReportReceived, Locale::En, &ctx);
    let ru = render_it(MailKind::ReportReceived, Locale::Ru, &ctx);
    assert!(az.subject.contains("Müraciətiniz qəbul edildi"));
    assert!(en.subject.contains("Your report has been received"));
    assert!(ru.subject.contains("Ваше сообщение получено"));
    assert!(az.text.contains("avtomatik") && ru.text.contains("автоматически"));
}

#[test]
fn red_and_amber_strict_mail_carries_no_content() {
    for tlp in ["TLP:RED", "tlp:amber+strict"] {
        for kind in MailKind::ALL {
            for locale in Locale::ALL {
                let r = render_it(*kind, *locale, &full_context(tlp));
                assert!(r.restricted);
                for secret in [
                    "DESCRIPTION-TEXT",
                    "COMMENT-TEXT",
                    "TASK-TEXT",
                    "Phishing",
                    "Agency",
                ] {
                    assert!(
                        !r.text.contains(secret),
                        "{kind} {locale} {tlp}: {}",
                        r.text
                    );
                    assert!(!r.html.contains(secret), "{kind} {locale} {tlp}");
                    assert!(!r.subject.contains(secret), "{kind} {locale} {tlp}");
                }
                let label = tlp.to_ascii_uppercase();
                assert!(r.subject.contains(&format!("[{label}]")), "{}", r.subject);
                assert!(r.text.contains(&label) && r.text.contains("/incidents/42"));
            }
        }
    }
}

#[test]
fn a_missing_or_unknown_tlp_fails_closed() {
    let mut ctx = full_context("TLP:AMBER");
    ctx.as_object_mut().unwrap().remove("tlp");
    let r = render_it(MailKind::IncidentCreated, Locale::En, &ctx);
    assert!(r.restricted && r.subject.contains("[TLP:RED]"));
    assert!(!r.text.contains("DESCRIPTION-TEXT"));
    let r = render_it(
        MailKind::IncidentCreated,
        Locale::En,
        &full_context("TLP:PURPLE"),
    );
    assert!(r.restricted);
    let r = render_it(
        MailKind::IncidentCreated,
        Locale::En,
        &full_context("TLP:WHITE"),
    );
    assert!(!r.restricted && r.subject.contains("[TLP:CLEAR]"));
}

#[test]
fn html_is_escaped_and_subjects_are_one_line() {
    let mut ctx = full_context("TLP:GREEN");
    ctx["title"] = json!("<script>alert(1)</script>\r\nBcc: victim@example.org");
    let r = render_it(MailKind::IncidentCreated, Locale::En, &ctx);
    assert!(r.html.contains("&lt;script&gt;") && !r.html.contains("<script>"));
    assert!(r.text.contains("<script>alert(1)</script>"));
    assert!(!r.subject.contains('\r') && !r.subject.contains('\n'));
    assert!(
        r.subject.contains("</script> Bcc: victim@example.org"),
        "{}",
        r.subject
    );
    assert_eq!(sanitize_header("a\u{0}b\tc\u{7f}  d", 100), "a b c d");
    assert_eq!(sanitize_header(&"x".repeat(300), 10).chars().count(), 10);
}

#[test]
fn deadline_mail_names_the_deadline_and_its_time_in_the_language_even_when_restricted() {
    let context = json!({
        "reference": "CERT-2026-00042", "tlp": "TLP:RED", "title": "SECRET-TITLE",
        "deadline": "contain", "due_at": "2026-12-02T14:00:00.000000Z",
    });
    let ru = render_it(MailKind::DeadlineBreached, Locale::Ru, &context);
    assert!(
        ru.subject.contains("Срок нарушен: локализация"),
        "{}",
        ru.subject
    );
    assert!(ru.text.contains("02.12.2026 14:00 UTC"), "{}", ru.text);
    assert!(!ru.text.contains("SECRET-TITLE") && ru.restricted);
    let en = render_it(MailKind::DeadlineWarning, Locale::En, &context);
    assert!(
        en.subject.contains("Deadline approaching: containment"),
        "{}",
        en.subject
    );
    assert!(en.text.contains("2026-12-02 14:00 UTC"), "{}", en.text);
}
