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
        assert!(
            answer.status == StatusCode::ACCEPTED || answer.code() == "version_conflict",
            "{:?}",
            answer.body
        );
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
