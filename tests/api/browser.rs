//! Journeys in a real browser: headless Chromium (Debian's `chromium`) driven over WebDriver by
//! `chromedriver`. Screenshots of the key pages in each language go to `target/screenshots/`.
//!
//! Without `/usr/bin/chromedriver` these tests print a line and pass locally, but fail under CI
//! (`CI` set), where `.ci/run` installs it.

use std::{
    net::TcpListener,
    os::unix::process::CommandExt,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use fantoccini::{Client, ClientBuilder, Locator};
use qalxan::domain::Role;

use crate::helpers::{TestApp, ADMIN_EMAIL, PASSWORD};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// One browser at a time: two cores do not run several Chromiums and the other tests well.
pub static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

/// `None` (after saying why) when Chromium is not installed and this is not CI.
pub async fn start_browser() -> Option<Browser> {
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        let message = "browser tests need Debian's chromium and chromium-driver \
                       (apt-get install chromium chromium-driver; .ci/run installs them)";
        if std::env::var_os("CI").is_some() {
            panic!("{message}");
        }
        eprintln!("skipping: {message}");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new(CHROMEDRIVER)
        // Its own process group, so a failed test can end chromedriver and its Chromium together.
        .process_group(0)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--no-first-run", "--disable-component-update",
                "--disable-sync", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut last_error = None;
    // chromedriver needs a moment before it listens.
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                return Some(Browser {
                    client,
                    driver,
                    _profile: profile,
                })
            }
            Err(e) => last_error = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("cannot start a browser session: {last_error:?}");
}

impl Browser {
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    /// After `close` this only ends chromedriver; after a panic it also ends the browser that
    /// chromedriver started, which would otherwise outlive the test.
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        for _ in 0..40 {
            if let Ok(Some(_)) = self.driver.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.wait();
    }
}

fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
}

pub async fn text_of(client: &Client, css: &str) -> String {
    let started = std::time::Instant::now();
    loop {
        let element = client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        match element.text().await {
            Ok(text) => return text,
            // The page changed between finding and reading: look again.
            Err(e) if started.elapsed() < Duration::from_secs(10) => {
                let _ = e;
                actix_web::rt::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("{css}: {e}"),
        }
    }
}

/// The text of `css` once it satisfies `ok` (pages change under us after a click).
pub async fn text_when(client: &Client, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            if let Ok(text) = element.text().await {
                if ok(&text) {
                    return text;
                }
                last = text;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never became what was expected; last text: {last:?}");
}

pub async fn fill(client: &Client, css: &str, value: &str) {
    let field = client.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// Clicks, and when the click loads another page, waits until the old one is gone: otherwise
/// the next lookup can find an element of the page being left (stale, or the wrong notice).
pub async fn click(client: &Client, css: &str) {
    let old_document = client.find(Locator::Css("html")).await.ok();
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
    if let Some(old) = old_document {
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if old.tag_name().await.is_err() {
                break; // stale: the new page is in
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub async fn sign_in(client: &Client, app: &TestApp, email: &str) {
    client.goto(&app.url("/login")).await.unwrap();
    fill(client, "#f-email", email).await;
    fill(client, "#f-password", PASSWORD).await;
    click(client, "main form button[type=submit]").await;
    text_of(client, ".who-name").await;
}

pub async fn path_of(client: &Client) -> String {
    let url = client.current_url().await.unwrap();
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

#[actix_web::test]
async fn an_admin_sets_up_a_reporter_who_then_signs_in() {
    let _one = ONE_BROWSER.lock().await;
    let Some(browser) = start_browser().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let c = &browser.client;

    // The admin signs in with the form and lands on the start page.
    sign_in(c, &app, ADMIN_EMAIL).await;
    assert_eq!(path_of(c).await, "/");

    // An organisation through the form, reached from the menu.
    click(c, ".main-nav a[href='/admin/organisations']").await;
    click(c, "a[href='/admin/organisations/new']").await;
    fill(c, "#f-name", "Rəqəmsal İnkişaf Nazirliyi").await;
    c.find(Locator::Css("#f-kind"))
        .await
        .unwrap()
        .select_by_value("government")
        .await
        .unwrap();
    c.find(Locator::Css("#f-sector"))
        .await
        .unwrap()
        .select_by_value("public-administration")
        .await
        .unwrap();
    click(c, "main form button[type=submit]").await;
    text_of(c, ".notice").await;
    assert_eq!(path_of(c).await, "/admin/organisations?created=1");
    assert!(c
        .source()
        .await
        .unwrap()
        .contains("Rəqəmsal İnkişaf Nazirliyi"));

    // A reporter whose display name is an attempt at script injection.
    let org_id = app
        .db
        .run(|conn| {
            Ok(
                qalxan::db::models::organisation::find_by_name(conn, "Rəqəmsal İnkişaf Nazirliyi")?
                    .unwrap()
                    .id,
            )
        })
        .await
        .unwrap();
    c.goto(&app.url("/admin/users/new")).await.unwrap();
    fill(c, "#f-email", "reporter@mincom.example").await;
    fill(c, "#f-display_name", "<script>alert(1)</script>").await;
    fill(c, "#f-password", PASSWORD).await;
    c.find(Locator::Css("#f-organisation_id"))
        .await
        .unwrap()
        .select_by_value(&org_id.to_string())
        .await
        .unwrap();
    c.find(Locator::Css("#f-role"))
        .await
        .unwrap()
        .select_by_value("reporter")
        .await
        .unwrap();
    click(c, "main form button[type=submit]").await;
    text_of(c, ".notice").await;
    // Shown as text, never run: no alert, and the literal name is in a table cell.
    assert!(c.get_alert_text().await.is_err(), "no alert dialog");
    let cell = c
        .find(Locator::XPath(
            "//td[normalize-space(.)='<script>alert(1)</script>']",
        ))
        .await
        .expect("the name shows literally");
    assert!(cell.is_displayed().await.unwrap());

    // Sign out from the header.
    click(c, ".sign-out button").await;
    text_of(c, ".notice").await;
    assert_eq!(path_of(c).await, "/login?signed_out=1");
    c.goto(&app.url("/admin/users")).await.unwrap();
    assert!(path_of(c).await.starts_with("/login?next="));

    // The reporter signs in and sees their own start page, without admin links.
    sign_in(c, &app, "reporter@mincom.example").await;
    let heading = text_of(c, "#home-heading").await;
    assert!(heading.contains("<script>alert(1)</script>"), "{heading}");
    assert!(c.get_alert_text().await.is_err(), "no alert dialog");
    let nav = text_of(c, ".main-nav").await;
    assert!(!nav.contains("İstifadəçilər"), "{nav}");
    let source = c.source().await.unwrap();
    assert!(source.contains("Rəqəmsal İnkişaf Nazirliyi"));
    c.goto(&app.url("/admin/users")).await.unwrap();
    assert_eq!(text_of(c, ".error-code").await, "403");

    browser.close().await;
}

#[actix_web::test]
async fn languages_switch_and_key_pages_are_photographed() {
    let _one = ONE_BROWSER.lock().await;
    let Some(browser) = start_browser().await else {
        return;
    };
    let app = TestApp::spawn().await;
    // Someone to list besides the administrator.
    app.user(Role::Coordinator).await;
    app.user(Role::Reporter).await;
    let c = &browser.client;

    // Visitors: the sign-in page in each language through the switcher links.
    c.goto(&app.url("/login")).await.unwrap();
    let expected = [
        ("az", "Qalxan sisteminə giriş"),
        ("en", "Sign in to Qalxan"),
        ("ru", "Вход в Qalxan"),
    ];
    for (lang, heading) in expected {
        click(c, &format!(".lang-switch a[hreflang='{lang}']")).await;
        text_when(c, "#login-heading", |t| t == heading).await;
        screenshot(c, &format!("login-{lang}")).await;
    }

    // Signed in: the switcher changes the stored preference; every page follows.
    sign_in(c, &app, ADMIN_EMAIL).await;
    let nav_users = [
        ("az", "İstifadəçilər"),
        ("en", "Users"),
        ("ru", "Пользователи"),
    ];
    for (lang, users) in nav_users {
        c.goto(&app.url("/")).await.unwrap();
        click(c, &format!(".lang-switch button[value='{lang}']")).await;
        text_when(c, ".main-nav", |t| t.contains(users)).await;
        let html_lang = c
            .find(Locator::Css("html"))
            .await
            .unwrap()
            .attr("lang")
            .await
            .unwrap();
        assert_eq!(html_lang.as_deref(), Some(lang));
        screenshot(c, &format!("home-{lang}")).await;
        click(c, ".main-nav a[href='/admin/users']").await;
        text_when(c, "main h1", |t| t == users).await;
        screenshot(c, &format!("admin-users-{lang}")).await;
    }

    // The same pages on a phone.
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&app.url("/admin/users")).await.unwrap();
    text_of(c, "main h1").await;
    screenshot(c, "admin-users-ru-phone").await;
    c.goto(&app.url("/admin/users/new")).await.unwrap();
    text_of(c, "main h1").await;
    screenshot(c, "admin-user-new-ru-phone").await;

    browser.close().await;
}
