//! Invitation batches: each row as one invitation, its pace, its limits, its dry run.
use super::*;

fn batch(items: Vec<Value>, dry_run: bool) -> Value {
    json!({ "items": items, "dryRun": dry_run })
}

fn row(email: &str, role: &str) -> Value {
    json!({ "email": email, "language": "en", "roles": { "service-management-portal": role } })
}

fn row_statuses(answer: &helpers::Answer) -> Vec<(u64, String)> {
    let items = answer.body["items"].as_array().unwrap_or_else(|| panic!("{answer:?}"));
    items.iter().map(|r| (r["status"].as_u64().unwrap(), r["error"]["code"].as_str().unwrap_or("").to_string())).collect()
}

#[tokio::test]
async fn a_batch_does_each_row_as_one_invitation_would_in_the_order_given() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let path = [("tenantId", tenant.id.as_str())];
    let rows = vec![
        row("first@acme.example.com", "member"),
        row("not an address", "member"),
        row("owner@acme.example.com", "owner"),
        row("FIRST@acme.example.com", "member"),
        row("admin@acme.example.com", "member"),
        json!({ "email": "second@acme.example.com", "language": "ja", "roles": { "service-management-portal": "tenant-admin" }, "expiresInDays": 3 }),
    ];
    let answer = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(batch(rows, false))).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let expected =
        [(201, ""), (400, "validation_failed"), (400, "validation_failed"), (409, "member_exists"), (409, "member_exists"), (201, "")];
    assert_eq!(row_statuses(&answer), expected.map(|(s, c)| (s, c.to_string())));
    let items = answer.body["items"].as_array().unwrap();
    assert_eq!(items[1]["email"], "not an address", "each row shows its email as sent");
    assert!(items[3]["error"]["detail"].as_str().unwrap().contains("earlier row"), "{:?}", items[3]);
    assert_eq!(items[5]["member"]["language"], "ja");
    let lived = |m: &Value| {
        let at = |name: &str| time::OffsetDateTime::parse(m[name].as_str().unwrap(), &Rfc3339).unwrap();
        at("invitationExpiresAt") - at("invitedAt")
    };
    assert_eq!((lived(&items[0]["member"]), lived(&items[5]["member"])), (time::Duration::days(7), time::Duration::days(3)));

    assert_eq!((world.emails_to("first@acme.example.com"), world.emails_to("second@acme.example.com")), (1, 1));
    assert_eq!(world.mailer.sent().len(), 3, "the administrator's invitation and the two valid rows' emails, no other");
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], 3);
    let audit = world.call(Operation::ListAudit, Some(&tenant.admin.sub), &path, None).await;
    let invited: Vec<&Value> = audit.body["items"].as_array().unwrap().iter().filter(|e| e["action"] == "member_invited").collect();
    assert_eq!(invited.len(), 2, "one entry per created row");
    assert_eq!(invited[0]["actor"], invited[1]["actor"], "the rows name the same actor");
    assert_eq!(invited[0]["actor"]["memberId"], tenant.admin.member_id.as_str());
    world.register("second@acme.example.com").await;
}

/// Rows start at the stack's `BatchInvitationsPerSecond`, so that a batch never asks Cognito and
/// SES for more than that a second, and no slower: on tokio's paused clock, which moves only
/// when every task waits, the batch's time is its pace's alone.
#[tokio::test(start_paused = true)]
async fn a_batch_starts_its_rows_at_the_stacks_pace_and_no_slower() {
    let world = World::with_config(|config| config.batch_invitations_per_second = 10);
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let path = [("tenantId", tenant.id.as_str())];
    let rows = (0..6).map(|n| row(&format!("paced-{n}@acme.example.com"), "member")).collect();
    let started = tokio::time::Instant::now();
    let answer = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(batch(rows, false))).await;
    let took = started.elapsed();
    assert_eq!(row_statuses(&answer), vec![(201, String::new()); 6], "{answer:?}");
    assert!(
        (Duration::from_millis(500)..Duration::from_millis(600)).contains(&took),
        "6 rows at 10 a second start over 0.5 s, the last 0.5 s after the first: took {took:?}"
    );
}

/// A body is refused for its size before it is read: 16 KB for a route of one member's fields,
/// 128 KB for a batch, which 100 long addresses need.
#[tokio::test]
async fn a_body_over_its_routes_limit_is_refused_for_its_size_and_a_batch_has_room_for_100_long_rows() {
    let world = World::with_config(|config| {
        config.email_quotas.per_tenant_per_day = 1_000;
        config.email_quotas.per_service_per_day = 1_000;
    });
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let path = [("tenantId", tenant.id.as_str())];
    let mut padded = row("padded@acme.example.com", "member");
    padded["pad"] = json!("x".repeat(17 * 1024));
    let answer = world.call(Operation::InviteMember, Some(&tenant.admin.sub), &path, Some(padded)).await;
    assert_eq!((answer.status, answer.code()), (400, "validation_failed"));
    assert!(answer.body["detail"].as_str().unwrap().contains("larger than 16 KB"), "{answer:?}");

    let long = |n: usize| format!("{}-{n:03}@{}.{}.example.com", "l".repeat(60), "d".repeat(60), "e".repeat(60));
    let rows: Vec<Value> = (0..100).map(|n| row(&long(n), "member")).collect();
    let body = batch(rows, true);
    assert!(body.to_string().len() > 16 * 1024, "more than one member's route takes");
    let answer = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(body)).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body["detail"]);
    let statuses = row_statuses(&answer);
    assert!(statuses.iter().all(|(status, _)| *status == 201), "{:?}", &statuses[..3]);
}

#[tokio::test]
async fn a_batch_of_more_than_100_or_of_none_is_refused_whole() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let path = [("tenantId", tenant.id.as_str())];
    let rows = |n: usize| (0..n).map(|i| row(&format!("m{i}@acme.example.com"), "member")).collect::<Vec<_>>();
    let too_many = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(batch(rows(101), false))).await;
    assert_eq!((too_many.status, too_many.code()), (400, "batch_too_large"), "{too_many:?}");
    let none = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(batch(rows(0), false))).await;
    assert_eq!((none.status, none.code()), (400, "validation_failed"));
    let not_a_list =
        world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(json!({ "items": row("a@b.co", "member") }))).await;
    assert_eq!((not_a_list.status, not_a_list.code()), (400, "validation_failed"));
    assert_eq!(world.mailer.sent().len(), 1, "nothing was sent but the administrator's invitation");
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], 1);

    let hundred = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(batch(rows(100), true))).await;
    assert_eq!(hundred.status, 200, "100 rows is a batch: {hundred:?}");
}

#[tokio::test]
async fn a_dry_run_answers_every_row_as_the_batch_then_does_and_changes_nothing() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    world.member(&tenant, "already@acme.example.com", "member").await;
    let path = [("tenantId", tenant.id.as_str())];
    // The tenant may send 30 emails a day and has sent 2: the 29th new row is over its quota.
    let mut rows: Vec<Value> = (0..30).map(|i| row(&format!("m{i}@acme.example.com"), "member")).collect();
    rows.insert(3, row("already@acme.example.com", "member"));
    rows.insert(5, row("m0@acme.example.com", "member"));
    rows.push(row("admin@acme.example.com", "member"));
    let body = batch(rows, true);
    let (sent, audit) = (world.mailer.sent().len(), world.audit_actions(&tenant.id).await);

    let dry = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(body.clone())).await;
    assert_eq!(dry.status, 200, "{dry:?}");
    let predicted = row_statuses(&dry);
    assert_eq!(predicted.iter().filter(|(s, _)| *s == 201).count(), 28);
    assert_eq!(predicted[3], (409, "member_exists".into()), "an existing member");
    assert_eq!(predicted[5], (409, "member_exists".into()), "an email already in the batch");
    assert_eq!(predicted[31], (429, "rate_limited".into()), "the tenant's quota is full");
    assert_eq!(predicted[32], (429, "rate_limited".into()), "a full quota refuses before the existing member, as a commit does");
    assert!(dry.body["items"][31]["error"]["retryAfter"].as_u64().is_some_and(|s| s > 0), "{:?}", dry.body["items"][31]);
    assert!(dry.body["items"].as_array().unwrap().iter().all(|r| r.get("member").is_none()), "a dry run creates no member");
    assert_eq!(world.mailer.sent().len(), sent, "a dry run sends nothing");
    assert_eq!(world.audit_actions(&tenant.id).await, audit, "a dry run changes nothing");
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], 2);
    assert_eq!(world.directory.user_of(&Email::parse("m0@acme.example.com").unwrap()), None, "and creates no Cognito user");

    let done = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(json!({ "items": body["items"] }))).await;
    assert_eq!(row_statuses(&done), predicted, "the batch went as its dry run said");
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], 2 + 28);
}

#[tokio::test]
async fn a_batch_rows_email_failure_takes_back_that_row_alone() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let path = [("tenantId", tenant.id.as_str())];
    let emails = ["a@acme.example.com", "b@acme.example.com", "c@acme.example.com"];
    world.mailer.refuse_next();
    let answer = world
        .call(
            Operation::InviteMembers,
            Some(&tenant.admin.sub),
            &path,
            Some(batch(emails.iter().map(|e| row(e, "member")).collect(), false)),
        )
        .await;
    let statuses = row_statuses(&answer);
    let failed: Vec<usize> = (0..3).filter(|i| statuses[*i].0 != 201).collect();
    assert_eq!(failed.len(), 1, "{statuses:?}");
    assert_eq!(statuses[failed[0]], (503, "upstream_unavailable".into()));
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], 3, "the two other rows stay");
    let members = world.list_members(&tenant.id, &tenant.admin.sub, json!({})).await;
    let listed: Vec<&str> = members.body["items"].as_array().unwrap().iter().map(|m| m["email"].as_str().unwrap()).collect();
    assert!(!listed.contains(&emails[failed[0]]), "the failed row was taken back: {listed:?}");

    let retry = vec![row(emails[failed[0]], "member")];
    let retried = world.call(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(batch(retry, false))).await;
    assert_eq!(row_statuses(&retried), [(201, String::new())], "the failed row alone can be sent again");
}

#[tokio::test]
async fn a_batch_replayed_with_its_idempotency_key_answers_the_same_and_sends_nothing_new() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let path = [("tenantId", tenant.id.as_str())];
    let body = batch(vec![row("a@acme.example.com", "member"), row("b@acme.example.com", "nobody")], false);
    let key = json!({ "idempotency-key": "onboarding-2026-12-03" });
    let first = world.call_with(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(body.clone()), key.clone()).await;
    let sent = world.mailer.sent().len();
    let again = world.call_with(Operation::InviteMembers, Some(&tenant.admin.sub), &path, Some(body), key).await;
    assert_eq!((again.status, &again.body), (200, &first.body), "the whole answer again");
    assert_eq!(world.mailer.sent().len(), sent, "and no email again");
}
