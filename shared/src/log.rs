//! What the functions log: one JSON line per event, and an error with its causes.

/// One JSON line per log event, as CloudWatch Logs Insights reads best, at the level Lambda's
/// logging configuration sets (`AWS_LAMBDA_LOG_LEVEL`), else `RUST_LOG`'s, else info. A level,
/// not a per-module filter: the filter's regex engine would be a fifth of a small function.
pub fn init() {
    let level = ["AWS_LAMBDA_LOG_LEVEL", "RUST_LOG"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    let _ = tracing_subscriber::fmt().json().with_max_level(level).with_current_span(false).without_time().with_target(false).try_init();
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
