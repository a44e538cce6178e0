//! `GET /tenants/{tenantId}/members`: one page of members, oldest first.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::catalog::CATALOG;
use crate::error::ApiError;
use crate::model::MemberStatus;
use crate::ports::MemberFilter;
use crate::http::{json, query_param};
use crate::ids::MemberId;
use crate::operations::managed_tenant;

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 100;

fn limit(raw: Option<String>) -> Result<usize, ApiError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(ApiError::validation(format!("limit must be a whole number from 1 to {MAX_LIMIT}"))),
        },
    }
}

/// The cursor names the last member shown. It is only ever applied inside the tenant of the
/// path, so a cursor from elsewhere cannot read another tenant.
fn decode_cursor(raw: &str) -> Result<MemberId, ApiError> {
    URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|id| MemberId::parse(&id).ok())
        .ok_or_else(|| ApiError::validation("cursor is not valid"))
}

fn encode_cursor(last: &MemberId) -> String {
    URL_SAFE_NO_PAD.encode(last.as_str())
}

fn status(raw: &str) -> Result<MemberStatus, ApiError> {
    match raw {
        "invited" => Ok(MemberStatus::Invited),
        "active" => Ok(MemberStatus::Active),
        _ => Err(ApiError::validation("status must be invited or active")),
    }
}

/// `app:role`, both from the catalog.
fn role(raw: &str) -> Result<(String, String), ApiError> {
    let (application, role) = raw.split_once(':').ok_or_else(|| ApiError::validation("role must be application:role"))?;
    let known = CATALOG.iter().any(|a| a.id == application && a.roles.iter().any(|r| r.id == role));
    if !known {
        return Err(ApiError::validation(format!("unknown role {raw:?}")));
    }
    Ok((application.to_string(), role.to_string()))
}

/// An email prefix, compared in lower case as emails are stored.
fn email_prefix(raw: &str) -> Result<String, ApiError> {
    if raw.is_empty() || raw.len() > 254 || raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ApiError::validation("q must be the start of an email address"));
    }
    Ok(raw.to_lowercase())
}

fn filter(req: &Request) -> Result<MemberFilter, ApiError> {
    Ok(MemberFilter {
        status: query_param(req, "status").map(|s| status(&s)).transpose()?,
        role: query_param(req, "role").map(|r| role(&r)).transpose()?,
        email_prefix: query_param(req, "q").map(|q| email_prefix(&q)).transpose()?,
    })
}

pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let access = managed_tenant(app, req).await?;
    let limit = limit(query_param(req, "limit"))?;
    let after = query_param(req, "cursor").map(|c| decode_cursor(&c)).transpose()?;
    let filter = filter(req)?;
    let page = app.store.list_members(&access.tenant.tenant_id, after.as_ref(), limit, &filter).await?;
    let items: Vec<_> = page.items.iter().map(|m| m.view()).collect();
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({ "items": items, "nextCursor": page.last.as_ref().map(encode_cursor) }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_1_to_100_defaulting_to_50() {
        assert_eq!(limit(None).unwrap(), 50);
        assert_eq!(limit(Some("100".into())).unwrap(), 100);
        for bad in ["0", "101", "-1", "ten", ""] {
            assert!(limit(Some(bad.into())).is_err(), "{bad}");
        }
    }

    #[test]
    fn filters_take_only_known_values() {
        assert_eq!(role("device-management:viewer").unwrap(), ("device-management".into(), "viewer".into()));
        for bad in ["device-management", "device-management:owner", "mail:admin", ":"] {
            assert!(role(bad).is_err(), "{bad}");
        }
        assert!(status("deleted").is_err());
        assert_eq!(email_prefix("Kim@").unwrap(), "kim@");
        assert!(email_prefix("a\u{0}b").is_err());
    }

    #[test]
    fn forged_cursors_are_refused() {
        let id = MemberId::generate();
        assert_eq!(decode_cursor(&encode_cursor(&id)).unwrap(), id);
        assert!(decode_cursor("not-base64!").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("TENANT#x")).is_err());
    }
}
