//! The shape of every operation: who may call it (`Scope`), what it takes (`Input`), what it
//! does (`handle`), and how a request reaches it once the edge has read it (`serve`).
use std::future::Future;

use time::OffsetDateTime;

use crate::app::{App, Ports};
use crate::error::ApiError;
use crate::model::Person;
use crate::operations::idempotency::{self, IdempotencyKey};
use crate::operations::input::{Input, RequestParts};
use crate::operations::reply::Reply;
use crate::operations::scope::Scope;

/// One operation as its Lambda function runs it. A function's binary names its operation's type
/// (`lambda::run::<InviteMember>()`), so it links that handler and no other.
pub trait Handler {
    /// The function's name: its binary, `functions/src/bin/<name>.rs`.
    const NAME: &'static str;
    /// The ports it calls: its function builds those clients and no other.
    const PORTS: Ports;
    /// A retried request with the same `Idempotency-Key` gets the first answer again.
    const IDEMPOTENT: bool = false;
    /// The largest body it reads; a larger one is refused before it is parsed (API Gateway
    /// would pass up to 10 MB). Ample for any one member's fields.
    const MAX_BODY_BYTES: usize = 16 * 1024;
    /// How its errors are written.
    const ERRORS: Errors = Errors::Problem;
    /// Who may call, decided before the rest of the request is read.
    type Scope: Scope;
    /// What it takes of the request besides who calls and the path.
    type Input: Input;
    fn handle(app: &App, call: Call<Self::Scope, Self::Input>) -> impl Future<Output = Result<Reply, ApiError>> + Send;
}

/// How a handler's errors are written: the contract's problem details, or SCIM's errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Errors {
    Problem,
    Scim,
}

/// One call of a handler: its cleared scope, its input, the time the request is served at, the
/// signed-in caller's person record as the session check read it (none on a public route, or
/// for a person the service has not recorded), so that no handler reads it again, and when the
/// function's invocation is cut off, if it is.
pub struct Call<S, I> {
    pub scope: S,
    pub input: I,
    pub now: OffsetDateTime,
    pub caller_person: Option<Person>,
    pub deadline: Option<OffsetDateTime>,
    /// The API's address: the stack's `ApiBaseUrl`, else the one the request came to.
    pub api_url: String,
}

/// Runs `H` on a request as the edge read it, in the contract's order: who calls and whether
/// they may (401, then 403/404), the idempotency key (a stored answer is replayed only to a
/// caller who may still call), the input (400), then the operation. The key is taken in the
/// same round trip as the caller's checks, and let go if they refuse.
pub async fn serve<H: Handler>(app: &App, parts: &RequestParts, now: OffsetDateTime) -> Result<Reply, ApiError> {
    let key = if H::IDEMPOTENT { IdempotencyKey::of(parts)? } else { None };
    let (scope, session, slot) =
        tokio::join!(H::Scope::resolve(app, parts), current_session(app, parts), idempotency::reserve(app, key, now));
    let (scope, caller_person) = match session.and_then(|person| Ok((scope?, person))) {
        Ok(checked) => checked,
        Err(refused) => {
            if let Ok(slot) = slot {
                slot.release(app).await;
            }
            return Err(refused);
        }
    };
    slot?
        .run(app, async {
            if parts.body.len() > H::MAX_BODY_BYTES {
                return Err(ApiError::validation(format!("the request body is larger than {} KB", H::MAX_BODY_BYTES / 1024)));
            }
            let input = H::Input::parse(parts)?;
            H::handle(
                app,
                Call {
                    scope,
                    input,
                    now,
                    caller_person,
                    deadline: parts.deadline,
                    api_url: app.config.api_base_url.clone().unwrap_or_else(|| parts.origin.clone()),
                },
            )
            .await
        })
        .await
}

/// A signed-in caller's token must postdate the service's last ending of their sessions
/// (`auth::session_current`); read in the same round trip as the scope.
async fn current_session(app: &App, parts: &RequestParts) -> Result<Option<Person>, ApiError> {
    let Some(caller) = &parts.caller else {
        return Ok(None);
    };
    let person = app.store.get_person(&caller.sub).await?;
    crate::auth::session_current(caller, person.as_ref())?;
    Ok(person)
}
