//! Listing members with filters and pages, and the tenant tree.
use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{unique_email, TestStack};

#[tokio::test]
async fn members_are_filtered_by_status_role_and_email_prefix() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let viewer = unique_email("zed-viewer");
    let invited =
        stack.invite(&tenant, &viewer, "en", json!({ "service-management-portal": "member", "device-management": "viewer" })).await;
    assert_eq!(invited.status, StatusCode::CREATED);
    let active = stack.join(&tenant, "member").await;
    let base = format!("/tenants/{}/members", tenant.tenant_id);
    let emails = |answer: &crate::helpers::Answer| -> Vec<String> {
        answer.body["items"].as_array().unwrap().iter().map(|m| m["email"].as_str().unwrap().to_string()).collect()
    };

    let invited_only = stack.get(&format!("{base}?status=invited"), &tenant.admin_token).await;
    assert_eq!(emails(&invited_only), std::slice::from_ref(&viewer));
    let active_only = stack.get(&format!("{base}?status=active"), &tenant.admin_token).await;
    assert_eq!(emails(&active_only), [tenant.admin_email.clone(), active.email.clone()]);
    let viewers = stack.get(&format!("{base}?role=device-management:viewer"), &tenant.admin_token).await;
    assert_eq!(emails(&viewers), std::slice::from_ref(&viewer));
    let admins = stack.get(&format!("{base}?role=service-management-portal:tenant-admin"), &tenant.admin_token).await;
    assert_eq!(emails(&admins), std::slice::from_ref(&tenant.admin_email));
    let prefix = stack.get(&format!("{base}?q=ZED-"), &tenant.admin_token).await;
    assert_eq!(emails(&prefix), std::slice::from_ref(&viewer), "the prefix is matched in any case");
    let both = stack.get(&format!("{base}?q=zed-&status=active"), &tenant.admin_token).await;
    assert!(emails(&both).is_empty());

    for bad in ["status=deleted", "role=device-management", "role=mail:admin", "limit=0", "limit=101", "limit=-1", "cursor=%21%21"] {
        let answer = stack.get(&format!("{base}?{bad}"), &tenant.admin_token).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(answer.code(), "validation_failed", "{bad}");
    }
}

#[tokio::test]
async fn pages_never_repeat_or_skip_a_member_while_members_are_added() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let member = json!({ "service-management-portal": "member" });
    for _ in 0..5 {
        stack.invite(&tenant, &unique_email("early"), "en", member.clone()).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut added = 0;
    loop {
        let query = cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default();
        let page = stack.get(&format!("/tenants/{}/members?limit=2{query}", tenant.tenant_id), &tenant.admin_token).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        seen.extend(page.body["items"].as_array().unwrap().iter().map(|m| m["memberId"].as_str().unwrap().to_string()));
        // Someone else invites while this admin pages through.
        if added < 3 {
            stack.invite(&tenant, &unique_email("late"), "en", member.clone()).await;
            added += 1;
        }
        match page.body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no member twice: {seen:?}");
    assert_eq!(seen.len(), 1 + 5 + 3, "everyone, including those added meanwhile");
}

#[tokio::test]
async fn a_cursor_from_another_tenant_never_reads_that_tenant() {
    let stack = TestStack::start().await;
    let a = stack.tenant_with_admin(None).await;
    let b = stack.tenant_with_admin(None).await;
    for _ in 0..3 {
        stack.invite(&b, &unique_email("b"), "en", json!({ "service-management-portal": "member" })).await;
    }
    let b_page = stack.get(&format!("/tenants/{}/members?limit=1", b.tenant_id), &b.admin_token).await;
    let b_cursor = b_page.body["nextCursor"].as_str().unwrap();
    let a_page = stack.get(&format!("/tenants/{}/members?cursor={b_cursor}", a.tenant_id), &a.admin_token).await;
    assert_eq!(a_page.status, StatusCode::OK);
    for member in a_page.body["items"].as_array().unwrap() {
        assert_eq!(member["tenantId"], a.tenant_id.as_str());
    }
}

#[tokio::test]
async fn admins_of_an_ancestor_manage_descendants_but_a_child_admin_has_no_rights_above_or_beside() {
    let stack = TestStack::start().await;
    let root = stack.tenant_with_admin(None).await;
    let child = stack.tenant_with_admin(Some(&root.tenant_id)).await;
    let sibling = stack.tenant_with_admin(Some(&root.tenant_id)).await;
    let grandchild = stack.tenant_with_admin(Some(&child.tenant_id)).await;

    let overview = stack.get(&format!("/tenants/{}", grandchild.tenant_id), &root.admin_token).await;
    assert_eq!(overview.status, StatusCode::OK, "the root admin manages the grandchild");
    assert_eq!(overview.body["parentTenantId"], child.tenant_id.as_str());
    let invited = stack
        .post(
            &format!("/tenants/{}/members", grandchild.tenant_id),
            Some(&root.admin_token),
            json!({ "email": unique_email("from-root"), "language": "en", "roles": { "service-management-portal": "member" } }),
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "the root admin invites into the grandchild");

    for other in [&root.tenant_id, &sibling.tenant_id] {
        let answer = stack.get(&format!("/tenants/{other}/members"), &child.admin_token).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "the child's admin on {other}");
    }

    let managed = |token: String| {
        let stack = &stack;
        async move {
            let list = stack.get("/tenants", &token).await;
            let mut ids: Vec<String> =
                list.body["items"].as_array().unwrap().iter().map(|t| t["tenantId"].as_str().unwrap().to_string()).collect();
            ids.sort();
            ids
        }
    };
    let mut expected = vec![root.tenant_id.clone(), child.tenant_id.clone(), sibling.tenant_id.clone(), grandchild.tenant_id.clone()];
    expected.sort();
    assert_eq!(managed(root.admin_token.clone()).await, expected);
    let mut below_child = vec![child.tenant_id.clone(), grandchild.tenant_id.clone()];
    below_child.sort();
    assert_eq!(managed(child.admin_token.clone()).await, below_child);
}

#[tokio::test]
async fn a_tenant_under_an_unknown_parent_is_refused() {
    let stack = TestStack::start().await;
    let operator = stack.operator().await;
    let answer = stack
        .post(
            "/tenants",
            Some(&operator),
            json!({ "name": "Orphan", "parentTenantId": "01JD0000000000000000000000",
                    "adminEmail": unique_email("orphan"), "adminLanguage": "en" }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.code(), "validation_failed");
}

#[tokio::test]
async fn a_filtered_search_of_a_large_tenant_reads_a_bounded_page_and_its_cursor_finds_the_rest() {
    use tenant_members::adapters::DynamoStore;
    use tenant_members::catalog::Roles;
    use tenant_members::email::Email;
    use tenant_members::ids::{TenantId, UserSub};
    use tenant_members::language::Language;
    // The contract's bound on the members one page reads (bench/RESULTS.md, the budgets).
    const MEMBERS_READ_PER_PAGE: usize = 300;
    use tenant_members::model::Member;

    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let store = DynamoStore::new(stack.dynamodb.clone(), stack.stack.table_name.clone());
    let tenant_id = TenantId::parse(&tenant.tenant_id).unwrap();
    let roles = Roles::parse([("service-management-portal".to_string(), "member".to_string())].into()).unwrap();
    let count = 2 * MEMBERS_READ_PER_PAGE + 100;
    // Every 97th member matches the search; the rest are what a bounded page reads past.
    let members: Vec<Member> = (0..count)
        .map(|n| {
            let local = if n % 97 == 0 { format!("needle-{n:04}") } else { format!("hay-{n:04}") };
            let email = Email::parse(&format!("{local}@example.com")).unwrap();
            Member::new_invited(
                tenant_id.clone(),
                email,
                Language::En,
                roles.clone(),
                UserSub::new(format!("bulk-{n}")),
                tenant_members::clock::now(),
            )
        })
        .collect();
    store.bulk_load_members(&members).await.unwrap();
    let expected: std::collections::BTreeSet<String> =
        members.iter().filter(|m| m.email.as_str().starts_with("needle-")).map(|m| m.member_id.as_str().to_string()).collect();

    let base = format!("/tenants/{}/members?q=needle-&limit=100", tenant.tenant_id);
    let (mut found, mut pages, mut cursor) = (Vec::new(), 0, None::<String>);
    loop {
        let path = match &cursor {
            Some(c) => format!("{base}&cursor={c}"),
            None => base.clone(),
        };
        stack.traffic.reset();
        let page = stack.get(&path, &tenant.admin_token).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        // The caller's memberships are one Query; the page at most a few more.
        let tally = stack.traffic.tally();
        assert!(tally.count("dynamodb", "Query") <= 4, "one page stays a few Queries: {}", tally.describe());
        // Its share of the partition, plus the caller's authorization (the tenant, their memberships).
        assert!(tally.items_read <= MEMBERS_READ_PER_PAGE + 10, "one page read {} items", tally.items_read);
        pages += 1;
        found.extend(page.body["items"].as_array().unwrap().iter().map(|m| m["memberId"].as_str().unwrap().to_string()));
        match page.body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert!(pages >= count / MEMBERS_READ_PER_PAGE, "each page read a bounded share: {pages} pages");
    let unique: std::collections::BTreeSet<String> = found.iter().cloned().collect();
    assert_eq!(unique.len(), found.len(), "no member twice");
    assert_eq!(unique, expected, "no member missed");
}

#[tokio::test]
async fn tenants_are_listed_a_page_at_a_time_with_no_repeat_and_no_miss() {
    let stack = TestStack::start().await;
    let root = stack.tenant_with_admin(None).await;
    let mut children = std::collections::BTreeSet::new();
    for n in 0..4 {
        children.insert(stack.create_tenant(&format!("Child {n}"), &crate::helpers::unique_email("rep"), Some(&root.tenant_id)).await);
    }
    let operator = stack.operator().await;
    for (who, token) in [("operator", operator.as_str()), ("root admin", root.admin_token.as_str())] {
        let (mut seen, mut cursor) = (Vec::new(), None::<String>);
        loop {
            let path = match &cursor {
                Some(c) => format!("/tenants?limit=2&cursor={c}"),
                None => "/tenants?limit=2".to_string(),
            };
            let page = stack.get(&path, token).await;
            assert_eq!(page.status, StatusCode::OK, "{who}: {:?}", page.body);
            let items = page.body["items"].as_array().unwrap();
            assert!(items.len() <= 2, "{who}: a page holds at most its limit");
            seen.extend(items.iter().map(|t| t["tenantId"].as_str().unwrap().to_string()));
            match page.body["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        let unique: std::collections::BTreeSet<String> = seen.iter().cloned().collect();
        assert_eq!(unique.len(), seen.len(), "{who}: no tenant twice");
        assert!(unique.contains(&root.tenant_id) && children.is_subset(&unique), "{who}: every tenant found: {seen:?}");
    }
}
