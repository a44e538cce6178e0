//! The console's Directory tab and the members the directory manages, in both languages, in
//! Chromium: the SCIM address to copy, a token shown once and revoked at once, and a directory's
//! member marked as such, suspended, with its roles out of hand edits; the tab walked with the
//! keyboard alone, down to the roles a directory group gives.
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::browser::stack_with_portal;
use crate::console::{
    action, console_browser, focus_lands_on, notice_about, press, row_text, shows, sign_in, tab_to, Language, ARROW_DOWN, ARROW_LEFT, ENTER,
};
use crate::directory::{directory_token, scim, PATCH};
use crate::helpers::{unique_email, PASSWORD};

async fn the_directory_tab_in(language: Language) {
    let say = |en, ja| language.say(en, ja);
    let stack = stack_with_portal().await;
    let tenant = stack.tenant_with_admin(None).await;
    let token = directory_token(&stack, &tenant).await;
    let email = unique_email("from-directory");
    let user = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": email });
    let created = scim(&stack, &tenant.tenant_id, Method::POST, "Users", &token, Some(user)).await;
    let off = json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "active", "value": false }] });
    let path = format!("Users/{}", created.body["id"].as_str().unwrap());
    assert_eq!(scim(&stack, &tenant.tenant_id, Method::PATCH, &path, &token, Some(off)).await.status, StatusCode::OK);
    let engineer = unique_email("engineer");
    let user = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": engineer });
    let engineer_id =
        scim(&stack, &tenant.tenant_id, Method::POST, "Users", &token, Some(user)).await.body["id"].as_str().unwrap().to_string();
    let group = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineers", "members": [{ "value": engineer_id }] });
    assert_eq!(scim(&stack, &tenant.tenant_id, Method::POST, "Groups", &token, Some(group)).await.status, StatusCode::CREATED);

    let b = console_browser(language.browser()).await;
    b.run(&format!("console-directory-{}", language.code()), async {
        sign_in(&b, &stack, &tenant.admin_email, PASSWORD).await;
        let shown = row_text(&b, &email).await;
        assert!(shown.contains(say("from the directory", "ディレクトリ連携")) && shown.contains(say("Suspended", "停止中")), "{shown}");
        let roles = action(&b, &email, "roles").await;
        assert!(!roles.is_enabled().await.unwrap(), "a directory member's roles are not edited by hand");
        assert!(row_text(&b, &email).await.contains(say("Roles come from your directory.", "ロールはディレクトリから設定されます。")));

        // From here on the keyboard alone: the tabs by their arrows, every control by Tab.
        tab_to(&b, "#tab-members").await;
        press(&b, ARROW_LEFT).await;
        focus_lands_on(&b, "#tab-directory").await;
        shows(&b, "#directory").await;
        let base = format!("{}/scim/v2/{}", stack.stack.api_url, tenant.tenant_id);
        for _ in 0..100 {
            if b.client.find(fantoccini::Locator::Css("#scim-url")).await.unwrap().prop("value").await.unwrap().as_deref()
                == Some(base.as_str())
            {
                break;
            }
            crate::helpers::wait(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(
            b.client.find(fantoccini::Locator::Css("#scim-url")).await.unwrap().prop("value").await.unwrap().as_deref(),
            Some(base.as_str())
        );
        assert!(b.text("#token-rows").await.contains(&token[token.len() - 4..]), "the token IT holds, by its last four");
        let engineers = say("Engineers (1 member): no roles of its own", "Engineers（1 人）: ロールの割り当てなし");
        assert!(b.text("#group-list").await.contains(engineers), "{}", b.text("#group-list").await);
        b.accessible("console, the Directory tab").await;

        tab_to(&b, "#token-create").await;
        press(&b, ENTER).await;
        let created = notice_about(&b, say("was created", "作成しました")).await;
        focus_lands_on(&b, "#new-token-value").await;
        let secret =
            b.client.find(fantoccini::Locator::Css("#new-token-value")).await.unwrap().prop("value").await.unwrap().unwrap_or_default();
        assert!(created.contains(&secret[secret.len() - 4..]), "{created}");
        let with_new = scim(&stack, &tenant.tenant_id, Method::GET, "Users", &secret, None).await;
        assert_eq!(with_new.status, StatusCode::OK, "the token shown works");
        b.accessible("console, a token shown once").await;

        let last_four = &secret[secret.len() - 4..];
        let revoke = format!("#token-rows button[aria-label*='{last_four}']");
        tab_to(&b, &revoke).await;
        press(&b, ENTER).await;
        focus_lands_on(&b, "#confirm-dialog *").await;
        assert!(b.text("#confirm-text").await.contains(last_four));
        tab_to(&b, "#confirm-yes").await;
        press(&b, ENTER).await;
        notice_about(&b, say("was revoked", "無効化しました")).await;
        focus_lands_on(&b, "#token-create").await;
        let revoked = scim(&stack, &tenant.tenant_id, Method::GET, "Users", &secret, None).await;
        assert_eq!(revoked.status, StatusCode::UNAUTHORIZED, "revoked at once");
        assert!(!b.text("#token-rows").await.contains(last_four));

        // The group's mapping: Device Management's Operator for Engineers (no role, then
        // Administrator, then Operator), saved; its member's roles follow.
        tab_to(&b, "#mapping-edit").await;
        press(&b, ENTER).await;
        focus_lands_on(&b, "#mapping-dialog *").await;
        b.accessible("console, the directory's role mapping").await;
        tab_to(&b, "#mapping-group-0-device-management").await;
        press(&b, ARROW_DOWN).await;
        press(&b, ARROW_DOWN).await;
        tab_to(&b, "#mapping-dialog button[type='submit']").await;
        press(&b, ENTER).await;
        notice_about(&b, say("were saved", "保存しました")).await;
        focus_lands_on(&b, "#mapping-edit").await;
        let mapped = say("Engineers (1 member): Device Management: Operator", "Engineers（1 人）: デバイス管理: オペレーター");
        assert!(b.text("#group-list").await.contains(mapped), "{}", b.text("#group-list").await);
        let engineer = stack.get(&format!("/tenants/{}/members/{engineer_id}", tenant.tenant_id), &tenant.admin_token).await;
        assert_eq!(engineer.body["roles"]["device-management"], "operator", "{:?}", engineer.body);
    })
    .await;
}

#[tokio::test]
async fn the_directory_tab_shows_the_scim_address_and_a_token_once_and_revokes_it_in_english() {
    the_directory_tab_in(Language::En).await;
}

#[tokio::test]
async fn the_directory_tab_shows_the_scim_address_and_a_token_once_and_revokes_it_in_japanese() {
    the_directory_tab_in(Language::Ja).await;
}
