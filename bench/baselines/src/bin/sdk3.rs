//! A function as the SDK's guide writes it: `aws_config::load_defaults` and the three clients
//! this service calls, built at init, then a constant handler.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let clients =
        (aws_sdk_dynamodb::Client::new(&sdk), aws_sdk_cognitoidentityprovider::Client::new(&sdk), aws_sdk_sesv2::Client::new(&sdk));
    lambda_http::run(lambda_http::service_fn(move |req| {
        let _held = &clients;
        bench_baselines::constant(req)
    }))
    .await
}
