//! The Lambda entry point every function binary shares.
use std::convert::Infallible;
use std::sync::Arc;

use futures::future::BoxFuture;
use lambda_http::{service_fn, LambdaEvent, Request};

use crate::app::App;
use crate::config::Config;
use crate::edge::respond;
use crate::operations::Handler;
use crate::sdk::MissingVariable;
use crate::triggers::Trigger;

/// The entry point of the function of trigger `T`. Its clients are built once, for the pool of
/// the first event (the pool names its triggers, so every event names that same pool).
pub async fn run_trigger<T: Trigger>() -> Result<(), lambda_http::Error> {
    crate::log::init();
    let config = crate::environment::config()?;
    let sdk = crate::sdk::aws_sdk_config()?;
    let app = std::sync::OnceLock::new();
    lambda_http::lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        let pool = event.payload["userPoolId"].as_str().unwrap_or_default();
        let app: &App = app.get_or_init(|| App::on_aws_with(&sdk, Config { user_pool_id: pool.to_string(), ..config.clone() }, T::PORTS));
        let foreign = app.config.user_pool_id != pool;
        async move {
            if foreign {
                return Err(lambda_http::Error::from("this trigger serves one user pool; the event names another"));
            }
            T::answer_json(app, event.payload).await.map_err(|error| {
                tracing::error!(error = %crate::log::error_chain(&error), "the trigger failed");
                lambda_http::Error::from(error)
            })
        }
    }))
    .await
}

/// The entry point of the event publisher (`publisher`): stream batches and re-drives.
pub async fn run_publisher() -> Result<(), lambda_http::Error> {
    crate::log::init();
    let bus_name = std::env::var("EVENT_BUS_NAME").map_err(|_| "EVENT_BUS_NAME is not set")?;
    let dead_letter_queue_url = std::env::var("EVENTS_DEAD_LETTER_QUEUE_URL").map_err(|_| "EVENTS_DEAD_LETTER_QUEUE_URL is not set")?;
    let sdk = crate::sdk::aws_sdk_config()?;
    let publisher = crate::publisher::Publisher::new(
        Arc::new(crate::adapters::EventBridgeBus::new(aws_sdk_eventbridge::Client::new(&sdk), bus_name)),
        Arc::new(crate::adapters::DynamoChangeStream::new(aws_sdk_dynamodbstreams::Client::new(&sdk))),
        Arc::new(crate::adapters::SqsDeadLetterQueue::new(aws_sdk_sqs::Client::new(&sdk), dead_letter_queue_url)),
    );
    lambda_http::lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        let publisher = publisher.clone();
        async move {
            publisher.answer(&event.payload).await.map_err(|error| {
                tracing::error!(error = %crate::log::error_chain(&error), "the publisher failed");
                lambda_http::Error::from(error)
            })
        }
    }))
    .await
}

/// The app of operation `H`'s function: only the clients of its ports. A function that calls no
/// AWS service neither loads nor links the SDK's configuration: the branch is decided at compile
/// time, in a plain function (an `.await` in a dead branch of an async fn stays linked, as a
/// state of its state machine).
fn app_of<H: Handler>(config: Config) -> BoxFuture<'static, Result<App, MissingVariable>> {
    if const { H::PORTS.is_none() } {
        Box::pin(std::future::ready(Ok(App::without_aws(config))))
    } else {
        Box::pin(async move { Ok(App::on_aws_with(&crate::sdk::aws_sdk_config()?, config, H::PORTS)) })
    }
}

/// The entry point of the function of operation `H`.
pub async fn run<H: Handler>() -> Result<(), lambda_http::Error> {
    crate::log::init();
    let config = crate::environment::config()?;
    let app = Arc::new(app_of::<H>(config).await?);
    lambda_http::run(service_fn(move |req: Request| {
        let app = Arc::clone(&app);
        async move { Ok::<_, Infallible>(respond::<H>(&app, req).await) }
    }))
    .await
}
