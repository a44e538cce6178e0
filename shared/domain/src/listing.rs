//! Lists a page at a time: what a member list may filter on, how a page is bounded and filled.
use crate::catalog::CATALOG;
use crate::error::ApiError;
use crate::ids::{MemberId, TenantId};
use crate::model::{Member, MemberStatus, Tenant};
use time::OffsetDateTime;

/// A page of a list holds 50 items unless asked for 1 to 100.
pub const DEFAULT_PAGE_LIMIT: usize = 50;
pub const MAX_PAGE_LIMIT: usize = 100;

/// `limit` of a list: 1 to `MAX_PAGE_LIMIT`, `DEFAULT_PAGE_LIMIT` when absent.
pub fn page_limit(raw: Option<&str>) -> Result<usize, ApiError> {
    match raw {
        None => Ok(DEFAULT_PAGE_LIMIT),
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE_LIMIT).contains(&n) => Ok(n),
            _ => Err(ApiError::validation(format!("limit must be a whole number from 1 to {MAX_PAGE_LIMIT}"))),
        },
    }
}

/// What `GET …/members` may filter on.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    pub status: Option<MemberStatus>,
    /// `(application, role)`.
    pub role: Option<(String, String)>,
    /// A lower-case prefix of the email.
    pub email_prefix: Option<String>,
    /// When the list is read, which tells `expired` from `invited`; without it, no invitation
    /// counts as expired.
    pub now: Option<OffsetDateTime>,
}

impl MemberFilter {
    /// The filter of the query's `status`, `role` (`application:role`, both from the catalog)
    /// and `q` (the start of an email, compared in lower case as emails are stored).
    pub fn parse(status: Option<&str>, role: Option<&str>, q: Option<&str>) -> Result<Self, ApiError> {
        Ok(Self {
            status: status.map(member_status).transpose()?,
            role: role.map(application_role).transpose()?,
            email_prefix: q.map(email_prefix).transpose()?,
            now: None,
        })
    }

    /// The filter as the list is read at `now`.
    pub fn at(self, now: OffsetDateTime) -> Self {
        Self { now: Some(now), ..self }
    }

    pub fn matches(&self, member: &Member) -> bool {
        self.status.is_none_or(|s| member.status_at(self.now.unwrap_or(OffsetDateTime::UNIX_EPOCH)) == s)
            && self.role.as_ref().is_none_or(|(app, role)| member.roles.has(app, role))
            && self.email_prefix.as_ref().is_none_or(|p| member.email.as_str().starts_with(p.as_str()))
    }
}

/// One page of a list, and where the next one starts.
#[derive(Debug)]
pub struct Page<T, Id> {
    pub items: Vec<T>,
    /// The id of the page's last item when more follow.
    pub last: Option<Id>,
}

impl<T, Id> Page<T, Id> {
    /// The first `limit` of `items`, read one over the limit to tell whether more follow.
    pub fn of(mut items: Vec<T>, limit: usize, id: impl Fn(&T) -> Id) -> Self {
        let more = items.len() > limit;
        items.truncate(limit);
        let last = if more { items.last().map(id) } else { None };
        Self { items, last }
    }
}

/// Members in creation order.
pub type MemberPage = Page<Member, MemberId>;

/// Tenants in id order.
pub type TenantPage = Page<Tenant, TenantId>;

/// A member page filled from the tenant's members in order, as a store reads them: it keeps
/// what matches, stops at `limit` matches or `MEMBERS_READ_PER_PAGE` members read, and knows
/// where the next page starts. Both stores page the same way through it.
pub struct MemberPageBuilder<'a> {
    filter: &'a MemberFilter,
    limit: usize,
    page: MemberPage,
    read: usize,
}

impl<'a> MemberPageBuilder<'a> {
    pub fn new(filter: &'a MemberFilter, limit: usize) -> Self {
        Self { filter, limit, page: MemberPage { items: Vec::with_capacity(limit), last: None }, read: 0 }
    }

    /// How many more members this page may read.
    pub fn room(&self) -> usize {
        MEMBERS_READ_PER_PAGE - self.read
    }

    /// Takes the next member read; `Some(page)` once the page is done (a match past `limit`).
    pub fn offer(&mut self, member: Member) -> Option<MemberPage> {
        self.read += 1;
        if self.filter.matches(&member) {
            if self.page.items.len() == self.limit {
                self.page.last = self.page.items.last().map(|m| m.member_id.clone());
                return Some(std::mem::replace(&mut self.page, MemberPage { items: Vec::new(), last: None }));
            }
            self.page.items.push(member.clone());
        }
        self.page.last = Some(member.member_id);
        None
    }

    /// The page once the store stops reading: `exhausted` when no member follows.
    pub fn finish(mut self, exhausted: bool) -> MemberPage {
        if exhausted {
            self.page.last = None;
        }
        self.page
    }
}

/// The most members one page of a list reads, however few of them match its filter: a page
/// may then hold fewer than asked, even none, with a cursor to go on from.
pub const MEMBERS_READ_PER_PAGE: usize = 300;

fn member_status(raw: &str) -> Result<MemberStatus, ApiError> {
    match raw {
        "invited" => Ok(MemberStatus::Invited),
        "expired" => Ok(MemberStatus::Expired),
        "active" => Ok(MemberStatus::Active),
        _ => Err(ApiError::validation("status must be invited, expired or active")),
    }
}

fn application_role(raw: &str) -> Result<(String, String), ApiError> {
    let (application, role) = raw.split_once(':').ok_or_else(|| ApiError::validation("role must be application:role"))?;
    let known = CATALOG.iter().any(|a| a.id == application && a.roles.iter().any(|r| r.id == role));
    if !known {
        return Err(ApiError::validation(format!("unknown role {raw:?}")));
    }
    Ok((application.to_string(), role.to_string()))
}

fn email_prefix(raw: &str) -> Result<String, ApiError> {
    if raw.is_empty() || raw.len() > 254 || raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ApiError::validation("q must be the start of an email address"));
    }
    Ok(raw.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_1_to_100_with_a_default_of_50() {
        assert_eq!(page_limit(None).unwrap(), 50);
        assert_eq!(page_limit(Some("100")).unwrap(), 100);
        for bad in ["0", "101", "-1", "ten", ""] {
            assert!(page_limit(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn filters_take_only_known_values() {
        assert_eq!(application_role("device-management:viewer").unwrap(), ("device-management".into(), "viewer".into()));
        for bad in ["device-management", "device-management:owner", "mail:admin", ":"] {
            assert!(application_role(bad).is_err(), "{bad}");
        }
        assert!(member_status("deleted").is_err());
        assert_eq!(email_prefix("Kim@").unwrap(), "kim@");
        assert!(email_prefix("a\u{0}b").is_err());
    }
}
