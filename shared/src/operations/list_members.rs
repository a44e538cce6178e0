//! `GET /tenants/{tenantId}/members`: one page of members, oldest first.
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::catalog::CATALOG;
use crate::error::ApiError;
use crate::http::{decode_cursor, page_json, page_limit, query_param};
use crate::ids::MemberId;
use crate::model::MemberStatus;
use crate::operations::managed_tenant;
use crate::ports::MemberFilter;

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 100;

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
    let limit = page_limit(query_param(req, "limit"), DEFAULT_LIMIT, MAX_LIMIT)?;
    let after = query_param(req, "cursor").map(|c| decode_cursor(&c, MemberId::parse)).transpose()?;
    let filter = filter(req)?;
    let page = app.store.list_members(&access.tenant.tenant_id, after.as_ref(), limit, &filter).await?;
    let items = page.items.iter().map(|m| m.view()).collect();
    Ok(page_json(items, page.last.as_ref().map(|m| m.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
