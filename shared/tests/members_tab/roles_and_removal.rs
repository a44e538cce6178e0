//! Changing a member's roles and removing a member: the version read, one's own, the accounts behind.
use super::*;

#[tokio::test]
async fn roles_change_on_the_version_read_never_ones_own_and_the_representative_stays_admin() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let second = world.member(&tenant, "second@acme.example.com", "tenant-admin").await;
    let member = world.member(&tenant, "m@acme.example.com", "member").await;
    let roles = |role: &str| json!({ "roles": { "service-management-portal": role } });

    let changed = world
        .call(
            Operation::ChangeMemberRoles,
            Some(&tenant.admin.sub),
            &member_path(&tenant.id, &member.member_id),
            Some(roles("tenant-admin")),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed:?}");
    assert_eq!(changed.body["roles"]["service-management-portal"], "tenant-admin");
    let version = changed.body["version"].as_u64().unwrap();

    let stale = world
        .call_with(
            Operation::ChangeMemberRoles,
            Some(&tenant.admin.sub),
            &member_path(&tenant.id, &member.member_id),
            Some(roles("member")),
            json!({ "if-match": format!("\"{}\"", version - 1) }),
        )
        .await;
    assert_eq!((stale.status, stale.code()), (412, "version_conflict"));

    let own = world
        .call(Operation::ChangeMemberRoles, Some(&second.sub), &member_path(&tenant.id, &second.member_id), Some(roles("member")))
        .await;
    assert_eq!((own.status, own.code()), (403, "self_change_forbidden"));

    let demote_representative = world
        .call(Operation::ChangeMemberRoles, Some(&second.sub), &member_path(&tenant.id, &tenant.admin.member_id), Some(roles("member")))
        .await;
    assert_eq!((demote_representative.status, demote_representative.code()), (409, "representative_protected"));
    assert_eq!(world.get_member(&tenant.id, &member.member_id).await.body["version"], version);
}

#[tokio::test]
async fn deleting_a_members_last_membership_retires_the_account_the_service_created() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let second = world.member(&tenant, "second@acme.example.com", "tenant-admin").await;
    let member = world.member(&tenant, "m@acme.example.com", "member").await;

    let own = world.call(Operation::DeleteMember, Some(&second.sub), &member_path(&tenant.id, &second.member_id), None).await;
    assert_eq!((own.status, own.code()), (403, "self_change_forbidden"));
    let representative =
        world.call(Operation::DeleteMember, Some(&second.sub), &member_path(&tenant.id, &tenant.admin.member_id), None).await;
    assert_eq!((representative.status, representative.code()), (409, "representative_protected"));

    let deleted = world.call(Operation::DeleteMember, Some(&tenant.admin.sub), &member_path(&tenant.id, &member.member_id), None).await;
    assert_eq!(deleted.status, 204, "{deleted:?}");
    assert_eq!(world.get_member(&tenant.id, &member.member_id).await.status, 404);
    assert_eq!(world.get_tenant(&tenant.id).await["memberCount"], 2);
    assert!(!world.directory.exists(&member.sub), "the account the service created goes with its last membership");
    assert!(world.audit_actions(&tenant.id).await.contains(&"member_deleted".into()));
}

#[tokio::test]
async fn a_person_with_memberships_elsewhere_keeps_their_account_when_one_is_deleted() {
    let world = World::new();
    let acme = world.tenant("Acme", None, "admin@acme.example.com").await;
    let other = world.tenant("Other", None, "admin@other.example.com").await;
    let person = world.member(&acme, "both@example.com", "member").await;
    let joined = world.invite(&other.id, &other.admin.sub, "both@example.com", "member").await;
    assert_eq!(joined.status, 201);

    let deleted = world.call(Operation::DeleteMember, Some(&acme.admin.sub), &member_path(&acme.id, &person.member_id), None).await;
    assert_eq!(deleted.status, 204);
    assert!(world.directory.exists(&person.sub));
    assert_eq!(world.directory.password_of(&person.sub).as_deref(), Some(PASSWORD));
    assert_eq!(world.directory.sign_outs_of(&person.sub), 0, "their other membership keeps them signed in");
}

#[tokio::test]
async fn an_operators_account_is_out_of_a_tenant_managers_reach() {
    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let staff = world.member(&tenant, "staff@acme.example.com", "member").await;
    world.directory.add_to_group(&staff.sub, tenant_members::auth::OPERATORS_GROUP);

    let reset = world.call(Operation::SendPasswordReset, Some(&tenant.admin.sub), &member_path(&tenant.id, &staff.member_id), None).await;
    assert_eq!((reset.status, reset.code()), (409, "identity_protected"));
    let mfa = world
        .call(
            Operation::SetMemberMfa,
            Some(&tenant.admin.sub),
            &member_path(&tenant.id, &staff.member_id),
            Some(json!({ "enabled": true })),
        )
        .await;
    assert_eq!((mfa.status, mfa.code()), (409, "identity_protected"));
    let deleted = world.call(Operation::DeleteMember, Some(&tenant.admin.sub), &member_path(&tenant.id, &staff.member_id), None).await;
    assert_eq!(deleted.status, 204);
    assert!(world.directory.exists(&staff.sub), "an operator's account stays when their membership goes");
}

#[tokio::test]
async fn a_change_is_refused_once_the_administrator_who_made_it_is_demoted() {
    use tenant_members::audit::{ActingMembership, Actor, ActorKind, Change};
    use tenant_members::changes;
    use tenant_members::ids::{MemberId, TenantId};
    use tenant_members::ports::{ChangeStore, MemberStore};

    let world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    let second = world.member(&tenant, "second@acme.example.com", "tenant-admin").await;
    let member = world.member(&tenant, "m@acme.example.com", "member").await;
    let tenant_id = TenantId::parse(&tenant.id).unwrap();
    let read = |id: &str| {
        let (store, tenant_id, id) = (world.store.clone(), tenant_id.clone(), MemberId::parse(id).unwrap());
        async move { store.get_member(&tenant_id, &id).await.unwrap().unwrap() }
    };
    // `second` decides a change, then is demoted before it is written.
    let acting = read(&second.member_id).await;
    let actor = Actor {
        kind: ActorKind::Administrator,
        user_sub: second.sub.clone(),
        via: Some(ActingMembership { tenant_id: tenant_id.clone(), member_id: acting.member_id.clone(), email: acting.email.clone() }),
        token_id: None,
    };
    let target = read(&member.member_id).await;
    let (_, pending) =
        changes::change_roles(&target, &tenant_members::catalog::Roles::tenant_admin(), &Change::by(actor, tenant_members::clock::now()));
    let roles = json!({ "roles": { "service-management-portal": "member" } });
    let demoted =
        world.call(Operation::ChangeMemberRoles, Some(&tenant.admin.sub), &member_path(&tenant.id, &second.member_id), Some(roles)).await;
    assert_eq!(demoted.status, 200);

    let refused = world.store.commit(&pending).await;
    assert!(matches!(refused, Err(tenant_members::ApiError::Forbidden(_))), "{refused:?}");
    assert_eq!(read(&member.member_id).await.roles, target.roles, "nothing of the refused change is written");
}

#[tokio::test]
async fn behind_the_firewall_a_public_route_refuses_a_request_that_came_around_it() {
    let mut world = World::new();
    let tenant = world.tenant("Acme", None, "admin@acme.example.com").await;
    assert_eq!(world.invite(&tenant.id, &tenant.admin.sub, "new@acme.example.com", "member").await.status, 201);
    std::sync::Arc::make_mut(&mut world.app.config).public_origin_secret = Some("from-the-distribution".into());
    let body = json!({ "token": world.last_token_to("new@acme.example.com") });
    for headers in [json!({}), json!({ "x-origin-verify": "a-guess" })] {
        let around = world.call_with(Operation::LookupInvitation, None, &[], Some(body.clone()), headers).await;
        assert_eq!((around.status, around.code()), (403, "forbidden"), "straight to the API's own address");
    }
    let through =
        world.call_with(Operation::LookupInvitation, None, &[], Some(body), json!({ "x-origin-verify": "from-the-distribution" })).await;
    assert_eq!(through.status, 200, "{:?}", through.body);
}
