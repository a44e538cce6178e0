//! What both baselines answer: a constant response, so that only their start differs.
use lambda_http::{Body, Error, Request, Response};

pub async fn constant(_: Request) -> Result<Response<Body>, Error> {
    Ok(Response::new(Body::from("{}")))
}
