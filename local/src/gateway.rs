//! The HTTP API without Docker: routes from `template.yaml`, the JWT authorizer's checks, and the
//! same API Gateway v2 event Lambda would receive, handed to the same operation code.
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use lambda_http::RequestExt;
use serde_json::{json, Map, Value};
use tenant_members::registry::Operation;
use tenant_members::{ApiError, App};
use time::OffsetDateTime;
use tokio::sync::RwLock;

use crate::template::Route;

/// API Gateway's own payload limit.
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

struct Target {
    route: Route,
    operation: Operation,
    /// The app as the operation's function has it: only its ports wired.
    app: App,
}

pub struct Gateway {
    routes: HashMap<Method, matchit::Router<Target>>,
    authorizer: JwtAuthorizer,
    /// Requests that reached an operation (past the route table and the authorizer).
    served: Arc<AtomicUsize>,
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("template.yaml routes {0:?} to function {1:?}, which is no operation of the service")]
    UnknownFunction(String, String),
    #[error("route {0}: {1}")]
    Route(String, matchit::InsertError),
}

impl Gateway {
    pub fn new(routes: Vec<Route>, app: App, authorizer: JwtAuthorizer, served: Arc<AtomicUsize>) -> Result<Self, GatewayError> {
        let mut table: HashMap<Method, matchit::Router<Target>> = HashMap::new();
        for route in routes {
            let operation = Operation::from_name(&route.function)
                .ok_or_else(|| GatewayError::UnknownFunction(route.path.clone(), route.function.clone()))?;
            // API Gateway's greedy `{proxy+}` is matchit's catch-all; `ANY` is every method.
            let path = route.path.replace("{proxy+}", "{*proxy}");
            let methods = match route.method.as_str() {
                "ANY" => vec![Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE],
                method => vec![Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET)],
            };
            for method in methods {
                table
                    .entry(method)
                    .or_default()
                    .insert(path.clone(), Target { route: route.clone(), operation, app: app.only(operation.ports()) })
                    .map_err(|e| GatewayError::Route(path.clone(), e))?;
            }
        }
        Ok(Self { routes: table, authorizer, served })
    }

    pub fn router(self) -> axum::Router {
        axum::Router::new().fallback(handle).with_state(Arc::new(self))
    }
}

fn problem(error: ApiError) -> Response {
    lambda_response(tenant_members::edge::problem(&error))
}

async fn handle(State(gateway): State<Arc<Gateway>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let Some(matched) = gateway.routes.get(&parts.method).and_then(|r| r.at(&path).ok()) else {
        return problem(ApiError::NotFound("no such route"));
    };
    let target = matched.value;
    let path_parameters: Map<String, Value> = matched.params.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();

    let claims = if target.route.public {
        None
    } else {
        match gateway.authorizer.verify(&parts.headers).await {
            Ok(claims) => Some(claims),
            Err(_) => return problem(ApiError::Unauthenticated),
        }
    };
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "payload too large").into_response(),
    };
    let event = api_gateway_event(&parts.method, &parts.uri, &parts.headers, path_parameters, claims, &target.route, &body);
    let request = match lambda_http::request::from_str(&event.to_string()) {
        Ok(request) => request.with_lambda_context(invocation(&target.route)),
        Err(e) => return problem(ApiError::validation(format!("request could not be read: {e}"))),
    };
    gateway.served.fetch_add(1, Ordering::Relaxed);
    lambda_response(target.operation.respond(&target.app, request).await)
}

/// The Lambda context of one invocation of the route's function: cut off after its timeout.
fn invocation(route: &Route) -> lambda_http::Context {
    let mut context = lambda_http::Context::default();
    let deadline = std::time::SystemTime::now() + route.timeout;
    context.deadline = deadline.duration_since(std::time::UNIX_EPOCH).map_or(0, |since| since.as_millis() as u64);
    context.request_id = ulid::Ulid::new().to_string();
    context
}

/// The payload v2 event the HTTP API sends, in `sam local generate-event` shape.
fn api_gateway_event(
    method: &Method,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    path_parameters: Map<String, Value>,
    claims: Option<Map<String, Value>>,
    route: &Route,
    body: &Bytes,
) -> Value {
    let mut header_map = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).to_string();
        if name == "cookie" {
            cookies.extend(value.split("; ").map(|c| Value::String(c.to_string())));
            continue;
        }
        match header_map.get_mut(name.as_str()) {
            Some(Value::String(existing)) => *existing = format!("{existing},{value}"),
            _ => {
                header_map.insert(name.as_str().to_string(), Value::String(value));
            }
        }
    }
    let raw_query = uri.query().unwrap_or("").to_string();
    let mut query = Map::new();
    for (name, value) in form_urlencoded_pairs(&raw_query) {
        match query.get_mut(&name) {
            Some(Value::String(existing)) => *existing = format!("{existing},{value}"),
            _ => {
                query.insert(name, Value::String(value));
            }
        }
    }
    let (body, base64) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_string(), false),
        Err(_) => {
            use base64::Engine;
            (base64::engine::general_purpose::STANDARD.encode(body), true)
        }
    };
    let now = OffsetDateTime::now_utc();
    let route_key = format!("{} {}", route.method, route.path);
    let mut context = json!({
        "accountId": "123456789012",
        "apiId": "local",
        "domainName": "127.0.0.1",
        "domainPrefix": "local",
        "http": {
            "method": method.as_str(),
            "path": uri.path(),
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": header_map.get("user-agent").cloned().unwrap_or(Value::String(String::new())),
        },
        "requestId": ulid::Ulid::new().to_string(),
        "routeKey": route_key,
        "stage": "$default",
        "time": now.format(&time::format_description::well_known::Rfc2822).unwrap_or_default(),
        "timeEpoch": now.unix_timestamp() * 1000,
    });
    if let Some(claims) = claims {
        context["authorizer"] = json!({ "jwt": { "claims": claims, "scopes": null } });
    }
    json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": uri.path(),
        "rawQueryString": raw_query,
        "cookies": cookies,
        "headers": header_map,
        "queryStringParameters": if query.is_empty() { Value::Null } else { Value::Object(query) },
        "pathParameters": if path_parameters.is_empty() { Value::Null } else { Value::Object(path_parameters) },
        "requestContext": context,
        "body": if body.is_empty() { Value::Null } else { Value::String(body) },
        "isBase64Encoded": base64,
        "stageVariables": null,
    })
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://local/?{query}"))
        .map(|url| url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default()
}

fn lambda_response(response: lambda_http::Response<lambda_http::Body>) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        lambda_http::Body::Empty => Vec::new(),
        lambda_http::Body::Text(text) => text.into_bytes(),
        lambda_http::Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    let mut out = Response::new(axum::body::Body::from(bytes));
    *out.status_mut() = StatusCode::from_u16(parts.status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in &parts.headers {
        out.headers_mut().append(name.clone(), value.clone());
    }
    out
}

/// The checks of API Gateway's JWT authorizer on a Cognito user pool: signature against the
/// pool's JWKS, issuer, expiry, and the app client as `aud` (ID token) or `client_id` (access).
pub struct JwtAuthorizer {
    issuer: String,
    client_id: String,
    jwks_url: String,
    keys: RwLock<Option<JwkSet>>,
    http: reqwest::Client,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no bearer token")]
    Missing,
    #[error("token rejected: {0}")]
    Invalid(String),
}

impl JwtAuthorizer {
    pub fn for_user_pool(endpoint: &str, region: &str, user_pool_id: &str, client_id: &str) -> Self {
        Self {
            issuer: format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"),
            client_id: client_id.to_string(),
            jwks_url: format!("{}/{user_pool_id}/.well-known/jwks.json", endpoint.trim_end_matches('/')),
            keys: RwLock::new(None),
            http: reqwest::Client::new(),
        }
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, AuthError> {
        let cached = self.keys.read().await.as_ref().and_then(|set| set.find(kid).cloned());
        let jwk = match cached {
            Some(jwk) => jwk,
            None => {
                // An unknown key id: the pool may have rotated its keys, so fetch them again.
                let set: JwkSet = self
                    .http
                    .get(&self.jwks_url)
                    .send()
                    .await
                    .and_then(|r| r.error_for_status())
                    .map_err(|e| AuthError::Invalid(format!("JWKS unavailable: {e}")))?
                    .json()
                    .await
                    .map_err(|e| AuthError::Invalid(format!("JWKS unreadable: {e}")))?;
                let jwk = set.find(kid).cloned().ok_or_else(|| AuthError::Invalid("unknown key id".into()))?;
                *self.keys.write().await = Some(set);
                jwk
            }
        };
        DecodingKey::from_jwk(&jwk).map_err(|e| AuthError::Invalid(e.to_string()))
    }

    /// The token's claims as API Gateway passes them on: every value a string.
    pub async fn verify(&self, headers: &HeaderMap) -> Result<Map<String, Value>, AuthError> {
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .ok_or(AuthError::Missing)?;
        let header = jsonwebtoken::decode_header(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        let kid = header.kid.ok_or_else(|| AuthError::Invalid("no key id".into()))?;
        let key = self.key(&kid).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.validate_aud = false; // checked below: ID tokens carry aud, access tokens client_id
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        let claims =
            jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation).map_err(|e| AuthError::Invalid(e.to_string()))?.claims;
        let audience = claims.get("aud").or_else(|| claims.get("client_id")).and_then(Value::as_str);
        if audience != Some(self.client_id.as_str()) {
            return Err(AuthError::Invalid("token is for another client".into()));
        }
        Ok(claims.into_iter().map(|(name, value)| (name, Value::String(api_gateway_claim(&value)))).collect())
    }
}

/// API Gateway renders array claims as `[a b]` and every other claim as its text.
fn api_gateway_claim(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(api_gateway_claim).collect();
            format!("[{}]", items.join(" "))
        }
        other => other.to_string(),
    }
}
