//! The two stores interpret every kind of `Write` alike: one script of changesets, covering each
//! kind, committed on the in-memory store and on DynamoDB (the emulator), must give the same
//! outcome at each step and leave the same state as the read ports show it. The in-process
//! suite (`shared/tests/members_tab`) stands on the memory store; this holds it to DynamoDB's.
use std::collections::BTreeSet;

use tenant_members::adapters::MemoryStore;
use tenant_members::audit::{Actor, AuditEntry, Change};
use tenant_members::catalog::Roles;
use tenant_members::changes::{self, Changeset, Joining, Leaving, Write};
use tenant_members::directory::{DirectoryGroup, DirectoryLink, DirectoryToken, RefusalWindow, TokenLifetime};
use tenant_members::email::Email;
use tenant_members::ids::{AuditId, GroupId, MemberId, TenantId, UserSub};
use tenant_members::language::Language;
use tenant_members::links::{EmailQuotas, FirstPassword, LinkClaim, TokenRecord};
use tenant_members::listing::MemberFilter;
use tenant_members::model::{Member, MemberStatus, Mfa, MfaType, Tenant};
use tenant_members::ports::Store;
use tenant_members::tokens::{Token, TokenPurpose};
use time::OffsetDateTime;

use crate::helpers::{figure, TestStack};

/// The write's kind. The match has no wildcard: a new kind of `Write` does not compile here
/// until it is named, next to `KINDS`, which the script must cover.
fn kind(write: &Write) -> &'static str {
    match write {
        Write::RequireTenant(_) => "RequireTenant",
        Write::CreateTenant(_) => "CreateTenant",
        Write::DeleteTenant(_) => "DeleteTenant",
        Write::AddDescendant { .. } => "AddDescendant",
        Write::RemoveDescendant { .. } => "RemoveDescendant",
        Write::CountMembers { .. } => "CountMembers",
        Write::SetRepresentative { .. } => "SetRepresentative",
        Write::InsertMember(_) => "InsertMember",
        Write::UpdateMember { .. } => "UpdateMember",
        Write::DeleteMember(_) => "DeleteMember",
        Write::RequireAuthority(_) => "RequireAuthority",
        Write::ReserveEmail { .. } => "ReserveEmail",
        Write::ReleaseEmail { .. } => "ReleaseEmail",
        Write::PutLink(_) => "PutLink",
        Write::DeleteLink(_) => "DeleteLink",
        Write::ClaimLink { .. } => "ClaimLink",
        Write::ReleaseLink { .. } => "ReleaseLink",
        Write::BurnLink { .. } => "BurnLink",
        Write::CountEmail(_) => "CountEmail",
        Write::JoinPerson { .. } => "JoinPerson",
        Write::UnjoinPerson(_) => "UnjoinPerson",
        Write::ReturnPerson { .. } => "ReturnPerson",
        Write::KeepPerson { .. } => "KeepPerson",
        Write::LeavePerson { .. } => "LeavePerson",
        Write::RecordSignOut { .. } => "RecordSignOut",
        Write::SwitchTenant { .. } => "SwitchTenant",
        Write::SetPersonMfa { .. } => "SetPersonMfa",
        Write::SetFirstPassword { .. } => "SetFirstPassword",
        Write::ClearFirstPassword { .. } => "ClearFirstPassword",
        Write::PutConnection { .. } => "PutConnection",
        Write::PutDirectoryToken(_) => "PutDirectoryToken",
        Write::DeleteDirectoryToken(_) => "DeleteDirectoryToken",
        Write::PutGroup { .. } => "PutGroup",
        Write::DeleteGroup(_) => "DeleteGroup",
        Write::ReserveGroupName { .. } => "ReserveGroupName",
        Write::ReleaseGroupName { .. } => "ReleaseGroupName",
        Write::PutAudit(_) => "PutAudit",
        Write::DeleteAudit { .. } => "DeleteAudit",
    }
}

const KINDS: [&str; 38] = [
    "RequireTenant",
    "CreateTenant",
    "DeleteTenant",
    "AddDescendant",
    "RemoveDescendant",
    "CountMembers",
    "SetRepresentative",
    "InsertMember",
    "UpdateMember",
    "DeleteMember",
    "RequireAuthority",
    "ReserveEmail",
    "ReleaseEmail",
    "PutLink",
    "DeleteLink",
    "ClaimLink",
    "ReleaseLink",
    "BurnLink",
    "CountEmail",
    "JoinPerson",
    "UnjoinPerson",
    "ReturnPerson",
    "KeepPerson",
    "LeavePerson",
    "RecordSignOut",
    "SwitchTenant",
    "SetPersonMfa",
    "SetFirstPassword",
    "ClearFirstPassword",
    "PutConnection",
    "PutDirectoryToken",
    "DeleteDirectoryToken",
    "PutGroup",
    "DeleteGroup",
    "ReserveGroupName",
    "ReleaseGroupName",
    "PutAudit",
    "DeleteAudit",
];

/// What the script is made of, the same for both stores.
struct Cast {
    now: OffsetDateTime,
    root: TenantId,
    child: TenantId,
    dropped: TenantId,
    rep: Member,
    child_rep: Member,
    dropped_rep: Member,
    member: Member,
    links: Vec<(Token, TokenRecord)>,
    directory_tokens: Vec<(Token, DirectoryToken)>,
    groups: [GroupId; 2],
    subs: Vec<UserSub>,
}

fn person(tenant: &TenantId, email: &str, sub: &UserSub, now: OffsetDateTime) -> Member {
    Member::new_invited(tenant.clone(), Email::parse(email).unwrap(), Language::Ja, Roles::tenant_admin(), sub.clone(), now)
}

impl Cast {
    fn new() -> Self {
        let now = tenant_members::clock::now();
        let (root, child, dropped) = (TenantId::at(now), TenantId::at(now), TenantId::at(now));
        let subs: Vec<UserSub> = (0..4).map(|n| UserSub::new(format!("conformance-{}-{n}", MemberId::at(now)))).collect();
        let mut rep = person(&root, "rep@conformance.example.com", &subs[0], now);
        rep.representative = true;
        let mut child_rep = person(&child, "child@conformance.example.com", &subs[1], now);
        child_rep.representative = true;
        let mut dropped_rep = person(&dropped, "dropped@conformance.example.com", &subs[3], now);
        dropped_rep.representative = true;
        let member = person(&root, "member@conformance.example.com", &subs[2], now);
        let links = (0..6)
            .map(|_| {
                let token = Token::generate().unwrap();
                let record = TokenRecord::for_member(&token, TokenPurpose::Invitation, &rep, now + time::Duration::days(7));
                (token, record)
            })
            .collect();
        let directory_tokens = (0..2).map(|_| DirectoryToken::issue(&root, TokenLifetime::DEFAULT, now).unwrap()).collect();
        let groups = [GroupId::at(now), GroupId::at(now)];
        Self { now, root, child, dropped, rep, child_rep, dropped_rep, member, links, directory_tokens, groups, subs }
    }

    fn link(&self, n: usize, member: &Member, purpose: TokenPurpose) -> TokenRecord {
        TokenRecord::for_member(&self.links[n].0, purpose, member, self.links[n].1.expires_at)
    }
}

/// Each step's outcome and the state after it, as the read ports show it.
fn one_email() -> EmailQuotas {
    EmailQuotas { per_address_per_day: 1, per_address_per_tenant_tree_per_day: 1, per_tenant_per_day: 100, per_service_per_day: 100 }
}

async fn run(store: &dyn Store, cast: &Cast, seen: &mut BTreeSet<&'static str>) -> Vec<String> {
    let mut transcript = Vec::new();
    let now = cast.now;
    let operator = || Change::by(Actor::operator(&UserSub::new("conformance-operator")), now);
    let joining = Joining { created_user: true };
    let one_email = one_email();

    let (mut rep, mut child_rep, mut member) = (cast.rep.clone(), cast.child_rep.clone(), cast.member.clone());
    let rep_link = cast.link(0, &rep, TokenPurpose::Invitation);
    rep.invitation_token_hash = Some(rep_link.hash.clone());
    let root = Tenant::founded(cast.root.clone(), "Root".into(), Vec::new(), &rep, now);
    let child_link = cast.link(1, &child_rep, TokenPurpose::Invitation);
    child_rep.invitation_token_hash = Some(child_link.hash.clone());
    let child = Tenant::founded(cast.child.clone(), "Child".into(), vec![cast.root.clone()], &child_rep, now);
    let dropped_link = cast.link(2, &cast.dropped_rep, TokenPurpose::Invitation);
    let dropped = Tenant::founded(cast.dropped.clone(), "Dropped".into(), vec![cast.root.clone()], &cast.dropped_rep, now);
    let quotas = one_email.for_email(&cast.root, &cast.root, &rep.email, None, now);

    let mut steps: Vec<(&str, Changeset)> = vec![
        ("create the root tenant", changes::create_tenant(&root, &rep, &rep_link, joining, &quotas, &operator())),
        ("create it again", changes::create_tenant(&root, &rep, &rep_link, joining, &[], &operator())),
        ("create a child tenant", changes::create_tenant(&child, &child_rep, &child_link, joining, &[], &operator())),
    ];
    let dropped_tenant = changes::create_tenant(&dropped, &cast.dropped_rep, &dropped_link, joining, &[], &operator());
    steps.push(("create a tenant to take back", dropped_tenant.clone()));
    steps.push(("take it back", dropped_tenant.undo()));
    steps.push(("email the same address past its quota", Changeset::default().counted(&quotas)));
    let claim = LinkClaim::new(now);
    let first = FirstPassword { user: rep.user_sub.clone(), account_exists: false };
    steps.push(("claim the representative's link", changes::claim_link(&rep_link, &claim, Some(&first))));
    steps.push(("claim it again", changes::claim_link(&rep_link, &LinkClaim::new(now), None)));
    steps.push(("release it", changes::release_link(&rep_link, &claim, Some(&first))));
    let first_password = |link: &TokenRecord, at: OffsetDateTime| {
        let until = at + time::Duration::seconds(LinkClaim::HOLD_SECONDS);
        let write = Write::SetFirstPassword { user: rep.user_sub.clone(), link: link.hash.clone(), account_exists: false, at, until };
        Changeset::default().write(write, |_| tenant_members::ApiError::SignInRequired)
    };
    let (other, third) = (cast.link(4, &rep, TokenPurpose::Invitation), cast.link(5, &rep, TokenPurpose::Invitation));
    steps.push(("another link sets the first password, the released one holding it no more", first_password(&other, now)));
    steps.push(("a third link, while that one holds it", first_password(&third, now)));
    let later = now + time::Duration::seconds(LinkClaim::HOLD_SECONDS + 1);
    steps.push(("the third link, once the hold ran out", first_password(&third, later)));
    let clear = |link: &TokenRecord| {
        let write = Write::ClearFirstPassword { user: rep.user_sub.clone(), link: link.hash.clone() };
        Changeset::default().write(write, |_| tenant_members::ApiError::TokenInvalid)
    };
    steps.push(("let go of it by a link that does not hold it", clear(&other)));
    steps.push(("let go of it by the one that does", clear(&third)));
    let (accepted, accept) = changes::accept_invitation(&rep_link, None, &rep, &Change::by(Actor::member(&rep), now));
    steps.push(("accept the invitation", accept));
    rep = accepted;
    child_rep.status = MemberStatus::Invited;
    for (name, changes) in steps.drain(..) {
        transcript.push(commit(store, name, &changes, seen).await);
    }

    let admin = |of: &Member| Change::by(Actor::administrator(&of.user_sub, of), now);
    let member_link = cast.link(3, &member, TokenPurpose::Invitation);
    member.invitation_token_hash = Some(member_link.hash.clone());
    let invite = changes::invite_member(&member, &member_link, joining, &[], &admin(&rep));
    transcript.push(commit(store, "invite a member", &invite, seen).await);
    let (changed, roles) = changes::change_roles(&member, &Roles::tenant_admin(), &admin(&rep));
    transcript.push(commit(store, "change their roles", &roles, seen).await);
    transcript.push(commit(store, "change them again from a stale read", &roles, seen).await);
    member = changed;
    let reset = cast.link(4, &member, TokenPurpose::Invitation);
    let resend = admin(&rep);
    let (resent, replace) = changes::replace_link(&member, &reset, &[], &resend);
    transcript.push(commit(store, "resend the invitation", &replace, seen).await);
    let take_back = changes::take_back_link(&member, &resent, &reset, &resend);
    transcript.push(commit(store, "take the resend back, as when its email fails", &take_back, seen).await);
    let (resent, replace) = changes::replace_link(&member, &reset, &[], &resend);
    transcript.push(commit(store, "resend it again", &replace, seen).await);
    member = resent;
    let (joined, accept) = changes::accept_invitation(&reset, None, &member, &Change::by(Actor::member(&member), now));
    transcript.push(commit(store, "the member joins", &accept, seen).await);
    member = joined;

    let person = store.get_person(&member.user_sub).await.unwrap().expect("the member's person");
    let mfa = Mfa { enabled: true, r#type: Some(MfaType::Email) };
    let (mut switched, set_mfa) = changes::set_mfa(&person, vec![member.clone()], &mfa, &admin(&rep), |_| true);
    transcript.push(commit(store, "switch the person's MFA on", &set_mfa, seen).await);
    let switch = changes::switch_tenant(&member.user_sub, &cast.root);
    transcript.push(commit(store, "their tokens switch to the root tenant", &switch, seen).await);
    let nobody = changes::switch_tenant(&UserSub::new("conformance-nobody"), &cast.root);
    transcript.push(commit(store, "a person who does not exist switches", &nobody, seen).await);
    member = switched.remove(0);
    let password_link = cast.link(5, &member, TokenPurpose::PasswordReset);
    let (reset_member, send) = changes::replace_link(&member, &password_link, &[], &admin(&rep));
    transcript.push(commit(store, "send a password reset", &send, seen).await);
    member = reset_member;
    let claim = LinkClaim::new(now);
    transcript.push(commit(store, "claim the reset link", &changes::claim_link(&password_link, &claim, None), seen).await);
    let complete = changes::complete_password_reset(&password_link, &claim, &member, &Change::by(Actor::member(&member), now));
    transcript.push(commit(store, "complete the reset", &complete, seen).await);
    let root = store.get_tenant(&cast.root).await.unwrap().expect("the root tenant");
    let (_, transfer) = changes::transfer_representative(&root, &rep, &member, &admin(&rep));
    transcript.push(commit(store, "hand the representative role on", &transfer, seen).await);

    let moved_sub = &cast.subs[3];
    let child_tenant = store.get_tenant(&cast.child).await.unwrap().expect("the child tenant");
    let leaving = Leaving { person: store.get_person(&child_rep.user_sub).await.unwrap(), retire: true, sign_out: false };
    let mut moved = child_rep.revised(|m| {
        m.email = Email::parse("moved@conformance.example.com").unwrap();
        m.user_sub = moved_sub.clone();
    });
    let moved_link = cast.link(2, &moved, TokenPurpose::Invitation);
    moved.invitation_token_hash = Some(moved_link.hash.clone());
    let move_change = operator();
    let (_, email_change) =
        changes::change_representative_email(&child_tenant, &child_rep, &moved, &moved_link, &leaving, joining, &[], &move_change);
    transcript.push(commit(store, "move the child's representative to another address", &email_change, seen).await);
    let take_back = changes::take_back_representative_email(&child_rep, &moved, &moved_link, &leaving, &move_change);
    transcript.push(commit(store, "take the move back, as when its email fails", &take_back, seen).await);
    transcript.push(commit(store, "take it back again", &take_back, seen).await);
    let leaving = Leaving { person: store.get_person(&child_rep.user_sub).await.unwrap(), retire: true, sign_out: false };
    let (_, email_change) =
        changes::change_representative_email(&child_tenant, &child_rep, &moved, &moved_link, &leaving, joining, &[], &operator());
    transcript.push(commit(store, "move it again", &email_change, seen).await);
    let retiring = store.get_person(&child_rep.user_sub).await.unwrap().expect("the retiring person");
    transcript.push(
        commit(store, "keep the retiring person, an operator since", &changes::keep_person(&retiring.user_sub, retiring.version), seen)
            .await,
    );
    let again = changes::keep_person(&retiring.user_sub, retiring.version);
    transcript.push(commit(store, "keep them again, as read before", &again, seen).await);

    let unset = store.get_connection(&cast.root).await.unwrap();
    let tokens: Vec<DirectoryToken> = cast.directory_tokens.iter().map(|(_, t)| t.clone()).collect();
    let one = unset.with_token(tokens[0].clone(), now).unwrap();
    let add = changes::add_directory_token(&unset, &one, &tokens[0]);
    transcript.push(commit(store, "connect the root tenant's directory", &add, seen).await);
    transcript.push(commit(store, "connect it again from the same read", &add, seen).await);
    let two = one.with_token(tokens[1].clone(), now).unwrap();
    transcript.push(commit(store, "add a second token", &changes::add_directory_token(&one, &two, &tokens[1]), seen).await);
    let (revoked, removed) = two.without_token(&tokens[0].token_id).unwrap();
    transcript.push(commit(store, "revoke the first", &changes::revoke_directory_token(&two, &revoked, &removed), seen).await);
    let roled = revoked.with_roles(Roles::tenant_admin(), Default::default());
    transcript.push(commit(store, "change the default roles", &changes::change_connection(&revoked, &roled), seen).await);
    transcript.push(commit(store, "change them from a stale read", &changes::change_connection(&revoked, &roled), seen).await);
    let group = DirectoryGroup {
        group_id: cast.groups[0].clone(),
        tenant_id: cast.root.clone(),
        display_name: "Engineers".into(),
        external_id: None,
        members: vec![member.member_id.clone()],
        created_at: now,
        modified_at: now,
        version: 1,
    };
    let by_directory = Change::by(Actor::directory(&tokens[1].token_id), now);
    let current = store.get_member(&cast.root, &member.member_id).await.unwrap().expect("the member");
    let grouped =
        current.revised(|m| m.directory = Some(DirectoryLink { groups: vec![group.group_id.to_string()], ..DirectoryLink::default() }));
    let created = changes::group_change(None, Some(&group), &[(current.clone(), grouped.clone())], &by_directory);
    transcript.push(commit(store, "the directory sends a group with the member in it", &created, seen).await);
    let twin = DirectoryGroup { group_id: cast.groups[1].clone(), display_name: "ENGINEERS".into(), members: Vec::new(), ..group.clone() };
    transcript
        .push(commit(store, "another group by the same name", &changes::group_change(None, Some(&twin), &[], &by_directory), seen).await);
    let renamed = DirectoryGroup { display_name: "Builders".into(), version: 2, ..group.clone() };
    transcript
        .push(commit(store, "the group renamed", &changes::group_change(Some(&group), Some(&renamed), &[], &by_directory), seen).await);
    transcript.push(
        commit(store, "the twin, now that the name is free", &changes::group_change(None, Some(&twin), &[], &by_directory), seen).await,
    );
    let ungrouped = grouped.revised(|m| m.directory = Some(DirectoryLink::default()));
    let gone = changes::group_change(Some(&renamed), None, &[(grouped.clone(), ungrouped)], &by_directory);
    transcript.push(commit(store, "the group deleted, its member left without it", &gone, seen).await);
    transcript.push(commit(store, "deleted again", &gone, seen).await);
    store.record_directory_token_use(&tokens[1].hash, now).await.unwrap();
    store.record_directory_token_use(&tokens[0].hash, now).await.unwrap();
    let window = |at: OffsetDateTime| RefusalWindow::at(at, 2);
    let mut refusals = Vec::new();
    for (tenant, at) in
        [(&cast.root, now), (&cast.root, now), (&cast.root, now), (&cast.child, now), (&cast.root, now + time::Duration::minutes(1))]
    {
        refusals.push(format!("{:?}", store.count_refusal(tenant, &window(at)).await.unwrap()));
    }

    let rep = store.get_member(&cast.root, &rep.member_id).await.unwrap().expect("the former representative");
    let leaving = Leaving { person: store.get_person(&rep.user_sub).await.unwrap(), retire: false, sign_out: true };
    transcript.push(commit(store, "delete the former representative", &changes::delete_member(&rep, &leaving, &operator()), seen).await);
    transcript.push(commit(store, "delete them again", &changes::delete_member(&rep, &leaving, &operator()), seen).await);
    transcript.push(format!(
        "{}\nrefusals (2 a minute; root thrice, the unconnected child, root a minute later): {}",
        state(store, cast).await,
        refusals.join(", ")
    ));
    transcript
}

async fn commit(store: &dyn Store, step: &str, changes: &Changeset, seen: &mut BTreeSet<&'static str>) -> String {
    seen.extend(changes.writes.iter().map(|g| kind(&g.write)));
    let outcome = match store.commit(changes).await {
        Ok(()) => "ok".to_string(),
        Err(error) => format!("refused: {}", error.code()),
    };
    format!("{step}: {outcome}")
}

/// Everything the read ports show of the script's tenants, people and links.
async fn state(store: &dyn Store, cast: &Cast) -> String {
    let mut shown = Vec::new();
    for tenant in [&cast.root, &cast.child, &cast.dropped] {
        shown.push(format!("tenant {tenant}: {:?}", store.get_tenant(tenant).await.unwrap()));
        let members = store.list_members(tenant, None, 100, &MemberFilter::default()).await.unwrap();
        shown.push(format!("members: {:?}", members.items));
        shown.push(format!("admins: {:?}", store.tenant_admins(tenant, 100).await.unwrap()));
        for member in &members.items {
            let found = store.member_by_email(tenant, &member.email).await.unwrap();
            assert_eq!(found.as_ref(), Some(member), "a member is found by their email");
        }
        let stranger = tenant_members::email::Email::parse("nobody@example.com").unwrap();
        shown.push(format!("by a stranger's email: {:?}", store.member_by_email(tenant, &stranger).await.unwrap()));
        // Entries of one instant are ordered by their ids' random part: shown without ids, sorted.
        let no_id = AuditId::parse("00000000000000000000000000").unwrap();
        let audit = store.list_audit(tenant, None, 100).await.unwrap();
        let mut entries: Vec<String> =
            audit.items.into_iter().map(|entry| format!("{:?}", AuditEntry { audit_id: no_id.clone(), ..entry })).collect();
        entries.sort();
        shown.push(format!("audit: {entries:?}"));
    }
    shown.push(format!("under root: {:?}", store.tenant_ids_under(std::slice::from_ref(&cast.root)).await.unwrap()));
    for sub in &cast.subs {
        shown.push(format!("person {}: {:?}", sub.as_str(), store.get_person(sub).await.unwrap()));
        shown.push(format!("memberships: {:?}", store.memberships_of(sub).await.unwrap()));
    }
    for (token, _) in &cast.links {
        shown.push(format!("link: {:?}", store.get_token(&token.hash()).await.unwrap()));
    }
    for tenant in [&cast.root, &cast.child] {
        shown.push(format!("directory: {:?}", store.get_connection(tenant).await.unwrap()));
        shown.push(format!("groups: {:?}", store.list_groups(tenant).await.unwrap()));
    }
    for (token, _) in &cast.directory_tokens {
        shown.push(format!("directory token: {:?}", store.get_directory_token(&token.hash()).await.unwrap()));
    }
    // What a batch's dry run reads: the emails already members, and the quotas' counts (a key
    // asked twice is answered twice).
    let stranger = Email::parse("stranger@conformance.example.com").unwrap();
    let emails = [cast.member.email.clone(), stranger.clone(), cast.rep.email.clone(), cast.member.email.clone()];
    shown.push(format!("emails in use: {:?}", store.emails_in_use(&cast.root, &emails).await.unwrap()));
    let mut quotas = one_email().for_email(&cast.root, &cast.root, &cast.rep.email, None, cast.now);
    quotas.extend(one_email().for_email(&cast.root, &cast.root, &stranger, None, cast.now));
    shown.push(format!("emails counted: {:?}", store.emails_counted(&quotas).await.unwrap()));
    shown.join("\n")
}

#[tokio::test]
async fn both_stores_commit_every_kind_of_write_alike() {
    let stack = TestStack::start().await;
    let cast = Cast::new();
    let mut seen = BTreeSet::new();
    let memory = run(&MemoryStore::default(), &cast, &mut seen).await;
    let dynamo = run(&*stack.running.app.store, &cast, &mut BTreeSet::new()).await;
    let missing: Vec<_> = KINDS.iter().filter(|k| !seen.contains(*k)).collect();
    assert!(missing.is_empty(), "the script commits no write of kind {missing:?}");
    for (step, (in_memory, in_dynamo)) in memory.iter().zip(&dynamo).enumerate() {
        for (line, (a, b)) in in_memory.lines().zip(in_dynamo.lines()).enumerate() {
            assert_eq!(a, b, "step {step}, line {line}: the memory store and DynamoDB differ");
        }
        assert_eq!(in_memory, in_dynamo, "step {step}: the memory store and DynamoDB differ");
    }
    assert_eq!(memory.len(), dynamo.len());
    let last = memory.last().unwrap();
    assert!(last.contains("emails counted: [1, 1, 1, 1, 0, 0, 1, 1]"), "the reads a dry run makes see what was written: {last}");
    assert!(
        last.contains(
            "refusals (2 a minute; root thrice, the unconnected child, root a minute later): Counted, Counted, Full, Unconnected, Counted"
        ),
        "{last}"
    );
    let refused = memory.iter().filter(|line| line.contains("refused")).count();
    figure(format!(
        "store conformance: {} changesets of {} kinds of write, {refused} of them refused, alike on memory and DynamoDB",
        memory.len() - 1,
        seen.len()
    ));
}
