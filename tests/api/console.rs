//! The Members tab's web console (`pages/console.*`, at `consoleUrl`), in real Chromium as a
//! person uses it: every flow of the seeds end to end on the local stack, each state checked with
//! axe-core, the pictures of docs/console.md taken on the way (`SCREENSHOTS=update`).
use std::time::Duration;

use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::browser::{stack_with_portal, Browser};
use crate::helpers::{project_root, unique_email, wait, Tenant, TestStack, PASSWORD};

const CHOSEN_PASSWORD: &str = "C0nsole-Chosen-Pass!";

pub(crate) fn console(stack: &TestStack) -> &str {
    &stack.stack.console_url
}

/// Signs in on the console's own form; waits for the tenant's heading (or the operator's
/// Tenants tab).
pub(crate) async fn sign_in(b: &Browser, stack: &TestStack, email: &str, password: &str) {
    b.goto(console(stack)).await;
    b.fill("#email", email).await;
    b.fill("#password", password).await;
    b.click("#sign-in button").await;
    b.text("#who").await;
}

/// The two languages of the console: each flow runs in both.
#[derive(Clone, Copy)]
pub(crate) enum Language {
    En,
    Ja,
}

impl Language {
    pub(crate) fn say<'a>(self, en: &'a str, ja: &'a str) -> &'a str {
        match self {
            Language::En => en,
            Language::Ja => ja,
        }
    }

    pub(crate) fn code(self) -> &'static str {
        self.say("en", "ja")
    }

    /// The browser's language, which the console speaks first.
    pub(crate) fn browser(self) -> &'static str {
        self.say("en-US", "ja")
    }
}

/// A browser as wide as a desktop's, where the console's table is read at a glance.
pub(crate) async fn console_browser(language: &str) -> Browser {
    Browser::start_at(language, (1280, 900)).await
}

/// The row of the member with this email.
pub(crate) fn row(email: &str) -> String {
    format!("//tr[.//span[@class='email' and text()='{email}']]")
}

pub(crate) async fn row_text(b: &Browser, email: &str) -> String {
    for _ in 0..300 {
        if let Ok(found) = b.client.find(Locator::XPath(&row(email))).await {
            return found.text().await.unwrap_or_default();
        }
        wait(Duration::from_millis(100)).await;
    }
    panic!("no row for {email}");
}

pub(crate) async fn row_gone(b: &Browser, email: &str) {
    for _ in 0..300 {
        if b.client.find(Locator::XPath(&row(email))).await.is_err() {
            return;
        }
        wait(Duration::from_millis(100)).await;
    }
    panic!("the row of {email} is still shown");
}

/// Opens the row's action menu; the action's button.
pub(crate) async fn action(b: &Browser, email: &str, name: &str) -> fantoccini::elements::Element {
    row_text(b, email).await;
    let summary = b.client.find(Locator::XPath(&format!("{}//summary", row(email)))).await.unwrap();
    summary.click().await.unwrap();
    b.client.find(Locator::XPath(&format!("{}//button[@data-action='{name}']", row(email)))).await.expect("the action is listed")
}

/// What the notice says once it says something new.
pub(crate) async fn notice(b: &Browser) -> String {
    b.text("#notice").await
}

pub(crate) async fn focused(b: &Browser) -> Value {
    b.client.execute("const e = document.activeElement; return [e.tagName, e.id, e.dataset.memberId || null];", vec![]).await.unwrap()
}

/// Waits until the notice names `what`, and returns it.
pub(crate) async fn notice_about(b: &Browser, what: &str) -> String {
    for _ in 0..300 {
        let text = b.client.find(Locator::Css("#notice")).await.unwrap().text().await.unwrap_or_default();
        if text.contains(what) {
            return text;
        }
        wait(Duration::from_millis(100)).await;
    }
    panic!("the notice never named {what}: {}", notice(b).await);
}

#[tokio::test]
async fn an_operator_creates_a_tenant_whose_representative_signs_in_and_invites_one_by_one_and_by_csv_in_english() {
    operator_and_representative(Language::En).await;
}

#[tokio::test]
async fn an_operator_creates_a_tenant_whose_representative_signs_in_and_invites_one_by_one_and_by_csv_in_japanese() {
    operator_and_representative(Language::Ja).await;
}

async fn operator_and_representative(language: Language) {
    let say = |en, ja| language.say(en, ja);
    let stack = stack_with_portal().await;
    let admin = unique_email("console-rep");
    let b = console_browser(language.browser()).await;
    b.run(&format!("console-operator-and-representative-{}", language.code()), async {
        sign_in(&b, &stack, &stack.stack.operator.email, &stack.stack.operator.password).await;
        // An operator who is nobody's member: the Tenants tab, and a tenant created there.
        b.fill("#new-tenant-name", "Console Co").await;
        b.fill("#new-tenant-admin", &admin).await;
        b.client.find(Locator::Css("#new-tenant-language")).await.unwrap().select_by_value("ja").await.unwrap();
        b.accessible("console, an operator's Tenants tab").await;
        b.click("#create-tenant button").await;
        assert!(notice_about(&b, "Console Co").await.contains(say("is created", "を作成し")));
        b.click("#sign-out").await;

        // The representative, invited in the language chosen, accepts from the outbox and signs in.
        let invitation = stack.last_email_to(&admin).await;
        assert!(invitation.subject.contains("招待"), "{}", invitation.subject);
        let link = invitation.token();
        b.goto(&format!("{}/accept-invitation?token={link}", stack.stack.portal_base_url)).await;
        b.fill("#new-password", CHOSEN_PASSWORD).await;
        b.fill("#repeat-password", CHOSEN_PASSWORD).await;
        b.click("#set-password button").await;
        b.text("#finished").await;
        sign_in(&b, &stack, &admin, CHOSEN_PASSWORD).await;
        assert_eq!(b.text("#tenant-name").await, "Console Co");
        let own = row_text(&b, &admin).await;
        assert!(own.contains(say("Representative", "代表")) && own.contains(say("You", "自分")), "{own}");
        assert!(own.contains(say("Tenant Administrator", "テナント管理者")), "{own}");
        // The rules before a click: no deleting oneself, no changing one's own roles.
        let delete = action(&b, &admin, "delete").await;
        assert!(!delete.is_enabled().await.unwrap(), "one's own row cannot be deleted");
        assert!(b.text("details[open] .menu").await.contains(say("Not for your own membership.", "自分自身のメンバー情報には行えません。")));
        b.accessible("console, the Members tab with the action menu open").await;
        b.screenshot(&format!("console-members-{}", language.code())).await;
        b.client.find(Locator::Css("details[open] summary")).await.unwrap().click().await.unwrap();

        // One invitation through the dialog, the permissions one click away.
        b.click("#invite").await;
        assert_eq!(focused(&b).await[1], "invite-email", "the focus moves into the dialog");
        let invited = unique_email("console-one");
        b.fill("#invite-email", &invited).await;
        b.click("#invite-dialog .permissions-link").await;
        assert!(b.text("#permission-tables").await.contains(say("Device Management", "デバイス管理")));
        b.accessible("console, the authorization tables").await;
        b.click("#permissions-dialog button[type=submit]").await;
        assert_eq!(focused(&b).await[0], "BUTTON", "back on the link");
        let devices = b.client.find(Locator::Css("#invite-role-device-management")).await.unwrap();
        devices.select_by_value("viewer").await.unwrap();
        b.accessible("console, the invite dialog").await;
        b.screenshot(&format!("console-invite-{}", language.code())).await;
        b.click("#invite-dialog button[type=submit]").await;
        assert!(notice_about(&b, &invited).await.contains(say("An invitation was sent", "招待メールを送信しました")));
        assert_eq!(focused(&b).await[1], "invite", "the focus returns to what opened the dialog");
        let row = row_text(&b, &invited).await;
        assert!(row.contains(say("Invited (until", "招待中 (")) && row.contains(say("Device Management: Viewer", "デバイス管理: 閲覧者")), "{row}");
        assert!(stack.last_email_to(&invited).await.token().len() > 20, "the invitation email went out");

        // A CSV: its dry run shows each line's outcome and sends nothing; then the invitations.
        let (first, second) = (unique_email("console-csv"), unique_email("console-csv"));
        let csv = format!("email,language,service-management-portal,device-management\n{first},en,member,\n{second},ja,member,operator\n{invited},en,member,\nnot-an-email,en,member,\n");
        b.click("#bulk").await;
        b.fill("#bulk-csv", &csv).await;
        b.click("#bulk-dry-run").await;
        let outcomes = b.text("#bulk-results tbody").await;
        assert!(outcomes.contains(&format!("{first} {}", say("Will be invited", "招待されます"))), "{outcomes}");
        assert!(outcomes.contains(say("This email address is already a member of this tenant.", "このメールアドレスはすでにこのテナントのメンバーです。")), "{outcomes}");
        assert!(
            outcomes.contains(say("Email \"not-an-email\": not an email address.", "メールアドレス「not-an-email」: メールアドレスの形式ではありません。")),
            "{outcomes}"
        );
        assert!(stack.emails_to(&first).await.is_empty(), "a dry run sends nothing");
        b.accessible("console, a CSV's dry run").await;
        b.click("#bulk-send").await;
        notice_about(&b, say("2 invitations were sent", "2 件の招待メールを送信しました")).await;
        assert!(b.text("#bulk-results tbody").await.contains(&format!("{second} {}", say("Invited", "招待しました"))));
        b.client.find(Locator::Css("#bulk-dialog .cancel")).await.unwrap().click().await.unwrap();
        assert!(row_text(&b, &second).await.contains(say("Device Management: Operator", "デバイス管理: オペレーター")));
        assert_eq!(stack.emails_to(&first).await.len(), 1, "each row's invitation went out once");

        // No one to hand the representative role to yet: the seed's message and what to do.
        action(&b, &admin, "representative").await.click().await.unwrap();
        assert_eq!(b.text("#no-candidates .strong").await, say("No tenant administrator available for selection", "選択可能なテナント管理者がいません"));
        assert!(b.text("#no-candidates").await.contains(say("Overview tab", "「概要」タブ")));
        b.accessible("console, no representative candidates").await;
        b.click("#representative-dialog .cancel").await;

        // What happened so far, as sentences.
        b.click("#tab-history").await;
        assert!(b.text("#history-list").await.contains(&second), "the CSV's invitations are in the history");
        b.screenshot(&format!("console-history-{}", language.code())).await;
    })
    .await;
}

/// A tenant with a registered representative, a registered administrator and a member, and an
/// invited one: the console in Japanese acts on each.
#[tokio::test]
async fn a_representative_changes_roles_resends_resets_switches_mfa_deletes_and_hands_over_the_role_in_english() {
    representative_at_work(Language::En).await;
}

#[tokio::test]
async fn a_representative_changes_roles_resends_resets_switches_mfa_deletes_and_hands_over_the_role_in_japanese() {
    representative_at_work(Language::Ja).await;
}

async fn representative_at_work(language: Language) {
    let say = |en, ja| language.say(en, ja);
    let stack = stack_with_portal().await;
    let tenant = stack.tenant_with_admin(None).await;
    let admin = stack.join(&tenant, "tenant-admin").await;
    let member = stack.join(&tenant, "member").await;
    let pending = unique_email("console-pending");
    assert_eq!(stack.invite(&tenant, &pending, "ja", json!({ "service-management-portal": "member" })).await.status, StatusCode::CREATED);
    let b = console_browser(language.browser()).await;
    b.run(&format!("console-representative-{}", language.code()), async {
        sign_in(&b, &stack, &tenant.admin_email, PASSWORD).await;
        assert!(row_text(&b, &tenant.admin_email).await.contains(say("Representative", "代表")));

        // Change a role, then see it in the row.
        action(&b, &member.email, "roles").await.click().await.unwrap();
        b.client.find(Locator::Css("#edit-role-integrated-video-management")).await.unwrap().select_by_value("viewer").await.unwrap();
        b.accessible("console, the roles dialog").await;
        b.screenshot(&format!("console-roles-{}", language.code())).await;
        b.click("#roles-dialog button[type=submit]").await;
        assert!(notice_about(&b, &member.email).await.contains(say("are saved", "ロールを保存しました")));
        assert!(
            row_text(&b, &member.email).await.contains(say("Integrated Video Management: Viewer", "統合映像管理: 閲覧者")),
            "the new role in the row"
        );
        assert_eq!(focused(&b).await[2], member.member_id.as_str(), "the focus is back on the row's menu");

        // Resend: only for the unregistered, with its dialog.
        assert!(!action(&b, &member.email, "resend").await.is_enabled().await.unwrap(), "no resend for a registered member");
        b.client.find(Locator::Css("details[open] summary")).await.unwrap().click().await.unwrap();
        let before = stack.emails_to(&pending).await.len();
        action(&b, &pending, "resend").await.click().await.unwrap();
        assert!(b.text("#confirm-text").await.contains(say("Resend the invitation", "再送しますか")));
        b.accessible("console, the resend confirmation").await;
        b.click("#confirm-yes").await;
        notice_about(&b, say("was sent again", "再送しました")).await;
        assert_eq!(stack.emails_to(&pending).await.len(), before + 1, "the invitation went again");

        // MFA on: the type beside the switch; then a reset explains why it is the way.
        let switch = format!("{}//button[@role='switch']", row(&member.email));
        b.client.find(Locator::XPath(&switch)).await.unwrap().click().await.unwrap();
        notice_about(&b, say("Multi-factor authentication is on", "多要素認証をオンにしました")).await;
        assert!(row_text(&b, &member.email).await.contains(say("Email Address", "メールアドレス")), "email MFA shown beside the switch");
        let checked = b.client.find(Locator::XPath(&switch)).await.unwrap().attr("aria-checked").await.unwrap();
        assert_eq!(checked.as_deref(), Some("true"));
        let emails = stack.emails_to(&member.email).await.len();
        action(&b, &member.email, "reset").await.click().await.unwrap();
        assert!(
            b.text("#confirm-note").await.contains(say("Forgot your password?", "パスワードをお忘れですか")),
            "why the member needs this email"
        );
        b.accessible("console, the reset confirmation with email MFA").await;
        b.click("#confirm-yes").await;
        notice_about(&b, say("A password reset e-mail was sent", "パスワード再設定メールを送信しました")).await;
        assert_eq!(stack.emails_to(&member.email).await.len(), emails + 1, "the reset email went out");

        // Delete with its dialog: the row is gone.
        action(&b, &pending, "delete").await.click().await.unwrap();
        assert!(b.text("#confirm-text").await.contains(say("from this tenant?", "削除しますか")));
        b.click("#confirm-yes").await;
        notice_about(&b, say("was deleted", "削除しました")).await;
        row_gone(&b, &pending).await;

        // A registered administrator is a candidate: the representative role goes to them.
        action(&b, &tenant.admin_email, "representative").await.click().await.unwrap();
        let candidates = b.text("#candidates").await;
        assert!(candidates.contains(&admin.email) && !candidates.contains(&member.email), "{candidates}");
        b.accessible("console, the representative candidates").await;
        b.click("#representative-update").await;
        notice_about(&b, say("is now the representative", "代表テナント管理者になりました")).await;
        assert!(row_text(&b, &admin.email).await.contains(say("Representative", "代表")));
        assert!(!row_text(&b, &tenant.admin_email).await.contains(say("Representative", "代表")));

        // History: what happened, as sentences.
        b.click("#tab-history").await;
        let history = b.text("#history-list").await;
        assert!(history.contains(say("made representative", "代表を変更")) && history.contains(&pending), "{history}");
        b.accessible("console, the history").await;
        b.click("#tab-overview").await;
        assert!(b.text("#overview-list").await.contains(&admin.email), "the new representative in the overview");
        b.accessible("console, the overview").await;
        b.screenshot(&format!("console-overview-{}", language.code())).await;
    })
    .await;
}

#[tokio::test]
async fn an_unregistered_representatives_email_is_changed_from_the_overview() {
    let stack = stack_with_portal().await;
    let parent = stack.tenant_with_admin(None).await;
    // A child tenant whose representative never registered: its parent's administrator manages it.
    let stale = unique_email("console-stale");
    let child = stack.create_tenant("Child Co", &stale, Some(&parent.tenant_id)).await;
    let fresh = unique_email("console-fresh");
    let b = console_browser("en-US").await;
    b.run("console-overview", async {
        sign_in(&b, &stack, &parent.admin_email, PASSWORD).await;
        let tenants = b.text("#tenant").await;
        assert!(tenants.contains("— Child Co"), "the child is shown under its parent: {tenants}");
        b.client.find(Locator::Css("#tenant")).await.unwrap().select_by_value(&child).await.unwrap();
        assert_eq!(b.text("#tenant-name").await, "Child Co");
        b.click("#tab-overview").await;
        assert!(b.text("#overview-list").await.contains(&format!("{stale} (Invited)")));
        b.accessible("console, the Overview tab with an unregistered representative").await;
        b.fill("#new-representative-email", &parent.admin_email).await;
        b.click("#representative-email button").await;
        assert_eq!(b.text("#problem").await, "This email address is already registered or a member of this tenant.");
        b.fill("#new-representative-email", &fresh).await;
        b.click("#representative-email button").await;
        notice_about(&b, &fresh).await;
        assert!(b.text("#overview-list").await.contains(&fresh));
    })
    .await;
    assert!(stack.last_email_to(&fresh).await.token().len() > 20, "the new representative is invited");
}

#[tokio::test]
async fn a_plain_member_sees_no_members_tab_and_a_person_in_two_tenants_switches_between_them() {
    let stack = stack_with_portal().await;
    let first = stack.tenant_with_admin(None).await;
    let person = stack.join(&first, "member").await;
    let second = second_tenant_with(&stack, &person.email).await;
    let b = console_browser("en-US").await;
    b.run("console-two-tenants", async {
        sign_in(&b, &stack, &person.email, PASSWORD).await;
        // The administrator's tenant first; then the one where they are a plain member.
        assert!(b.text("#member-rows").await.contains(&person.email));
        assert!(
            b.text("#token-roles").await.contains("Service Management Portal: Tenant Administrator"),
            "the token speaks for this tenant"
        );
        b.client.find(Locator::Css("#tenant")).await.unwrap().select_by_value(&first.tenant_id).await.unwrap();
        assert!(b.text("#not-manager").await.contains("Only its tenant administrators"));
        // Switching refreshed the tokens for this tenant: they now carry its roles.
        let roles = b.text("#token-roles").await;
        assert!(roles.contains("carries them: ") && !roles.contains("Tenant Administrator"), "{roles}");
        assert!(!b.shown("#tab-members").await && !b.shown("#members").await, "no Members tab for a plain member");
        b.accessible("console, a plain member's tenant").await;
        b.client.find(Locator::Css("#tenant")).await.unwrap().select_by_value(&second.tenant_id).await.unwrap();
        assert!(b.text("#member-rows").await.contains(&second.admin_email));
    })
    .await;
}

/// A second tenant where `email` is a registered administrator (not its representative).
async fn second_tenant_with(stack: &TestStack, email: &str) -> Tenant {
    let tenant = stack.tenant_with_admin(None).await;
    stack.invite(&tenant, email, "en", json!({ "service-management-portal": "tenant-admin" })).await;
    let token = stack.last_email_to(email).await.token();
    let person_token = stack.sign_in(email, PASSWORD).await.expect("the person signs in");
    assert_eq!(stack.post("/invitations/join", Some(&person_token), json!({ "token": token })).await.status, StatusCode::OK);
    tenant
}

/// Every error code of the contract has a sentence in both languages, and no code is invented.
#[tokio::test]
async fn every_error_code_of_the_contract_has_a_sentence_in_both_languages() {
    let contract = std::fs::read_to_string(project_root().join("../shared/design/http-api.md")).expect("the contract beside the project");
    let table = contract.split("## Error codes").nth(1).unwrap().split("\n## ").next().unwrap();
    let mut codes: Vec<String> = table
        .lines()
        .filter_map(|line| line.strip_prefix("| `")?.split('`').next().map(str::to_string))
        .chain(["tenant_not_available", "other"].map(String::from))
        .collect();
    codes.sort();
    assert!(codes.len() > 20, "the contract's table is read: {codes:?}");
    let stack = stack_with_portal().await;
    let b = console_browser("en-US").await;
    b.run("console-codes", async {
        b.goto(console(&stack)).await;
        b.text("#sign-in button").await;
        for language in ["en", "ja"] {
            let keys = b.client.execute(&format!("return Object.keys(ConsoleTexts.{language}.errors).sort();"), vec![]).await.unwrap();
            assert_eq!(keys, json!(codes), "{language}: the console's sentences and the contract's codes");
        }
    })
    .await;
}

/// The console loads only its own files, under the size the issue set (100 KB of JavaScript and
/// CSS, uncompressed), with the link pages' headers.
#[tokio::test]
async fn the_console_loads_only_its_own_small_files_with_a_strict_policy() {
    let stack = stack_with_portal().await;
    let http = reqwest::Client::new();
    let page = http.get(console(&stack)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    let html = page.text().await.unwrap();
    let files: Vec<&str> = html.split(['"']).filter(|part| part.ends_with(".js") || part.ends_with(".css")).collect();
    assert!(files.len() >= 5, "{files:?}");
    let mut total = 0;
    for file in &files {
        assert!(!file.contains("//"), "{file} is the console's own");
        let answer = http.get(format!("{}/{file}", stack.stack.portal_base_url)).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{file}");
        total += answer.bytes().await.unwrap().len();
    }
    assert!(total < 100_000, "the console loads {total} bytes of JavaScript and CSS");
}

pub(crate) const TAB: &str = "\u{E004}";
pub(crate) const ENTER: &str = "\u{E007}";
pub(crate) const ESCAPE: &str = "\u{E00C}";
const SPACE: &str = " ";
const ARROW_RIGHT: &str = "\u{E014}";
pub(crate) const ARROW_LEFT: &str = "\u{E012}";
pub(crate) const ARROW_DOWN: &str = "\u{E015}";

/// Sends keys to whatever has the focus, as a keyboard does.
pub(crate) async fn press(b: &Browser, keys: &str) {
    b.client.active_element().await.unwrap().send_keys(keys).await.unwrap();
}

/// Whether the focused element matches `css`.
pub(crate) async fn focus_is(b: &Browser, css: &str) -> bool {
    b.client.execute("return document.activeElement.matches(arguments[0]);", vec![json!(css)]).await.unwrap() == json!(true)
}

/// Presses Tab until the focus is on `css`: what the mouse reaches, the keyboard reaches.
pub(crate) async fn tab_to(b: &Browser, css: &str) {
    for _ in 0..80 {
        if focus_is(b, css).await {
            return;
        }
        press(b, TAB).await;
    }
    panic!("Tab never reaches {css}");
}

/// Waits for the focus to land on `css` (a dialog opening or closing moves it).
pub(crate) async fn focus_lands_on(b: &Browser, css: &str) {
    for _ in 0..100 {
        if focus_is(b, css).await {
            return;
        }
        wait(Duration::from_millis(50)).await;
    }
    panic!("the focus is on {:?}, not on {css}", focused(b).await);
}

/// Waits for `css` to show: a panel is drawn once what it shows has loaded (an empty one has no
/// size, and so is not displayed).
pub(crate) async fn shows(b: &Browser, css: &str) {
    for _ in 0..100 {
        if b.shown(css).await {
            return;
        }
        wait(Duration::from_millis(50)).await;
    }
    panic!("{css} is not shown");
}

#[tokio::test]
async fn every_action_is_reachable_by_keyboard_alone_and_dialogs_give_the_focus_back() {
    let stack = stack_with_portal().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (pending_id, pending) = stack.pending(&tenant, "member", "en").await;
    let member = stack.join(&tenant, "member").await;
    let b = console_browser("en-US").await;
    b.run("console-keyboard", async {
        b.goto(console(&stack)).await;
        b.text_or_field("#email").await;
        tab_to(&b, "#email").await;
        press(&b, &tenant.admin_email).await;
        press(&b, TAB).await;
        press(&b, PASSWORD).await;
        press(&b, ENTER).await;
        row_text(&b, &pending).await;

        // A row's menu, its action, the confirmation: Tab, Enter, Enter; the focus comes back.
        let menu = format!("tr[data-member-id='{pending_id}'] summary");
        tab_to(&b, &menu).await;
        press(&b, ENTER).await;
        tab_to(&b, &format!("tr[data-member-id='{pending_id}'] button[data-action='resend']")).await;
        press(&b, ENTER).await;
        focus_lands_on(&b, "#confirm-dialog *").await;
        tab_to(&b, "#confirm-yes").await;
        press(&b, ENTER).await;
        notice_about(&b, &pending).await;
        focus_lands_on(&b, &menu).await;

        // The MFA switch takes Space, as a switch does.
        tab_to(&b, &format!("tr[data-member-id='{}'] button[role='switch']", member.member_id)).await;
        press(&b, SPACE).await;
        assert!(notice_about(&b, &member.email).await.contains("is on"));

        // A dialog closes with Escape and gives the focus back to what opened it.
        tab_to(&b, "#invite").await;
        press(&b, ENTER).await;
        focus_lands_on(&b, "#invite-email").await;
        press(&b, ESCAPE).await;
        focus_lands_on(&b, "#invite").await;

        // The tabs move with the arrow keys.
        tab_to(&b, "#tab-members").await;
        press(&b, ARROW_RIGHT).await;
        focus_lands_on(&b, "#tab-overview").await;
        shows(&b, "#overview").await;
        assert!(!b.shown("#members").await, "the arrow opened the Overview instead of the Members");
    })
    .await;
}

/// Signing out of the console ends the session at Cognito, not only on the screen: its refresh
/// token, had it been copied from the page, renews nothing more.
#[tokio::test]
async fn signing_out_ends_the_session_at_cognito() {
    let stack = stack_with_portal().await;
    let tenant = stack.tenant_with_admin(None).await;
    let b = console_browser("en-US").await;
    b.run("console-sign-out", async {
        b.goto(console(&stack)).await;
        b.text_or_field("#email").await;
        // What a script in the page could read: the refresh token Cognito hands the console.
        let watch = "const seen = window.fetch; window.__refresh = null; window.fetch = async (...args) => { \
                     const answer = await seen(...args); answer.clone().json().then((b) => { \
                     const r = (b && b.AuthenticationResult) || {}; if (r.RefreshToken) window.__refresh = r.RefreshToken; }).catch(() => {}); \
                     return answer; };";
        b.client.execute(watch, vec![]).await.unwrap();
        b.fill("#email", &tenant.admin_email).await;
        b.fill("#password", PASSWORD).await;
        b.click("#sign-in button").await;
        b.text("#who").await;
        let refresh = b.client.execute("return window.__refresh;", vec![]).await.unwrap();
        let refresh = refresh.as_str().expect("the console was handed a refresh token").to_string();
        assert!(stack.refresh_works(&refresh).await, "the session renews while signed in");
        b.click("#sign-out").await;
        let mut renews = true;
        for _ in 0..50 {
            renews = stack.refresh_works(&refresh).await;
            if !renews {
                break;
            }
            wait(Duration::from_millis(100)).await;
        }
        assert!(!renews, "the session's refresh token still renews after signing out");
    })
    .await;
}
