//! The Lambda entry point every function binary shares.
use std::convert::Infallible;
use std::sync::Arc;

use lambda_http::{service_fn, LambdaEvent, Request};

use crate::app::App;
use crate::config::Config;
use crate::operations::{respond, Handler};

/// One JSON line per log event, as CloudWatch Logs Insights reads best.
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_current_span(false)
        .without_time()
        .with_target(false)
        .try_init();
}

/// The entry point of the Cognito pre-authentication trigger. Its event names the user pool
/// (the template cannot: the pool names the trigger). A failure fails the sign-in: nobody
/// whose tenants require MFA signs in without it because a dependency was down.
pub async fn run_pre_authentication() -> Result<(), lambda_http::Error> {
    init_logging();
    let config = Config::from_env()?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    lambda_http::lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let pool = event.payload["userPoolId"].as_str().unwrap_or_default().to_string();
        let app = App::on_aws(&sdk, Config { user_pool_id: pool, ..config.clone() });
        async move {
            crate::triggers::enforce_mfa(&app, event.payload).await.map_err(|error| {
                tracing::error!(error = %crate::operations::error_chain(&error), "the sign-in was refused: MFA could not be checked");
                lambda_http::Error::from(error)
            })
        }
    }))
    .await
}

/// The entry point of the function of operation `H`.
pub async fn run<H: Handler>() -> Result<(), lambda_http::Error> {
    init_logging();
    let config = Config::from_env()?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let app = Arc::new(App::on_aws(&sdk, config));
    lambda_http::run(service_fn(move |req: Request| {
        let app = Arc::clone(&app);
        async move { Ok::<_, Infallible>(respond::<H>(&app, req).await) }
    }))
    .await
}
