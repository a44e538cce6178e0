//! `GET /tenants/{tenantId}/members`: one page of members, oldest first.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::error::ApiError;
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

pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let access = managed_tenant(app, req).await?;
    let limit = limit(query_param(req, "limit"))?;
    let after = query_param(req, "cursor").map(|c| decode_cursor(&c)).transpose()?;
    let page = app.store.list_members(&access.tenant.tenant_id, after.as_ref(), limit).await?;
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
    fn forged_cursors_are_refused() {
        let id = MemberId::generate();
        assert_eq!(decode_cursor(&encode_cursor(&id)).unwrap(), id);
        assert!(decode_cursor("not-base64!").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("TENANT#x")).is_err());
    }
}
