//! The representative administrator: handing the role over, and an unregistered one's email.
use super::*;

#[tokio::test]
async fn the_representative_hands_the_role_only_to_a_registered_tenant_admin() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let second = world.member(&tenant, "second@acme.example.com", "tenant-admin").await;
    let plain = world.member(&tenant, "plain@acme.example.com", "member").await;
    let pending = world.invite(&tenant.id, &tenant.admin.sub, "pending@acme.example.com", "tenant-admin").await;
    let hand = |to: &str| Some(json!({ "memberId": to }));
    let tenant_path = [("tenantId", tenant.id.as_str())];

    let not_rep = world.call(Operation::ChangeRepresentative, Some(&second.sub), &tenant_path, hand(&second.member_id)).await;
    assert_eq!((not_rep.status, not_rep.code()), (403, "not_representative"));
    for target in [plain.member_id.as_str(), pending.body["memberId"].as_str().unwrap()] {
        let refused = world.call(Operation::ChangeRepresentative, Some(&tenant.admin.sub), &tenant_path, hand(target)).await;
        assert_eq!((refused.status, refused.code()), (409, "not_eligible"));
    }

    let handed = world.call(Operation::ChangeRepresentative, Some(&tenant.admin.sub), &tenant_path, hand(&second.member_id)).await;
    assert_eq!(handed.status, 200, "{handed:?}");
    assert_eq!(handed.body["representative"]["memberId"], second.member_id.as_str());
    assert_eq!(world.get_member(&tenant.id, &tenant.admin.member_id).await.body["representative"], false);
    let former = world.call(Operation::DeleteMember, Some(&second.sub), &member_path(&tenant.id, &tenant.admin.member_id), None).await;
    assert_eq!(former.status, 204, "the former representative can now be deleted");
}

#[tokio::test]
async fn an_unregistered_representatives_email_changes_with_a_new_administrator_invitation() {
    let world = World::new();
    let parent = world.tenant("Parent", None, "admin@parent.example.com").await;
    let body = json!({ "name": "Child", "parentTenantId": parent.id, "adminEmail": "typo@child.example.com", "adminLanguage": "en" });
    let created = world.call(Operation::CreateTenant, Some(&world.operator), &[], Some(body)).await;
    let child = created.body["tenant"]["tenantId"].as_str().unwrap().to_string();
    let typo_sub = world.directory.user_of(&Email::parse("typo@child.example.com").unwrap()).unwrap();
    let old = world.last_token_to("typo@child.example.com");
    let path = [("tenantId", child.as_str())];

    let registered = world
        .call(Operation::ChangeRepresentativeEmail, Some(&parent.admin.sub), &path, Some(json!({ "email": "admin@parent.example.com" })))
        .await;
    assert_eq!((registered.status, registered.code()), (409, "email_in_use"));

    let changed = world
        .call(Operation::ChangeRepresentativeEmail, Some(&parent.admin.sub), &path, Some(json!({ "email": "right@child.example.com" })))
        .await;
    assert_eq!(changed.status, 200, "{changed:?}");
    assert_eq!(changed.body["representative"]["email"], "right@child.example.com");
    assert_eq!(world.emails_to("right@child.example.com"), 1);
    assert!(!world.directory.exists(&typo_sub), "the mistyped address's unused account goes");
    let with_old = world.call(Operation::AcceptInvitation, None, &[], Some(json!({ "token": old, "password": PASSWORD }))).await;
    assert_eq!(with_old.code(), "token_invalid");

    let representative = world.register("right@child.example.com").await;
    assert_eq!(world.get_tenant(&child).await["representative"]["status"], "active");
    let after = world
        .call(Operation::ChangeRepresentativeEmail, Some(&parent.admin.sub), &path, Some(json!({ "email": "late@child.example.com" })))
        .await;
    assert_eq!((after.status, after.code()), (409, "already_registered"));
    assert_eq!(representative.email, "right@child.example.com");
}
