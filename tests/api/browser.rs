//! The pages behind the email links (`pages/`, served by the local portal at the base URL the
//! emails link to), in real Chromium: Debian's `chromium`, driven over WebDriver by its
//! `chromedriver` (both installed by `make test`). Each page is checked with axe-core in the same
//! browser (labels, focus order, contrast: WCAG 2 A and AA); a failing test leaves a screenshot in
//! `.local/screenshots/`. `SCREENSHOTS=update` also writes the screenshots of docs/ to
//! `docs/screenshots/`.
use std::os::unix::process::CommandExt;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{project_root, unique_email, wait, TestStack, PASSWORD};

const NEW_PASSWORD: &str = "Br0wser-Chosen-Pass!";
/// How many tenths of a second a page may take to show something: the emulator serves every
/// test running at once one request at a time, so a page's first call can wait seconds.
const PATIENCE: usize = 300;

/// Chromium under chromedriver, for one test.
pub(crate) struct Browser {
    pub(crate) client: Client,
    driver: std::process::Child,
    profile: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for Browser {
    /// Chromium outlives a killed chromedriver: the whole process group goes (the session is
    /// normally closed first, by `run`).
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill").args(["-KILL", "--", &format!("-{}", self.driver.id())]).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    /// A headless Chromium whose browser language is `language`, as wide as a phone held
    /// sideways, with the flags this closed network needs (no background connections to Google).
    pub(crate) async fn start(language: &str) -> Self {
        Self::start_at(language, (720, 900)).await
    }

    /// As `start`, its window `(width, height)` from the start (no resize to wait for).
    pub(crate) async fn start_at(language: &str, (width, height): (u32, u32)) -> Self {
        let port = free_port();
        let mut driver = std::process::Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()))
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver runs (make test installs Debian's chromium-driver)");
        let profile = TempDir(std::env::temp_dir().join(format!("chromium-{}", ulid::Ulid::new())));
        let options = json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                format!("--window-size={width},{height}"), format!("--lang={language}"), format!("--user-data-dir={}", profile.0.display()),
            ],
            "prefs": { "intl.accept_languages": language },
        });
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return Self { client, driver, profile },
                Err(error) => last = Some(error),
            }
            wait(Duration::from_millis(100)).await;
        }
        let _ = driver.kill();
        panic!("chromedriver did not answer on {url}: {last:?}");
    }

    pub(crate) async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("the page loads");
    }

    /// The text of the element, once it is shown and says something.
    pub(crate) async fn text(&self, css: &str) -> String {
        for _ in 0..PATIENCE {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                if element.is_displayed().await.unwrap_or(false) {
                    let text = element.text().await.unwrap_or_default();
                    if !text.trim().is_empty() {
                        return text;
                    }
                }
            }
            wait(Duration::from_millis(100)).await;
        }
        panic!("{css} was never shown with a text");
    }

    pub(crate) async fn shown(&self, css: &str) -> bool {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.is_displayed().await.unwrap_or(false),
            Err(_) => false,
        }
    }

    pub(crate) async fn fill(&self, css: &str, value: &str) {
        self.text_or_field(css).await;
        let field = self.client.find(Locator::Css(css)).await.expect("the field");
        field.clear().await.expect("the field clears");
        field.send_keys(value).await.expect("the field takes keys");
    }

    pub(crate) async fn text_or_field(&self, css: &str) {
        for _ in 0..PATIENCE {
            if self.shown(css).await {
                return;
            }
            wait(Duration::from_millis(100)).await;
        }
        panic!("{css} was never shown");
    }

    /// Clicks `css` as a person would: scrolled to the middle of its scrolling box first (a
    /// dialog's sticky buttons may cover what sits at its foot).
    pub(crate) async fn click(&self, css: &str) {
        self.text_or_field(css).await;
        let element = self.client.find(Locator::Css(css)).await.expect("the element");
        let reference = serde_json::to_value(&element).expect("an element reference");
        self.client.execute("arguments[0].scrollIntoView({ block: 'center' });", vec![reference]).await.expect("it scrolls");
        element.click().await.expect("it clicks");
    }

    pub(crate) async fn url(&self) -> String {
        self.client.current_url().await.expect("a URL").to_string()
    }

    /// axe-core's WCAG 2 A and AA rules on the page as it is now: no violation.
    pub(crate) async fn accessible(&self, what: &str) {
        let axe = std::env::var("AXE_CORE_JS").expect("AXE_CORE_JS names axe.min.js (make test installs axe-core)");
        let source = std::fs::read_to_string(&axe).unwrap_or_else(|e| panic!("{axe}: {e}"));
        self.client.execute(&source, vec![]).await.expect("axe-core loads");
        let violations = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] })
                   .then(r => done(r.violations.map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)));",
                vec![],
            )
            .await
            .expect("axe-core runs");
        assert_eq!(violations, json!([]), "{what}: accessibility violations");
    }

    pub(crate) async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        let local = project_root().join(".local/screenshots");
        std::fs::create_dir_all(&local).unwrap();
        std::fs::write(local.join(format!("{name}.png")), &png).unwrap();
        if std::env::var("SCREENSHOTS").as_deref() == Ok("update") {
            let docs = project_root().join("docs/screenshots");
            std::fs::create_dir_all(&docs).unwrap();
            std::fs::write(docs.join(format!("{name}.png")), &png).unwrap();
        }
    }

    /// The focus order: the page puts the focus on the first field, and Tab then reaches these
    /// elements in this order.
    pub(crate) async fn tab_order(&self, expected: &[&str]) {
        let focused = || async {
            let id = self.client.execute("return document.activeElement.id || document.activeElement.tagName", vec![]).await.unwrap();
            id.as_str().unwrap_or_default().to_string()
        };
        let mut seen = vec![focused().await];
        for _ in 1..expected.len() {
            self.client.active_element().await.unwrap().send_keys("\u{E004}").await.unwrap();
            seen.push(focused().await);
        }
        assert_eq!(seen, expected, "the focus order");
    }

    /// Runs the steps of a test in this browser; a failure leaves a screenshot of the page in
    /// `.local/screenshots/`.
    pub(crate) async fn run(&self, name: &str, steps: impl std::future::Future<Output = ()>) {
        let outcome = AssertUnwindSafe(steps).catch_unwind().await;
        if outcome.is_err() {
            self.screenshot(&format!("FAILED-{name}")).await;
        }
        // Ends the WebDriver session: chromedriver quits this Chromium.
        let _ = self.client.clone().close().await;
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }
}

/// A stack whose portal serves the pages at the address the emails link to.
pub(crate) async fn stack_with_portal() -> TestStack {
    TestStack::start_with(|options| {
        options.portal_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        options.portal_base_url = String::new();
    })
    .await
}

fn portal(stack: &TestStack) -> &str {
    &stack.stack.portal_base_url
}

#[tokio::test]
async fn a_new_person_opens_the_invitation_from_the_outbox_sets_a_password_and_signs_in() {
    let stack = stack_with_portal().await;
    let tenant = stack.tenant_with_admin(None).await;
    let email = unique_email("browser-new");
    assert_eq!(stack.invite(&tenant, &email, "en", json!({ "service-management-portal": "member" })).await.status, StatusCode::CREATED);
    let b = Browser::start("en-US").await;
    b.run("new-person", async {
        b.goto(&format!("{}/outbox", portal(&stack))).await;
        b.text("#emails tr").await;
        b.accessible("the outbox").await;
        // The invitation's row, its HTML part, then the link in it.
        let row = b
            .client
            .find(Locator::XPath(&format!("//tr[td[2][contains(., '{email}')]]//a[text()='HTML']")))
            .await
            .expect("the email's row");
        row.click().await.unwrap();
        b.click("a[href*='accept-invitation?token=']").await;
        assert!(b.text("#invited-to").await.contains(&email));
        assert!(!b.url().await.contains("token="), "the token left the address bar");
        b.tab_order(&["new-password", "repeat-password", "BUTTON"]).await;
        b.accessible("accept-invitation, a new person").await;
        b.fill("#new-password", NEW_PASSWORD).await;
        b.fill("#repeat-password", NEW_PASSWORD).await;
        b.click("#set-password button").await;
        assert!(b.text("#finished").await.contains("You are now a member of Acme"));
        b.accessible("accept-invitation, done").await;
    })
    .await;
    assert!(stack.sign_in(&email, NEW_PASSWORD).await.is_ok(), "the person signs in with the password they chose");
}

#[tokio::test]
async fn a_person_with_an_account_joins_by_signing_in_in_their_language() {
    let stack = stack_with_portal().await;
    let first = stack.tenant_with_admin(None).await;
    let person = stack.join(&first, "member").await;
    let second = stack.tenant_with_admin(None).await;
    let invited = stack.invite(&second, &person.email, "ja", json!({ "service-management-portal": "member" })).await;
    assert_eq!(invited.status, StatusCode::CREATED);
    let link = stack.last_email_to(&person.email).await.token();
    let b = Browser::start("en-US").await;
    b.run("join", async {
        b.goto(&format!("{}/accept-invitation?token={link}", portal(&stack))).await;
        assert!(b.text("#join-to").await.contains("サインイン"), "the invitation's language, not the browser's");
        let email_field = b.client.find(Locator::Css("#email")).await.unwrap();
        assert_eq!(email_field.prop("value").await.unwrap().as_deref(), Some(person.email.as_str()));
        assert!(!b.shown("#set-password").await, "no password to set for a person with an account");
        b.accessible("accept-invitation, sign in to join").await;
        b.fill("#password", "Not-The-Passw0rd!").await;
        b.click("#sign-in button").await;
        assert!(b.text("#problem").await.contains("正しくありません"));
        b.fill("#password", PASSWORD).await;
        b.click("#sign-in button").await;
        assert!(b.text("#finished").await.contains("メンバーになりました"));
    })
    .await;
    let members = stack.get(&format!("/tenants/{}/members", second.tenant_id), &second.admin_token).await;
    let joined =
        members.body["items"].as_array().unwrap().iter().find(|m| m["email"] == person.email.as_str()).cloned().unwrap_or(Value::Null);
    assert_eq!(joined["status"], "active", "{joined}");
}

#[tokio::test]
async fn a_person_with_an_authenticator_app_joins_with_the_apps_code_after_the_srp_sign_in() {
    let stack = stack_with_portal().await;
    let first = stack.tenant_with_admin(None).await;
    let person = stack.join(&first, "member").await;
    stack.cognito.associate_software_token().access_token(&person.access_token).send().await.unwrap();
    stack.cognito.verify_software_token().access_token(&person.access_token).user_code("123456").send().await.unwrap();
    let mfa = format!("{}/mfa", TestStack::member_path(&first, &person.member_id));
    assert_eq!(stack.put(&mfa, &first.admin_token, json!({ "enabled": true })).await.status, StatusCode::OK);
    let second = stack.tenant_with_admin(None).await;
    stack.invite(&second, &person.email, "en", json!({ "service-management-portal": "member" })).await;
    let link = stack.last_email_to(&person.email).await.token();
    let b = Browser::start("en-US").await;
    b.run("join-with-app-code", async {
        b.goto(&format!("{}/accept-invitation?token={link}", portal(&stack))).await;
        b.fill("#password", PASSWORD).await;
        b.click("#sign-in button").await;
        assert_eq!(b.text("#code-label").await, "Enter the code from your authenticator app");
        assert!(!b.shown("#sign-in").await, "the password form gives way to the code");
        b.accessible("accept-invitation, the MFA code").await;
        b.fill("#code", "123456").await;
        b.click("#challenge button").await;
        assert!(b.text("#finished").await.contains("You are now a member"));
    })
    .await;
    let joined = stack.members(&second).await.into_iter().find(|m| m["email"] == person.email.as_str()).unwrap_or(Value::Null);
    assert_eq!(joined["status"], "active", "{joined}");
}

#[tokio::test]
async fn a_weak_password_shows_the_policy_and_cognitos_reason_and_the_link_still_works() {
    let stack = stack_with_portal().await;
    let tenant = stack.tenant_with_admin(None).await;
    let email = unique_email("browser-weak");
    stack.invite(&tenant, &email, "en", json!({ "service-management-portal": "member" })).await;
    let link = stack.last_email_to(&email).await.token();
    let b = Browser::start("en-US").await;
    b.run("weak-password", async {
        b.goto(&format!("{}/accept-invitation?token={link}", portal(&stack))).await;
        b.fill("#new-password", "short").await;
        b.fill("#repeat-password", "short").await;
        let unmet = b.client.find_all(Locator::Css("#policy li:not(.met)")).await.unwrap().len();
        assert!(unmet >= 3, "the rules the password breaks are shown as unmet ({unmet})");
        b.click("#set-password button").await;
        let problem = b.text("#problem").await;
        assert!(
            problem.starts_with("Cognito refused this password:") && problem.len() > "Cognito refused this password: ".len(),
            "{problem}"
        );
        b.fill("#new-password", NEW_PASSWORD).await;
        b.fill("#repeat-password", NEW_PASSWORD).await;
        assert_eq!(b.client.find_all(Locator::Css("#policy li:not(.met)")).await.unwrap().len(), 0, "every rule is met");
        b.click("#set-password button").await;
        assert!(b.text("#finished").await.contains("You are now a member"));
    })
    .await;
    assert!(stack.sign_in(&email, NEW_PASSWORD).await.is_ok());
}

#[tokio::test]
async fn a_used_and_an_expired_link_each_say_so_and_what_to_do() {
    let stack = TestStack::start_with(|options| {
        options.portal_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        options.portal_base_url = String::new();
        options.invitation_ttl = Duration::from_secs(3);
    })
    .await;
    let tenant = stack.tenant_with_admin(None).await;
    let (used, late) = (unique_email("browser-used"), unique_email("browser-late"));
    for email in [&used, &late] {
        stack.invite(&tenant, email, "en", json!({ "service-management-portal": "member" })).await;
    }
    let used_link = stack.last_email_to(&used).await.token();
    let late_link = stack.last_email_to(&late).await.token();
    assert_eq!(stack.accept_invitation(&used).await.status, StatusCode::OK);
    wait(Duration::from_secs(3)).await;
    let b = Browser::start("en-US").await;
    b.run("dead-links", async {
        b.goto(&format!("{}/accept-invitation?token={used_link}", portal(&stack))).await;
        assert!(b.text("#problem").await.contains("already used"), "a used link");
        b.accessible("accept-invitation, a used link").await;
        b.goto(&format!("{}/accept-invitation?token={late_link}", portal(&stack))).await;
        assert!(b.text("#problem").await.contains("expired"), "an expired link");
        assert!(!b.shown("#set-password").await && !b.shown("#sign-in").await, "nothing to fill in");
        b.goto(&format!("{}/accept-invitation", portal(&stack))).await;
        // A reload keeps the tab's token; a new tab without the link says to open it again.
        assert!(b.text("#problem").await.contains("expired"));
    })
    .await;
}

#[tokio::test]
async fn a_reset_from_the_administrators_email_sets_the_new_password_and_the_old_one_stops_working() {
    let stack = stack_with_portal().await;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "member").await;
    let path = format!("{}/password-reset", TestStack::member_path(&tenant, &person.member_id));
    assert_eq!(stack.post(&path, Some(&tenant.admin_token), json!({})).await.status, StatusCode::ACCEPTED);
    let link = stack.last_email_to(&person.email).await.token();
    let b = Browser::start("ja").await;
    b.run("reset", async {
        b.goto(&format!("{}/reset-password?token={link}", portal(&stack))).await;
        assert!(!b.url().await.contains("token="), "the token left the address bar");
        assert_eq!(b.text("h1").await, "新しいパスワードの設定", "the browser's language");
        b.tab_order(&["new-password", "repeat-password", "BUTTON"]).await;
        b.accessible("reset-password").await;
        b.fill("#new-password", NEW_PASSWORD).await;
        b.fill("#repeat-password", NEW_PASSWORD).await;
        b.click("#reset button").await;
        assert!(b.text("#finished").await.contains("保存しました"));
    })
    .await;
    assert!(stack.sign_in(&person.email, PASSWORD).await.is_err(), "the old password stopped working");
    assert!(stack.sign_in(&person.email, NEW_PASSWORD).await.is_ok());
}

#[tokio::test]
async fn the_pages_send_no_referrer_a_strict_policy_and_load_nothing_from_elsewhere() {
    let stack = stack_with_portal().await;
    let http = reqwest::Client::new();
    for page in ["accept-invitation", "reset-password", "outbox"] {
        let answer = http.get(format!("{}/{page}", portal(&stack))).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{page}");
        assert_eq!(answer.headers()["referrer-policy"], "no-referrer", "{page}");
        let policy = answer.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(policy.contains("default-src 'none'") && policy.contains("script-src 'self'"), "{page}: {policy}");
        let html = answer.text().await.unwrap();
        assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"), "{page} loads only its own files");
    }
    // Only the pages and their scripts are served: not the rest of the project.
    assert_eq!(http.get(format!("{}/Cargo.toml", portal(&stack))).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

/// The processes whose command line names `profile` (each Chromium names its profile directory).
fn processes_using(profile: &std::path::Path) -> Vec<String> {
    let profile = profile.display().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| std::fs::read(entry.ok()?.path().join("cmdline")).ok())
        .map(|cmdline| String::from_utf8_lossy(&cmdline).replace('\0', " "))
        .filter(|cmdline| cmdline.contains(&profile))
        .collect()
}

#[tokio::test]
async fn no_chromium_outlives_its_test() {
    let b = Browser::start("en-US").await;
    let profile = b.profile.0.clone();
    b.run("no-leftover", async { b.client.goto("about:blank").await.unwrap() }).await;
    drop(b);
    for _ in 0..50 {
        if processes_using(&profile).is_empty() {
            return;
        }
        wait(Duration::from_millis(100)).await;
    }
    panic!("Chromium still runs after its test: {:?}", processes_using(&profile));
}

#[tokio::test]
async fn the_portal_forwards_only_the_two_sign_in_calls_to_cognito() {
    let stack = stack_with_portal().await;
    let http = reqwest::Client::new();
    let call = |target: &str| {
        http.post(format!("{}/cognito", portal(&stack)))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("AWSCognitoIdentityProviderService.{target}"))
            .body(json!({ "UserPoolId": stack.stack.user_pool_id, "Username": "someone@example.com" }).to_string())
            .send()
    };
    for target in ["AdminCreateUser", "AdminSetUserPassword", "AdminDeleteUser", "ListUsers", "SignUp", "GetUser"] {
        assert_eq!(call(target).await.unwrap().status(), StatusCode::FORBIDDEN, "{target} is not forwarded");
    }
    // The two the pages need reach the emulator (which refuses these bodies on its own terms).
    for target in ["InitiateAuth", "RespondToAuthChallenge"] {
        let answer = call(target).await.unwrap();
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{target}");
        assert!(answer.text().await.unwrap().contains("__type"), "{target}: Cognito's own error");
    }
}

#[tokio::test]
async fn the_outbox_shows_each_email_as_its_text_part_too() {
    let stack = stack_with_portal().await;
    let tenant = stack.tenant_with_admin(None).await;
    let email = unique_email("outbox-text");
    stack.invite(&tenant, &email, "en", json!({ "service-management-portal": "member" })).await;
    let http = reqwest::Client::new();
    let listed: Value = http.get(format!("{}/outbox.json", portal(&stack))).send().await.unwrap().json().await.unwrap();
    let sent = listed.as_array().unwrap().iter().find(|m| m["to"][0] == email.as_str()).cloned().expect("the invitation is listed");
    let text = http.get(format!("{}/{}", portal(&stack), sent["text"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(text.headers()["content-type"], "text/plain; charset=utf-8");
    let text = text.text().await.unwrap();
    let link = stack.last_email_to(&email).await.token();
    assert!(text.contains(&format!("accept-invitation?token={link}")), "the text part carries the link: {text}");
    assert!(!text.contains('<'), "no markup in the text part");
}

#[tokio::test]
async fn the_outbox_shows_the_events_the_bus_took_beside_the_emails() {
    let stack = TestStack::start_with(|options| {
        options.portal_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        options.portal_base_url = String::new();
        options.events = true;
    })
    .await;
    let tenant = stack.tenant_with_admin(None).await;
    let b = Browser::start("en-US").await;
    b.run("outbox-events", async {
        // The events reach the bus a moment after their change: the page shows what it took.
        let mut shown = String::new();
        for _ in 0..30 {
            b.goto(&format!("{}/outbox", portal(&stack))).await;
            b.text("#emails tr").await;
            shown = if b.shown("#events tr").await { b.text("#events").await } else { String::new() };
            if shown.contains("invitation.accepted") {
                break;
            }
            wait(Duration::from_millis(500)).await;
        }
        assert!(shown.contains("tenant.created") && shown.contains("invitation.accepted"), "{shown}");
        let accepted = format!("{email} invited (representative) → {email} active (representative)", email = tenant.admin_email);
        assert!(shown.contains(&accepted), "before → after: {shown}");
        assert!(shown.find("invitation.accepted") < shown.find("tenant.created"), "newest first: {shown}");
        b.accessible("the outbox with its events").await;
    })
    .await;
}

/// The docs' pictures: each page in both languages (written to `docs/screenshots/` with
/// `SCREENSHOTS=update`), each checked for accessibility as shown.
#[tokio::test]
async fn each_page_in_both_languages_is_accessible_and_pictured() {
    let stack = stack_with_portal().await;
    let tenant = stack.tenant_with_admin(None).await;
    let registered = stack.join(&tenant, "member").await;
    let other = stack.tenant_with_admin(None).await;
    for language in ["en", "ja"] {
        let new = unique_email("pictured");
        stack.invite(&tenant, &new, language, json!({ "service-management-portal": "member" })).await;
        let new_link = stack.last_email_to(&new).await.token();
        stack.invite(&other, &registered.email, language, json!({ "service-management-portal": "member" })).await;
        let join_link = stack.last_email_to(&registered.email).await.token();
        let base = portal(&stack).to_string();
        let b = Browser::start(language).await;
        b.run(&format!("pictures-{language}"), async {
            b.goto(&format!("{base}/accept-invitation?token={new_link}")).await;
            b.text("#invited-to").await;
            b.accessible(&format!("accept-invitation, a new person, {language}")).await;
            b.screenshot(&format!("accept-invitation-new-person-{language}")).await;
            b.goto(&format!("{base}/accept-invitation?token={join_link}")).await;
            b.text("#join-to").await;
            b.accessible(&format!("accept-invitation, sign in to join, {language}")).await;
            b.screenshot(&format!("accept-invitation-sign-in-{language}")).await;
            b.goto(&format!("{base}/accept-invitation?token=dW5rbm93bi10b2tlbi0wMDAwMDAwMDAwMDAwMDAwMDA")).await;
            let unknown = match language {
                "ja" => "このリンクは使用済みか、新しいメールで置き換えられています。管理者に再送を依頼してください。",
                _ => "This link was already used, or a newer email replaced it. Ask your administrator to send a new one.",
            };
            assert_eq!(b.text("#problem").await.trim(), unknown, "an unknown link is explained in {language}");
            b.accessible(&format!("accept-invitation, an unknown link, {language}")).await;
            b.screenshot(&format!("accept-invitation-unknown-link-{language}")).await;
            b.goto(&format!("{base}/reset-password?token=dW5rbm93bi10b2tlbi0wMDAwMDAwMDAwMDAwMDAwMDA")).await;
            b.text("h1").await;
            b.fill("#new-password", "weak").await;
            b.accessible(&format!("reset-password, {language}")).await;
            b.screenshot(&format!("reset-password-{language}")).await;
        })
        .await;
        // The invitation goes again, so that the next language's is a new one.
        let member = stack.members(&other).await.into_iter().find(|m| m["email"] == registered.email.as_str()).unwrap();
        stack.delete(&TestStack::member_path(&other, member["memberId"].as_str().unwrap()), &other.admin_token).await;
    }
}
