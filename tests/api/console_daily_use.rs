//! The console as a daily tool (issue 41): what a tenant administrator stumbled on in an afternoon,
//! in both languages, on a laptop (1280×900) and in half a screen (800 px wide), in Chromium.
use fantoccini::Locator;
use serde_json::{json, Value};

use crate::browser::{stack_with_portal, Browser};
use crate::console::{action, console_browser, focus_lands_on, notice_about, press, row, row_text, sign_in, Language, ESCAPE};
use crate::helpers::{unique_email, PASSWORD};

/// Runs `script` (a function body) in the page and gives its answer.
async fn page(b: &Browser, script: &str) -> Value {
    b.client.execute(script, vec![]).await.expect("the script runs")
}

/// Whether the row's `…` is what a click at its middle reaches (nothing drawn over it).
async fn reachable(b: &Browser, member_id: &str) -> bool {
    let script = format!(
        "const s = document.querySelector(\"tr[data-member-id='{member_id}'] summary\"); const r = s.getBoundingClientRect(); \
         s.scrollIntoView({{ block: 'center' }}); const q = s.getBoundingClientRect(); \
         return document.elementFromPoint(q.left + q.width / 2, q.top + q.height / 2) === s || r.width === 0;"
    );
    page(b, &script).await == json!(true)
}

/// The text of what `locator` finds once it contains `needle` (what was shown before may linger a
/// moment: a state is waited for, never a time).
async fn says(b: &Browser, locator: Locator<'_>, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(found) = b.client.find(locator).await {
            last = found.text().await.unwrap_or_default();
            if last.contains(needle) {
                return last;
            }
        }
        crate::helpers::wait(std::time::Duration::from_millis(100)).await;
    }
    panic!("never said {needle:?}: {last}");
}

async fn menu_open(b: &Browser, member_id: &str) -> bool {
    page(b, &format!("return document.querySelector(\"tr[data-member-id='{member_id}'] details\").open;")).await == json!(true)
}

#[tokio::test]
async fn a_rows_menu_closes_on_escape_a_click_elsewhere_or_another_menu_and_never_covers_the_next_row() {
    let stack = stack_with_portal().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (first_id, first) = stack.pending(&tenant, "member", "en").await;
    let (second_id, second) = stack.pending(&tenant, "member", "en").await;
    let b = console_browser("en-US").await;
    b.run("console-row-menu", async {
        sign_in(&b, &stack, &tenant.admin_email, PASSWORD).await;
        row_text(&b, &second).await;
        let ids = page(&b, "return [...document.querySelectorAll('#member-rows tr')].map((r) => r.dataset.memberId);").await;
        let ids: Vec<String> = serde_json::from_value(ids).unwrap();

        // Every row's menu opened in turn: the rows below stay within reach, a disabled item clicked
        // included.
        for (i, id) in ids.iter().enumerate() {
            b.click(&format!("tr[data-member-id='{id}'] summary")).await;
            if let Ok(disabled) = b.client.find(Locator::Css(&format!("tr[data-member-id='{id}'] .menu button[disabled]"))).await {
                let _ = disabled.click().await;
            }
            if let Some(next) = ids.get(i + 1) {
                assert!(reachable(&b, next).await, "the menu of row {i} covers the next row's …");
            }
            press(&b, ESCAPE).await;
        }

        // Escape closes it and gives the focus back to its …
        action(&b, &first, "resend").await;
        assert!(menu_open(&b, &first_id).await);
        press(&b, ESCAPE).await;
        assert!(!menu_open(&b, &first_id).await, "Escape closes the menu");
        focus_lands_on(&b, &format!("tr[data-member-id='{first_id}'] summary")).await;

        // A click elsewhere closes it.
        action(&b, &first, "resend").await;
        b.click("#tenant-name").await;
        assert!(!menu_open(&b, &first_id).await, "a click elsewhere closes the menu");

        // Opening another closes the first.
        action(&b, &first, "resend").await;
        action(&b, &second, "resend").await;
        assert!(!menu_open(&b, &first_id).await && menu_open(&b, &second_id).await, "one menu open at a time");
    })
    .await;
}

#[tokio::test]
async fn every_reason_is_text_the_history_says_on_or_off_and_times_show_their_zone_in_english() {
    reasons_history_and_times(Language::En).await;
}

#[tokio::test]
async fn every_reason_is_text_the_history_says_on_or_off_and_times_show_their_zone_in_japanese() {
    reasons_history_and_times(Language::Ja).await;
}

async fn reasons_history_and_times(language: Language) {
    let say = |en, ja| language.say(en, ja);
    let stack = stack_with_portal().await;
    let tenant = stack.tenant_with_admin(None).await;
    let member = stack.join(&tenant, "member").await;
    let (_, pending) = stack.pending(&tenant, "member", "en").await;
    let b = console_browser(language.browser()).await;
    b.run(&format!("console-reasons-{}", language.code()), async {
        sign_in(&b, &stack, &tenant.admin_email, PASSWORD).await;
        // One's own MFA switch is off, and says why as text a keyboard or a finger reaches.
        let own = row_text(&b, &tenant.admin_email).await;
        assert!(own.contains(say("Not for your own membership.", "自分自身のメンバー情報には行えません。")), "{own}");
        let pending_row = row_text(&b, &pending).await;
        assert!(pending_row.contains(say("Only once the member has registered.", "アカウント登録が完了したメンバーにのみ行えます。")));
        // An expiry says its time zone.
        assert!(pending_row.contains("UTC") || pending_row.contains("GMT"), "no time zone in {pending_row}");

        // The history tells on from off.
        b.click(&format!("tr[data-member-id='{}'] button[role='switch']", member.member_id)).await;
        notice_about(&b, &member.email).await;
        b.click(&format!("tr[data-member-id='{}'] button[role='switch']", member.member_id)).await;
        notice_about(&b, say("is off", "オフにしました")).await;
        b.click("#tab-history").await;
        let history = b.text("#history-list").await;
        let on = say("switched on the MFA of", "多要素認証をオン:");
        let off = say("switched off the MFA of", "多要素認証をオフ:");
        assert!(history.contains(&format!("{on} {}", member.email)) && history.contains(&format!("{off} {}", member.email)), "{history}");
        assert!(history.contains("UTC") || history.contains("GMT"), "no time zone in {history}");
        b.accessible("console, reasons as text and the history of an MFA switch").await;
    })
    .await;
}

#[tokio::test]
async fn switching_to_japanese_changes_every_word_on_screen_and_breaks_no_word() {
    let stack = stack_with_portal().await;
    let tenant = stack.tenant_with_admin(None).await;
    let member = stack.join(&tenant, "member").await;
    let b = console_browser("en-US").await;
    b.run("console-switch-language", async {
        sign_in(&b, &stack, &tenant.admin_email, PASSWORD).await;
        assert!(b.text("#token-roles").await.contains("Your roles in this tenant"));
        row_text(&b, &member.email).await;
        b.click("#language").await;
        let line = b.text("#token-roles").await;
        assert!(line.contains("このテナントでのサインイン中のロール") && line.contains("テナント管理者"), "{line}");
        let in_japanese = says(&b, Locator::XPath(&row(&member.email)), "登録済み").await;
        assert!(in_japanese.contains("オフ"), "{in_japanese}");
        let word_break = page(&b, "return getComputedStyle(document.querySelector('#member-rows td')).wordBreak;").await;
        assert_eq!(word_break, "keep-all", "Japanese breaks between phrases, not inside a word");
        // Back to English while reading the list fails: the screen is one language, not half each.
        let failing = "const real = window.fetch; window.fetch = (url, options) => String(url).includes('/members') \
                       ? Promise.resolve(new Response(JSON.stringify({ code: 'upstream_unavailable' }), { status: 503 })) \
                       : real(url, options); return null;";
        page(&b, failing).await;
        b.click("#language").await;
        assert!(b.text("#problem").await.contains("The service is unavailable right now"));
        assert!(b.text("#token-roles").await.contains("Your roles in this tenant"));
        let in_english = says(&b, Locator::XPath(&row(&member.email)), "Registered").await;
        assert!(in_english.contains("Off") && !in_english.contains("オフ"), "{in_english}");
    })
    .await;
}

#[tokio::test]
async fn a_csv_shows_its_format_takes_what_people_mean_names_the_field_and_closes_with_a_summary() {
    let stack = stack_with_portal().await;
    let tenant = stack.tenant_with_admin(None).await;
    let b = console_browser("en-US").await;
    b.run("console-csv", async {
        sign_in(&b, &stack, &tenant.admin_email, PASSWORD).await;
        b.click("#bulk").await;
        let format = b.text("#bulk-format").await;
        assert!(format.starts_with("email,language,service-management-portal,"), "{format}");
        let template = b.client.find(Locator::Css("#bulk-template")).await.unwrap().attr("href").await.unwrap().unwrap_or_default();
        assert!(template.starts_with("data:text/csv") && template.contains("email%2Clanguage"), "a template to download: {template}");

        // A value no one can guess is named with what it takes; nothing is sent.
        let wrong = unique_email("csv-wrong");
        b.fill("#bulk-csv", &format!("{wrong},klingon,member")).await;
        b.click("#bulk-dry-run").await;
        says(&b, Locator::Css("#bulk-results tbody"), "Language \"klingon\": use en or ja.").await;
        b.fill("#bulk-csv", &format!("{wrong},en,owner")).await;
        b.click("#bulk-dry-run").await;
        says(&b, Locator::Css("#bulk-results tbody"), "Service Management Portal role \"owner\": use").await;

        // What people obviously mean is taken: a language's name, a role's name in any case.
        let (first, second) = (unique_email("csv-natural"), unique_email("csv-natural"));
        b.fill("#bulk-csv", &format!("{first},English,Member\n{second},日本語,tenant administrator")).await;
        b.click("#bulk-dry-run").await;
        let outcome = says(&b, Locator::Css("#bulk-results tbody"), &second).await;
        assert_eq!(outcome.matches("Will be invited").count(), 2, "{outcome}");
        b.click("#bulk-send").await;
        notice_about(&b, "2 invitations were sent.").await;
        assert!(!b.shown("#bulk-dialog").await, "every line invited: the dialog closes");
        assert!(row_text(&b, &second).await.contains("Tenant Administrator"));

        // One line: counted as one.
        let one = unique_email("csv-one");
        b.click("#bulk").await;
        b.fill("#bulk-csv", &format!("{one},en,member")).await;
        b.click("#bulk-dry-run").await;
        says(&b, Locator::Css("#bulk-results tbody"), &one).await;
        b.click("#bulk-send").await;
        notice_about(&b, "1 invitation was sent.").await;

        // While a request hangs, Cancel still leaves.
        b.click("#bulk").await;
        b.fill("#bulk-csv", &format!("{},en,member", unique_email("csv-hang"))).await;
        page(&b, "window.fetch = () => new Promise(() => {}); return null;").await;
        b.click("#bulk-dry-run").await;
        b.click("#bulk-dialog .cancel").await;
        assert!(!b.shown("#bulk-dialog").await, "Cancel leaves while a request hangs");
    })
    .await;
}

/// Whether `css`'s whole box is inside the window.
async fn in_view(b: &Browser, css: &str) -> bool {
    let script = format!(
        "const r = document.querySelector(\"{css}\").getBoundingClientRect(); \
         return r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth;"
    );
    page(b, &script).await == json!(true)
}

#[tokio::test]
async fn a_laptop_and_half_a_screen_show_every_control_without_scrolling_sideways() {
    let stack = stack_with_portal().await;
    let tenant = stack.tenant_with_admin(None).await;
    let member = stack.join(&tenant, "member").await;
    for language in [Language::En, Language::Ja] {
        let b = console_browser(language.browser()).await;
        b.run(&format!("console-screen-sizes-{}", language.code()), async {
            sign_in(&b, &stack, &tenant.admin_email, PASSWORD).await;
            row_text(&b, &member.email).await;
            // A laptop: the invite dialog's buttons are in view.
            b.click("#invite").await;
            assert!(in_view(&b, "#invite-dialog button[type=submit]").await, "Invite is below the fold at 1280×900");
            assert!(in_view(&b, "#invite-dialog .cancel").await, "Cancel is below the fold at 1280×900");
            b.click("#invite-dialog .cancel").await;

            // Half a screen: nothing scrolls sideways, every row's actions in reach, one line of Sign out.
            b.client.set_window_size(800, 900).await.unwrap();
            let sideways = page(&b, "return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await;
            assert_eq!(sideways, json!(0), "the page scrolls sideways at 800 px");
            let summary = format!("tr[data-member-id='{}'] summary", member.member_id);
            page(&b, &format!("document.querySelector(\"{summary}\").scrollIntoView({{ block: 'center' }}); return null;")).await;
            assert!(in_view(&b, &summary).await, "the Action column is cut off at 800 px");
            let sign_out_lines = page(&b, "const s = document.getElementById('sign-out'); return Math.round(s.scrollHeight / parseFloat(getComputedStyle(s).lineHeight || 20));").await;
            assert!(sign_out_lines.as_i64().unwrap_or(9) <= 1, "Sign out wraps: {sign_out_lines}");
            let email = page(&b, &format!("const e = document.evaluate(\"{}//span[@class='email']\", document, null, 9, null).singleNodeValue; return e.getClientRects().length;", row(&member.email))).await;
            assert_eq!(email, json!(1), "the email breaks across lines at 800 px");
            b.accessible("console, the Members tab in half a screen").await;
            b.screenshot(&format!("console-members-800px-{}", language.code())).await;
        })
        .await;
    }
}

#[tokio::test]
async fn the_list_refreshes_by_a_button_and_signing_out_leaves_an_empty_form() {
    let stack = stack_with_portal().await;
    let tenant = stack.tenant_with_admin(None).await;
    let b = console_browser("en-US").await;
    b.run("console-refresh-and-sign-out", async {
        sign_in(&b, &stack, &tenant.admin_email, PASSWORD).await;
        row_text(&b, &tenant.admin_email).await;
        // Someone else invites meanwhile: the button shows it.
        let (_, invited) = stack.pending(&tenant, "member", "en").await;
        b.click("#members-refresh").await;
        notice_about(&b, "The list is up to date.").await;
        row_text(&b, &invited).await;

        b.click("#sign-out").await;
        b.text_or_field("#email").await;
        let fields = page(&b, "return [document.getElementById('email').value, document.getElementById('password').value];").await;
        assert_eq!(fields, json!(["", ""]), "the next person starts from an empty form");
    })
    .await;
}

/// The console's sign-in survives a reload of its tab, and only that: a new tab, or the tab after
/// signing out, starts signed out.
#[tokio::test]
async fn a_reload_keeps_the_session_of_the_tab_and_signing_out_ends_it() {
    let stack = stack_with_portal().await;
    let tenant = stack.tenant_with_admin(None).await;
    let b = console_browser("en-US").await;
    b.run("console-reload", async {
        sign_in(&b, &stack, &tenant.admin_email, PASSWORD).await;
        row_text(&b, &tenant.admin_email).await;
        b.client.refresh().await.unwrap();
        assert_eq!(b.text("#who").await, tenant.admin_email, "still signed in after a reload");
        row_text(&b, &tenant.admin_email).await;
        b.click("#sign-out").await;
        b.text_or_field("#email").await;
        b.client.refresh().await.unwrap();
        b.text_or_field("#email").await;
        assert_eq!(page(&b, "return document.getElementById('who').textContent;").await, json!(""), "signed out stays signed out");
    })
    .await;
}
