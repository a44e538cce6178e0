//! What the edge reads of a request, once (`RequestParts`), and the typed input each handler
//! declares of it: a JSON body, a page's query, headers the contract names. Nothing here knows
//! API Gateway's event; `crate::edge` fills `RequestParts` from it.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;

use crate::auth::Caller;
use crate::catalog::Roles;
use crate::error::ApiError;
use crate::listing::{page_limit, MemberFilter};

/// A request as the edge read it: each part once, typed as far as the edge can without knowing
/// the handler; the handler's `Scope` and `Input` take the rest.
#[derive(Debug, Default)]
pub struct RequestParts {
    /// The signed-in caller, as the JWT authorizer describes them; none on a public route.
    pub caller: Option<Caller>,
    /// The path's `{tenantId}` and `{memberId}`, as sent.
    pub tenant_id: Option<String>,
    pub member_id: Option<String>,
    /// The path's `{tokenId}` (a directory token).
    pub token_id: Option<String>,
    /// What follows a SCIM base in the path (`{proxy+}`: `Users/…`, `Groups`, …).
    pub scim_path: Option<String>,
    pub method: String,
    /// `Authorization`'s bearer token, read only where the JWT authorizer does not run (SCIM).
    pub bearer: Option<String>,
    /// Where the API was called: `https://<domain>`, as API Gateway's request context says.
    pub origin: String,
    /// The query, first value of each name.
    pub query: Vec<(String, String)>,
    /// `If-Match`, `Idempotency-Key` (as bytes: it may not be text).
    pub if_match: Option<Vec<u8>>,
    pub idempotency_key: Option<Vec<u8>>,
    /// `X-Origin-Verify`: the stack's CloudFront distribution sets it on the public routes.
    pub origin_verify: Option<Vec<u8>>,
    /// `METHOD /path`, which scopes an idempotency key to its route.
    pub route: String,
    pub body: Vec<u8>,
    /// How the body is encoded, by its `Content-Type`.
    pub body_type: BodyType,
    /// API Gateway's id of the request, for the log.
    pub request_id: String,
    /// When the function's invocation is cut off (its Lambda context), if it is.
    pub deadline: Option<time::OffsetDateTime>,
}

/// The encodings a body is read in (as `lambda_http` reads them): JSON, or a form; any other
/// `Content-Type` is no body at all.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum BodyType {
    Json,
    Form,
    #[default]
    Other,
}

impl RequestParts {
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The body as `T`, with the parse failure as a `validation_failed` detail.
    fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let invalid = |e: &dyn std::fmt::Display| ApiError::validation(format!("the body is not valid: {e}"));
        match self.body_type {
            _ if self.body.is_empty() => Err(ApiError::validation("a JSON body is required")),
            BodyType::Json => serde_json::from_slice(&self.body).map_err(|e| invalid(&e)),
            BodyType::Form => serde_urlencoded::from_bytes(&self.body).map_err(|e| invalid(&e)),
            BodyType::Other => Err(ApiError::validation("a JSON body is required")),
        }
    }
}

/// What a handler takes of a request besides who calls and the path, parsed once the caller is
/// cleared for the path.
pub trait Input: Sized + Send {
    fn parse(parts: &RequestParts) -> Result<Self, ApiError>;
}

/// A route that takes nothing more.
impl Input for () {
    fn parse(_: &RequestParts) -> Result<Self, ApiError> {
        Ok(())
    }
}

/// A JSON body.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + Send> Input for Json<T> {
    fn parse(parts: &RequestParts) -> Result<Self, ApiError> {
        parts.json().map(Json)
    }
}

/// A JSON body that may be left out: none is its `Default`.
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default + Send> Input for OptionalJson<T> {
    fn parse(parts: &RequestParts) -> Result<Self, ApiError> {
        if parts.body.is_empty() {
            return Ok(OptionalJson(T::default()));
        }
        parts.json().map(OptionalJson)
    }
}

/// `limit` and `cursor` of a list. A cursor names the last id shown; it is only ever applied
/// inside the tenant of the path, so one from elsewhere cannot read another tenant, and
/// anything that is not an id of the list is refused.
pub struct Paging<Id> {
    pub limit: usize,
    pub after: Option<Id>,
}

impl<Id: TryFrom<String, Error = ApiError> + Send> Input for Paging<Id> {
    fn parse(parts: &RequestParts) -> Result<Self, ApiError> {
        let limit = page_limit(parts.query("limit"))?;
        let after = parts.query("cursor").map(decode_cursor).transpose()?;
        Ok(Self { limit, after })
    }
}

fn decode_cursor<Id: TryFrom<String, Error = ApiError>>(raw: &str) -> Result<Id, ApiError> {
    URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|id| Id::try_from(id).ok())
        .ok_or_else(|| ApiError::validation("cursor is not valid"))
}

pub fn encode_cursor(last: &str) -> String {
    URL_SAFE_NO_PAD.encode(last)
}

/// A page of members and its filter.
pub struct MemberQuery {
    pub paging: Paging<crate::ids::MemberId>,
    pub filter: MemberFilter,
}

impl Input for MemberQuery {
    fn parse(parts: &RequestParts) -> Result<Self, ApiError> {
        let paging = Paging::parse(parts)?;
        let filter = MemberFilter::parse(parts.query("status"), parts.query("role"), parts.query("q"))?;
        Ok(Self { paging, filter })
    }
}

/// New roles, and the member version they are meant for (`If-Match`: `3`, `"3"` or `W/"3"`).
pub struct RolesChange {
    pub roles: Roles,
    pub if_match: Option<u64>,
}

impl Input for RolesChange {
    fn parse(parts: &RequestParts) -> Result<Self, ApiError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Body {
            roles: Roles,
        }
        let body: Body = parts.json()?;
        let if_match = match &parts.if_match {
            None => None,
            Some(raw) => Some(
                std::str::from_utf8(raw)
                    .ok()
                    .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or_else(|| ApiError::validation("If-Match must be a member version"))?,
            ),
        };
        Ok(Self { roles: body.roles, if_match })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::MemberId;

    #[test]
    fn forged_cursors_are_refused() {
        let id = MemberId::generate();
        assert_eq!(decode_cursor::<MemberId>(&encode_cursor(id.as_str())).unwrap(), id);
        assert!(decode_cursor::<MemberId>("not-base64!").is_err());
        assert!(decode_cursor::<MemberId>(&URL_SAFE_NO_PAD.encode("TENANT#x")).is_err());
    }

    #[test]
    fn if_match_names_a_version_in_any_of_its_forms() {
        let parts = |if_match: &str| RequestParts {
            if_match: Some(if_match.as_bytes().to_vec()),
            body: br#"{"roles":{"service-management-portal":"member"}}"#.to_vec(),
            body_type: BodyType::Json,
            ..RequestParts::default()
        };
        for form in ["3", "\"3\"", "W/\"3\""] {
            assert_eq!(RolesChange::parse(&parts(form)).unwrap().if_match, Some(3), "{form}");
        }
        assert!(RolesChange::parse(&parts("three")).is_err());
    }
}
