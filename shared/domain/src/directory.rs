//! A tenant's directory connection (SCIM 2.0): the bearer tokens its identity provider calls
//! with, the roles the directory's users get, and what a membership keeps of the directory.
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use std::collections::BTreeMap;

use crate::catalog::{permissions_of, Roles, PORTAL, TENANT_ADMIN};
use crate::error::ApiError;
use crate::ids::{DirectoryTokenId, GroupId, MemberId, TenantId};
use crate::tokens::{Token, TokenHash};

/// Live tokens a connection holds at most: the one in use and its successor, so that IT can
/// rotate without downtime.
pub const MAX_LIVE_TOKENS: usize = 2;

/// A directory token's lifetime: 1–365 days, 180 unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "i64")]
pub struct TokenLifetime(i64);

impl TokenLifetime {
    pub const DEFAULT: TokenLifetime = TokenLifetime(180);

    pub fn duration(self) -> Duration {
        Duration::days(self.0)
    }
}

impl TryFrom<i64> for TokenLifetime {
    type Error = ApiError;
    fn try_from(days: i64) -> Result<Self, ApiError> {
        if (1..=365).contains(&days) {
            Ok(Self(days))
        } else {
            Err(ApiError::validation("expiresInDays must be between 1 and 365"))
        }
    }
}

/// One bearer token of a connection, as stored (never the token itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryToken {
    pub token_id: DirectoryTokenId,
    pub tenant_id: TenantId,
    pub hash: TokenHash,
    /// The token's last four characters, so that IT can tell its tokens apart.
    pub last_four: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
}

impl DirectoryToken {
    /// A new token of `tenant`'s connection, and its secret (shown this once).
    pub fn issue(tenant: &TenantId, lifetime: TokenLifetime, now: OffsetDateTime) -> Result<(Token, Self), ApiError> {
        let token = Token::generate()?;
        let secret = token.expose();
        let record = Self {
            token_id: DirectoryTokenId::at(now),
            tenant_id: tenant.clone(),
            hash: token.hash(),
            last_four: secret[secret.len() - 4..].to_string(),
            created_at: now,
            expires_at: now + lifetime.duration(),
            last_used_at: None,
        };
        Ok((token, record))
    }

    pub fn live_at(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }

    /// Whether a use at `now` is worth recording: `lastUsedAt` is kept to the minute, so that a
    /// busy directory does not write on each request.
    pub fn use_worth_recording(&self, now: OffsetDateTime) -> bool {
        self.last_used_at.is_none_or(|at| now - at >= Duration::minutes(1))
    }
}

/// The minute in which a tenant's SCIM path counts the requests it refused for their token (a
/// stale one, a guess, another tenant's): past `max` of them it answers `429` until the minute
/// ends. The connection's own tokens are found before anything is counted, so a flood of junk
/// never locks the tenant's directory out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefusalWindow {
    pub minute: i64,
    pub max: u32,
    at: OffsetDateTime,
}

impl RefusalWindow {
    pub fn at(now: OffsetDateTime, max: u32) -> Self {
        Self { minute: now.unix_timestamp().div_euclid(60), max, at: now }
    }

    /// Whole seconds until the next minute (at least one).
    pub fn retry_after(&self) -> u64 {
        u64::try_from((self.minute + 1) * 60 - self.at.unix_timestamp()).unwrap_or(1).max(1)
    }
}

/// What counting one more refusal found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Counted: the window had room.
    Counted,
    /// The window is full: refused as too many until it ends.
    Full,
    /// The tenant has no connection: nothing to protect, nothing counted.
    Unconnected,
}

/// A tenant's directory connection: its tokens and the roles its users get.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub tenant_id: TenantId,
    /// Every token not yet revoked, expired ones included (they show as such).
    pub tokens: Vec<DirectoryToken>,
    /// The roles of a directory user in no mapped group.
    pub default_roles: Roles,
    /// What each directory group gives, per application (`PUT …/directory/roles`).
    #[serde(default)]
    pub group_roles: BTreeMap<GroupId, BTreeMap<String, String>>,
    /// 0 for a connection never stored.
    pub version: u64,
}

impl Connection {
    /// A tenant's connection before anything was stored: no token, members as default roles.
    pub fn unset(tenant: &TenantId) -> Self {
        Self { tenant_id: tenant.clone(), tokens: Vec::new(), default_roles: Roles::member(), group_roles: BTreeMap::new(), version: 0 }
    }

    /// The connection with `token` added: refused while `MAX_LIVE_TOKENS` are live. Expired
    /// tokens are dropped from it as it is written.
    pub fn with_token(&self, token: DirectoryToken, now: OffsetDateTime) -> Result<Connection, ApiError> {
        let mut tokens: Vec<_> = self.tokens.iter().filter(|t| t.live_at(now)).cloned().collect();
        if tokens.len() >= MAX_LIVE_TOKENS {
            return Err(ApiError::TooManyTokens { max: MAX_LIVE_TOKENS });
        }
        tokens.push(token);
        Ok(Connection { tokens, version: self.version + 1, ..self.clone() })
    }

    /// The connection without the token, and the token removed.
    pub fn without_token(&self, token_id: &DirectoryTokenId) -> Result<(Connection, DirectoryToken), ApiError> {
        let removed = self.tokens.iter().find(|t| t.token_id == *token_id).cloned().ok_or(ApiError::NotFound("no such token"))?;
        let tokens = self.tokens.iter().filter(|t| t.token_id != *token_id).cloned().collect();
        Ok((Connection { tokens, version: self.version + 1, ..self.clone() }, removed))
    }

    /// The connection with these roles: `groups` must be groups the directory sent.
    pub fn with_roles(&self, default_roles: Roles, group_roles: BTreeMap<GroupId, BTreeMap<String, String>>) -> Connection {
        Connection { default_roles, group_roles, version: self.version + 1, ..self.clone() }
    }

    /// A directory user's roles from their groups: per application, the mapped role that grants
    /// the most permissions; the portal's from `default_roles` if no group maps one; and
    /// `default_roles` alone for a user in no mapped group. The representative keeps tenant-admin.
    pub fn roles_for(&self, groups: &[String], representative: bool) -> Roles {
        let mut best: BTreeMap<String, String> = BTreeMap::new();
        let mapped = groups.iter().filter_map(|g| GroupId::parse(g).ok()).filter_map(|g| self.group_roles.get(&g));
        for (application, role) in mapped.flatten() {
            let weight = |role: &str| permissions_of(application, role).map_or(0, <[&str]>::len);
            if best.get(application).is_none_or(|held| weight(role) > weight(held)) {
                best.insert(application.clone(), role.clone());
            }
        }
        let roles = if best.is_empty() {
            self.default_roles.clone()
        } else {
            if let Some(portal) = self.default_roles.as_map().get(PORTAL) {
                best.entry(PORTAL.to_string()).or_insert_with(|| portal.clone());
            }
            Roles::parse(best).unwrap_or_else(|_| self.default_roles.clone())
        };
        if representative {
            roles.with_portal_role(TENANT_ADMIN)
        } else {
            roles
        }
    }
}

/// A group the tenant's directory keeps: its members are the tenant's memberships.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryGroup {
    pub group_id: GroupId,
    pub tenant_id: TenantId,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// In id order, each once.
    pub members: Vec<MemberId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub modified_at: OffsetDateTime,
    /// 0 for a group not yet stored.
    pub version: u64,
}

impl DirectoryGroup {
    /// The key that keeps a display name unique in its tenant (compared without case).
    pub fn name_key(&self) -> String {
        self.display_name.trim().to_lowercase()
    }
}

/// What a membership keeps of the directory that manages it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryLink {
    /// The directory's name of the user, when it is not their email (which then comes from the
    /// user's work or primary email).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// The directory's own id of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The directory groups the user is in.
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<PersonName>,
    /// As the directory sent them (the member's `language` follows from them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// When the directory last changed the member.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub modified_at: Option<OffsetDateTime>,
}

impl DirectoryLink {
    /// The member's language by what the directory sent: `ja` for a Japanese locale, else `en`;
    /// none if it sent neither.
    pub fn language(&self) -> Option<crate::language::Language> {
        let sent = self.preferred_language.as_deref().or(self.locale.as_deref())?;
        Some(if sent.trim().to_ascii_lowercase().starts_with("ja") { crate::language::Language::Ja } else { crate::language::Language::En })
    }
}

/// A person's name as the directory sends it (SCIM's `name`), kept and shown back.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_suffix: Option<String>,
}

/// What `GET …/directory` shows of a connection: never a token's hash.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionView<'a> {
    scim_base_url: String,
    tokens: Vec<TokenView<'a>>,
    default_roles: &'a Roles,
    /// The directory's groups and the roles each gives (none until the directory sends one).
    groups: Vec<GroupView>,
    #[serde(with = "time::serde::rfc3339::option")]
    last_request_at: Option<OffsetDateTime>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    group_id: String,
    display_name: String,
    member_count: u64,
    roles: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenView<'a> {
    token_id: &'a DirectoryTokenId,
    last_four: &'a str,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    last_used_at: Option<OffsetDateTime>,
}

impl<'a> TokenView<'a> {
    pub fn of(token: &'a DirectoryToken) -> Self {
        Self {
            token_id: &token.token_id,
            last_four: &token.last_four,
            created_at: token.created_at,
            expires_at: token.expires_at,
            last_used_at: token.last_used_at,
        }
    }
}

impl<'a> ConnectionView<'a> {
    /// The connection, each token with its use as `used` read it (a token's record is where a
    /// request records its use), at the tenant's SCIM base `scim_base_url`.
    pub fn of(connection: &'a Connection, used: &[Option<OffsetDateTime>], groups: &[DirectoryGroup], scim_base_url: String) -> Self {
        let tokens: Vec<_> = connection
            .tokens
            .iter()
            .zip(used.iter().chain(std::iter::repeat(&None)))
            .map(|(token, used)| TokenView { last_used_at: *used, ..TokenView::of(token) })
            .collect();
        let last_request_at = tokens.iter().filter_map(|t| t.last_used_at).max();
        let groups = groups
            .iter()
            .map(|g| GroupView {
                group_id: g.group_id.to_string(),
                display_name: g.display_name.clone(),
                member_count: g.members.len() as u64,
                roles: connection.group_roles.get(&g.group_id).cloned().unwrap_or_default(),
            })
            .collect();
        Self { scim_base_url, tokens, default_roles: &connection.default_roles, groups, last_request_at }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: OffsetDateTime = time::macros::datetime!(2026-12-07 09:00 UTC);

    #[test]
    fn a_connection_holds_two_live_tokens_and_an_expired_one_makes_room() {
        let tenant = TenantId::generate();
        let issue = |at| DirectoryToken::issue(&tenant, TokenLifetime::try_from(1).unwrap(), at).unwrap().1;
        let two = Connection::unset(&tenant).with_token(issue(NOW), NOW).unwrap().with_token(issue(NOW), NOW).unwrap();
        assert!(matches!(two.with_token(issue(NOW), NOW), Err(ApiError::TooManyTokens { max: 2 })));
        let a_day_later = NOW + Duration::days(1);
        let renewed = two.with_token(issue(a_day_later), a_day_later).unwrap();
        assert_eq!(renewed.tokens.len(), 1, "the expired ones are dropped");
    }

    #[test]
    fn a_users_roles_are_the_most_permissive_its_groups_map_else_the_defaults() {
        let tenant = TenantId::generate();
        let (viewers, admins, unmapped) = (GroupId::generate(), GroupId::generate(), GroupId::generate());
        let map = |pairs: &[(&str, &str)]| pairs.iter().map(|(a, r)| (a.to_string(), r.to_string())).collect::<BTreeMap<_, _>>();
        let connection = Connection::unset(&tenant).with_roles(
            Roles::member(),
            BTreeMap::from([
                (viewers.clone(), map(&[("device-management", "viewer")])),
                (admins.clone(), map(&[("device-management", "admin"), ("service-management-portal", "tenant-admin")])),
            ]),
        );
        let ids = |groups: &[&GroupId]| groups.iter().map(|g| g.to_string()).collect::<Vec<_>>();
        let both = connection.roles_for(&ids(&[&viewers, &admins]), false);
        assert_eq!(both.as_map(), &map(&[("device-management", "admin"), ("service-management-portal", "tenant-admin")]));
        let viewer = connection.roles_for(&ids(&[&viewers]), false);
        assert_eq!(
            viewer.as_map(),
            &map(&[("device-management", "viewer"), ("service-management-portal", "member")]),
            "the portal's from the defaults"
        );
        assert_eq!(connection.roles_for(&ids(&[&unmapped]), false), Roles::member(), "no mapped group: the defaults");
        assert!(connection.roles_for(&[], true).is_tenant_admin(), "the representative keeps tenant-admin");
    }

    #[test]
    fn a_token_is_stored_as_its_hash_and_shows_its_last_four() {
        let (token, record) = DirectoryToken::issue(&TenantId::generate(), TokenLifetime::DEFAULT, NOW).unwrap();
        assert_eq!(record.hash, token.hash());
        assert!(token.expose().ends_with(&record.last_four));
        assert_eq!(record.expires_at, NOW + Duration::days(180));
        assert!(TokenLifetime::try_from(366).is_err() && TokenLifetime::try_from(0).is_err());
    }
}
