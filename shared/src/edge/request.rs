//! Reading an API Gateway (HTTP API, payload v2) request, once, into `RequestParts`.
use lambda_http::http::header;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

use crate::auth::{Caller, OPERATORS_GROUP};
use crate::ids::UserSub;
use crate::operations::input::{BodyType, RequestParts};

/// The header the stack's CloudFront distribution adds to every request it forwards.
pub const ORIGIN_VERIFY: &str = "x-origin-verify";

pub fn read(req: &Request) -> RequestParts {
    let path = req.path_parameters_ref();
    let path_param = |name: &str| path.and_then(|p| p.first(name)).map(str::to_string);
    let header = |name: &str| req.headers().get(name).map(|v| v.as_bytes().to_vec());
    let body_type = match req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        Some(t) if t.starts_with("application/json") || t.starts_with("application/scim+json") => BodyType::Json,
        Some(t) if t.starts_with("application/x-www-form-urlencoded") => BodyType::Form,
        _ => BodyType::Other,
    };
    let query = req
        .query_string_parameters_ref()
        .map(|q| q.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect())
        .unwrap_or_default();
    RequestParts {
        caller: caller(req),
        tenant_id: path_param("tenantId"),
        member_id: path_param("memberId"),
        token_id: path_param("tokenId"),
        scim_path: path_param("proxy"),
        method: req.method().to_string(),
        bearer: req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.get(..7).filter(|scheme| scheme.eq_ignore_ascii_case("bearer ")).map(|_| v[7..].trim().to_string())),
        origin: origin(req),
        query,
        if_match: header(header::IF_MATCH.as_str()),
        idempotency_key: header("idempotency-key"),
        origin_verify: header(ORIGIN_VERIFY),
        route: format!("{} {}", req.method(), req.uri().path()),
        body: req.body().to_vec(),
        body_type,
        request_id: match req.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(context)) => context.request_id.clone().unwrap_or_default(),
            _ => String::new(),
        },
        deadline: req
            .lambda_context_ref()
            .filter(|context| context.deadline > 0)
            .and_then(|context| time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(context.deadline) * 1_000_000).ok()),
    }
}

/// The API's address as the caller reached it: API Gateway's domain (its stage is `$default`).
fn origin(req: &Request) -> String {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => format!("https://{}", context.domain_name.as_deref().unwrap_or_default()),
        _ => String::new(),
    }
}

/// The signed-in caller, as API Gateway's JWT authorizer describes them.
fn caller(req: &Request) -> Option<Caller> {
    let RequestContext::ApiGatewayV2(context) = req.request_context_ref()? else { return None };
    let claims = &context.authorizer.as_ref()?.jwt.as_ref()?.claims;
    let sub = claims.get("sub").filter(|s| !s.is_empty())?;
    let operator = claims.get("cognito:groups").is_some_and(|groups| parse_groups(groups).any(|g| g == OPERATORS_GROUP));
    // A refreshed token keeps its session's `auth_time`; `iat` is when this one was issued.
    let seconds = |claim: &str| claims.get(claim).and_then(|at| at.parse::<i64>().ok());
    let session_began = seconds("auth_time").or_else(|| seconds("iat")).and_then(|at| time::OffsetDateTime::from_unix_timestamp(at).ok());
    Some(Caller { sub: UserSub::new(sub.clone()), operator, session_began })
}

/// API Gateway flattens the `cognito:groups` array to `[a b]`; a JSON array or a single name
/// are accepted too.
fn parse_groups(raw: &str) -> impl Iterator<Item = &str> {
    raw.trim_matches(|c| c == '[' || c == ']').split([' ', ',']).map(|g| g.trim_matches('"')).filter(|g| !g.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_claim_is_read_in_api_gateway_form() {
        assert!(parse_groups("[operators]").any(|g| g == "operators"));
        assert!(parse_groups("[admins operators]").any(|g| g == "operators"));
        assert!(parse_groups("[\"operators\"]").any(|g| g == "operators"));
        assert!(!parse_groups("[operators-lite]").any(|g| g == "operators"));
    }
}
