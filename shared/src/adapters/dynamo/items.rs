//! The table's keys, and how each record maps to its item.
use super::*;

pub(super) fn tenant_pk(tenant: &TenantId) -> String {
    format!("TENANT#{tenant}")
}
pub(super) fn member_sk(member: &MemberId) -> String {
    format!("MEMBER#{member}")
}
pub(super) fn email_sk(email: &str) -> String {
    format!("EMAIL#{email}")
}
pub(super) fn person_key(user: &UserSub) -> Item {
    key(format!("PERSON#{}", user.as_str()), "PERSON")
}
pub(super) fn token_pk(hash: &TokenHash) -> String {
    format!("TOKEN#{}", hash.as_str())
}
pub(super) fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))])
}

#[derive(Serialize, Deserialize)]
pub(super) struct TenantItem {
    pub(super) pk: String,
    pub(super) sk: String,
    gsi1pk: String,
    gsi1sk: String,
    #[serde(flatten)]
    pub(super) tenant: Tenant,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct MemberItem {
    pub(super) pk: String,
    pub(super) sk: String,
    gsi1pk: String,
    gsi1sk: String,
    /// Set on active tenant-admins only: the sparse index `admins` lists them by tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) admin_of: Option<String>,
    #[serde(flatten)]
    pub(super) member: Member,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TokenItem {
    pub(super) pk: String,
    pub(super) sk: String,
    pub(super) purpose: TokenPurpose,
    pub(super) tenant_id: TenantId,
    pub(super) member_id: MemberId,
    /// Whole seconds, as links stored before `expires_at_ms` say it.
    pub(super) expires_at: i64,
    /// The exact expiry (milliseconds), as the member's `invitationExpiresAt` shows it.
    #[serde(default)]
    pub(super) expires_at_ms: Option<i64>,
    pub(super) ttl: i64,
}

/// The person record. Written only by update expressions (counts and MFA change atomically
/// with memberships), so every field may be absent.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PersonItem {
    pub(super) user_sub: UserSub,
    #[serde(default)]
    pub(super) memberships: u64,
    #[serde(default)]
    pub(super) created_by_service: bool,
    #[serde(default)]
    pub(super) mfa_enabled: bool,
    #[serde(default)]
    pub(super) mfa_type: Option<MfaType>,
    #[serde(default)]
    pub(super) version: u64,
    #[serde(default)]
    pub(super) retiring: bool,
    /// Unix seconds.
    #[serde(default)]
    pub(super) signed_out_at: Option<i64>,
    #[serde(default)]
    pub(super) active_tenant: Option<TenantId>,
    #[serde(default)]
    pub(super) sessions_outlive_sign_out: bool,
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
            signed_out_at: item.signed_out_at.and_then(|at| time::OffsetDateTime::from_unix_timestamp(at).ok()),
            active_tenant: item.active_tenant,
            sessions_outlive_sign_out: item.sessions_outlive_sign_out,
        }
    }
}

pub(super) fn mfa_type_value(mfa: &Mfa) -> Option<AttributeValue> {
    mfa.r#type.map(|t| serde_dynamo::to_attribute_value(t).expect("an MFA type serialises"))
}

/// What a reserve needs to read back of an idempotency record.
#[derive(Deserialize)]
pub(super) struct IdempotencyItem {
    pub(super) fingerprint: String,
    #[serde(default)]
    pub(super) response: Option<StoredResponse>,
}

pub(super) fn idempotency_key(key: &str) -> Item {
    self::key(format!("IDEMPOTENCY#{}", crate::tokens::sha256_hex(key.as_bytes())), "IDEMPOTENCY")
}

pub(super) fn to_item<T: Serialize>(value: &T) -> Item {
    serde_dynamo::to_item(value).expect("stored records always serialise")
}

pub(super) fn from_item<T: for<'de> Deserialize<'de>>(item: Item) -> Result<T, ApiError> {
    serde_dynamo::from_item(item).map_err(ApiError::upstream)
}

pub(super) fn tenant_item(tenant: &Tenant) -> Item {
    to_item(&TenantItem {
        pk: tenant_pk(&tenant.tenant_id),
        sk: "TENANT".into(),
        gsi1pk: "TENANTS".into(),
        gsi1sk: tenant_pk(&tenant.tenant_id),
        tenant: tenant.clone(),
    })
}

pub(super) fn member_item(member: &Member) -> Item {
    to_item(&MemberItem {
        pk: tenant_pk(&member.tenant_id),
        sk: member_sk(&member.member_id),
        gsi1pk: format!("USER#{}", member.user_sub.as_str()),
        gsi1sk: tenant_pk(&member.tenant_id),
        admin_of: member.is_active_tenant_admin().then(|| tenant_pk(&member.tenant_id)),
        member: member.clone(),
    })
}

pub(super) fn member_key(member: &Member) -> Item {
    key(tenant_pk(&member.tenant_id), member_sk(&member.member_id))
}

pub(super) fn audit_key(tenant: &TenantId, audit: &AuditId) -> Item {
    key(tenant_pk(tenant), format!("AUDIT#{audit}"))
}

#[derive(Serialize, Deserialize)]
pub(super) struct AuditItem {
    pub(super) pk: String,
    pub(super) sk: String,
    #[serde(flatten)]
    pub(super) entry: AuditEntry,
}

pub(super) fn audit_item(entry: &AuditEntry) -> Item {
    let key = audit_key(&entry.tenant_id, &entry.audit_id);
    let (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) = (key.get("pk"), key.get("sk")) else {
        unreachable!("audit_key sets pk and sk")
    };
    to_item(&AuditItem { pk: pk.clone(), sk: sk.clone(), entry: entry.clone() })
}

pub(super) fn token_key(hash: &TokenHash) -> Item {
    key(token_pk(hash), "TOKEN")
}

pub(super) fn number(n: impl ToString) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

pub(super) fn token_item(token: &TokenRecord) -> Item {
    let expires_at = token.expires_at.unix_timestamp();
    to_item(&TokenItem {
        pk: token_pk(&token.hash),
        sk: "TOKEN".into(),
        purpose: token.purpose,
        tenant_id: token.tenant_id.clone(),
        member_id: token.member_id.clone(),
        expires_at,
        expires_at_ms: i64::try_from(token.expires_at.unix_timestamp_nanos() / 1_000_000).ok(),
        ttl: expires_at + TOKEN_TTL_GRACE_SECONDS,
    })
}

pub(super) fn email_marker_key(tenant: &TenantId, email: &Email) -> Item {
    key(tenant_pk(tenant), email_sk(email.as_str()))
}

pub(super) fn email_marker(tenant: &TenantId, email: &Email, member: &MemberId) -> Item {
    let mut item = email_marker_key(tenant, email);
    item.insert("memberId".into(), s(member.as_str()));
    item
}

/// The counter of a quota's window: `sends` counts its emails.
pub(super) fn quota_key(quota: &Quota) -> Item {
    let window = quota.window_start.unix_timestamp();
    match &quota.scope {
        QuotaScope::Member { tenant, member, purpose } => {
            let purpose = match purpose {
                TokenPurpose::Invitation => "invitation",
                TokenPurpose::PasswordReset => "password-reset",
            };
            key(tenant_pk(tenant), format!("RATE#{member}#{purpose}#{window}"))
        }
        QuotaScope::Address(hash) => key(format!("ADDRESS#{hash}"), format!("RATE#{window}")),
        QuotaScope::AddressFromTree { tree, address } => key(format!("ADDRESS#{address}"), format!("RATE#TREE#{tree}#{window}")),
        QuotaScope::Tenant(tenant) => key(tenant_pk(tenant), format!("RATE#TENANT#{window}")),
        QuotaScope::Service { shard } => key(format!("SERVICE#{shard}"), format!("RATE#{window}")),
        QuotaScope::Batches(tenant) => key(tenant_pk(tenant), format!("RATE#BATCH#{window}")),
    }
}

pub(super) fn descendant_key(ancestor: &TenantId, tenant: &TenantId) -> Item {
    key(tenant_pk(ancestor), format!("DESC#{tenant}"))
}

pub(super) fn update(update: aws_sdk_dynamodb::types::builders::UpdateBuilder) -> TransactWriteItem {
    TransactWriteItem::builder().update(update.build().expect("table, key and expression are set")).build()
}

pub(super) fn connection_key(tenant: &TenantId) -> Item {
    key(tenant_pk(tenant), "DIRECTORY")
}

#[derive(Serialize, Deserialize)]
pub(super) struct ConnectionItem {
    pub(super) pk: String,
    pub(super) sk: String,
    #[serde(flatten)]
    pub(super) connection: Connection,
}

pub(super) fn connection_item(connection: &Connection) -> Item {
    to_item(&ConnectionItem { pk: tenant_pk(&connection.tenant_id), sk: "DIRECTORY".into(), connection: connection.clone() })
}

pub(super) fn directory_token_key(hash: &TokenHash) -> Item {
    key(format!("DIRTOKEN#{}", hash.as_str()), "DIRTOKEN")
}

#[derive(Serialize, Deserialize)]
pub(super) struct DirectoryTokenItem {
    pub(super) pk: String,
    pub(super) sk: String,
    /// DynamoDB removes an expired token by itself (the code refuses it at once).
    pub(super) ttl: i64,
    #[serde(flatten)]
    pub(super) token: DirectoryToken,
}

pub(super) fn directory_token_item(token: &DirectoryToken) -> Item {
    to_item(&DirectoryTokenItem {
        pk: format!("DIRTOKEN#{}", token.hash.as_str()),
        sk: "DIRTOKEN".into(),
        ttl: token.expires_at.unix_timestamp() + TOKEN_TTL_GRACE_SECONDS,
        token: token.clone(),
    })
}

pub(super) fn group_key(tenant: &TenantId, group: &GroupId) -> Item {
    key(tenant_pk(tenant), format!("GROUP#{group}"))
}

pub(super) fn group_name_key(tenant: &TenantId, name_key: &str) -> Item {
    key(tenant_pk(tenant), format!("GROUPNAME#{name_key}"))
}

#[derive(Serialize, Deserialize)]
pub(super) struct GroupItem {
    pub(super) pk: String,
    pub(super) sk: String,
    #[serde(flatten)]
    pub(super) group: DirectoryGroup,
}

pub(super) fn group_item(group: &DirectoryGroup) -> Item {
    to_item(&GroupItem { pk: tenant_pk(&group.tenant_id), sk: format!("GROUP#{}", group.group_id), group: group.clone() })
}
