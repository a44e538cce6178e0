//! The Lambda entry point every function binary shares.
use std::convert::Infallible;
use std::sync::Arc;

use lambda_http::{service_fn, Request};

use crate::app::App;
use crate::config::Config;
use crate::operations::Operation;

/// One JSON line per log event, as CloudWatch Logs Insights reads best.
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_current_span(false)
        .without_time()
        .with_target(false)
        .try_init();
}

pub async fn run(operation: Operation) -> Result<(), lambda_http::Error> {
    init_logging();
    let config = Config::from_env()?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let app = Arc::new(App::on_aws(&sdk, config));
    lambda_http::run(service_fn(move |req: Request| {
        let app = Arc::clone(&app);
        async move { Ok::<_, Infallible>(operation.respond(&app, req).await) }
    }))
    .await
}
