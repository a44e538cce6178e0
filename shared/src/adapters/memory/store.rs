//! The table in memory: every changeset committed under one lock, all or nothing.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::audit::AuditEntry;
use crate::changes::{Changeset, Write};
use crate::directory::{Connection, DirectoryGroup, DirectoryToken, Refusal, RefusalWindow};
use crate::email::Email;
use crate::error::ApiError;
use crate::ids::{AuditId, GroupId, MemberId, TenantId, UserSub};
use crate::links::{Quota, QuotaScope, TokenRecord};
use crate::listing::{MemberFilter, MemberPage, MemberPageBuilder, TenantPage, MEMBERS_READ_PER_PAGE};
use crate::model::{Member, Mfa, Person, Tenant};
use crate::ports::{
    AuditPage, AuditStore, ChangeStore, DirectoryStore, IdempotencyStore, MemberStore, PersonStore, QuotaStore, Reservation,
    StoredResponse, TenantStore, TokenStore,
};
use crate::tokens::TokenHash;

/// A reservation this old belongs to a request that died (as in the DynamoDB adapter).
const IDEMPOTENCY_STALE_SECONDS: i64 = 60;

#[derive(Debug, Clone)]
struct StoredLink {
    record: TokenRecord,
    claim: Option<(String, i64)>,
}

impl StoredLink {
    /// Held by a claim that has not run out at `now` (whole seconds, as DynamoDB compares them).
    fn held_at(&self, now: OffsetDateTime) -> bool {
        self.claim.as_ref().is_some_and(|(_, until)| *until >= now.unix_timestamp())
    }
}

#[derive(Debug, Clone)]
struct StoredPerson {
    person: Person,
    first_password: Option<(TokenHash, OffsetDateTime)>,
}

#[derive(Debug, Clone)]
struct Idempotency {
    fingerprint: String,
    reserved_at: i64,
    response: Option<StoredResponse>,
}

#[derive(Debug, Clone, Default)]
struct Tables {
    tenants: BTreeMap<TenantId, Tenant>,
    descendants: BTreeSet<(TenantId, TenantId)>,
    members: BTreeMap<(TenantId, MemberId), Member>,
    emails: BTreeMap<(TenantId, String), MemberId>,
    links: HashMap<TokenHash, StoredLink>,
    sends: HashMap<(QuotaScope, i64), u32>,
    people: HashMap<UserSub, StoredPerson>,
    audit: BTreeMap<(TenantId, AuditId), AuditEntry>,
    connections: BTreeMap<TenantId, Connection>,
    directory_tokens: HashMap<TokenHash, DirectoryToken>,
    /// Per tenant: the minute of its refused tokens and how many it counted.
    refusals: HashMap<TenantId, (i64, u32)>,
    groups: BTreeMap<(TenantId, GroupId), DirectoryGroup>,
    group_names: BTreeMap<(TenantId, String), GroupId>,
}

/// Inserts `value` under `key` if the key is free.
fn insert_new<K: Ord, V>(map: &mut BTreeMap<K, V>, key: K, value: V) -> bool {
    match map.entry(key) {
        std::collections::btree_map::Entry::Vacant(slot) => {
            slot.insert(value);
            true
        }
        std::collections::btree_map::Entry::Occupied(_) => false,
    }
}

impl Tables {
    /// Applies one write if its condition holds; `false` (and nothing changed) if not.
    /// A retiring person, as read at `version`, no longer retiring, counting `memberships` more.
    fn unretire(&mut self, user: &UserSub, version: u64, memberships: u64) -> bool {
        match self.people.get_mut(user) {
            Some(stored) if stored.person.version == version => {
                stored.person.memberships += memberships;
                stored.person.version += 1;
                stored.person.retiring = false;
                true
            }
            _ => false,
        }
    }

    fn apply(&mut self, write: &Write) -> bool {
        match write {
            Write::RequireTenant(tenant) => self.tenants.contains_key(tenant),
            Write::CreateTenant(tenant) => insert_new(&mut self.tenants, tenant.tenant_id.clone(), tenant.clone()),
            Write::DeleteTenant(tenant) => {
                self.tenants.remove(tenant);
                true
            }
            Write::AddDescendant { ancestor, tenant } => self.descendants.insert((ancestor.clone(), tenant.clone())),
            Write::RemoveDescendant { ancestor, tenant } => {
                self.descendants.remove(&(ancestor.clone(), tenant.clone()));
                true
            }
            Write::CountMembers { tenant, delta } => match self.tenants.get_mut(tenant) {
                Some(tenant) => {
                    tenant.member_count = tenant.member_count.saturating_add_signed(*delta);
                    true
                }
                None => false,
            },
            Write::SetRepresentative { tenant, expected, summary } => match self.tenants.get_mut(tenant) {
                Some(tenant) if tenant.representative.member_id == *expected => {
                    tenant.representative = summary.clone();
                    true
                }
                _ => false,
            },
            Write::InsertMember(member) => {
                insert_new(&mut self.members, (member.tenant_id.clone(), member.member_id.clone()), member.clone())
            }
            Write::UpdateMember { version, after } => match self.members.get_mut(&(after.tenant_id.clone(), after.member_id.clone())) {
                Some(member) if member.version == *version => {
                    *member = after.clone();
                    true
                }
                _ => false,
            },
            Write::DeleteMember(read) => {
                let key = (read.tenant_id.clone(), read.member_id.clone());
                match self.members.get(&key) {
                    Some(member) if member.version == read.version => {
                        self.members.remove(&key);
                        true
                    }
                    _ => false,
                }
            }
            Write::RequireAuthority(authority) => {
                self.members.get(&(authority.tenant_id.clone(), authority.member_id.clone())).is_some_and(Member::is_active_tenant_admin)
            }
            Write::ReserveEmail { tenant, email, member } => {
                insert_new(&mut self.emails, (tenant.clone(), email.as_str().to_string()), member.clone())
            }
            Write::ReleaseEmail { tenant, email } => {
                self.emails.remove(&(tenant.clone(), email.as_str().to_string()));
                true
            }
            Write::PutLink(record) => match self.links.entry(record.hash.clone()) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(StoredLink { record: record.clone(), claim: None });
                    true
                }
                std::collections::hash_map::Entry::Occupied(_) => false,
            },
            Write::DeleteLink(hash) => {
                self.links.remove(hash);
                true
            }
            Write::ClaimLink { hash, claim } => match self.links.get_mut(hash) {
                Some(link) if !link.held_at(claim.at) => {
                    link.claim = Some((claim.id.clone(), claim.until.unix_timestamp()));
                    true
                }
                _ => false,
            },
            Write::ReleaseLink { hash, claim } => match self.links.get_mut(hash) {
                Some(link) if link.claim.as_ref().is_some_and(|(id, _)| id == claim) => {
                    link.claim = None;
                    true
                }
                _ => false,
            },
            Write::BurnLink { hash, claim, at } => {
                let burnable = self.links.get(hash).is_some_and(|link| match claim {
                    Some(claim) => link.claim.as_ref().is_some_and(|(id, _)| id == claim),
                    None => !link.held_at(*at),
                });
                if burnable {
                    self.links.remove(hash);
                }
                burnable
            }
            Write::PutConnection { version, after } => {
                let stored = self.connections.get(&after.tenant_id).map_or(0, |c| c.version);
                if stored != *version {
                    return false;
                }
                self.connections.insert(after.tenant_id.clone(), after.clone());
                true
            }
            Write::PutDirectoryToken(token) => match self.directory_tokens.entry(token.hash.clone()) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(token.clone());
                    true
                }
                std::collections::hash_map::Entry::Occupied(_) => false,
            },
            Write::DeleteDirectoryToken(hash) => {
                self.directory_tokens.remove(hash);
                true
            }
            Write::PutGroup { version, after } => {
                let key = (after.tenant_id.clone(), after.group_id.clone());
                if self.groups.get(&key).map_or(0, |g| g.version) != *version {
                    return false;
                }
                self.groups.insert(key, after.clone());
                true
            }
            Write::DeleteGroup(read) => {
                let key = (read.tenant_id.clone(), read.group_id.clone());
                if self.groups.get(&key).map(|g| g.version) != Some(read.version) {
                    return false;
                }
                self.groups.remove(&key);
                true
            }
            Write::ReserveGroupName { tenant, name_key, group } => {
                insert_new(&mut self.group_names, (tenant.clone(), name_key.clone()), group.clone())
            }
            Write::ReleaseGroupName { tenant, name_key } => {
                self.group_names.remove(&(tenant.clone(), name_key.clone()));
                true
            }
            Write::CountEmail(quota) => {
                let sends = self.sends.entry((quota.scope.clone(), quota.window_start.unix_timestamp())).or_default();
                if *sends >= quota.max {
                    return false;
                }
                *sends += 1;
                true
            }
            Write::JoinPerson { user, mfa, created_user } => {
                let stored = self.people.get(user);
                let allowed = match (mfa.enabled, stored) {
                    (true, Some(p)) => !p.person.retiring && p.person.mfa.enabled && p.person.mfa.r#type == mfa.r#type,
                    (true, None) => false,
                    (false, Some(p)) => !p.person.retiring && !p.person.mfa.enabled,
                    (false, None) => true,
                };
                if !allowed {
                    return false;
                }
                let stored = self.people.entry(user.clone()).or_insert_with(|| StoredPerson {
                    person: Person {
                        user_sub: user.clone(),
                        memberships: 0,
                        created_by_service: false,
                        mfa: Mfa::default(),
                        version: 0,
                        retiring: false,
                        signed_out_at: None,
                        active_tenant: None,
                        sessions_outlive_sign_out: false,
                    },
                    first_password: None,
                });
                stored.person.memberships += 1;
                stored.person.version += 1;
                stored.person.created_by_service |= created_user;
                true
            }
            Write::UnjoinPerson(user) => match self.people.get_mut(user) {
                Some(stored) => {
                    stored.person.memberships = stored.person.memberships.saturating_sub(1);
                    stored.person.version += 1;
                    true
                }
                None => false,
            },
            Write::ReturnPerson { user, version } => self.unretire(user, *version, 1),
            Write::KeepPerson { user, version } => self.unretire(user, *version, 0),
            Write::LeavePerson { person, retire, sign_out, at } => match self.people.get_mut(&person.user_sub) {
                Some(stored) if stored.person.version == person.version => {
                    stored.person.memberships = stored.person.memberships.saturating_sub(1);
                    stored.person.version += 1;
                    stored.person.retiring |= retire;
                    if *sign_out {
                        stored.person.signed_out_at = Some(whole_seconds(*at));
                    }
                    true
                }
                _ => false,
            },
            Write::SwitchTenant { user, tenant } => match self.people.get_mut(user) {
                Some(stored) => {
                    stored.person.active_tenant = Some(tenant.clone());
                    true
                }
                None => false,
            },
            Write::RecordSignOut { user, at, at_cognito } => match self.people.get_mut(user) {
                Some(stored) => {
                    stored.person.signed_out_at = Some(whole_seconds(*at));
                    stored.person.sessions_outlive_sign_out = !at_cognito;
                    true
                }
                None => false,
            },
            Write::SetPersonMfa { person, memberships, mfa, sessions_end_at } => match self.people.get_mut(&person.user_sub) {
                Some(stored) if stored.person.version == person.version && stored.person.memberships == *memberships => {
                    stored.person.mfa = mfa.clone();
                    stored.person.signed_out_at = sessions_end_at.or(stored.person.signed_out_at);
                    stored.person.version += 1;
                    true
                }
                _ => false,
            },
            Write::SetFirstPassword { user, link, account_exists, at, until } => match self.people.get_mut(user) {
                Some(stored) => {
                    let allowed = match &stored.first_password {
                        Some((first, _)) if first == link => true,
                        _ if *account_exists => false,
                        Some((_, held_until)) => held_until < at,
                        None => true,
                    };
                    if allowed {
                        stored.first_password = Some((link.clone(), *until));
                    }
                    allowed
                }
                None => false,
            },
            Write::ClearFirstPassword { user, link } => match self.people.get_mut(user) {
                Some(stored) if stored.first_password.as_ref().is_some_and(|(first, _)| first == link) => {
                    stored.first_password = None;
                    true
                }
                _ => false,
            },
            Write::PutAudit(entry) => insert_new(&mut self.audit, (entry.tenant_id.clone(), entry.audit_id.clone()), entry.clone()),
            Write::DeleteAudit { tenant, audit } => {
                self.audit.remove(&(tenant.clone(), audit.clone()));
                true
            }
        }
    }
}

/// The store in memory.
#[derive(Default)]
pub struct MemoryStore {
    tables: Mutex<Tables>,
    idempotency: Mutex<HashMap<String, Idempotency>>,
    /// The memberships as the index that finds a person's showed them when it stopped keeping
    /// up (`lag_index`): DynamoDB's secondary indexes are eventually consistent.
    lagging_index: Mutex<Option<BTreeMap<(TenantId, MemberId), Member>>>,
}

impl MemoryStore {
    fn read<T>(&self, read: impl FnOnce(&Tables) -> T) -> T {
        read(&self.tables.lock().expect("the store's lock is never poisoned"))
    }

    /// From now on (`true`) until `false`, a person's memberships are found as they are now,
    /// whatever changes since: an index lagging behind the table, as DynamoDB's may for a moment.
    pub fn lag_index(&self, lagging: bool) {
        let snapshot = lagging.then(|| self.read(|t| t.members.clone()));
        *self.lagging_index.lock().expect("the store's lock is never poisoned") = snapshot;
    }
}

#[async_trait]
impl ChangeStore for MemoryStore {
    async fn commit(&self, changes: &Changeset) -> Result<(), ApiError> {
        let mut tables = self.tables.lock().expect("the store's lock is never poisoned");
        let mut next = tables.clone();
        for guarded in &changes.writes {
            if !next.apply(&guarded.write) {
                return Err((guarded.conflict)(&guarded.write));
            }
        }
        *tables = next;
        Ok(())
    }
}

#[async_trait]
impl TenantStore for MemoryStore {
    async fn get_tenant(&self, id: &TenantId) -> Result<Option<Tenant>, ApiError> {
        Ok(self.read(|t| t.tenants.get(id).cloned()))
    }

    async fn get_tenants(&self, ids: &[TenantId]) -> Result<Vec<Tenant>, ApiError> {
        let ids: BTreeSet<&TenantId> = ids.iter().collect();
        Ok(self.read(|t| ids.into_iter().filter_map(|id| t.tenants.get(id).cloned()).collect()))
    }

    async fn tenant_ids_under(&self, roots: &[TenantId]) -> Result<Vec<TenantId>, ApiError> {
        let mut ids: BTreeSet<TenantId> = roots.iter().cloned().collect();
        self.read(|t| ids.extend(t.descendants.iter().filter(|(a, _)| roots.contains(a)).map(|(_, d)| d.clone())));
        Ok(ids.into_iter().collect())
    }

    async fn tenants_page(&self, after: Option<&TenantId>, limit: usize) -> Result<TenantPage, ApiError> {
        let tenants =
            self.read(|t| t.tenants.values().filter(|x| after.is_none_or(|a| x.tenant_id > *a)).take(limit + 1).cloned().collect());
        Ok(TenantPage::of(tenants, limit, |t| t.tenant_id.clone()))
    }
}

#[async_trait]
impl MemberStore for MemoryStore {
    async fn get_member(&self, tenant: &TenantId, member: &MemberId) -> Result<Option<Member>, ApiError> {
        Ok(self.read(|t| t.members.get(&(tenant.clone(), member.clone())).cloned()))
    }

    async fn memberships_of(&self, user: &UserSub) -> Result<Vec<Member>, ApiError> {
        if let Some(lagging) = self.lagging_index.lock().expect("the store's lock is never poisoned").as_ref() {
            return Ok(lagging.values().filter(|m| m.user_sub == *user).cloned().collect());
        }
        Ok(self.read(|t| t.members.values().filter(|m| m.user_sub == *user).cloned().collect()))
    }

    async fn tenant_admins(&self, tenant: &TenantId, limit: usize) -> Result<Vec<Member>, ApiError> {
        Ok(self
            .read(|t| t.members.values().filter(|m| m.tenant_id == *tenant && m.is_active_tenant_admin()).take(limit).cloned().collect()))
    }

    async fn list_members(
        &self,
        tenant: &TenantId,
        after: Option<&MemberId>,
        limit: usize,
        filter: &MemberFilter,
    ) -> Result<MemberPage, ApiError> {
        Ok(self.read(|t| {
            let mut read = t.members.values().filter(|m| m.tenant_id == *tenant && after.is_none_or(|a| m.member_id > *a));
            let mut page = MemberPageBuilder::new(filter, limit);
            for member in read.by_ref().take(MEMBERS_READ_PER_PAGE) {
                if let Some(done) = page.offer(member.clone()) {
                    return done;
                }
            }
            page.finish(read.next().is_none())
        }))
    }

    async fn emails_in_use(&self, tenant: &TenantId, emails: &[Email]) -> Result<Vec<Email>, ApiError> {
        Ok(self.read(|t| emails.iter().filter(|e| t.emails.contains_key(&(tenant.clone(), e.as_str().to_string()))).cloned().collect()))
    }

    async fn member_by_email(&self, tenant: &TenantId, email: &Email) -> Result<Option<Member>, ApiError> {
        let member = self.read(|t| t.emails.get(&(tenant.clone(), email.as_str().to_string())).cloned());
        match member {
            Some(member) => self.get_member(tenant, &member).await,
            None => Ok(None),
        }
    }
}

#[async_trait]
impl QuotaStore for MemoryStore {
    async fn emails_counted(&self, quotas: &[Quota]) -> Result<Vec<u32>, ApiError> {
        Ok(self.read(|t| {
            quotas.iter().map(|q| t.sends.get(&(q.scope.clone(), q.window_start.unix_timestamp())).copied().unwrap_or(0)).collect()
        }))
    }
}

#[async_trait]
impl PersonStore for MemoryStore {
    async fn get_person(&self, user: &UserSub) -> Result<Option<Person>, ApiError> {
        Ok(self.read(|t| t.people.get(user).map(|p| p.person.clone())))
    }
}

#[async_trait]
impl DirectoryStore for MemoryStore {
    async fn get_connection(&self, tenant: &TenantId) -> Result<Connection, ApiError> {
        Ok(self.read(|t| t.connections.get(tenant).cloned()).unwrap_or_else(|| Connection::unset(tenant)))
    }

    async fn get_directory_token(&self, hash: &TokenHash) -> Result<Option<DirectoryToken>, ApiError> {
        Ok(self.read(|t| t.directory_tokens.get(hash).cloned()))
    }

    async fn record_directory_token_use(&self, hash: &TokenHash, at: OffsetDateTime) -> Result<(), ApiError> {
        if let Some(token) = self.tables.lock().expect("the store's lock is never poisoned").directory_tokens.get_mut(hash) {
            token.last_used_at = Some(at);
        }
        Ok(())
    }

    async fn count_refusal(&self, tenant: &TenantId, window: &RefusalWindow) -> Result<Refusal, ApiError> {
        let mut tables = self.tables.lock().expect("the store's lock is never poisoned");
        if !tables.connections.contains_key(tenant) {
            return Ok(Refusal::Unconnected);
        }
        let counted = tables.refusals.entry(tenant.clone()).or_insert((window.minute, 0));
        if counted.0 != window.minute {
            *counted = (window.minute, 0);
        }
        if counted.1 >= window.max {
            return Ok(Refusal::Full);
        }
        counted.1 += 1;
        Ok(Refusal::Counted)
    }

    async fn get_group(&self, tenant: &TenantId, group: &GroupId) -> Result<Option<DirectoryGroup>, ApiError> {
        Ok(self.read(|t| t.groups.get(&(tenant.clone(), group.clone())).cloned()))
    }

    async fn list_groups(&self, tenant: &TenantId) -> Result<Vec<DirectoryGroup>, ApiError> {
        Ok(self.read(|t| t.groups.values().filter(|g| g.tenant_id == *tenant).cloned().collect()))
    }
}

#[async_trait]
impl TokenStore for MemoryStore {
    async fn get_token(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, ApiError> {
        Ok(self.read(|t| t.links.get(hash).map(|l| l.record.clone())))
    }
}

#[async_trait]
impl AuditStore for MemoryStore {
    async fn list_audit(&self, tenant: &TenantId, before: Option<&AuditId>, limit: usize) -> Result<AuditPage, ApiError> {
        let entries = self.read(|t| {
            t.audit
                .values()
                .rev()
                .filter(|e| e.tenant_id == *tenant && before.is_none_or(|b| e.audit_id < *b))
                .take(limit + 1)
                .cloned()
                .collect()
        });
        Ok(AuditPage::of(entries, limit, |e| e.audit_id.clone()))
    }
}

#[async_trait]
impl IdempotencyStore for MemoryStore {
    async fn reserve(&self, key: &str, fingerprint: &str, now: OffsetDateTime) -> Result<Reservation, ApiError> {
        let mut keys = self.idempotency.lock().expect("the store's lock is never poisoned");
        let now = now.unix_timestamp();
        match keys.get(key) {
            Some(held) if held.response.is_some() || held.reserved_at >= now - IDEMPOTENCY_STALE_SECONDS => {
                if held.fingerprint != fingerprint {
                    return Err(ApiError::IdempotencyKeyReused);
                }
                held.response.clone().map(Reservation::Replay).ok_or(ApiError::IdempotencyInProgress)
            }
            _ => {
                keys.insert(key.to_string(), Idempotency { fingerprint: fingerprint.to_string(), reserved_at: now, response: None });
                Ok(Reservation::Reserved)
            }
        }
    }

    async fn complete(&self, key: &str, response: &StoredResponse) -> Result<(), ApiError> {
        if let Some(held) = self.idempotency.lock().expect("the store's lock is never poisoned").get_mut(key) {
            held.response = Some(response.clone());
        }
        Ok(())
    }

    async fn release(&self, key: &str) -> Result<(), ApiError> {
        self.idempotency.lock().expect("the store's lock is never poisoned").remove(key);
        Ok(())
    }
}

/// A time as DynamoDB keeps it (unix seconds).
fn whole_seconds(at: OffsetDateTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(at.unix_timestamp()).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::links::LinkClaim;
    use crate::tokens::TokenPurpose;

    #[test]
    fn a_claim_holds_a_link_until_it_runs_out() {
        let now = crate::clock::now();
        let claim = LinkClaim::new(now);
        let link = StoredLink {
            record: TokenRecord {
                hash: crate::tokens::Token::generate().unwrap().hash(),
                purpose: TokenPurpose::Invitation,
                tenant_id: TenantId::generate(),
                member_id: MemberId::generate(),
                expires_at: now,
            },
            claim: Some((claim.id.clone(), claim.until.unix_timestamp())),
        };
        assert!(link.held_at(now));
        assert!(!link.held_at(claim.until + time::Duration::seconds(1)));
    }
}
