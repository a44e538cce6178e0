//! Pages of members and tenants: bounded reads, and cursors that find everything.
use super::*;

#[tokio::test]
async fn a_filtered_page_reads_a_bounded_share_of_the_tenant_and_its_cursors_find_every_match() {
    use tenant_members::changes::{self, Joining};
    use tenant_members::ids::{TenantId, UserSub};
    use tenant_members::language::Language;
    use tenant_members::links::TokenRecord;
    // The contract's bound on the members one page reads (bench/RESULTS.md, the budgets).
    const MEMBERS_READ_PER_PAGE: usize = 300;
    use tenant_members::model::Member;
    use tenant_members::ports::ChangeStore;
    use tenant_members::tokens::{Token, TokenPurpose};

    let world = World::new();
    let tenant = world.tenant("Large", None, "admin@large.example.com").await;
    let tenant_id = TenantId::parse(&tenant.id).unwrap();
    let mut needles = std::collections::BTreeSet::new();
    let operator_change =
        || tenant_members::audit::Change::by(tenant_members::audit::Actor::operator(&world.operator), tenant_members::clock::now());
    for n in 0..(3 * MEMBERS_READ_PER_PAGE) {
        let local = if n % 101 == 7 { format!("needle-{n}") } else { format!("hay-{n}") };
        let roles = tenant_members::catalog::Roles::tenant_admin();
        let member = Member::new_invited(
            tenant_id.clone(),
            Email::parse(&format!("{local}@large.example.com")).unwrap(),
            Language::En,
            roles,
            UserSub::new(format!("u{n}")),
            tenant_members::clock::now(),
        );
        let link = TokenRecord::for_member(&Token::generate().unwrap(), TokenPurpose::Invitation, &member, tenant_members::clock::now());
        world.store.commit(&changes::invite_member(&member, &link, Joining { created_user: true }, &[], &operator_change())).await.unwrap();
        if local.starts_with("needle") {
            needles.insert(member.member_id.as_str().to_string());
        }
    }

    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = json!({ "q": "needle-", "limit": "2" });
        if let Some(c) = &cursor {
            query["cursor"] = json!(c);
        }
        let page = world.list_members(&tenant.id, &tenant.admin.sub, query).await;
        assert_eq!(page.status, 200, "{page:?}");
        pages += 1;
        found.extend(page.body["items"].as_array().unwrap().iter().map(|m| m["memberId"].as_str().unwrap().to_string()));
        match page.body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    let unique: std::collections::BTreeSet<String> = found.iter().cloned().collect();
    assert_eq!(unique.len(), found.len(), "no member twice");
    assert_eq!(unique, needles, "no member missed");
    assert!(pages >= 3, "a page reads at most {MEMBERS_READ_PER_PAGE} members: {pages} pages");
}

#[tokio::test]
async fn tenants_are_listed_a_page_at_a_time() {
    let world = World::new();
    let root = world.tenant("Root", None, "admin@root.example.com").await;
    for n in 0..4 {
        world.tenant(&format!("Child {n}"), Some(&root.id), &format!("admin@c{n}.example.com")).await;
    }
    for (caller, expected) in [(&world.operator, 5), (&root.admin.sub, 5)] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut query = json!({ "limit": "2" });
            if let Some(c) = &cursor {
                query["cursor"] = json!(c);
            }
            let page = world.call_query(Operation::ListTenants, Some(caller), &[], query).await;
            assert_eq!(page.status, 200, "{page:?}");
            assert!(page.body["items"].as_array().unwrap().len() <= 2);
            seen.extend(page.body["items"].as_array().unwrap().iter().map(|t| t["tenantId"].as_str().unwrap().to_string()));
            match page.body["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        let unique: std::collections::BTreeSet<&String> = seen.iter().collect();
        assert_eq!((seen.len(), unique.len()), (expected, expected), "{seen:?}");
    }
}
