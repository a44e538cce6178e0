//! Single-use links as the service stores them, and the holds and quotas around them.
use time::OffsetDateTime;

use crate::ids::{MemberId, TenantId, UserSub};
use crate::model::Member;
use crate::tokens::{Token, TokenHash, TokenPurpose};

/// A stored single-use link: found by the hash of the token, never by the token.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    pub hash: TokenHash,
    pub purpose: TokenPurpose,
    pub tenant_id: TenantId,
    pub member_id: MemberId,
    pub expires_at: OffsetDateTime,
}

impl TokenRecord {
    pub fn for_member(token: &Token, purpose: TokenPurpose, member: &Member, expires_at: OffsetDateTime) -> Self {
        Self { hash: token.hash(), purpose, tenant_id: member.tenant_id.clone(), member_id: member.member_id.clone(), expires_at }
    }
}

/// A redemption in progress: the link is held for `until` by the request that holds `id`, so
/// that a concurrent second redemption changes nothing. A request that dies holding it lets
/// go of it when `until` passes.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkClaim {
    pub id: String,
    /// When the claim was made: a hold from before this that has run out no longer counts.
    pub at: OffsetDateTime,
    pub until: OffsetDateTime,
}

impl LinkClaim {
    /// Longer than a redemption's calls take with their retries.
    pub const HOLD_SECONDS: i64 = 30;

    pub fn new(now: OffsetDateTime) -> Self {
        Self { id: ulid::Ulid::new().to_string(), at: now, until: now + time::Duration::seconds(Self::HOLD_SECONDS) }
    }
}

/// An invitation link about to set a person's first password. Only one link ever does: once
/// it has, the person has an account, and only the same link (a retry) may set it again.
#[derive(Debug, Clone)]
pub struct FirstPassword {
    pub user: UserSub,
    /// Cognito already shows a password: only a retry of the link that set it may go on.
    pub account_exists: bool,
}

/// At most `max` emails of one purpose to one member per clock hour.
#[derive(Debug, Clone, PartialEq)]
pub struct SendQuota {
    pub member_id: MemberId,
    pub purpose: TokenPurpose,
    pub window_start: OffsetDateTime,
    pub max: u32,
}

impl SendQuota {
    pub const SENDS_PER_HOUR: u32 = 5;

    pub fn hourly(member_id: &MemberId, purpose: TokenPurpose, now: OffsetDateTime) -> Self {
        let hour = now.unix_timestamp() - now.unix_timestamp().rem_euclid(3600);
        Self {
            member_id: member_id.clone(),
            purpose,
            window_start: OffsetDateTime::from_unix_timestamp(hour).unwrap_or(now),
            max: Self::SENDS_PER_HOUR,
        }
    }
}
