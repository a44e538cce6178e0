//! The one DynamoDB table. Keys:
//! - tenant          `TENANT#<t>` / `TENANT`          (GSI1 `TENANTS` / `TENANT#<t>`)
//! - descendant link `TENANT#<ancestor>` / `DESC#<t>` (lists what an ancestor's admins manage)
//! - member          `TENANT#<t>` / `MEMBER#<m>`      (GSI1 `USER#<sub>` / `TENANT#<t>`; index `admins`
//!   `TENANT#<t>` / `MEMBER#<m>` while an active tenant-admin)
//! - email marker    `TENANT#<t>` / `EMAIL#<email>`   (keeps an email unique per tenant)
//! - email quotas    `TENANT#<t>` / `RATE#<m>#<purpose>#<hour>`, `TENANT#<t>` / `RATE#TENANT#<day>`,
//!   `ADDRESS#<sha256>` / `RATE#<day>`, `SERVICE` / `RATE#<day>` (expire by TTL)
//! - person          `PERSON#<sub>` / `PERSON`        (membership count, MFA; changed with each membership)
//! - token           `TOKEN#<sha256>` / `TOKEN`       (expires by TTL; expiry is enforced in code)
//! - audit entry     `TENANT#<t>` / `AUDIT#<ulid>`    (newest last; written in the change's transaction)
//!
//! The domain decides every change (`changes`); `commit` maps each of its writes to one item of a
//! transaction and a failed condition back to that write's own conflict. Every change to a member
//! is a put of the whole item guarded on the version that was read, so two writers can never
//! silently overwrite each other.
use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, KeysAndAttributes, Put, PutRequest, TransactWriteItem, Update, WriteRequest,
};
use aws_sdk_dynamodb::Client;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::audit::{ActingMembership, AuditEntry};
use crate::catalog::{PORTAL, TENANT_ADMIN};
use crate::changes::{Changeset, Write};
use crate::email::Email;
use crate::error::ApiError;
use crate::ids::{AuditId, MemberId, TenantId, UserSub};
use crate::links::{LinkClaim, Quota, QuotaScope, TokenRecord};
use crate::listing::{MemberFilter, MemberPage, MemberPageBuilder, TenantPage};
use crate::model::{Member, Mfa, MfaType, Person, Tenant};
use crate::ports::{
    AuditPage, AuditStore, ChangeStore, IdempotencyStore, MemberStore, PersonStore, Reservation, StoredResponse, TenantStore, TokenStore,
};
use crate::tokens::TokenHash;
use crate::tokens::TokenPurpose;

pub const GSI1: &str = "gsi1";
/// The sparse index of active tenant-admins (`adminOf` / `sk`).
const ADMINS_INDEX: &str = "admins";
/// How long an `Idempotency-Key` is remembered.
const IDEMPOTENCY_TTL_SECONDS: i64 = 24 * 3600;
/// A reservation this old belongs to a request that died; a retry may take it over.
const IDEMPOTENCY_STALE_SECONDS: i64 = 60;
/// Tokens stay readable a day past expiry so that an expired link says "expired", not "invalid".
const TOKEN_TTL_GRACE_SECONDS: i64 = 24 * 3600;
/// How long the record of a person whose Cognito user was deleted is kept.
const RETIRED_PERSON_TTL_SECONDS: i64 = 24 * 3600;

pub struct DynamoStore {
    client: Client,
    table: String,
}

type Item = HashMap<String, AttributeValue>;

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}
fn tenant_pk(tenant: &TenantId) -> String {
    format!("TENANT#{tenant}")
}
fn member_sk(member: &MemberId) -> String {
    format!("MEMBER#{member}")
}
fn email_sk(email: &str) -> String {
    format!("EMAIL#{email}")
}
fn person_key(user: &UserSub) -> Item {
    key(format!("PERSON#{}", user.as_str()), "PERSON")
}
fn token_pk(hash: &TokenHash) -> String {
    format!("TOKEN#{}", hash.as_str())
}
fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))])
}

#[derive(Serialize, Deserialize)]
struct TenantItem {
    pk: String,
    sk: String,
    gsi1pk: String,
    gsi1sk: String,
    #[serde(flatten)]
    tenant: Tenant,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MemberItem {
    pk: String,
    sk: String,
    gsi1pk: String,
    gsi1sk: String,
    /// Set on active tenant-admins only: the sparse index `admins` lists them by tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    admin_of: Option<String>,
    #[serde(flatten)]
    member: Member,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenItem {
    pk: String,
    sk: String,
    purpose: TokenPurpose,
    tenant_id: TenantId,
    member_id: MemberId,
    expires_at: i64,
    ttl: i64,
}

/// The person record. Written only by update expressions (counts and MFA change atomically
/// with memberships), so every field may be absent.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PersonItem {
    user_sub: UserSub,
    #[serde(default)]
    memberships: u64,
    #[serde(default)]
    created_by_service: bool,
    #[serde(default)]
    mfa_enabled: bool,
    #[serde(default)]
    mfa_type: Option<MfaType>,
    #[serde(default)]
    version: u64,
    #[serde(default)]
    retiring: bool,
}

impl From<PersonItem> for Person {
    fn from(item: PersonItem) -> Self {
        Person {
            user_sub: item.user_sub,
            memberships: item.memberships,
            created_by_service: item.created_by_service,
            mfa: Mfa { enabled: item.mfa_enabled, r#type: item.mfa_type.filter(|_| item.mfa_enabled) },
            version: item.version,
            retiring: item.retiring,
        }
    }
}

fn mfa_type_value(mfa: &Mfa) -> Option<AttributeValue> {
    mfa.r#type.map(|t| serde_dynamo::to_attribute_value(t).expect("an MFA type serialises"))
}

/// What a reserve needs to read back of an idempotency record.
#[derive(Deserialize)]
struct IdempotencyItem {
    fingerprint: String,
    #[serde(default)]
    response: Option<StoredResponse>,
}

fn idempotency_key(key: &str) -> Item {
    self::key(format!("IDEMPOTENCY#{}", crate::tokens::sha256_hex(key.as_bytes())), "IDEMPOTENCY")
}

fn to_item<T: Serialize>(value: &T) -> Item {
    serde_dynamo::to_item(value).expect("stored records always serialise")
}

fn from_item<T: for<'de> Deserialize<'de>>(item: Item) -> Result<T, ApiError> {
    serde_dynamo::from_item(item).map_err(ApiError::upstream)
}

fn tenant_item(tenant: &Tenant) -> Item {
    to_item(&TenantItem {
        pk: tenant_pk(&tenant.tenant_id),
        sk: "TENANT".into(),
        gsi1pk: "TENANTS".into(),
        gsi1sk: tenant_pk(&tenant.tenant_id),
        tenant: tenant.clone(),
    })
}

fn member_item(member: &Member) -> Item {
    to_item(&MemberItem {
        pk: tenant_pk(&member.tenant_id),
        sk: member_sk(&member.member_id),
        gsi1pk: format!("USER#{}", member.user_sub.as_str()),
        gsi1sk: tenant_pk(&member.tenant_id),
        admin_of: member.is_active_tenant_admin().then(|| tenant_pk(&member.tenant_id)),
        member: member.clone(),
    })
}

fn member_key(member: &Member) -> Item {
    key(tenant_pk(&member.tenant_id), member_sk(&member.member_id))
}

fn audit_key(tenant: &TenantId, audit: &AuditId) -> Item {
    key(tenant_pk(tenant), format!("AUDIT#{audit}"))
}

#[derive(Serialize, Deserialize)]
struct AuditItem {
    pk: String,
    sk: String,
    #[serde(flatten)]
    entry: AuditEntry,
}

fn audit_item(entry: &AuditEntry) -> Item {
    let key = audit_key(&entry.tenant_id, &entry.audit_id);
    let (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) = (key.get("pk"), key.get("sk")) else {
        unreachable!("audit_key sets pk and sk")
    };
    to_item(&AuditItem { pk: pk.clone(), sk: sk.clone(), entry: entry.clone() })
}

fn token_key(hash: &TokenHash) -> Item {
    key(token_pk(hash), "TOKEN")
}

fn number(n: impl ToString) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

fn token_item(token: &TokenRecord) -> Item {
    let expires_at = token.expires_at.unix_timestamp();
    to_item(&TokenItem {
        pk: token_pk(&token.hash),
        sk: "TOKEN".into(),
        purpose: token.purpose,
        tenant_id: token.tenant_id.clone(),
        member_id: token.member_id.clone(),
        expires_at,
        ttl: expires_at + TOKEN_TTL_GRACE_SECONDS,
    })
}

fn email_marker_key(tenant: &TenantId, email: &Email) -> Item {
    key(tenant_pk(tenant), email_sk(email.as_str()))
}

fn email_marker(tenant: &TenantId, email: &Email, member: &MemberId) -> Item {
    let mut item = email_marker_key(tenant, email);
    item.insert("memberId".into(), s(member.as_str()));
    item
}

fn descendant_key(ancestor: &TenantId, tenant: &TenantId) -> Item {
    key(tenant_pk(ancestor), format!("DESC#{tenant}"))
}

fn update(update: aws_sdk_dynamodb::types::builders::UpdateBuilder) -> TransactWriteItem {
    TransactWriteItem::builder().update(update.build().expect("table, key and expression are set")).build()
}

impl DynamoStore {
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    /// Writes members and their email markers with `BatchWriteItem`, for load tests and the
    /// benchmark: no audit entries, no tokens, and the tenant's member count is left as it was.
    pub async fn bulk_load_members(&self, members: &[Member]) -> Result<(), ApiError> {
        self.batch_put(members.iter().flat_map(|m| [member_item(m), email_marker(&m.tenant_id, &m.email, &m.member_id)]).collect()).await
    }

    /// Writes tenants with `BatchWriteItem`, for the benchmark: no representative member, no
    /// descendant links.
    pub async fn bulk_load_tenants(&self, tenants: &[Tenant]) -> Result<(), ApiError> {
        self.batch_put(tenants.iter().map(tenant_item).collect()).await
    }

    async fn batch_put(&self, items: Vec<Item>) -> Result<(), ApiError> {
        let requests: Vec<WriteRequest> = items
            .into_iter()
            .map(|item| {
                WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(item)).build().expect("an item is set")).build()
            })
            .collect();
        for chunk in requests.chunks(25) {
            let mut pending = Some(chunk.to_vec());
            while let Some(batch) = pending.take().filter(|b| !b.is_empty()) {
                let output = self.client.batch_write_item().request_items(&self.table, batch).send().await.map_err(ApiError::upstream)?;
                pending = output.unprocessed_items.and_then(|mut u| u.remove(&self.table));
            }
        }
        Ok(())
    }

    /// The transaction item of one write.
    fn transact_item(&self, write: &Write) -> TransactWriteItem {
        match write {
            Write::RequireTenant(tenant) => self.check(key(tenant_pk(tenant), "TENANT"), "attribute_exists(pk)"),
            Write::CreateTenant(tenant) => self.put_new(tenant_item(tenant)),
            Write::DeleteTenant(tenant) => self.delete(key(tenant_pk(tenant), "TENANT")),
            Write::AddDescendant { ancestor, tenant } => self.put_new(descendant_key(ancestor, tenant)),
            Write::RemoveDescendant { ancestor, tenant } => self.delete(descendant_key(ancestor, tenant)),
            Write::CountMembers { tenant, delta } => update(
                self.update(key(tenant_pk(tenant), "TENANT"))
                    .update_expression("ADD memberCount :delta")
                    .condition_expression("attribute_exists(pk)")
                    .expression_attribute_values(":delta", number(delta)),
            ),
            Write::SetRepresentative { tenant, expected, summary } => update(
                self.update(key(tenant_pk(tenant), "TENANT"))
                    .update_expression("SET representative = :summary")
                    .condition_expression("representative.memberId = :expected")
                    .expression_attribute_values(":summary", serde_dynamo::to_attribute_value(summary).expect("a summary serialises"))
                    .expression_attribute_values(":expected", s(expected.as_str())),
            ),
            Write::InsertMember(member) => self.put_new(member_item(member)),
            Write::UpdateMember { version, after } => {
                self.put(member_item(after), "version = :version", HashMap::from([(":version".into(), number(version))]))
            }
            Write::DeleteMember(member) => {
                self.delete_if(member_key(member), "version = :version", HashMap::from([(":version".into(), number(member.version))]))
            }
            Write::RequireAuthority(authority) => self.require_authority(authority),
            Write::ReserveEmail { tenant, email, member } => self.put_new(email_marker(tenant, email, member)),
            Write::ReleaseEmail { tenant, email } => self.delete(email_marker_key(tenant, email)),
            Write::PutLink(link) => self.put_new(token_item(link)),
            Write::DeleteLink(hash) => self.delete(token_key(hash)),
            Write::ClaimLink { hash, claim } => self.claim(hash, claim),
            Write::ReleaseLink { hash, claim } => update(
                self.update(token_key(hash))
                    .update_expression("REMOVE claimId, claimedUntil")
                    .condition_expression("claimId = :claim")
                    .expression_attribute_values(":claim", s(claim)),
            ),
            Write::BurnLink { hash, claim: Some(claim), .. } => {
                self.delete_if(token_key(hash), "claimId = :claim", HashMap::from([(":claim".into(), s(claim))]))
            }
            Write::BurnLink { hash, claim: None, at } => self.delete_if(
                token_key(hash),
                "attribute_exists(pk) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)",
                HashMap::from([(":now".into(), number(at.unix_timestamp()))]),
            ),
            Write::CountEmail(quota) => self.count_email(quota),
            Write::JoinPerson { user, mfa, created_user } => self.join_person(user, mfa, *created_user),
            Write::UnjoinPerson(user) => update(
                self.update(person_key(user))
                    .update_expression("ADD memberships :minus, version :one")
                    .condition_expression("attribute_exists(pk)")
                    .expression_attribute_values(":minus", number(-1))
                    .expression_attribute_values(":one", number(1)),
            ),
            Write::LeavePerson { person, retire, at } => self.leave_person(person, *retire, *at),
            Write::SetPersonMfa { person, memberships, mfa } => self.set_person_mfa(person, *memberships, mfa),
            Write::SetFirstPassword { user, link, account_exists } => {
                let condition = if *account_exists {
                    "firstPassword = :link"
                } else {
                    "attribute_exists(pk) AND (attribute_not_exists(firstPassword) OR firstPassword = :link)"
                };
                update(
                    self.update(person_key(user))
                        .update_expression("SET firstPassword = :link")
                        .condition_expression(condition)
                        .expression_attribute_values(":link", s(link.as_str())),
                )
            }
            Write::PutAudit(entry) => self.put_new(audit_item(entry)),
            Write::DeleteAudit { tenant, audit } => self.delete(audit_key(tenant, audit)),
        }
    }

    fn update(&self, key: Item) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        Update::builder().table_name(&self.table).set_key(Some(key))
    }

    fn check(&self, key: Item, condition: &str) -> TransactWriteItem {
        let check = ConditionCheck::builder().table_name(&self.table).set_key(Some(key)).condition_expression(condition);
        TransactWriteItem::builder().condition_check(check.build().expect("table, key and condition are set")).build()
    }

    fn put(&self, item: Item, condition: &str, values: Item) -> TransactWriteItem {
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item)).condition_expression(condition);
        if !values.is_empty() {
            put = put.set_expression_attribute_values(Some(values));
        }
        TransactWriteItem::builder().put(put.build().expect("table, item and condition are set")).build()
    }

    fn put_new(&self, item: Item) -> TransactWriteItem {
        self.put(item, "attribute_not_exists(pk)", Item::new())
    }

    fn delete(&self, key: Item) -> TransactWriteItem {
        let delete = Delete::builder().table_name(&self.table).set_key(Some(key));
        TransactWriteItem::builder().delete(delete.build().expect("table and key are set")).build()
    }

    fn delete_if(&self, key: Item, condition: &str, values: Item) -> TransactWriteItem {
        let mut delete = Delete::builder().table_name(&self.table).set_key(Some(key)).condition_expression(condition);
        if !values.is_empty() {
            delete = delete.set_expression_attribute_values(Some(values));
        }
        TransactWriteItem::builder().delete(delete.build().expect("table and key are set")).build()
    }

    fn require_authority(&self, authority: &ActingMembership) -> TransactWriteItem {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key(tenant_pk(&authority.tenant_id), member_sk(&authority.member_id))))
            .condition_expression("#status = :active AND #roles.#portal = :admin")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#roles", "roles")
            .expression_attribute_names("#portal", PORTAL)
            .expression_attribute_values(":active", s("active"))
            .expression_attribute_values(":admin", s(TENANT_ADMIN))
            .build()
            .expect("table, key and condition are set");
        TransactWriteItem::builder().condition_check(check).build()
    }

    fn claim(&self, hash: &TokenHash, claim: &LinkClaim) -> TransactWriteItem {
        update(
            self.update(token_key(hash))
                .update_expression("SET claimId = :claim, claimedUntil = :until")
                .condition_expression("attribute_exists(pk) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)")
                .expression_attribute_values(":claim", s(&claim.id))
                .expression_attribute_values(":until", number(claim.until.unix_timestamp()))
                .expression_attribute_values(":now", number(claim.at.unix_timestamp())),
        )
    }

    fn join_person(&self, user: &UserSub, mfa: &Mfa, created_user: bool) -> TransactWriteItem {
        let created = if created_user { ":true" } else { "if_not_exists(createdByService, :false)" };
        let mut join = self
            .update(person_key(user))
            .update_expression(format!(
                "SET userSub = :sub, mfaEnabled = if_not_exists(mfaEnabled, :false), createdByService = {created} ADD memberships :one, version :one"
            ))
            .expression_attribute_values(":sub", s(user.as_str()))
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":false", AttributeValue::Bool(false));
        join = match mfa_type_value(mfa).filter(|_| mfa.enabled) {
            Some(mfa_type) => join
                .condition_expression("attribute_not_exists(retiring) AND mfaEnabled = :true AND mfaType = :type")
                .expression_attribute_values(":type", mfa_type),
            None => join.condition_expression("attribute_not_exists(pk) OR (attribute_not_exists(retiring) AND mfaEnabled = :false)"),
        };
        if created_user || mfa.enabled {
            join = join.expression_attribute_values(":true", AttributeValue::Bool(true));
        }
        update(join)
    }

    fn leave_person(&self, person: &Person, retire: bool, at: OffsetDateTime) -> TransactWriteItem {
        let leave = self
            .update(person_key(&person.user_sub))
            .condition_expression("version = :version")
            .expression_attribute_values(":version", number(person.version))
            .expression_attribute_values(":minus", number(-1))
            .expression_attribute_values(":one", number(1));
        update(if retire {
            leave
                .update_expression("SET retiring = :true, #ttl = :ttl ADD memberships :minus, version :one")
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":true", AttributeValue::Bool(true))
                .expression_attribute_values(":ttl", number(at.unix_timestamp() + RETIRED_PERSON_TTL_SECONDS))
        } else {
            leave.update_expression("ADD memberships :minus, version :one")
        })
    }

    fn set_person_mfa(&self, person: &Person, memberships: u64, mfa: &Mfa) -> TransactWriteItem {
        let set = self
            .update(person_key(&person.user_sub))
            .condition_expression("version = :version AND memberships = :memberships")
            .expression_attribute_values(":version", number(person.version))
            .expression_attribute_values(":memberships", number(memberships))
            .expression_attribute_values(":enabled", AttributeValue::Bool(mfa.enabled))
            .expression_attribute_values(":one", number(1));
        update(match mfa_type_value(mfa) {
            Some(mfa_type) => set
                .update_expression("SET mfaEnabled = :enabled, mfaType = :type ADD version :one")
                .expression_attribute_values(":type", mfa_type),
            None => set.update_expression("SET mfaEnabled = :enabled REMOVE mfaType ADD version :one"),
        })
    }

    fn count_email(&self, quota: &Quota) -> TransactWriteItem {
        let window = quota.window_start.unix_timestamp();
        let key = match &quota.scope {
            QuotaScope::Member { tenant, member, purpose } => {
                let purpose = match purpose {
                    TokenPurpose::Invitation => "invitation",
                    TokenPurpose::PasswordReset => "password-reset",
                };
                key(tenant_pk(tenant), format!("RATE#{member}#{purpose}#{window}"))
            }
            QuotaScope::Address(hash) => key(format!("ADDRESS#{hash}"), format!("RATE#{window}")),
            QuotaScope::Tenant(tenant) => key(tenant_pk(tenant), format!("RATE#TENANT#{window}")),
            QuotaScope::Service => key("SERVICE".into(), format!("RATE#{window}")),
        };
        update(
            self.update(key)
                .update_expression("SET #ttl = :ttl ADD sends :one")
                .condition_expression("attribute_not_exists(sends) OR sends < :max")
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":ttl", number(quota.window_end().unix_timestamp() + 3600))
                .expression_attribute_values(":one", number(1))
                .expression_attribute_values(":max", number(quota.max)),
        )
    }

    async fn get(&self, key: Item) -> Result<Option<Item>, ApiError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(ApiError::upstream)?;
        Ok(output.item)
    }

    async fn read_tenants(&self, ids: &[TenantId]) -> Result<Vec<Tenant>, ApiError> {
        let mut tenants = Vec::with_capacity(ids.len());
        // BatchGetItem takes at most 100 keys.
        for chunk in ids.chunks(100) {
            let keys = chunk.iter().map(|t| key(tenant_pk(t), "TENANT")).collect();
            let mut request = Some(KeysAndAttributes::builder().set_keys(Some(keys)).build().map_err(ApiError::upstream)?);
            while let Some(keys) = request.take() {
                let output = self.client.batch_get_item().request_items(&self.table, keys).send().await.map_err(ApiError::upstream)?;
                for item in output.responses.and_then(|mut r| r.remove(&self.table)).unwrap_or_default() {
                    tenants.push(from_item::<TenantItem>(item)?.tenant);
                }
                request = output.unprocessed_keys.and_then(|mut u| u.remove(&self.table));
            }
        }
        tenants.sort_by(|a, b| a.tenant_id.cmp(&b.tenant_id));
        Ok(tenants)
    }

    /// Every item of a query, following pages.
    async fn query_all(&self, index: Option<&str>, condition: &str, values: Item) -> Result<Vec<Item>, ApiError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(index.map(str::to_string))
                .key_condition_expression(condition)
                .set_expression_attribute_values(Some(values.clone()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(ApiError::upstream)?;
            items.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }
}

#[async_trait]
impl ChangeStore for DynamoStore {
    async fn commit(&self, changes: &Changeset) -> Result<(), ApiError> {
        if changes.writes.is_empty() {
            return Ok(());
        }
        let items = changes.writes.iter().map(|guarded| self.transact_item(&guarded.write)).collect();
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                    // Cancellation reasons come in item order, one item per write.
                    let failed = cancelled.cancellation_reasons().iter().position(|r| r.code() == Some("ConditionalCheckFailed"));
                    match failed.and_then(|index| changes.writes.get(index)) {
                        Some(guarded) => Err((guarded.conflict)(&guarded.write)),
                        None => Err(ApiError::upstream(SdkError::ServiceError(e))),
                    }
                }
                _ => Err(ApiError::upstream(SdkError::ServiceError(e))),
            },
            Err(e) => Err(ApiError::upstream(e)),
        }
    }
}

#[async_trait]
impl TenantStore for DynamoStore {
    async fn get_tenant(&self, id: &TenantId) -> Result<Option<Tenant>, ApiError> {
        match self.get(key(tenant_pk(id), "TENANT")).await? {
            Some(item) => Ok(Some(from_item::<TenantItem>(item)?.tenant)),
            None => Ok(None),
        }
    }

    async fn get_tenants(&self, ids: &[TenantId]) -> Result<Vec<Tenant>, ApiError> {
        self.read_tenants(ids).await
    }

    async fn tenant_ids_under(&self, roots: &[TenantId]) -> Result<Vec<TenantId>, ApiError> {
        let mut ids: Vec<TenantId> = roots.to_vec();
        let lookups = roots.iter().map(|root| {
            self.query_all(
                None,
                "pk = :pk AND begins_with(sk, :desc)",
                HashMap::from([(":pk".to_string(), s(tenant_pk(root))), (":desc".to_string(), s("DESC#"))]),
            )
        });
        for items in futures::future::try_join_all(lookups).await? {
            for item in items {
                if let Some(AttributeValue::S(sk)) = item.get("sk") {
                    if let Some(id) = sk.strip_prefix("DESC#").and_then(|id| TenantId::parse(id).ok()) {
                        ids.push(id);
                    }
                }
            }
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    async fn tenants_page(&self, after: Option<&TenantId>, limit: usize) -> Result<TenantPage, ApiError> {
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", s("TENANTS"))
            .limit(i32::try_from(limit + 1).unwrap_or(i32::MAX));
        if let Some(after) = after {
            request = request.set_exclusive_start_key(Some(HashMap::from([
                ("gsi1pk".to_string(), s("TENANTS")),
                ("gsi1sk".to_string(), s(tenant_pk(after))),
                ("pk".to_string(), s(tenant_pk(after))),
                ("sk".to_string(), s("TENANT")),
            ])));
        }
        let output = request.send().await.map_err(ApiError::upstream)?;
        let tenants = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| Ok(from_item::<TenantItem>(item)?.tenant))
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(TenantPage::of(tenants, limit, |t| t.tenant_id.clone()))
    }
}

#[async_trait]
impl MemberStore for DynamoStore {
    async fn get_member(&self, tenant: &TenantId, member: &MemberId) -> Result<Option<Member>, ApiError> {
        match self.get(key(tenant_pk(tenant), member_sk(member))).await? {
            Some(item) => Ok(Some(from_item::<MemberItem>(item)?.member)),
            None => Ok(None),
        }
    }

    async fn memberships_of(&self, user: &UserSub) -> Result<Vec<Member>, ApiError> {
        let items =
            self.query_all(Some(GSI1), "gsi1pk = :pk", HashMap::from([(":pk".to_string(), s(format!("USER#{}", user.as_str())))])).await?;
        items.into_iter().map(|item| Ok(from_item::<MemberItem>(item)?.member)).collect()
    }

    async fn tenant_admins(&self, tenant: &TenantId, limit: usize) -> Result<Vec<Member>, ApiError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(ADMINS_INDEX)
            .key_condition_expression("adminOf = :tenant")
            .expression_attribute_values(":tenant", s(tenant_pk(tenant)))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(ApiError::upstream)?;
        output.items.unwrap_or_default().into_iter().map(|item| Ok(from_item::<MemberItem>(item)?.member)).collect()
    }

    async fn list_members(
        &self,
        tenant: &TenantId,
        after: Option<&MemberId>,
        limit: usize,
        filter: &MemberFilter,
    ) -> Result<MemberPage, ApiError> {
        let unfiltered = filter.status.is_none() && filter.role.is_none() && filter.email_prefix.is_none();
        let mut page = MemberPageBuilder::new(filter, limit);
        let mut start = after.map(|m| key(tenant_pk(tenant), member_sk(m)));
        // Without a filter, one Query of one more than asked tells whether another page follows.
        // With one, Queries go on until enough members match or the page has read its share.
        loop {
            let want = if unfiltered { limit + 1 } else { page.room() };
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :member)")
                .expression_attribute_values(":pk", s(tenant_pk(tenant)))
                .expression_attribute_values(":member", s("MEMBER#"))
                .set_exclusive_start_key(start)
                .limit(i32::try_from(want).unwrap_or(i32::MAX))
                .consistent_read(true)
                .send()
                .await
                .map_err(ApiError::upstream)?;
            for item in output.items.unwrap_or_default() {
                if let Some(done) = page.offer(from_item::<MemberItem>(item)?.member) {
                    return Ok(done);
                }
            }
            start = output.last_evaluated_key;
            if start.is_none() || page.room() == 0 {
                return Ok(page.finish(start.is_none()));
            }
        }
    }
}

#[async_trait]
impl TokenStore for DynamoStore {
    async fn get_token(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, ApiError> {
        let Some(item) = self.get(token_key(hash)).await? else {
            return Ok(None);
        };
        let item: TokenItem = from_item(item)?;
        Ok(Some(TokenRecord {
            hash: hash.clone(),
            purpose: item.purpose,
            tenant_id: item.tenant_id,
            member_id: item.member_id,
            expires_at: OffsetDateTime::from_unix_timestamp(item.expires_at).map_err(ApiError::upstream)?,
        }))
    }
}

#[async_trait]
impl PersonStore for DynamoStore {
    async fn get_person(&self, user: &UserSub) -> Result<Option<Person>, ApiError> {
        match self.get(person_key(user)).await? {
            Some(item) => Ok(Some(from_item::<PersonItem>(item)?.into())),
            None => Ok(None),
        }
    }
}

#[async_trait]
impl IdempotencyStore for DynamoStore {
    async fn reserve(&self, key: &str, fingerprint: &str, now: OffsetDateTime) -> Result<Reservation, ApiError> {
        let mut item = idempotency_key(key);
        let reserved_at = now.unix_timestamp();
        item.insert("fingerprint".into(), s(fingerprint));
        item.insert("reservedAt".into(), number(reserved_at));
        item.insert("ttl".into(), number(reserved_at + IDEMPOTENCY_TTL_SECONDS));
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item.clone()))
            // Free, or held by a request that died without completing or releasing it.
            .condition_expression("attribute_not_exists(pk) OR (attribute_not_exists(#response) AND reservedAt < :stale)")
            .expression_attribute_names("#response", "response")
            .expression_attribute_values(":stale", number(reserved_at - IDEMPOTENCY_STALE_SECONDS))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let existing = match put {
            Ok(_) => return Ok(Reservation::Reserved),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                PutItemError::ConditionalCheckFailedException(failed) => failed.item,
                other => return Err(ApiError::upstream(other)),
            },
            Err(e) => return Err(ApiError::upstream(e)),
        };
        let existing: IdempotencyItem = match existing {
            Some(item) => from_item(item)?,
            None => self.get(idempotency_key(key)).await?.map(from_item).transpose()?.ok_or(ApiError::IdempotencyInProgress)?,
        };
        if existing.fingerprint != fingerprint {
            return Err(ApiError::IdempotencyKeyReused);
        }
        existing.response.map(Reservation::Replay).ok_or(ApiError::IdempotencyInProgress)
    }

    async fn complete(&self, key: &str, response: &StoredResponse) -> Result<(), ApiError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(idempotency_key(key)))
            .update_expression("SET #response = :response")
            .expression_attribute_names("#response", "response")
            .expression_attribute_values(":response", serde_dynamo::to_attribute_value(response).map_err(ApiError::upstream)?)
            .send()
            .await
            .map_err(ApiError::upstream)?;
        Ok(())
    }

    async fn release(&self, key: &str) -> Result<(), ApiError> {
        self.client.delete_item().table_name(&self.table).set_key(Some(idempotency_key(key))).send().await.map_err(ApiError::upstream)?;
        Ok(())
    }
}

#[async_trait]
impl AuditStore for DynamoStore {
    async fn list_audit(&self, tenant: &TenantId, before: Option<&AuditId>, limit: usize) -> Result<AuditPage, ApiError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :audit)")
            .expression_attribute_values(":pk", s(tenant_pk(tenant)))
            .expression_attribute_values(":audit", s("AUDIT#"))
            .set_exclusive_start_key(before.map(|id| audit_key(tenant, id)))
            .scan_index_forward(false)
            .limit(i32::try_from(limit + 1).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(ApiError::upstream)?;
        let items = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| Ok(from_item::<AuditItem>(item)?.entry))
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(AuditPage::of(items, limit, |e| e.audit_id.clone()))
    }
}
