//! The floor: `lambda_http` with a constant handler.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::run(lambda_http::service_fn(bench_baselines::constant)).await
}
