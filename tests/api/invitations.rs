//! Invitations: one invite is one member, one Cognito user, one email; tokens are single use,
//! expire, and Cognito's password policy decides.
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use aws_sdk_dynamodb::types::AttributeValue;
use time::format_description::well_known::Rfc3339;

use crate::helpers::{figure, unique_email, wait, TestStack, PASSWORD};

#[tokio::test]
async fn one_invite_is_one_member_one_cognito_user_one_email() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let email = unique_email("once");
    let invited = stack.invite(&tenant, &email, "ja", json!({ "service-management-portal": "member" })).await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);

    assert_eq!(stack.count_items(&tenant.tenant_id, "MEMBER#").await, 2, "the admin and the new member");
    assert_eq!(stack.cognito_users(&email).await, 1);
    let emails = stack.emails_to(&email).await;
    assert_eq!(emails.len(), 1);
    assert!(emails[0].body.contains("招待"), "the member's language: {}", emails[0].body);
}

#[tokio::test]
async fn inviting_an_existing_member_again_in_any_case_is_member_exists_and_changes_nothing() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let email = unique_email("twice");
    let roles = json!({ "service-management-portal": "member" });
    assert_eq!(stack.invite(&tenant, &email, "en", roles.clone()).await.status, StatusCode::CREATED);

    let again = stack.invite(&tenant, &email.to_uppercase(), "ja", roles).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "member_exists");
    assert_eq!(again.headers["content-type"], "application/problem+json");

    assert_eq!(stack.count_items(&tenant.tenant_id, "MEMBER#").await, 2);
    assert_eq!(stack.count_items(&tenant.tenant_id, "EMAIL#").await, 2);
    assert_eq!(stack.cognito_users(&email).await, 1);
    assert_eq!(stack.emails_to(&email).await.len(), 1, "no second email");
    let overview = stack.get(&format!("/tenants/{}", tenant.tenant_id), &tenant.admin_token).await;
    assert_eq!(overview.body["memberCount"], 2);
}

#[tokio::test]
async fn a_person_can_be_a_member_of_several_tenants() {
    let stack = TestStack::start().await;
    let first = stack.tenant_with_admin(None).await;
    let second = stack.tenant_with_admin(None).await;
    let email = unique_email("shared");
    let roles = json!({ "service-management-portal": "member" });
    assert_eq!(stack.invite(&first, &email, "en", roles.clone()).await.status, StatusCode::CREATED);
    assert_eq!(stack.invite(&second, &email, "en", roles).await.status, StatusCode::CREATED);
    assert_eq!(stack.cognito_users(&email).await, 1, "one person, two memberships");
    assert_eq!(stack.emails_to(&email).await.len(), 2);
}

#[tokio::test]
async fn bad_invitations_are_validation_failed_and_change_nothing() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let path = format!("/tenants/{}/members", tenant.tenant_id);
    let email = unique_email("bad");
    let member = json!({ "service-management-portal": "member" });
    let cases = [
        ("bad email", json!({ "email": "not-an-email", "language": "en", "roles": member })),
        ("unknown language", json!({ "email": email, "language": "fr", "roles": member })),
        (
            "unknown application",
            json!({ "email": email, "language": "en",
            "roles": { "service-management-portal": "member", "mail": "admin" } }),
        ),
        ("unknown role", json!({ "email": email, "language": "en", "roles": { "service-management-portal": "owner" } })),
        ("no portal role", json!({ "email": email, "language": "en", "roles": { "device-management": "viewer" } })),
        ("unknown field", json!({ "email": email, "language": "en", "roles": member, "admin": true })),
        ("wrong type", json!({ "email": email, "language": "en", "roles": ["member"] })),
        ("expiry of 0 days", json!({ "email": email, "language": "en", "roles": member, "expiresInDays": 0 })),
        ("expiry of 31 days", json!({ "email": email, "language": "en", "roles": member, "expiresInDays": 31 })),
        ("expiry of half a day", json!({ "email": email, "language": "en", "roles": member, "expiresInDays": 0.5 })),
    ];
    for (case, body) in cases {
        let answer = stack.post(&path, Some(&tenant.admin_token), body).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{case}: {:?}", answer.body);
        assert_eq!(answer.code(), "validation_failed", "{case}");
    }
    let malformed = stack
        .http
        .post(format!("{}{path}", stack.stack.api_url))
        .bearer_auth(&tenant.admin_token)
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);

    assert_eq!(stack.count_items(&tenant.tenant_id, "MEMBER#").await, 1);
    assert_eq!(stack.cognito_users(&email).await, 0);
    assert!(stack.emails_to(&email).await.is_empty());
}

#[tokio::test]
async fn an_invitation_token_works_once() {
    let stack = TestStack::start().await;
    let admin_email = unique_email("admin");
    stack.create_tenant("Acme", &admin_email, None).await;
    let token = stack.last_email_to(&admin_email).await.token();
    let body = json!({ "token": token, "password": PASSWORD });
    assert_eq!(stack.post("/invitations/accept", None, body.clone()).await.status, StatusCode::OK);

    let reused = stack.post("/invitations/accept", None, body).await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST);
    assert_eq!(reused.code(), "token_invalid");
    let unknown = stack.post("/invitations/accept", None, json!({ "token": "A".repeat(43), "password": PASSWORD })).await;
    assert_eq!((unknown.status, unknown.code()), (reused.status, reused.code()), "unknown and used look alike");
}

#[tokio::test]
async fn an_expired_invitation_is_token_expired() {
    let stack = TestStack::start_with(|o| o.invitation_ttl = Duration::from_secs(1)).await;
    let admin_email = unique_email("late");
    stack.create_tenant("Acme", &admin_email, None).await;
    wait(Duration::from_millis(1100)).await;
    let late = stack.accept_invitation(&admin_email).await;
    assert_eq!(late.status, StatusCode::GONE, "{:?}", late.body);
    assert_eq!(late.code(), "token_expired");
    assert!(stack.sign_in(&admin_email, PASSWORD).await.is_err(), "no password was set");
}

#[tokio::test]
async fn a_weak_password_is_rejected_by_cognito_policy_and_the_link_still_works() {
    let stack = TestStack::start().await;
    let admin_email = unique_email("weak");
    let tenant_id = stack.create_tenant("Acme", &admin_email, None).await;
    let token = stack.last_email_to(&admin_email).await.token();

    let weak = stack.post("/invitations/accept", None, json!({ "token": token, "password": "short" })).await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST, "{:?}", weak.body);
    assert_eq!(weak.code(), "password_rejected");
    assert!(!weak.body["detail"].as_str().unwrap_or("").is_empty(), "Cognito's reason is given");

    let operator = stack.operator().await;
    let overview = stack.get(&format!("/tenants/{tenant_id}"), &operator).await;
    assert_eq!(overview.body["representative"]["status"], "invited");

    let good = stack.post("/invitations/accept", None, json!({ "token": token, "password": PASSWORD })).await;
    assert_eq!(good.status, StatusCode::OK, "{:?}", good.body);
}

/// The expiry an inviter chooses reaches the member and the link; an invitation past it reads
/// `expired` (made so through the store, as time would), filters as such, and a resend makes it
/// `invited` again.
#[tokio::test]
async fn an_invitation_expires_when_its_sender_chose_and_a_resend_revives_it() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let email = unique_email("three-days");
    let body = json!({ "email": email, "language": "en", "roles": { "service-management-portal": "member" }, "expiresInDays": 3 });
    let invited = stack.post(&format!("/tenants/{}/members", tenant.tenant_id), Some(&tenant.admin_token), body).await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);
    let at = |field: &str| time::OffsetDateTime::parse(invited.body[field].as_str().unwrap(), &Rfc3339).unwrap();
    assert_eq!(at("invitationExpiresAt") - at("invitedAt"), time::Duration::days(3));
    assert_eq!(invited.body["invitedBy"]["kind"], "tenant_admin");
    assert_eq!(invited.body["invitedBy"]["memberId"], tenant.admin_member_id.as_str());
    let member_id = invited.body["memberId"].as_str().unwrap().to_string();

    // The link expires with the member's invitation: its stored expiry is the member's.
    let token = stack.last_email_to(&email).await.token();
    let lookup = stack.post("/invitations/lookup", None, json!({ "token": token })).await;
    assert_eq!(lookup.status, StatusCode::OK, "{:?}", lookup.body);

    // Time passes, as the store sees it: the invitation's expiry is yesterday.
    let yesterday = (time::OffsetDateTime::now_utc() - time::Duration::days(1)).format(&Rfc3339).unwrap();
    let member = (format!("TENANT#{}", tenant.tenant_id), format!("MEMBER#{member_id}"));
    stack.set_attribute(member, "invitationExpiresAt", AttributeValue::S(yesterday)).await;
    let path = TestStack::member_path(&tenant, &member_id);
    assert_eq!(stack.get(&path, &tenant.admin_token).await.body["status"], "expired");
    let listed = |status: &'static str| {
        let (stack, tenant) = (&stack, &tenant);
        async move {
            let page = stack.get(&format!("/tenants/{}/members?status={status}", tenant.tenant_id), &tenant.admin_token).await;
            page.body["items"].as_array().unwrap().iter().map(|m| m["memberId"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("expired").await, std::slice::from_ref(&member_id));
    assert!(!listed("invited").await.contains(&member_id));

    let resent = stack.post(&format!("{path}/invitation"), Some(&tenant.admin_token), json!({ "expiresInDays": 1 })).await;
    assert_eq!(resent.status, StatusCode::ACCEPTED, "{:?}", resent.body);
    let revived = stack.get(&path, &tenant.admin_token).await;
    assert_eq!(revived.body["status"], "invited");
    let expires = time::OffsetDateTime::parse(revived.body["invitationExpiresAt"].as_str().unwrap(), &Rfc3339).unwrap();
    let lives = expires - time::OffsetDateTime::now_utc();
    assert!(lives > time::Duration::hours(23) && lives <= time::Duration::days(1), "the resend's own expiry: {expires}");
    assert_eq!(listed("invited").await, [member_id]);
}

fn row(email: &str, role: &str) -> serde_json::Value {
    json!({ "email": email, "language": "en", "roles": { "service-management-portal": role } })
}

fn statuses(answer: &crate::helpers::Answer) -> Vec<(u64, String)> {
    let items = answer.body["items"].as_array().unwrap_or_else(|| panic!("{:?}", answer.body));
    items.iter().map(|r| (r["status"].as_u64().unwrap(), r["error"]["code"].as_str().unwrap_or("").to_string())).collect()
}

#[tokio::test]
async fn a_batch_answers_each_row_emails_exactly_the_valid_ones_and_replays_without_sending_again() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let path = format!("/tenants/{}/members/batch", tenant.tenant_id);
    let (one, two) = (unique_email("batch-one"), unique_email("batch-two"));
    let body = json!({ "items": [
        row(&one, "member"),
        row("no-at-sign", "member"),
        row(&tenant.admin_email, "member"),
        row(&one.to_uppercase(), "tenant-admin"),
        { "email": two, "language": "ja", "roles": { "service-management-portal": "tenant-admin" }, "expiresInDays": 5 },
    ] });
    let answer = stack.post_with_key(&path, &tenant.admin_token, "onboarding", &body).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let expected = [(201, ""), (400, "validation_failed"), (409, "member_exists"), (409, "member_exists"), (201, "")];
    assert_eq!(statuses(&answer), expected.map(|(s, c)| (s, c.to_string())));
    let created = &answer.body["items"][4]["member"];
    let at = |field: &str| time::OffsetDateTime::parse(created[field].as_str().unwrap(), &Rfc3339).unwrap();
    assert_eq!(at("invitationExpiresAt") - at("invitedAt"), time::Duration::days(5));

    assert_eq!((stack.emails_to(&one).await.len(), stack.emails_to(&two).await.len()), (1, 1));
    assert!(stack.last_email_to(&two).await.body.contains("招待"), "each row's own language");
    assert_eq!(stack.emails_to(&tenant.admin_email).await.len(), 1, "the existing member got nothing more");
    assert_eq!((stack.cognito_users(&one).await, stack.cognito_users(&two).await), (1, 1));
    assert_eq!(stack.count_items(&tenant.tenant_id, "MEMBER#").await, 3);

    let items = stack.table_items().await;
    let again = stack.post_with_key(&path, &tenant.admin_token, "onboarding", &body).await;
    assert_eq!((again.status, &again.body), (StatusCode::OK, &answer.body), "the whole answer again");
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!((stack.emails_to(&one).await.len(), stack.emails_to(&two).await.len()), (1, 1), "and no email again");
    assert_eq!(stack.table_items().await, items);
    let accepted = stack.accept_invitation(&two).await;
    assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.body);
}

/// Every row writes the tenant's member count and daily email count: side by side, the rows'
/// transactions would cancel each other (a write billed for nothing, then a wait), so a batch
/// commits them one at a time. Unpaced here, so that its four rows in flight overlap all they can.
#[tokio::test]
async fn a_batchs_rows_never_cancel_each_others_transactions() {
    let stack = TestStack::start_with(|options| options.batch_invitations_per_second = 1_000).await;
    let tenant = stack.tenant_with_admin(None).await;
    let path = format!("/tenants/{}/members/batch", tenant.tenant_id);
    let rows: Vec<serde_json::Value> = (0..12).map(|_| row(&unique_email("unpaced"), "member")).collect();
    let before = stack.transaction_conflicts().await;
    let answer = stack.post(&path, Some(&tenant.admin_token), json!({ "items": rows })).await;
    assert_eq!(statuses(&answer), vec![(201, String::new()); 12], "{:?}", answer.body);
    let conflicts = stack.transaction_conflicts().await - before;
    figure(format!("batch: 12 rows unpaced, four in flight: {conflicts} transactions cancelled for a conflict"));
    assert_eq!(conflicts, 0);
}

/// A batch answers before its function is cut off, whatever its dependencies' pace: each email
/// takes 1.2 s here (under the SDK's timeouts), and the function has 25 s, so the rows that could
/// not be finished in time are not started and answered as retryable (503, nothing done for
/// them), and every row started is finished: committed with its email, or taken back.
#[tokio::test]
async fn a_slow_batch_answers_in_time_and_leaves_no_row_half_done() {
    let timeout = Duration::from_secs(25);
    let stack = TestStack::start_with(|options| options.function_timeouts = vec![("invite-members".into(), timeout)]).await;
    let tenant = stack.tenant_with_admin(None).await;
    let path = format!("/tenants/{}/members/batch", tenant.tenant_id);
    // 40 rows, four at a time, need 12 s of emails alone: more than the 8 s rows may start in.
    let emails: Vec<String> = (0..40).map(|n| unique_email(&format!("slow-{n}"))).collect();
    let rows: Vec<serde_json::Value> = emails.iter().map(|e| row(e, "member")).collect();

    stack.traffic.fail_every_call_of("ses", "SendEmail", local_stack::traffic::FaultKind::Slow(Duration::from_millis(1200)));
    let started = std::time::Instant::now();
    let answer = stack.post_with_key(&path, &tenant.admin_token, "slow-batch", &json!({ "items": rows })).await;
    let took = started.elapsed();
    stack.traffic.reset();
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert!(took < timeout, "the batch answered after its function's {timeout:?}: {took:?}");
    let statuses = statuses(&answer);
    let created = statuses.iter().filter(|(status, _)| *status == 201).count();
    let deferred = statuses.iter().filter(|s| **s == (503, "upstream_unavailable".to_string())).count();
    figure(format!(
        "batch: 40 rows at 1.2 s an email, 25 s to live: {created} done, {deferred} not started (retryable), answered in {:.1} s",
        took.as_secs_f64()
    ));
    assert_eq!(created + deferred, 40, "{statuses:?}");
    assert!(created > 0 && deferred > 0, "the test's pace should both finish rows and defer some: {statuses:?}");
    for (email, (status, _)) in emails.iter().zip(&statuses) {
        let sent = stack.emails_to(email).await.len();
        assert_eq!(sent, usize::from(*status == 201), "{email}: answered {status}, sent {sent} emails");
    }
    assert_eq!(stack.count_items(&tenant.tenant_id, "MEMBER#").await, 1 + created, "a member for each row done, none for the others");
    // The key was completed, not left in progress: the same request replays the answer.
    let replayed = stack
        .post_with_key(
            &path,
            &tenant.admin_token,
            "slow-batch",
            &json!({ "items": emails.iter().map(|e| row(e, "member")).collect::<Vec<_>>() }),
        )
        .await;
    assert_eq!(replayed.headers["idempotent-replayed"], "true", "{:?}", replayed.body);
}

/// A tenant takes a bounded number of batches a minute, counted only for callers who manage it:
/// a signed-in person of another tenant sending batches to it (each a 404) uses none of its
/// capacity, and its own administrator is refused only past the tenant's own limit.
#[tokio::test]
async fn batches_are_limited_per_tenant_and_a_stranger_uses_none_of_a_tenants_capacity() {
    let stack = TestStack::start().await;
    let (tenant, stranger) = (stack.tenant_with_admin(None).await, stack.tenant_with_admin(None).await);
    let path = format!("/tenants/{}/members/batch", tenant.tenant_id);
    let limit = tenant_members::Config::DEFAULT_BATCHES_PER_TENANT_PER_MINUTE as usize;
    let batch = |n: usize| json!({ "items": [row(&unique_email(&format!("limited-{n}")), "member")] });
    // The limit counts by the clock's minute: start near the beginning of one, so that every
    // request below falls in it.
    let second = time::OffsetDateTime::now_utc().second();
    if second > 15 {
        wait(Duration::from_secs(u64::from(61 - second))).await;
    }
    let mut stranger_statuses = Vec::new();
    for n in 0..limit + 5 {
        stranger_statuses.push(stack.post(&path, Some(&stranger.admin_token), batch(n)).await.status);
    }
    assert!(stranger_statuses.iter().all(|s| *s == StatusCode::NOT_FOUND), "{stranger_statuses:?}");
    let mut own = Vec::new();
    for n in 0..=limit {
        own.push(stack.post(&path, Some(&tenant.admin_token), batch(100 + n)).await);
    }
    let taken = own.iter().filter(|a| a.status == StatusCode::OK).count();
    figure(format!(
        "batches: a tenant's own after {} of a stranger's: {taken}/{limit} taken, the next one {}",
        stranger_statuses.len(),
        own[limit].status
    ));
    assert_eq!(taken, limit, "a stranger's requests used the tenant's batches");
    assert_eq!(own[limit].code(), "rate_limited", "{:?}", own[limit].body);
    assert!(own[limit].headers.contains_key("retry-after"));
}

#[tokio::test]
async fn a_dry_run_reads_the_quotas_and_members_and_changes_or_sends_nothing() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let path = format!("/tenants/{}/members/batch", tenant.tenant_id);
    let fresh: Vec<String> = (0..3).map(|n| unique_email(&format!("dry-{n}"))).collect();
    let rows = |emails: &[String]| json!({ "items": emails.iter().map(|e| row(e, "member")).collect::<Vec<_>>(), "dryRun": true });
    let mut emails = fresh.clone();
    emails.insert(1, tenant.admin_email.clone());

    let (items, users) = (stack.table_items().await, stack.pool_users().await);
    let dry = stack.post(&path, Some(&tenant.admin_token), rows(&emails)).await;
    let expected = [(201, ""), (409, "member_exists"), (201, ""), (201, "")];
    assert_eq!(statuses(&dry), expected.map(|(s, c)| (s, c.to_string())));
    assert!(dry.body["items"].as_array().unwrap().iter().all(|r| r.get("member").is_none()));
    assert_eq!(stack.table_items().await, items, "a dry run writes nothing");
    assert_eq!(stack.pool_users().await, users, "and creates no Cognito user");
    for email in &fresh {
        assert!(stack.emails_to(email).await.is_empty(), "and sends nothing");
    }

    // The tenant's day is used up, as its counter in the table says: every new row would be refused.
    let day = time::OffsetDateTime::now_utc().unix_timestamp() / 86_400 * 86_400;
    let counter = (format!("TENANT#{}", tenant.tenant_id), format!("RATE#TENANT#{day}"));
    stack.set_attribute(counter, "sends", AttributeValue::N("1000".into())).await;
    let full = stack.post(&path, Some(&tenant.admin_token), rows(&emails)).await;
    assert_eq!(statuses(&full), vec![(429, "rate_limited".to_string()); 4], "a full quota refuses before an existing member");
    let done = stack.post(&path, Some(&tenant.admin_token), json!({ "items": rows(&emails)["items"] })).await;
    assert_eq!(statuses(&done), statuses(&full), "the batch goes as its dry run said");
    assert_eq!(stack.count_items(&tenant.tenant_id, "MEMBER#").await, 1);
}
