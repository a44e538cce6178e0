//! What a handler answers, as the contract shows it; `crate::edge` writes it as API Gateway's
//! response.
use serde::Serialize;
use time::OffsetDateTime;

use crate::model::Member;
use crate::operations::input::encode_cursor;
use crate::views::MemberView;

pub const SCIM_JSON: &str = "application/scim+json";

#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    /// JSON, if any.
    pub body: Option<String>,
    pub location: Option<String>,
    pub etag: Option<String>,
    /// The first answer to an `Idempotency-Key`, given again.
    pub replayed: bool,
    /// The body's media type.
    pub content_type: &'static str,
}

impl Reply {
    fn with_status(status: u16, body: Option<String>) -> Self {
        Self { status, body, location: None, etag: None, replayed: false, content_type: "application/json" }
    }

    pub fn json(status: u16, value: &impl Serialize) -> Self {
        Self::with_status(status, Some(serde_json::to_string(value).expect("responses always serialise")))
    }

    pub fn ok(value: &impl Serialize) -> Self {
        Self::json(200, value)
    }

    pub fn created(value: &impl Serialize) -> Self {
        Self::json(201, value)
    }

    pub fn accepted() -> Self {
        Self::with_status(202, None)
    }

    pub fn no_content() -> Self {
        Self::with_status(204, None)
    }

    /// A member as the contract shows it, with its version as `ETag` for a later `If-Match`.
    pub fn member(status: u16, member: &Member, now: OffsetDateTime) -> Self {
        Self { etag: Some(format!("\"{}\"", member.version)), ..Self::json(status, &MemberView::at(member, now)) }
    }

    /// A list page: the items, and the cursor of the next page (after `last`).
    pub fn page<T: Serialize>(items: Vec<T>, last: Option<&str>) -> Self {
        Self::ok(&serde_json::json!({ "items": items, "nextCursor": last.map(encode_cursor) }))
    }

    /// What accepting or joining answers: the membership now active.
    pub fn joined(member: &Member) -> Self {
        Self::ok(&serde_json::json!({ "memberId": member.member_id, "tenantId": member.tenant_id, "email": member.email }))
    }

    /// A SCIM resource or message (`application/scim+json`).
    pub fn scim(status: u16, value: &impl Serialize) -> Self {
        Self { content_type: SCIM_JSON, ..Self::json(status, value) }
    }

    pub fn with_etag(self, etag: String) -> Self {
        Self { etag: Some(etag), ..self }
    }

    pub fn at(self, location: String) -> Self {
        Self { location: Some(location), ..self }
    }
}
