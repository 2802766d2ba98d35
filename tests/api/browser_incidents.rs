//! The incident journeys in a real browser (see `browser.rs` for how it is started): a reporter
//! files and comments; a coordinator triages, assigns, notes internally, works the incident
//! through to closed; the reporter sees it closed without the internal note. Screenshots of the
//! queue, the case page and the filing form in each language go to `target/screenshots/`.

use fantoccini::{Client, Locator};
use qalxan::domain::Role;

use crate::{
    browser::{
        click, fill, path_of, screenshot, sign_in, start_browser, text_of, text_when, ONE_BROWSER,
    },
    helpers::TestApp,
};

async fn choose(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("{css} = {value}: {e}"));
}

async fn sign_out(c: &Client) {
    click(c, ".sign-out button").await;
    text_of(c, ".notice").await;
}

/// Posts a form with a button and waits for the page that follows it.
async fn submit(c: &Client, button: &str) {
    let before = c.current_url().await.unwrap();
    click(c, button).await;
    for _ in 0..100 {
        let ready = c
            .execute("return document.readyState", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned));
        if ready.as_deref() == Some("complete") && c.current_url().await.unwrap() != before {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn move_to(c: &Client, status: &str, expected: &str) {
    submit(c, &format!("#move-{status} button[type=submit]")).await;
    text_when(c, "#case-status", |t| t == expected).await;
}

#[actix_web::test]
async fn a_reported_incident_is_worked_to_closed_and_the_reporter_follows_it() {
    let _one = ONE_BROWSER.lock().await;
    let Some(browser) = start_browser().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let coordinator = app.user(Role::Coordinator).await;
    let responder = app.user(Role::Responder).await;
    let reporter = app.user(Role::Reporter).await;
    let c = &browser.client;

    // (a) The reporter files through the form, finds it in their list, comments.
    sign_in(c, &app, &reporter.email).await;
    click(c, "a[href='/incidents/new']").await;
    text_of(c, "#incident-new").await;
    fill(c, "#f-title", "Phishing mails to the finance department").await;
    fill(
        c,
        "#f-description",
        "Staff received mails asking to log in at a fake portal.",
    )
    .await;
    choose(c, "#f-category", "phishing").await;
    choose(c, "#f-tlp", "TLP:GREEN").await;
    c.execute(
        "document.getElementById('f-detected_at').value = '2026-01-10T10:00'",
        vec![],
    )
    .await
    .unwrap();
    submit(c, "#incident-new button[type=submit]").await;
    text_of(c, ".notice").await;
    assert!(path_of(c).await.ends_with("?created=1"));
    let reference = text_of(c, ".case-ref").await;
    assert_eq!(text_of(c, ".case-labels .tlp").await, "TLP:GREEN");
    c.goto(&app.url("/incidents")).await.unwrap();
    click(c, "a[href^='/incidents/']:not([href$='/new'])").await;
    text_when(c, ".case-ref", |t| t == reference).await;
    let case_url = c.current_url().await.unwrap().to_string();
    fill(
        c,
        "#f-comment-body",
        "The mails came from billing@evil.example.",
    )
    .await;
    submit(c, "#comment-form button[type=submit]").await;
    text_when(c, ".comments", |t| t.contains("billing@evil.example")).await;
    sign_out(c).await;

    // (b) The coordinator finds it at the top of the queue and works it.
    sign_in(c, &app, &coordinator.email).await;
    let queue = text_of(c, "#queue-unassigned").await;
    assert!(queue.contains(&reference), "{queue}");
    for (lang, nav) in [
        ("az", "Hadisələr"),
        ("ru", "Инциденты"),
        ("en", "Incidents"),
    ] {
        click(c, &format!(".lang-switch button[value='{lang}']")).await;
        text_when(c, ".main-nav", |t| t.contains(nav)).await;
        let html_lang = c
            .find(Locator::Css("html"))
            .await
            .unwrap()
            .attr("lang")
            .await
            .unwrap();
        assert_eq!(html_lang.as_deref(), Some(lang));
        text_of(c, "#queue-unassigned").await;
        screenshot(c, &format!("queue-{lang}")).await;
        c.goto(&app.url("/incidents/new")).await.unwrap();
        text_of(c, "#incident-new").await;
        screenshot(c, &format!("incident-new-{lang}")).await;
        c.goto(&case_url).await.unwrap();
        text_of(c, "#case-title").await;
        screenshot(c, &format!("case-{lang}")).await;
        c.goto(&app.url("/")).await.unwrap();
    }
    click(
        c,
        "#queue-unassigned a[href^='/incidents/']:not([href*='?'])",
    )
    .await;
    text_when(c, ".case-ref", |t| t == reference).await;
    // Leaving new needs the severity: the refusal says so, then the edit form sets it.
    move_to(c, "triage", "New").await;
    text_when(c, "#move-triage .alert-error", |t| t.contains("severity")).await;
    choose(c, "#f-severity", "high").await;
    submit(c, "#edit-form button[type=submit]").await;
    text_of(c, ".notice").await;
    move_to(c, "triage", "Triage").await;
    choose(c, "#f-assignee_id", &responder.id.to_string()).await;
    submit(c, "#assign-form button[type=submit]").await;
    text_when(c, "#case-assignee", |t| t.contains("Test responder")).await;
    fill(
        c,
        "#f-comment-body",
        "INTERNAL: the sender domain is on our blocklist",
    )
    .await;
    submit(c, "#comment-form button[type=submit]").await;
    text_when(c, ".comments", |t| t.contains("INTERNAL: the sender")).await;
    move_to(c, "containment", "Containment").await;
    move_to(c, "eradication", "Eradication").await;
    move_to(c, "recovery", "Recovery").await;
    fill(c, "#f-closed-resolution", "Mails blocked, passwords reset.").await;
    fill(c, "#f-closed-root_cause", "No DMARC on the finance domain.").await;
    move_to(c, "closed", "Closed").await;
    sign_out(c).await;

    // The reporter sees it closed, without the CERT's internal note.
    sign_in(c, &app, &reporter.email).await;
    c.goto(&case_url).await.unwrap();
    assert_eq!(text_of(c, "#case-status").await, "Closed");
    let source = c.source().await.unwrap();
    assert!(source.contains("billing@evil.example"));
    assert!(
        !source.contains("INTERNAL: the sender"),
        "internal note hidden"
    );
    assert!(c.find(Locator::Css("#history")).await.is_err());

    browser.close().await;
}
