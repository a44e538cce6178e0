//! The pool's triggers behind Lambda's Invoke API, on loopback: the emulator's Cognito calls them
//! here where Cognito calls them in AWS (`scripts/emulator_triggers.py`), with the same handler
//! code their functions run. A function error is answered as Lambda answers it: 200 with
//! `X-Amz-Function-Error` and the error's message, which Cognito puts in its own exception.
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use tenant_members::App;

use crate::BoxError;

/// Serves the triggers of `app`'s pool on a loopback port; returns its base URL.
pub async fn serve(app: App) -> Result<String, BoxError> {
    let router = Router::new().route("/2015-03-31/functions/{function}/invocations", post(invoke)).with_state(Arc::new(app));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "the local Lambda API stopped");
        }
    });
    Ok(url)
}

fn json_response(status: StatusCode, function_error: bool, body: &Value) -> Response {
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response();
    if function_error {
        response.headers_mut().insert("x-amz-function-error", header::HeaderValue::from_static("Unhandled"));
    }
    response
}

async fn invoke(State(app): State<Arc<App>>, Path(function): Path<String>, body: Bytes) -> Response {
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return json_response(StatusCode::BAD_REQUEST, false, &json!({ "Type": "User", "message": "the event is not JSON" }));
    };
    match tenant_members::triggers::answer_named(&function, &app, event).await {
        Some(Ok(answer)) => json_response(StatusCode::OK, false, &answer),
        Some(Err(error)) => json_response(StatusCode::OK, true, &json!({ "errorMessage": error.to_string(), "errorType": "ApiError" })),
        None => {
            json_response(StatusCode::NOT_FOUND, false, &json!({ "Type": "User", "message": format!("Function not found: {function}") }))
        }
    }
}

/// Tells the emulator where the triggers of `user_pool_id` answer, and where Cognito's own
/// emails go (the SES the service sends through).
pub async fn register(emulator: &str, user_pool_id: &str, lambda_url: &str, ses_url: &str) -> Result<(), BoxError> {
    let answer = reqwest::Client::new()
        .post(format!("{emulator}/emulator/cognito-triggers"))
        .json(&json!({ "userPoolId": user_pool_id, "lambdaUrl": lambda_url, "sesUrl": ses_url }))
        .send()
        .await?;
    if !answer.status().is_success() {
        return Err(format!("the emulator did not take the pool's triggers ({}): is it scripts/emulator.py?", answer.status()).into());
    }
    Ok(())
}
