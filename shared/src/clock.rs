//! The wall clock. The edge reads it once per request and passes that `now` down, so that the
//! domain never reads it and a test can run every rule at a time of its choosing.
use std::sync::Arc;

use time::OffsetDateTime;

/// Where the edge reads the time of a request.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> OffsetDateTime + Send + Sync>);

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Self(Arc::new(now))
    }

    /// A clock that tells what `time` tells (a test's own).
    pub fn from_fn(time: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        Self(Arc::new(time))
    }

    pub fn now(&self) -> OffsetDateTime {
        (self.0)()
    }
}

/// The system's time at the precision the service shows (milliseconds).
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.millisecond() as u32 * 1_000_000).unwrap_or(now)
}
