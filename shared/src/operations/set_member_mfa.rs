//! `PUT /tenants/{tenantId}/members/{memberId}/mfa`: multi-factor authentication on or off.
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;

use crate::app::App;
use crate::audit::{Actor, Change};
use crate::error::ApiError;
use crate::http::json_body;
use crate::model::Mfa;
use crate::operations::{managed_member, member_response};
use crate::rules;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetMfa {
    enabled: bool,
}

/// Cognito first, then the member record that the list shows; repeating the request after a
/// failure converges on the same state.
pub async fn handle(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let (access, member) = managed_member(app, req).await?;
    let body: SetMfa = json_body(req)?;
    rules::must_be_active(&member)?;
    let mfa = if body.enabled {
        Mfa { enabled: true, r#type: Some(app.directory.enable_mfa(&member.user_sub).await?) }
    } else {
        app.directory.disable_mfa(&member.user_sub).await?;
        Mfa { enabled: false, r#type: None }
    };
    let changed = app.store.set_mfa(&member, &mfa, &Change::by(Actor::manager(&access))).await?;
    Ok(member_response(StatusCode::OK, &changed))
}
