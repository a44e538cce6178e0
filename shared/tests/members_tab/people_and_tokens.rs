//! The person's own view and the tokens' tenant claims.
use super::*;

#[tokio::test]
async fn a_person_sees_themselves_and_the_tenants_they_are_active_in_with_those_they_manage() {
    let world = World::new();
    let parent = world.tenant("Parent", None, "admin@parent.example.com").await;
    let child = world.tenant("Child", Some(&parent.id), "admin@child.example.com").await;
    let other = world.tenant("Other", None, "admin@other.example.com").await;
    let me = &parent.admin;
    let join = |tenant: &helpers::Tenant| {
        let (world, tenant) = (&world, tenant.clone());
        async move {
            assert_eq!(world.invite(&tenant.id, &tenant.admin.sub, &me.email, "member").await.status, 201);
            let token = world.last_token_to(&me.email);
            let joined = world.call(Operation::JoinTenant, Some(&me.sub), &[], Some(json!({ "token": token }))).await;
            assert_eq!(joined.status, 200, "{joined:?}");
        }
    };
    join(&other).await;
    join(&child).await;
    assert_eq!(
        world
            .invite(&world.tenant("Pending", None, "admin@pending.example.com").await.id, &world.operator, &me.email, "member")
            .await
            .status,
        201
    );

    let listed = world.call_query(Operation::ListMyMemberships, Some(&me.sub), &[], json!({})).await;
    assert_eq!(listed.status, 200, "{listed:?}");
    let mut expected = vec![
        (parent.id.clone(), "Parent", true, true),
        (child.id.clone(), "Child", false, true),
        (other.id.clone(), "Other", false, false),
    ];
    expected.sort();
    let shown: Vec<(String, &str, bool, bool)> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let id = m["tenantId"].as_str().unwrap().to_string();
            (id, m["tenantName"].as_str().unwrap(), m["representative"].as_bool().unwrap(), m["manager"].as_bool().unwrap())
        })
        .collect();
    assert_eq!(shown, expected, "only active memberships, the child managed as the parent's administrator, the other not");
    assert!(listed.body["items"][0]["roles"]["service-management-portal"].is_string(), "each with its roles");

    let first = world.call_query(Operation::ListMyMemberships, Some(&me.sub), &[], json!({ "limit": "2" })).await;
    let cursor = first.body["nextCursor"].as_str().expect("a second page").to_string();
    let second = world.call_query(Operation::ListMyMemberships, Some(&me.sub), &[], json!({ "limit": "2", "cursor": cursor })).await;
    assert_eq!((first.body["items"].as_array().unwrap().len(), second.body["items"].as_array().unwrap().len()), (2, 1));
    assert_eq!(second.body["nextCursor"], Value::Null);

    let person = world.call(Operation::GetMe, Some(&me.sub), &[], None).await;
    assert_eq!(
        person.body,
        json!({ "sub": me.sub.as_str(), "email": "admin@parent.example.com", "operator": false, "mfa": { "enabled": false, "type": null } })
    );
    let operator = world.call(Operation::GetMe, Some(&world.operator), &[], None).await;
    assert_eq!((operator.body["operator"].as_bool(), operator.body["email"].as_str()), (Some(true), Some("operator@example.com")));
    let nobody = world.call(Operation::GetMe, None, &[], None).await;
    assert_eq!((nobody.status, nobody.code()), (401, "unauthenticated"));
}

/// A pre-token-generation event of version `V2_0`, as Cognito sends it for `sub`, asking for
/// `tenant` in its `ClientMetadata` if given.
fn token_event(sub: &str, tenant: Option<&str>) -> Value {
    let mut request = json!({
        "userAttributes": { "sub": sub, "email_verified": "true", "cognito:user_status": "CONFIRMED" },
        "groupConfiguration": { "groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": null },
        "scopes": ["aws.cognito.signin.user.admin"],
    });
    if let Some(tenant) = tenant {
        request["clientMetadata"] = json!({ "tenantId": tenant });
    }
    json!({
        "version": "2", "triggerSource": "TokenGeneration_RefreshTokens", "region": "us-east-1", "userPoolId": "memory",
        "userName": sub, "callerContext": { "awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "portal" },
        "request": request, "response": { "claimsAndScopeOverrideDetails": null },
    })
}

#[tokio::test]
async fn tokens_speak_for_the_tenant_asked_for_then_the_last_switched_to_and_never_one_left() {
    use tenant_members::triggers::{TokenClaims, Trigger};
    let world = World::new();
    let acme = world.tenant("Acme", None, "admin@acme.example.com").await;
    let globex = world.tenant("Globex", None, "admin@globex.example.com").await;
    let me = &acme.admin;
    assert_eq!(world.invite(&globex.id, &globex.admin.sub, &me.email, "member").await.status, 201);
    let joined = world.call(Operation::JoinTenant, Some(&me.sub), &[], Some(json!({ "token": world.last_token_to(&me.email) }))).await;
    assert_eq!(joined.status, 200);
    let in_globex = joined.body["memberId"].as_str().unwrap().to_string();
    let claims = |tenant: Option<&str>| {
        let (world, event) = (&world, token_event(me.sub.as_str(), tenant));
        async move {
            let answer = TokenClaims::answer_json(&world.app, event).await?;
            let details = &answer["response"]["claimsAndScopeOverrideDetails"];
            let said = |token: &str| details[token]["claimsToAddOrOverride"].clone();
            assert_eq!(said("idTokenGeneration"), said("accessTokenGeneration"), "both tokens say the same");
            Ok::<Value, tenant_members::ApiError>(details["idTokenGeneration"]["claimsToAddOrOverride"].clone())
        }
    };

    assert_eq!(claims(None).await.unwrap(), Value::Null, "two tenants and none chosen: no tenant claims");
    let switched = claims(Some(&globex.id)).await.unwrap();
    assert_eq!(switched["tenant_id"], globex.id.as_str());
    assert_eq!(switched["tenant_roles"], json!({ "service-management-portal": "member" }));
    assert_eq!(switched["permissions"], json!(["service-management-portal:profile:update", "service-management-portal:tenant:read"]));
    assert_eq!(claims(None).await.unwrap()["tenant_id"], globex.id.as_str(), "a plain refresh stays in the tenant switched to");
    let admin = claims(Some(&acme.id)).await.unwrap();
    assert!(admin["permissions"].as_array().unwrap().contains(&json!("service-management-portal:members:invite")));

    let path = [("tenantId", globex.id.as_str()), ("memberId", in_globex.as_str())];
    let roles = json!({ "roles": { "service-management-portal": "member", "device-management": "viewer" } });
    assert_eq!(world.call(Operation::ChangeMemberRoles, Some(&globex.admin.sub), &path, Some(roles)).await.status, 200);
    assert_eq!(claims(Some(&globex.id)).await.unwrap()["tenant_roles"]["device-management"], "viewer", "a role change shows at once");
    assert_eq!(world.call(Operation::DeleteMember, Some(&globex.admin.sub), &path, None).await.status, 204);
    let refused = claims(Some(&globex.id)).await.unwrap_err();
    assert_eq!(refused.code(), "tenant_not_available");
    assert!(refused.to_string().starts_with("tenant_not_available"), "Cognito's message names the code");
    assert_eq!(claims(None).await.unwrap()["tenant_id"], acme.id.as_str(), "the tenant left is no longer the last one: the only one left");
    assert!(claims(Some("not-a-tenant-id")).await.is_err());
}

/// The index that finds a person's memberships may lag a change by a moment: the claims come from
/// the chosen membership read by its key, so a refresh right after a downgrade or a removal never
/// mints the roles that were taken away.
#[tokio::test]
async fn tokens_never_carry_roles_taken_away_while_the_index_lags() {
    use tenant_members::triggers::{TokenClaims, Trigger};
    let world = World::new();
    let acme = world.tenant("Acme", None, "admin@acme.example.com").await;
    let admin = world.member(&acme, "second-admin@acme.example.com", "tenant-admin").await;
    let claims = || TokenClaims::answer_json(&world.app, token_event(admin.sub.as_str(), Some(&acme.id)));
    let granted = claims().await.unwrap();
    assert!(granted.to_string().contains("members:invite"), "{granted}");

    world.store.lag_index(true);
    let path = [("tenantId", acme.id.as_str()), ("memberId", admin.member_id.as_str())];
    let roles = json!({ "roles": { "service-management-portal": "member" } });
    assert_eq!(world.call(Operation::ChangeMemberRoles, Some(&acme.admin.sub), &path, Some(roles)).await.status, 200);
    let downgraded = claims().await.unwrap();
    let details = &downgraded["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]["claimsToAddOrOverride"];
    assert_eq!(details["tenant_roles"]["service-management-portal"], "member", "the old roles were minted: {details}");
    assert_eq!(world.call(Operation::DeleteMember, Some(&acme.admin.sub), &path, None).await.status, 204);
    let removed = claims().await;
    world.store.lag_index(false);
    assert_eq!(removed.map(|_| ()).unwrap_err().code(), "tenant_not_available", "tokens were minted for a membership removed");
}
