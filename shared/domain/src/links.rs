//! Single-use links as the service stores them, and the holds and quotas around them.
use time::OffsetDateTime;

use crate::email::Email;
use crate::error::ApiError;
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
    /// Whether the link may be redeemed now for `purpose`, by `member` (the record's member as
    /// read). Unknown, used, replaced and malformed tokens are all `TokenInvalid`, so answers
    /// tell nothing; only a live link past its expiry is `TokenExpired`.
    pub fn redeemable(&self, purpose: TokenPurpose, member: Option<Member>, now: OffsetDateTime) -> Result<Member, ApiError> {
        let member =
            member.filter(|m| self.purpose == purpose && m.live_token(purpose) == Some(&self.hash)).ok_or(ApiError::TokenInvalid)?;
        if self.expires_at <= now {
            return Err(ApiError::TokenExpired);
        }
        Ok(member)
    }

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
        Self {
            id: ulid::Ulid::from_datetime(std::time::SystemTime::from(now)).to_string(),
            at: now,
            until: now + time::Duration::seconds(Self::HOLD_SECONDS),
        }
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

/// How long an invitation lives, as its sender chose it (`expiresInDays`: 1–30 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvitationLifetime(u32);

impl InvitationLifetime {
    pub const MAX_DAYS: u32 = 30;

    pub fn days(days: u32) -> Result<Self, ApiError> {
        if (1..=Self::MAX_DAYS).contains(&days) {
            Ok(Self(days))
        } else {
            Err(ApiError::validation("expiresInDays must be a whole number of days from 1 to 30"))
        }
    }

    pub fn duration(self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.0) * 24 * 3600)
    }
}

impl<'de> serde::Deserialize<'de> for InvitationLifetime {
    /// Any JSON value, so that `0`, `-1`, `1.5`, `31` or `"7"` all get the message of `days`.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Days;
        impl serde::de::Visitor<'_> for Days {
            type Value = Option<u32>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number of days")
            }
            fn visit_u64<E>(self, days: u64) -> Result<Self::Value, E> {
                Ok(u32::try_from(days).ok())
            }
            fn visit_i64<E>(self, days: i64) -> Result<Self::Value, E> {
                Ok(u32::try_from(days).ok())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(None)
            }
        }
        let days = deserializer.deserialize_any(Days)?;
        Self::days(days.unwrap_or(0)).map_err(serde::de::Error::custom)
    }
}

/// What one email quota counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum QuotaScope {
    /// The links of one purpose sent to one member (resends, resets).
    Member { tenant: TenantId, member: MemberId, purpose: TokenPurpose },
    /// Every email to one address, whatever the tenant or member: kept by a hash of the address.
    Address(String),
    /// The emails to one address (its hash) for the tenants of one tree, named by its top-level
    /// tenant.
    AddressFromTree { tree: TenantId, address: String },
    /// Every email sent for one tenant.
    Tenant(TenantId),
    /// Every email the service sends (one SES identity for all tenants), counted in one of
    /// `shards` counters chosen by the address, each allowed an equal part of the day's total.
    Service { shard: u8 },
    /// The batches of invitations sent into one tenant (not an email: counted alike).
    Batches(TenantId),
}

/// At most `max` emails of a scope in the clock window (an hour, a day) that holds the send.
#[derive(Debug, Clone, PartialEq)]
pub struct Quota {
    pub scope: QuotaScope,
    /// When the email is counted: a refusal says how long from then to wait.
    pub at: OffsetDateTime,
    pub window_start: OffsetDateTime,
    pub window_seconds: i64,
    pub max: u32,
}

const MINUTE: i64 = 60;
const HOUR: i64 = 3600;

const DAY: i64 = 24 * HOUR;

impl Quota {
    fn window(scope: QuotaScope, now: OffsetDateTime, window_seconds: i64, max: u32) -> Self {
        let start = now.unix_timestamp() - now.unix_timestamp().rem_euclid(window_seconds);
        Self { scope, at: now, window_start: OffsetDateTime::from_unix_timestamp(start).unwrap_or(now), window_seconds, max }
    }

    pub fn window_end(&self) -> OffsetDateTime {
        self.window_start + time::Duration::seconds(self.window_seconds)
    }

    /// At most `per_minute` batches of invitations into one tenant: counted once the caller is
    /// known to manage it, so that no request outside a caller's tenants uses anybody's capacity.
    pub fn batches(tenant: &TenantId, now: OffsetDateTime, per_minute: u32) -> Self {
        Self::window(QuotaScope::Batches(tenant.clone()), now, MINUTE, per_minute)
    }

    /// Whole seconds from the count until the window ends (at least one).
    pub fn retry_after(&self) -> u64 {
        u64::try_from((self.window_end() - self.at).whole_seconds()).unwrap_or(0).max(1)
    }
}

/// How many emails the service sends: per member and purpose per hour; per address, per address
/// from one tenant tree, per tenant and in all per day. A caller cannot reset any of them: none
/// is keyed by anything it creates.
///
/// An address's daily total protects the person from a flood; the share of it that one tenant
/// tree (a top-level tenant and every tenant under it) may use keeps any one tree from using it
/// up for the others: a tree, not a tenant, as an ancestor's administrators manage every tenant
/// below it and would otherwise multiply their share by the number of its children. The share
/// leaves room for an invitation and the member's hourly resends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailQuotas {
    pub per_address_per_day: u32,
    pub per_address_per_tenant_tree_per_day: u32,
    pub per_tenant_per_day: u32,
    pub per_service_per_day: u32,
}

impl Default for EmailQuotas {
    fn default() -> Self {
        Self { per_address_per_day: 20, per_address_per_tenant_tree_per_day: 6, per_tenant_per_day: 1_000, per_service_per_day: 20_000 }
    }
}

impl EmailQuotas {
    /// Resends, or resets, of one member's link per hour.
    pub const MEMBER_SENDS_PER_HOUR: u32 = 5;

    /// Above this many emails a day, the service's count is spread over counters of at least this
    /// many each (at most [`Self::MAX_SERVICE_SHARDS`]).
    pub const SERVICE_SHARD_SIZE: u32 = 500;
    pub const MAX_SERVICE_SHARDS: u32 = 16;

    /// The counters the service's daily total is spread over.
    pub fn service_shards(&self) -> u32 {
        (self.per_service_per_day / Self::SERVICE_SHARD_SIZE).clamp(1, Self::MAX_SERVICE_SHARDS)
    }

    /// The service's count as one item every email transaction writes would make concurrent sends
    /// of every tenant conflict: it is split into shards, each allowed its part of the day's total
    /// (so the total still never exceeds it), and an email counts in the shard of its address,
    /// whose own counters its transaction writes anyway. Shards fill unevenly by a few percent,
    /// so near the day's total an address may be refused a little before the total is reached.
    fn service_share(&self, address: &str, now: OffsetDateTime) -> Quota {
        let shards = self.service_shards();
        let bucket = u32::from_str_radix(&address[..2], 16).unwrap_or(0) % shards;
        let shard = u8::try_from(bucket).unwrap_or(0);
        Quota::window(QuotaScope::Service { shard }, now, DAY, (self.per_service_per_day / shards).max(1))
    }

    /// The quotas one email to `to` for `tenant` (of the tree under `tree`, its top-level tenant)
    /// counts against at `now`; with `member`, also that member's hourly quota of the link's
    /// purpose.
    pub fn for_email(
        &self,
        tenant: &TenantId,
        tree: &TenantId,
        to: &Email,
        member: Option<(&MemberId, TokenPurpose)>,
        now: OffsetDateTime,
    ) -> Vec<Quota> {
        let address = crate::tokens::sha256_hex(to.as_str().to_lowercase().as_bytes());
        let from_tree = QuotaScope::AddressFromTree { tree: tree.clone(), address: address.clone() };
        let mut quotas = vec![
            Quota::window(QuotaScope::Address(address.clone()), now, DAY, self.per_address_per_day),
            Quota::window(from_tree, now, DAY, self.per_address_per_tenant_tree_per_day),
            Quota::window(QuotaScope::Tenant(tenant.clone()), now, DAY, self.per_tenant_per_day),
            self.service_share(&address, now),
        ];
        if let Some((member, purpose)) = member {
            let scope = QuotaScope::Member { tenant: tenant.clone(), member: member.clone(), purpose };
            quotas.push(Quota::window(scope, now, HOUR, Self::MEMBER_SENDS_PER_HOUR));
        }
        quotas
    }
}

/// The emails each quota has counted, as read before a batch, and then as its rows would count
/// them: so that a dry run answers each row as its commit would.
#[derive(Debug, Default)]
pub struct QuotaTally {
    sends: std::collections::HashMap<(QuotaScope, OffsetDateTime), u32>,
}

impl QuotaTally {
    /// The distinct counters behind `quotas` (one per scope and window), in the order met: what
    /// a tally needs read.
    pub fn counters<'a>(quotas: impl IntoIterator<Item = &'a Quota>) -> Vec<Quota> {
        let mut seen = std::collections::HashSet::new();
        quotas.into_iter().filter(|q| seen.insert((q.scope.clone(), q.window_start))).cloned().collect()
    }

    /// A tally starting from each counter's emails as read (`counters` with their counts).
    pub fn starting_at(counted: impl IntoIterator<Item = (Quota, u32)>) -> Self {
        Self { sends: counted.into_iter().map(|(q, sends)| ((q.scope, q.window_start), sends)).collect() }
    }

    /// Whether one more email may count against every one of `quotas`, refused as a commit
    /// refuses it: by the first full one, in order.
    pub fn check(&self, quotas: &[Quota]) -> Result<(), ApiError> {
        match quotas.iter().find(|q| self.sends.get(&(q.scope.clone(), q.window_start)).copied().unwrap_or(0) >= q.max) {
            Some(full) => Err(ApiError::RateLimited { retry_after: full.retry_after() }),
            None => Ok(()),
        }
    }

    /// Counts one email against each of `quotas` (after `check` cleared them).
    pub fn count(&mut self, quotas: &[Quota]) {
        for q in quotas {
            *self.sends.entry((q.scope.clone(), q.window_start)).or_default() += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quota_counts_in_clock_windows_and_says_when_the_next_one_starts() {
        let quotas = EmailQuotas::default();
        let tenant = TenantId::generate();
        let to = Email::parse("Someone@Example.com").unwrap();
        let noon = time::macros::datetime!(2026-12-02 12:30:00 UTC);
        let today = quotas.for_email(&tenant, &tenant, &to, None, noon);
        assert_eq!(today.len(), 4);
        assert!(today.iter().all(|q| q.window_start == time::macros::datetime!(2026-12-02 00:00:00 UTC)));
        assert_eq!(today[0].retry_after(), 11 * 3600 + 1800);
        let tomorrow =
            quotas.for_email(&tenant, &tenant, &Email::parse("someone@example.com").unwrap(), None, noon + time::Duration::days(1));
        assert_eq!(today[0].scope, tomorrow[0].scope, "one address, one count, in any case of letters");
        assert_ne!(today[0].window_start, tomorrow[0].window_start, "a new day starts a new count");

        let member = MemberId::generate();
        let resend = quotas.for_email(&tenant, &tenant, &to, Some((&member, TokenPurpose::Invitation)), noon);
        assert_eq!((resend[4].max, resend[4].retry_after()), (EmailQuotas::MEMBER_SENDS_PER_HOUR, 1800));
    }

    #[test]
    fn the_services_total_is_spread_over_shards_that_never_add_up_to_more() {
        let tenant = TenantId::generate();
        let noon = time::macros::datetime!(2026-12-02 12:30:00 UTC);
        let service = |quotas: &EmailQuotas, n: usize| {
            let to = Email::parse(&format!("person{n}@example.com")).unwrap();
            quotas.for_email(&tenant, &tenant, &to, None, noon).remove(3)
        };
        let small = EmailQuotas { per_service_per_day: 60, ..EmailQuotas::default() };
        assert_eq!(
            (service(&small, 1).scope, service(&small, 1).max),
            (QuotaScope::Service { shard: 0 }, 60),
            "a small total is one count"
        );

        let quotas = EmailQuotas::default();
        let shards: std::collections::HashSet<_> = (0..200).map(|n| service(&quotas, n).scope).collect();
        assert_eq!(shards.len() as u32, EmailQuotas::MAX_SERVICE_SHARDS, "different addresses count in different shards");
        assert!(service(&quotas, 1).max * quotas.service_shards() <= quotas.per_service_per_day);
        assert_eq!(service(&quotas, 7).scope, service(&quotas, 7).scope, "an address always counts in the same shard");
    }

    #[test]
    fn a_tally_refuses_a_row_by_its_first_full_quota_and_counts_nothing_for_it() {
        let tenant = TenantId::generate();
        let noon = time::macros::datetime!(2026-12-02 12:30:00 UTC);
        let quotas = EmailQuotas {
            per_tenant_per_day: 3,
            per_address_per_tenant_tree_per_day: 1,
            per_service_per_day: 400,
            ..EmailQuotas::default()
        };
        let row = |n: usize| quotas.for_email(&tenant, &tenant, &Email::parse(&format!("p{n}@example.com")).unwrap(), None, noon);
        let rows: Vec<Vec<Quota>> = (0..4).map(row).chain([row(0)]).collect();
        let counters = QuotaTally::counters(rows.iter().flatten());
        assert_eq!(counters.len(), 4 * 2 + 1 + 1, "two address counters per address, one tenant, one service counter");

        // The tenant has sent one email today already.
        let counts = counters.iter().map(|q| (q.clone(), u32::from(q.scope == QuotaScope::Tenant(tenant.clone()))));
        let mut tally = QuotaTally::starting_at(counts);
        let mut answers = Vec::new();
        for quotas in &rows {
            let answer = tally.check(quotas);
            if answer.is_ok() {
                tally.count(quotas);
            }
            answers.push(answer.map_err(|e| e.code()));
        }
        assert_eq!(answers, [Ok(()), Ok(()), Err("rate_limited"), Err("rate_limited"), Err("rate_limited")]);
        assert_eq!(
            tally.check(&rows[0]).unwrap_err().to_string(),
            ApiError::RateLimited { retry_after: rows[0][0].retry_after() }.to_string(),
            "the refusal says when the day's window ends"
        );
    }
}
