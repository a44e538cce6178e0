//! The one DynamoDB table. Keys:
//! - tenant          `TENANT#<t>` / `TENANT`          (GSI1 `TENANTS` / `TENANT#<t>`)
//! - descendant link `TENANT#<ancestor>` / `DESC#<t>` (lists what an ancestor's admins manage)
//! - member          `TENANT#<t>` / `MEMBER#<m>`      (GSI1 `USER#<sub>` / `TENANT#<t>`; index `admins`
//!   `TENANT#<t>` / `MEMBER#<m>` while an active tenant-admin)
//! - email marker    `TENANT#<t>` / `EMAIL#<email>`   (keeps an email unique per tenant)
//! - email quotas    `TENANT#<t>` / `RATE#<m>#<purpose>#<hour>`, `TENANT#<t>` / `RATE#TENANT#<day>`,
//!   `ADDRESS#<sha256>` / `RATE#<day>`, `SERVICE#<shard>` / `RATE#<day>` (expire by TTL)
//! - person          `PERSON#<sub>` / `PERSON`        (membership count, MFA; changed with each membership)
//! - token           `TOKEN#<sha256>` / `TOKEN`       (expires by TTL; expiry is enforced in code)
//! - audit entry     `TENANT#<t>` / `AUDIT#<ulid>`    (newest last; written in the change's transaction)
//! - directory       `TENANT#<t>` / `DIRECTORY`       (the tenant's SCIM connection: tokens, roles)
//! - directory token `DIRTOKEN#<sha256>` / `DIRTOKEN` (a SCIM request's one read; expires by TTL)
//! - directory group `TENANT#<t>` / `GROUP#<g>`; its name `TENANT#<t>` / `GROUPNAME#<name>` (unique per tenant)
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
use crate::directory::{Connection, DirectoryGroup, DirectoryToken, Refusal, RefusalWindow};
use crate::email::Email;
use crate::error::ApiError;
use crate::ids::{AuditId, GroupId, MemberId, TenantId, UserSub};
use crate::links::{LinkClaim, Quota, QuotaScope, TokenRecord};
use crate::listing::{MemberFilter, MemberPage, MemberPageBuilder, TenantPage};
use crate::model::{Member, Mfa, MfaType, Person, Tenant};
use crate::ports::{
    AuditPage, AuditStore, ChangeStore, DirectoryStore, IdempotencyStore, MemberStore, PersonStore, QuotaStore, Reservation,
    StoredResponse, TenantStore, TokenStore,
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

mod commit;
pub use commit::CONFLICT_WAIT;
mod idempotency;
mod items;
mod reads;
pub mod stream;

use items::*;

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

    pub(super) async fn get(&self, key: Item) -> Result<Option<Item>, ApiError> {
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

    pub(super) async fn read_tenants(&self, ids: &[TenantId]) -> Result<Vec<Tenant>, ApiError> {
        let items = self.batch_get(ids.iter().map(|t| key(tenant_pk(t), "TENANT")).collect()).await?;
        let mut tenants = items.into_iter().map(|item| Ok(from_item::<TenantItem>(item)?.tenant)).collect::<Result<Vec<_>, ApiError>>()?;
        tenants.sort_by(|a, b| a.tenant_id.cmp(&b.tenant_id));
        Ok(tenants)
    }

    /// The items of `keys` that exist, in no particular order: `BatchGetItem`, 100 keys at a
    /// time (each once: it refuses a repeated key), following its unprocessed keys.
    pub(super) async fn batch_get(&self, mut keys: Vec<Item>) -> Result<Vec<Item>, ApiError> {
        let mut seen = std::collections::HashSet::new();
        let text = |k: &Item, name: &str| k.get(name).and_then(|v| v.as_s().ok()).cloned();
        keys.retain(|k| seen.insert((text(k, "pk"), text(k, "sk"))));
        let mut items = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(100) {
            let mut request = Some(
                KeysAndAttributes::builder().set_keys(Some(chunk.to_vec())).consistent_read(true).build().map_err(ApiError::upstream)?,
            );
            while let Some(keys) = request.take() {
                let output = self.client.batch_get_item().request_items(&self.table, keys).send().await.map_err(ApiError::upstream)?;
                items.extend(output.responses.and_then(|mut r| r.remove(&self.table)).unwrap_or_default());
                request = output.unprocessed_keys.and_then(|mut u| u.remove(&self.table));
            }
        }
        Ok(items)
    }

    /// Every item of a query, following pages.
    pub(super) async fn query_all(&self, index: Option<&str>, condition: &str, values: Item) -> Result<Vec<Item>, ApiError> {
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
