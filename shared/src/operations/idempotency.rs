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

/// What a request's key holds: nothing (no key), the key taken for this request, or the answer
/// of its first request.
pub enum Slot {
    Unkeyed,
    Reserved(IdempotencyKey),
    Replay(StoredResponse),
}

/// Takes the key for this request, or finds its first answer. Taken beside the caller's checks
/// (one round trip): a stored answer is given only to a caller who passed them.
pub async fn reserve(app: &App, key: Option<IdempotencyKey>, now: OffsetDateTime) -> Result<Slot, ApiError> {
    let Some(key) = key else { return Ok(Slot::Unkeyed) };
    Ok(match app.store.reserve(&key.scoped, &key.fingerprint, now).await? {
        Reservation::Replay(stored) => Slot::Replay(stored),
        Reservation::Reserved => Slot::Reserved(key),
    })
}

impl Slot {
    /// Runs `operation` at most once per key; without one, just runs it.
    pub async fn run<F>(self, app: &App, operation: F) -> Result<Reply, ApiError>
    where
        F: Future<Output = Result<Reply, ApiError>>,
    {
        match self {
            Slot::Unkeyed => operation.await,
            Slot::Replay(stored) => Ok(replay(stored)),
            Slot::Reserved(key) => match operation.await {
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

    /// Lets go of a key taken for a request refused before it ran (the caller's checks).
    pub async fn release(self, app: &App) {
        if let Slot::Reserved(key) = self {
            if let Err(error) = app.store.release(&key.scoped).await {
                tracing::warn!(error = %crate::log::error_chain(&error), "an idempotency key stays taken until it expires");
            }
        }
    }
}

fn stored(reply: &Reply) -> StoredResponse {
    StoredResponse { status: reply.status, body: reply.body.clone().unwrap_or_default(), location: reply.location.clone() }
}

fn replay(stored: StoredResponse) -> Reply {
    Reply {
        status: stored.status,
        body: Some(stored.body),
        location: stored.location,
        etag: None,
        replayed: true,
        content_type: "application/json",
    }
}
