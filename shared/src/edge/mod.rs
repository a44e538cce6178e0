//! The HTTP edge: an API Gateway request is read once (`request`), served by its handler
//! (`operations::serve`), and written back (`response`) with one log line.
use std::time::Instant;

use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::error::ApiError;
use crate::log::error_chain;
use crate::operations::{serve, Errors, Handler, Reply, RequestParts};

mod request;
mod response;

pub use crate::problem::status_of;
pub use response::problem;

/// Runs operation `H` and answers as the contract says, errors included; logs one line.
pub async fn respond<H: Handler>(app: &App, req: Request) -> Response<Body> {
    let started = Instant::now();
    let parts = request::read(&req);
    let result = serve::<H>(app, &parts, app.clock.now()).await;
    log(H::NAME, started, &parts, &result);
    match result {
        Ok(reply) => response::reply(reply),
        Err(error) => match H::ERRORS {
            Errors::Problem => problem(&error),
            Errors::Scim => response::scim_error(&error),
        },
    }
}

fn log(function: &'static str, started: Instant, parts: &RequestParts, result: &Result<Reply, ApiError>) {
    let status = match result {
        Ok(reply) => reply.status,
        Err(error) => status_of(error).as_u16(),
    };
    let upstream_error = match result {
        Err(ApiError::Upstream(source) | ApiError::Unfinished { source, .. }) => Some(error_chain(source.as_ref())),
        _ => None,
    };
    tracing::info!(
        request_id = parts.request_id,
        function,
        tenant = parts.tenant_id.as_deref().unwrap_or_default(),
        status,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        upstream_error,
        "request"
    );
}
