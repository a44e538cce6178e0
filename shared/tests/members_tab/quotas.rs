//! The email quotas: per tenant, per tree, per address, per service, and their windows.
use super::*;

#[tokio::test]
async fn a_tenants_daily_email_quota_counts_every_invitation_and_refuses_past_it() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let per_day = world.app.config.email_quotas.per_tenant_per_day;
    // The administrator's own invitation was the tenant's first email.
    for n in 1..per_day {
        let invited = world.invite(&tenant.id, &tenant.admin.sub, &format!("m{n}@acme.example.com"), "member").await;
        assert_eq!(invited.status, 201, "invitation {n}: {invited:?}");
    }
    let refused = world.invite(&tenant.id, &tenant.admin.sub, "one.more@acme.example.com", "member").await;
    assert_eq!((refused.status, refused.code()), (429, "rate_limited"));
    assert!(refused.retry_after.is_some_and(|s| (1..=24 * 3600).contains(&s)), "{refused:?}");
    assert_eq!(world.emails_to("one.more@acme.example.com"), 0);
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], per_day);
    let address = Email::parse("one.more@acme.example.com").unwrap();
    assert_eq!(world.directory.user_of(&address), None, "the refused invitation left no Cognito user behind");

    let other = world.tenant("Other", None, "admin@other.example.com").await;
    let elsewhere = world.invite(&other.id, &other.admin.sub, "one.more@acme.example.com", "member").await;
    assert_eq!(elsewhere.status, 201, "another tenant has its own quota");
    let person = world.store.get_person(&world.directory.user_of(&address).unwrap()).await.unwrap().unwrap();
    assert!(person.created_by_service, "so the account is the service's to delete with the last membership");
}

#[tokio::test]
async fn the_services_daily_email_quota_holds_across_tenants() {
    let world = World::new();
    let per_day = world.app.config.email_quotas.per_service_per_day;
    let mut sent = 0;
    let mut refused = None;
    for t in 0.. {
        let tenant = world.tenant(&format!("T{t}"), None, &format!("admin@t{t}.example.com")).await;
        sent += 1;
        for n in 0..20 {
            let invited = world.invite(&tenant.id, &tenant.admin.sub, &format!("m{n}@t{t}.example.com"), "member").await;
            if invited.status != 201 {
                refused = Some(invited);
                break;
            }
            sent += 1;
        }
        if refused.is_some() {
            break;
        }
    }
    let refused = refused.unwrap();
    assert_eq!((refused.status, refused.code()), (429, "rate_limited"));
    assert_eq!(sent, per_day);
    assert_eq!(world.mailer.sent().len() as u32, per_day);
}

#[tokio::test]
async fn changing_the_representatives_email_counts_as_resending_their_invitation() {
    let world = World::new();
    let parent = world.tenant("Parent", None, "admin@parent.example.com").await;
    let body = json!({ "name": "Child", "parentTenantId": parent.id, "adminEmail": "first@child.example.com", "adminLanguage": "en" });
    let created = world.call(Operation::CreateTenant, Some(&world.operator), &[], Some(body)).await;
    let child = created.body["tenant"]["tenantId"].as_str().unwrap().to_string();
    let path = [("tenantId", child.as_str())];
    for n in 1..=5 {
        let email = json!({ "email": format!("rep{n}@child.example.com") });
        let changed = world.call(Operation::ChangeRepresentativeEmail, Some(&parent.admin.sub), &path, Some(email)).await;
        assert_eq!(changed.status, 200, "change {n}: {changed:?}");
    }
    let sixth = world
        .call(Operation::ChangeRepresentativeEmail, Some(&parent.admin.sub), &path, Some(json!({ "email": "rep6@child.example.com" })))
        .await;
    assert_eq!((sixth.status, sixth.code()), (429, "rate_limited"));
    assert_eq!(world.emails_to("rep6@child.example.com"), 0);
    assert_eq!(world.get_tenant(&child).await["representative"]["email"], "rep5@child.example.com", "nothing changed");
}

#[tokio::test]
async fn a_password_reset_counts_against_the_address_whatever_the_tenant() {
    let world = World::new();
    let per_address = world.app.config.email_quotas.per_address_per_day;
    let mut tenants = Vec::new();
    // One person, member of several tenants, each of whose admins sends them resets.
    for t in 0..3 {
        let tenant = world.tenant(&format!("T{t}"), None, &format!("admin@t{t}.example.com")).await;
        tenants.push(tenant);
    }
    let person = world.member(&tenants[0], "p@example.com", "member").await;
    let mut memberships = vec![person.member_id.clone()];
    for tenant in &tenants[1..] {
        let invited = world.invite(&tenant.id, &tenant.admin.sub, "p@example.com", "member").await;
        let token = world.last_token_to("p@example.com");
        let joined = world.call(Operation::JoinTenant, Some(&person.sub), &[], Some(json!({ "token": token }))).await;
        assert_eq!(joined.status, 200, "{joined:?}");
        memberships.push(invited.body["memberId"].as_str().unwrap().to_string());
    }
    let mut answers = Vec::new();
    for (tenant, member) in tenants.iter().zip(&memberships).cycle().take(per_address as usize) {
        let reset = world.call(Operation::SendPasswordReset, Some(&tenant.admin.sub), &member_path(&tenant.id, member), None).await;
        answers.push(reset.status);
    }
    assert_eq!(world.emails_to("p@example.com") as u32, per_address, "{answers:?}");
    assert_eq!(answers.last(), Some(&429));
}

#[tokio::test]
async fn no_tenant_tree_uses_up_an_address_for_the_others_and_the_address_keeps_its_total() {
    let world = World::new();
    let quotas = world.app.config.email_quotas.clone();
    let to = "someone@example.com";
    let a = world.tenant("A", None, "admin@a.example.com").await;
    let body = json!({ "name": "A child", "parentTenantId": a.id, "adminEmail": "rep@a-child.example.com", "adminLanguage": "en" });
    let child = world.call(Operation::CreateTenant, Some(&world.operator), &[], Some(body)).await;
    let child = child.body["tenant"]["tenantId"].as_str().unwrap().to_string();
    // A's administrator invites and deletes the address until A's tree has used its share.
    for n in 0..quotas.per_address_per_tenant_tree_per_day {
        let invited = world.invite(&a.id, &a.admin.sub, to, "member").await;
        assert_eq!(invited.status, 201, "invitation {n}: {invited:?}");
        let path = member_path(&a.id, invited.body["memberId"].as_str().unwrap());
        assert_eq!(world.call(Operation::DeleteMember, Some(&a.admin.sub), &path, None).await.status, 204);
    }
    let refused = world.invite(&a.id, &a.admin.sub, to, "member").await;
    assert_eq!((refused.status, refused.code()), (429, "rate_limited"), "A's tree has used its share");
    let from_child = world.invite(&child, &a.admin.sub, to, "member").await;
    assert_eq!((from_child.status, from_child.code()), (429, "rate_limited"), "a child is of the same tree: no second share");

    // Every other tree still reaches the address, until the address's own total.
    let mut sent = quotas.per_address_per_tenant_tree_per_day;
    let mut tree = 0;
    while sent < quotas.per_address_per_day {
        tree += 1;
        let other = world.tenant(&format!("B{tree}"), None, &format!("admin@b{tree}.example.com")).await;
        let invited = world.invite(&other.id, &other.admin.sub, to, "member").await;
        assert_eq!(invited.status, 201, "tree B{tree}, email {}: {invited:?}", sent + 1);
        sent += 1;
    }
    assert_eq!(world.emails_to(to) as u32, quotas.per_address_per_day);
    let last = world.tenant("C", None, "admin@c.example.com").await;
    let over = world.invite(&last.id, &last.admin.sub, to, "member").await;
    assert_eq!((over.status, over.code()), (429, "rate_limited"), "the address's total holds across trees");
}

#[tokio::test]
async fn quota_counts_start_again_in_the_next_window() {
    use tenant_members::changes::Changeset;
    use tenant_members::ids::TenantId;
    use tenant_members::ports::ChangeStore;

    let world = World::new();
    let quotas = &world.app.config.email_quotas;
    let (tenant, to) = (TenantId::generate(), Email::parse("x@example.com").unwrap());
    let today = tenant_members::clock::now();
    let count = |at| Changeset::default().counted(&quotas.for_email(&tenant, &tenant, &to, None, at));
    for _ in 0..quotas.per_address_per_tenant_tree_per_day {
        world.store.commit(&count(today)).await.unwrap();
    }
    let full = world.store.commit(&count(today)).await;
    assert!(matches!(full, Err(tenant_members::ApiError::RateLimited { .. })), "{full:?}");
    world.store.commit(&count(today + time::Duration::days(1))).await.expect("a new day, a new count");
}
