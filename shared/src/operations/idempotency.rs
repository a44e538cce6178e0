//! `Idempotency-Key` on the creating POSTs: a retried request gets the first answer again (and
//! no second email); the same key on another request is refused. Keys are per caller and route
//! and are kept a day.
use std::future::Future;

use time::OffsetDateTime;

use crate::app::App;
use crate::error::ApiError;
use crate::operations::input::RequestParts;
use crate::operations::Reply;
use crate::ports::{Reservation, StoredResponse};
use crate::tokens::sha256_hex;

const MAX_KEY_LEN: usize = 255;

/// A request's key, scoped to its caller and route, and the fingerprint of its body.
pub struct IdempotencyKey {
    scoped: String,
    fingerprint: String,
}

impl IdempotencyKey {
    /// The request's key; none without the header. A key needs a signed-in caller.
    pub fn of(parts: &RequestParts) -> Result<Option<Self>, ApiError> {
        let Some(raw) = &parts.idempotency_key else { return Ok(None) };
        let key = std::str::from_utf8(raw)
            .ok()
            .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN && k.chars().all(|c| c.is_ascii_graphic()))
            .ok_or_else(|| ApiError::validation("Idempotency-Key must be 1 to 255 visible ASCII characters"))?;
        let caller = parts.caller.as_ref().ok_or(ApiError::Unauthenticated)?;
        Ok(Some(Self { scoped: format!("{}#{}#{key}", caller.sub.as_str(), parts.route), fingerprint: sha256_hex(&parts.body) }))
    }
}

/// Runs `operation` at most once per key; without one, just runs it.
pub async fn once<F>(app: &App, key: Option<IdempotencyKey>, now: OffsetDateTime, operation: F) -> Result<Reply, ApiError>
where
    F: Future<Output = Result<Reply, ApiError>>,
{
    let Some(key) = key else { return operation.await };
    match app.store.reserve(&key.scoped, &key.fingerprint, now).await? {
        Reservation::Replay(stored) => Ok(replay(stored)),
        Reservation::Reserved => match operation.await {
            Ok(reply) => {
                app.store.complete(&key.scoped, &stored(&reply)).await?;
                Ok(reply)
            }
            Err(error) => {
                app.store.release(&key.scoped).await?;
                Err(error)
            }
        },
    }
}

fn stored(reply: &Reply) -> StoredResponse {
    StoredResponse { status: reply.status, body: reply.body.clone().unwrap_or_default(), location: reply.location.clone() }
}

fn replay(stored: StoredResponse) -> Reply {
    Reply { status: stored.status, body: Some(stored.body), location: stored.location, etag: None, replayed: true }
}
