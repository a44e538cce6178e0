//! Racing administrators: every invariant holds through DynamoDB conditions and transactions.
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{figure, unique_email, Tenant, TestStack, PASSWORD};

#[tokio::test]
async fn fifty_concurrent_invites_of_one_email_make_exactly_one_member() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let email = unique_email("race");
    let invites = (0..50).map(|n| {
        // Any spelling of the address is the same person.
        let spelling = if n % 2 == 0 { email.clone() } else { email.to_uppercase() };
        let tenant = &tenant;
        let stack = &stack;
        async move { stack.invite(tenant, &spelling, "en", json!({ "service-management-portal": "member" })).await }
    });
    let answers = futures::future::join_all(invites).await;
    let created = answers.iter().filter(|a| a.status == StatusCode::CREATED).count();
    let exists = answers.iter().filter(|a| a.code() == "member_exists").count();
    figure(format!("race: 50 concurrent invites of one email: {created} created, {exists} member_exists"));
    assert_eq!((created, exists), (1, 49), "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
    let members = stack.members(&tenant).await;
    assert_eq!(members.len(), 2, "{members:#?}");
    assert_eq!(stack.cognito_users(&email).await, 1);
    assert_eq!(stack.emails_to(&email).await.len(), 1);
    let overview = stack.get(&format!("/tenants/{}", tenant.tenant_id), &tenant.admin_token).await;
    assert_eq!(overview.body["memberCount"], 2);
}

#[tokio::test]
async fn of_concurrent_resends_exactly_one_link_works() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let (member_id, email) = stack.pending(&tenant, "member", "en").await;
    let path = format!("{}/invitation", TestStack::member_path(&tenant, &member_id));
    let resends = (0..4).map(|_| stack.post(&path, Some(&tenant.admin_token), json!({})));
    let answers = futures::future::join_all(resends).await;
    for answer in &answers {
        assert!(answer.status == StatusCode::ACCEPTED || answer.code() == "version_conflict", "{:?}", answer.body);
    }
    let tokens: Vec<String> = stack.emails_to(&email).await.iter().map(|e| e.token()).collect();
    let mut working = 0;
    for token in &tokens {
        let answer = stack.post("/invitations/accept", None, json!({ "token": token, "password": PASSWORD })).await;
        if answer.status == StatusCode::OK {
            working += 1;
        }
    }
    figure(format!("race: 4 concurrent resends: {} links sent, {working} works", tokens.len()));
    assert_eq!(working, 1, "of {} links sent, only the live one works", tokens.len());
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let stack = TestStack::start().await;
    // The representative has not registered: the two others are the only active admins.
    let representative = unique_email("rep");
    let tenant_id = stack.create_tenant("Acme", &representative, None).await;
    let by_operator = Tenant {
        tenant_id: tenant_id.clone(),
        admin_email: representative,
        admin_token: stack.operator().await,
        admin_member_id: String::new(),
    };
    let mut rounds = 0;
    let mut both_demoted = 0;
    for _ in 0..3 {
        let a = stack.join(&by_operator, "tenant-admin").await;
        let b = stack.join(&by_operator, "tenant-admin").await;
        let demote = |actor: &str, target: &str| {
            let path = format!("/tenants/{tenant_id}/members/{target}/roles");
            let token = actor.to_string();
            let stack = &stack;
            async move { stack.put(&path, &token, json!({ "roles": { "service-management-portal": "member" } })).await }
        };
        let (ab, ba) = tokio::join!(demote(&a.token, &b.member_id), demote(&b.token, &a.member_id));
        let ok = [&ab, &ba].iter().filter(|x| x.status == StatusCode::OK).count();
        for answer in [&ab, &ba] {
            assert!(answer.status == StatusCode::OK || answer.code() == "forbidden", "{:?}", answer.body);
        }
        rounds += 1;
        if ok == 2 {
            both_demoted += 1;
        }
        // Demote the survivor too (by the operator), for the next round.
        for person in [&a, &b] {
            let path = format!("/tenants/{tenant_id}/members/{}/roles", person.member_id);
            stack.put(&path, &by_operator.admin_token, json!({ "roles": { "service-management-portal": "member" } })).await;
        }
    }
    figure(format!("race: {rounds} rounds of the last two active admins demoting each other: {both_demoted} left no admin"));
    assert_eq!(both_demoted, 0);
}

#[tokio::test]
async fn of_two_concurrent_redemptions_of_one_link_one_sets_the_password_and_the_other_changes_nothing() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let mut rounds = 0;
    let mut both = 0;
    for _ in 0..5 {
        let (_, email) = stack.pending(&tenant, "member", "en").await;
        let token = stack.last_email_to(&email).await.token();
        let passwords = [format!("{PASSWORD}-first"), format!("{PASSWORD}-second")];
        let accept = |password: &String| stack.post("/invitations/accept", None, json!({ "token": token, "password": password }));
        let (first, second) = tokio::join!(accept(&passwords[0]), accept(&passwords[1]));
        for answer in [&first, &second] {
            assert!(answer.status == StatusCode::OK || answer.code() == "token_invalid", "{:?}", answer.body);
        }
        rounds += 1;
        if first.status == StatusCode::OK && second.status == StatusCode::OK {
            both += 1;
            continue;
        }
        let winner = if first.status == StatusCode::OK { &passwords[0] } else { &passwords[1] };
        let loser = if first.status == StatusCode::OK { &passwords[1] } else { &passwords[0] };
        assert!(stack.sign_in(&email, winner).await.is_ok(), "the redemption that succeeded set the password");
        assert!(stack.sign_in(&email, loser).await.is_err(), "the refused redemption set nothing");
    }
    figure(format!("race: {rounds} rounds of two redemptions of one link: {both} both succeeded"));
    assert_eq!(both, 0);
}

/// The Cognito user behind a member, as stored.
async fn user_of(stack: &TestStack, tenant_id: &str, member_id: &str) -> String {
    let item = stack
        .dynamodb
        .get_item()
        .table_name(&stack.stack.table_name)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("TENANT#{tenant_id}")))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S(format!("MEMBER#{member_id}")))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    item.item.and_then(|i| i.get("userSub").and_then(|v| v.as_s().ok()).cloned()).expect("the member names its user")
}

#[tokio::test]
async fn a_delete_in_one_tenant_racing_an_invite_of_the_same_person_in_another_leaves_no_membership_without_its_user() {
    let stack = TestStack::start().await;
    let a = stack.tenant_with_admin(None).await;
    let b = stack.tenant_with_admin(None).await;
    let mut orphans = 0;
    let rounds = 4;
    for _ in 0..rounds {
        let person = stack.join(&a, "member").await;
        let roles = json!({ "service-management-portal": "member" });
        let path = TestStack::member_path(&a, &person.member_id);
        let (deleted, invited) = tokio::join!(stack.delete(&path, &a.admin_token), stack.invite(&b, &person.email, "en", roles));
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);
        assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);
        let sub = user_of(&stack, &b.tenant_id, invited.body["memberId"].as_str().unwrap()).await;
        if stack.cognito.admin_get_user().user_pool_id(&stack.stack.user_pool_id).username(&sub).send().await.is_err() {
            orphans += 1;
        }
        // The invitation works: the person joins with the account they kept (the invite came
        // first, so B's membership kept it) or registers anew (their account had gone).
        let token = stack.last_email_to(&person.email).await.token();
        let found = stack.post("/invitations/lookup", None, json!({ "token": token })).await;
        let redeemed = if found.body["accountExists"] == true {
            let signed_in = stack.sign_in(&person.email, PASSWORD).await.expect("the kept account signs in");
            stack.post("/invitations/join", Some(&signed_in), json!({ "token": token })).await
        } else {
            stack.post("/invitations/accept", None, json!({ "token": token, "password": PASSWORD })).await
        };
        assert_eq!(redeemed.status, StatusCode::OK, "{:?} after lookup {:?}", redeemed.body, found.body);
    }
    figure(format!("race: {rounds} deletes racing an invite of the same person elsewhere: {orphans} memberships without a user"));
    assert_eq!(orphans, 0);
}

#[tokio::test]
async fn two_admins_switching_one_persons_mfa_at_once_leave_the_record_and_cognito_agreeing() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let second = stack.join(&tenant, "tenant-admin").await;
    let person = stack.join(&tenant, "member").await;
    // An authenticator app, so that the emulator's Cognito shows the MFA it has.
    stack.cognito.associate_software_token().access_token(&person.access_token).send().await.unwrap();
    stack.cognito.verify_software_token().access_token(&person.access_token).user_code("123456").send().await.unwrap();
    let path = format!("{}/mfa", TestStack::member_path(&tenant, &person.member_id));
    let rounds = 6;
    let mut disagreements = 0;
    for round in 0..rounds {
        let (first, second_on) = if round % 2 == 0 { (true, false) } else { (false, true) };
        let (x, y) = tokio::join!(
            stack.put(&path, &tenant.admin_token, json!({ "enabled": first })),
            stack.put(&path, &second.token, json!({ "enabled": second_on }))
        );
        for answer in [&x, &y] {
            assert!(answer.status == StatusCode::OK || answer.code() == "version_conflict", "{:?}", answer.body);
        }
        let shown = stack.get(&TestStack::member_path(&tenant, &person.member_id), &tenant.admin_token).await;
        let cognito = stack.preferred_mfa(&person.email).await.as_deref() == Some("SOFTWARE_TOKEN_MFA");
        if shown.body["mfa"]["enabled"] != json!(cognito) {
            disagreements += 1;
        }
    }
    figure(format!(
        "race: {rounds} rounds of two admins switching one person's MFA: {disagreements} left the record and Cognito disagreeing"
    ));
    assert_eq!(disagreements, 0);
}

#[tokio::test]
async fn concurrent_sends_from_several_tenants_all_go_out() {
    let stack = TestStack::start().await;
    let mut tenants = Vec::new();
    for _ in 0..6 {
        tenants.push(stack.tenant_with_admin(None).await);
    }
    let conflicts_before = stack.transaction_conflicts().await;
    // Three invitations per tenant, all at once: each transaction counts its email in the
    // service's quota as well as its tenant's and address's.
    let invites = tenants.iter().flat_map(|tenant| (0..3).map(move |_| (tenant, unique_email("concurrent")))).map(|(tenant, email)| {
        let stack = &stack;
        async move { stack.invite(tenant, &email, "en", json!({ "service-management-portal": "member" })).await }
    });
    let answers = futures::future::join_all(invites).await;
    let sent = answers.iter().filter(|a| a.status == StatusCode::CREATED).count();
    let conflicts = stack.transaction_conflicts().await - conflicts_before;
    figure(format!(
        "race: concurrent sends from 6 tenants: {sent}/{} sent ({conflicts} transactions the emulator cancelled for a conflict, retried)",
        answers.len()
    ));
    assert_eq!(sent, answers.len(), "{:?}", answers.iter().map(|a| (a.status, a.code().to_string())).collect::<Vec<_>>());
}

#[tokio::test]
async fn twenty_concurrent_invites_into_one_tenant_all_go_out() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let conflicts_before = stack.transaction_conflicts().await;
    // Every invitation's transaction counts the member on the tenant and its email in the
    // tenant's daily quota: twenty at once meet on those items.
    let emails: Vec<String> = (0..20).map(|_| unique_email("crowd")).collect();
    let invites = emails.iter().map(|email| stack.invite(&tenant, email, "en", json!({ "service-management-portal": "member" })));
    let answers = futures::future::join_all(invites).await;
    let sent = answers.iter().filter(|a| a.status == StatusCode::CREATED).count();
    let conflicts = stack.transaction_conflicts().await - conflicts_before;
    figure(format!(
        "race: 20 concurrent invites into one tenant: {sent}/20 created ({conflicts} transactions the emulator cancelled for a conflict, retried)"
    ));
    assert_eq!(sent, 20, "{:?}", answers.iter().map(|a| (a.status, a.code().to_string())).collect::<Vec<_>>());
    let overview = stack.get(&format!("/tenants/{}", tenant.tenant_id), &tenant.admin_token).await;
    assert_eq!(overview.body["memberCount"], 21);
    for email in &emails {
        assert_eq!(stack.emails_to(email).await.len(), 1, "{email} got its invitation once");
    }
}

/// The local stack as `make start` configures it (its SDK timeouts), used by a script and a
/// person at once: 50 invites of one email in parallel while the outbox is read and a person's
/// console calls go on. Every call answers what it should: one created, 49 `member_exists`, no
/// `503`; every outbox read and console call answers.
#[tokio::test]
async fn a_local_stack_under_a_person_and_a_script_at_once_keeps_answering() {
    let stack = TestStack::start_with(|options| {
        let as_make_start = local_stack::StackOptions::local_default(crate::helpers::project_root().join("template.yaml"));
        options.service_sdk = as_make_start.service_sdk;
        options.trigger_timeouts = as_make_start.trigger_timeouts;
        options.portal_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        options.portal_base_url = String::new();
    })
    .await;
    let stack = &stack;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "member").await;
    let email = unique_email("script");
    let script =
        futures::future::join_all((0..50).map(|_| stack.invite(&tenant, &email, "en", json!({ "service-management-portal": "member" }))));
    let outbox = format!("{}/outbox.json", stack.stack.portal_base_url);
    let reader = futures::future::join_all(
        (0..10).map(|_| async { stack.http.get(&outbox).send().await.map(|r| r.status().as_u16()).unwrap_or(0) }),
    );
    let console = futures::future::join_all((0..10).map(|n| {
        let path = if n % 2 == 0 { "/me/memberships".to_string() } else { format!("/tenants/{}", tenant.tenant_id) };
        let token = if n % 2 == 0 { person.token.clone() } else { tenant.admin_token.clone() };
        async move { stack.get(&path, &token).await.status }
    }));
    let (answers, reads, calls) = futures::join!(script, reader, console);
    let created = answers.iter().filter(|a| a.status == StatusCode::CREATED).count();
    let exists = answers.iter().filter(|a| a.code() == "member_exists").count();
    let unavailable = answers.iter().filter(|a| a.status == StatusCode::SERVICE_UNAVAILABLE).count();
    figure(format!(
        "local stack under load: 50 invites of one email: {created} created, {exists} member_exists, {unavailable} × 503; outbox reads answered {}/10, console calls {}/10",
        reads.iter().filter(|s| **s == 200).count(),
        calls.iter().filter(|s| **s == StatusCode::OK).count()
    ));
    assert_eq!((created, exists), (1, 49), "{:?}", answers.iter().map(|a| (a.status, a.code().to_string())).collect::<Vec<_>>());
    assert!(reads.iter().all(|s| *s == 200), "{reads:?}");
    assert!(calls.iter().all(|s| *s == StatusCode::OK), "{calls:?}");
    assert_eq!(stack.emails_to(&email).await.len(), 1);
}
