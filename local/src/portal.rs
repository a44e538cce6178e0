//! The portal's side of the local stack, at the portal base URL the emails link to: the link
//! pages of `pages/` (as a portal would host them), the API under `/api` and Cognito's user-pool
//! API under `/cognito` (same origin: no CORS to set up locally), and the outbox of the
//! emulator's SES, newest first, each email as its HTML and text parts.
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use tenant_members::password::PasswordPolicy;

/// The pages and their scripts: nothing else of `pages/` is served.
const PAGES: [(&str, &str); 4] = [
    ("/accept-invitation", "accept-invitation.html"),
    ("/reset-password", "reset-password.html"),
    ("/outbox", "outbox.html"),
    ("/console", "console.html"),
];
const ASSETS: [&str; 9] = [
    "portal.css",
    "portal.js",
    "cognito-srp.js",
    "accept-invitation.js",
    "reset-password.js",
    "outbox.js",
    "console.css",
    "console.js",
    "console-texts.js",
];

/// What the pages may load: their own files, and calls to their own origin.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; \
                           base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/// An email's HTML, shown as sent: its inline styles, no script, links that work.
const EMAIL_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

pub struct Portal {
    pub pages: PathBuf,
    /// The emulator serving SES (its outbox) and Cognito.
    pub ses_url: String,
    pub cognito_url: String,
    pub user_pool_id: String,
    pub client_id: String,
    pub password_policy: PasswordPolicy,
    /// The events the bus took lately (none when the stack publishes none).
    pub recent_events: crate::event_source::RecentEvents,
}

struct Shared {
    portal: Portal,
    http: reqwest::Client,
}

pub fn router(portal: Portal, api: Router) -> Router {
    let mut router = Router::new();
    for (path, file) in PAGES {
        router = router.route(path, get(move |State(shared): State<Arc<Shared>>| async move { file_of(&shared, file).await }));
    }
    router
        .route("/{asset}", get(asset))
        .route("/config.json", get(config))
        .route("/outbox.json", get(outbox))
        .route("/outbox/events.json", get(recent_events))
        .route("/outbox/{id}/{part}", get(email_part))
        .route("/cognito", post(cognito))
        .with_state(Arc::new(Shared { portal, http: reqwest::Client::new() }))
        .nest_service("/api", api)
}

fn with_headers(mut response: Response, policy: &'static str) -> Response {
    let headers = response.headers_mut();
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert("content-security-policy", HeaderValue::from_static(policy));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn json_response(body: &Value) -> Response {
    with_headers(([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response(), PAGE_POLICY)
}

async fn file_of(shared: &Shared, file: &str) -> Response {
    let kind = match file.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ => "text/javascript; charset=utf-8",
    };
    match tokio::fs::read(shared.portal.pages.join(file)).await {
        Ok(bytes) => with_headers(([(header::CONTENT_TYPE, kind)], bytes).into_response(), PAGE_POLICY),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn asset(State(shared): State<Arc<Shared>>, Path(asset): Path<String>) -> Response {
    match ASSETS.iter().find(|a| **a == asset) {
        Some(file) => file_of(&shared, file).await,
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// What the pages need to know: where the API and Cognito are, the pool and its app client, the
/// password policy.
async fn config(State(shared): State<Arc<Shared>>) -> Response {
    let p = &shared.portal.password_policy;
    let body = json!({
        "apiUrl": "api",
        "cognitoUrl": "cognito",
        "userPoolId": shared.portal.user_pool_id,
        "clientId": shared.portal.client_id,
        "passwordPolicy": {
            "minimumLength": p.minimum_length, "requireLowercase": p.require_lowercase, "requireUppercase": p.require_uppercase,
            "requireNumbers": p.require_numbers, "requireSymbols": p.require_symbols,
        },
    });
    json_response(&body)
}

/// Forwards one call of Cognito's user-pool API to the emulator, as the browser would send it
/// to Cognito's endpoint in AWS: signing in, refreshing (switching tenant) and ending the session.
async fn cognito(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let allowed = ["InitiateAuth", "RespondToAuthChallenge", "GetTokensFromRefreshToken", "RevokeToken"];
    if !target.strip_prefix("AWSCognitoIdentityProviderService.").is_some_and(|action| allowed.contains(&action)) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let forwarded = shared
        .http
        .post(&shared.portal.cognito_url)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", target)
        .body(body)
        .send()
        .await;
    match forwarded {
        Ok(answer) => {
            let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            (status, [(header::CONTENT_TYPE, "application/x-amz-json-1.1")], answer.bytes().await.unwrap_or_default()).into_response()
        }
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}

/// The emails the emulator's SES accepted, newest first. moto now and then answers 500 while
/// another request changes its state: tried again.
async fn messages(shared: &Shared) -> Vec<Value> {
    let url = format!("{}/moto-api/data.json", shared.portal.ses_url);
    for _ in 0..20 {
        if let Ok(answer) = shared.http.get(&url).send().await {
            if let Ok(data) = answer.json::<Value>().await {
                let mut messages = data["ses"]["Message"].as_array().cloned().unwrap_or_default();
                messages.reverse();
                return messages;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Vec::new()
}

async fn outbox(State(shared): State<Arc<Shared>>) -> Response {
    let listed: Vec<Value> = messages(&shared)
        .await
        .iter()
        .map(|m| {
            json!({
                "id": m["id"], "to": m["destinations"]["ToAddresses"], "subject": m["subject"], "sentAt": m["sentAt"],
                "html": format!("outbox/{}/html", m["id"].as_str().unwrap_or_default()),
                "text": format!("outbox/{}/text", m["id"].as_str().unwrap_or_default()),
            })
        })
        .collect();
    json_response(&Value::from(listed))
}

/// The events the bus took lately, newest first.
async fn recent_events(State(shared): State<Arc<Shared>>) -> Response {
    let recent = shared.portal.recent_events.lock().unwrap_or_else(|e| e.into_inner()).iter().rev().cloned().collect::<Vec<_>>();
    json_response(&Value::from(recent))
}

async fn email_part(State(shared): State<Arc<Shared>>, Path((id, part)): Path<(String, String)>) -> Response {
    let messages = messages(&shared).await;
    let Some(message) = messages.iter().find(|m| m["id"].as_str() == Some(id.as_str())) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (kind, body) = match part.as_str() {
        "html" => ("text/html; charset=utf-8", message["html"].as_str().or(message["body"].as_str())),
        "text" => ("text/plain; charset=utf-8", message["text"].as_str()),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match body {
        Some(body) => with_headers(([(header::CONTENT_TYPE, kind)], body.to_string()).into_response(), EMAIL_POLICY),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
