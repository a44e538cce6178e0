//! What the functions log: one JSON line per event, and an error with its causes.
use tracing_subscriber::filter::LevelFilter;

/// One JSON line per log event, as CloudWatch Logs Insights reads best, at the level Lambda's
/// logging configuration sets (`AWS_LAMBDA_LOG_LEVEL`), else `RUST_LOG`'s, else info. A level,
/// not a per-module filter: the filter's regex engine would be a fifth of a small function.
///
/// Only the service's own code logs at TRACE: there the Lambda runtime prints each raw event
/// (its body holds passwords and link tokens, its headers the caller's JWT) and the AWS SDK each
/// request (a new password, an email's link, the function's session token), so every other
/// crate stops at DEBUG, whatever the level asked for.
pub fn init() {
    let level = ["AWS_LAMBDA_LOG_LEVEL", "RUST_LOG"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let _ = tracing::subscriber::set_global_default(subscriber(level, std::io::stdout));
}

/// The functions' subscriber, at `level`, writing to `writer`.
pub fn subscriber<W>(level: LevelFilter, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt;

    tracing_subscriber::fmt()
        .json()
        .with_writer(writer)
        .with_max_level(level)
        .with_current_span(false)
        .without_time()
        .with_target(false)
        .finish()
        .with(tracing_subscriber::filter::filter_fn(shown))
}

/// Whether an event or span may be logged: not a TRACE one of another crate than ours.
fn shown(metadata: &tracing::Metadata<'_>) -> bool {
    *metadata.level() != tracing::Level::TRACE || metadata.target().starts_with(env!("CARGO_CRATE_NAME"))
}

/// An error and its causes, for the log ("service error" alone says nothing).
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// What a subscriber wrote.
    #[derive(Clone, Default)]
    struct Written(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Written {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// At TRACE only the service's own events are logged: here the AWS SDK sends a new password,
    /// as `AdminSetUserPassword` does, to an address that refuses it.
    #[tokio::test]
    async fn at_trace_only_our_own_events_are_logged() {
        let written = Written::default();
        let writer = written.clone();
        let _default = tracing::subscriber::set_default(subscriber(LevelFilter::TRACE, move || writer.clone()));
        let config = aws_sdk_cognitoidentityprovider::Config::builder()
            .behavior_version(aws_sdk_cognitoidentityprovider::config::BehaviorVersion::latest())
            .region(aws_sdk_cognitoidentityprovider::config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .credentials_provider(aws_sdk_cognitoidentityprovider::config::Credentials::new("local", "local", None, None, "test"))
            .retry_config(aws_sdk_cognitoidentityprovider::config::retry::RetryConfig::disabled())
            .http_client(crate::sdk::https_client())
            .build();
        let cognito = aws_sdk_cognitoidentityprovider::Client::from_conf(config);
        let sent = cognito
            .admin_set_user_password()
            .user_pool_id("pool")
            .username("someone")
            .password("Secret-password-42")
            .permanent(true)
            .send()
            .await;
        assert!(sent.is_err(), "nothing listens there");
        tracing::trace!("our own trace event");
        tracing::trace!(target: "hyper_util::client", "another crate's trace event");

        let log = String::from_utf8(written.0.lock().unwrap().clone()).unwrap();
        assert!(log.contains("our own trace event"), "the service's own TRACE events are logged: {log}");
        assert!(!log.contains("\"level\":\"TRACE\",\"fields\":{\"message\":\"transmitting request"), "the SDK's are not: {log}");
        assert!(!log.contains("another crate's trace event"), "another crate's TRACE events are not: {log}");
    }
}
