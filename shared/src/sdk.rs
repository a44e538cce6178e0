//! The AWS SDK's configuration of a function, built by hand from what Lambda puts in its
//! environment, and its HTTPS client. `aws-config`'s loader would link and start what a Lambda
//! never uses (profile files, SSO, web identity, IMDS, and with them a whole STS client); the
//! SDK's default HTTPS client reads and parses every certificate of the system's store when a
//! client is built (a quarter of a function's start, measured) and links HTTP/2, which no AWS
//! API this service calls needs. The emulator is reached as everywhere else: `AWS_ENDPOINT_URL`,
//! or a service's own `AWS_ENDPOINT_URL_<SERVICE>` (e.g. `AWS_ENDPOINT_URL_SESV2`).
use std::collections::HashMap;
use std::error::Error;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_async::time::SystemTimeSource;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::region::Region;
use aws_types::sdk_config::SdkConfig;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};

/// How long one attempt of an AWS call, and the call with its retries, may take. A Lambda has
/// 15 s (template.yaml): a hung dependency fails the call in 3 s, leaving the operation the time
/// to take its change back and free its idempotency key.
pub fn sdk_timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

/// The longest one AWS call, its retries included, may take.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
#[error("{0} is not set: a Lambda's environment always has it")]
pub struct MissingVariable(&'static str);

/// The SDK's configuration from the environment: the region, the function role's credentials
/// (Lambda hands them over as variables, valid for the life of the execution environment), the
/// service's timeouts and the standard retries.
pub fn aws_sdk_config() -> Result<SdkConfig, MissingVariable> {
    sdk_config_from(|name| std::env::var(name).ok())
}

fn sdk_config_from(lookup: impl Fn(&str) -> Option<String>) -> Result<SdkConfig, MissingVariable> {
    let variable = |name: &'static str| lookup(name).ok_or(MissingVariable(name));
    let region = variable("AWS_REGION").or_else(|_| variable("AWS_DEFAULT_REGION"))?;
    let credentials = Credentials::new(
        variable("AWS_ACCESS_KEY_ID")?,
        variable("AWS_SECRET_ACCESS_KEY")?,
        lookup("AWS_SESSION_TOKEN"),
        None,
        "environment",
    );
    Ok(SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(https_client())
        .sleep_impl(TokioSleep::new())
        .time_source(SystemTimeSource::new())
        .retry_config(RetryConfig::standard())
        .timeout_config(sdk_timeouts())
        .service_config(EndpointFromEnvironment)
        .build())
}

/// An AWS client built at its first call, not before. Each SDK client parses its service's
/// endpoint partitions when it is built (a tenth of a function's first answer, measured), and
/// most requests of a manager's route never call Cognito (only a caller whose token claims
/// `operators` is asked about), nor does a refused request send an email.
pub struct ClientOnFirstCall<C> {
    sdk: SdkConfig,
    build: fn(&SdkConfig) -> C,
    client: OnceLock<C>,
}

impl<C> ClientOnFirstCall<C> {
    pub fn new(sdk: &SdkConfig, build: fn(&SdkConfig) -> C) -> Self {
        Self { sdk: sdk.clone(), build, client: OnceLock::new() }
    }

    pub fn get(&self) -> &C {
        self.client.get_or_init(|| (self.build)(&self.sdk))
    }
}

/// The functions' HTTPS client (the local stack's recording client wraps it too).
pub fn https_client() -> SharedHttpClient {
    SharedHttpClient::new(Https::default())
}

/// HTTP/1.1 over rustls (`ring`), verified against the Mozilla roots compiled into the binary
/// (`webpki-roots`: nothing read or parsed at start). One connection pool per connect timeout,
/// shared by every client of the function (the SDK asks for a connector at each attempt).
#[derive(Debug, Default)]
struct Https {
    pools: Mutex<HashMap<Option<Duration>, SharedHttpConnector>>,
}

type Pool = hyper_util::client::legacy::Client<hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>, SdkBody>;

#[derive(Debug, Clone)]
struct Connection(Pool);

impl HttpClient for Https {
    fn http_connector(&self, settings: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        let mut pools = self.pools.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        pools
            .entry(settings.connect_timeout())
            .or_insert_with(|| SharedHttpConnector::new(Connection::pool(settings.connect_timeout())))
            .clone()
    }
}

impl Connection {
    fn pool(connect_timeout: Option<Duration>) -> Self {
        let mut tcp = hyper_util::client::legacy::connect::HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(connect_timeout);
        let tls = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .expect("ring supports rustls' default protocol versions")
            // Plain HTTP only where an endpoint variable names an http:// URL (the emulator).
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        let pool = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .pool_timer(hyper_util::rt::TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(tls);
        Self(pool)
    }
}

impl HttpConnector for Connection {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let pool = self.0.clone();
        HttpConnectorFuture::new(async move {
            let request = request.try_into_http1x().map_err(|e| ConnectorError::user(e.into()))?;
            let response = pool.request(request).await.map_err(retry_class)?;
            Response::try_from(response.map(SdkBody::from_body_1_x)).map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

/// What the SDK's retry strategy needs to know of a failed request, as its own client tells it:
/// a timeout, or a connection that failed or was closed under the request (both retried), or
/// another failure (not retried).
fn retry_class(error: hyper_util::client::legacy::Error) -> ConnectorError {
    if caused_by(&error, hyper::Error::is_timeout) {
        ConnectorError::timeout(error.into())
    } else if error.is_connect() || caused_by(&error, |e| e.is_closed() || e.is_canceled() || e.is_incomplete_message()) {
        ConnectorError::io(error.into())
    } else if caused_by(&error, hyper::Error::is_user) {
        ConnectorError::user(error.into())
    } else {
        ConnectorError::other(error.into(), None)
    }
}

/// Whether a hyper error of `kind` is in the chain of `error`.
fn caused_by(error: &(dyn Error + 'static), kind: fn(&hyper::Error) -> bool) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if error.downcast_ref::<hyper::Error>().is_some_and(kind) {
            return true;
        }
        next = error.source();
    }
    false
}

/// What each client asks its configuration for (today only its endpoint): the service's own
/// variable (`AWS_ENDPOINT_URL_SESV2`: the service id in capitals, spaces as `_`), else the
/// global one, as `aws-config` reads them.
#[derive(Debug)]
struct EndpointFromEnvironment;

impl LoadServiceConfig for EndpointFromEnvironment {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        setting(&key, |name| std::env::var(name).ok())
    }
}

fn setting(key: &ServiceConfigKey<'_>, variable: impl Fn(&str) -> Option<String>) -> Option<String> {
    let service = key.service_id().to_uppercase().replace(' ', "_");
    variable(&format!("{}_{service}", key.env())).or_else(|| variable(key.env()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint_of(service_id: &str, set: &[(&str, &str)]) -> Option<String> {
        let key = ServiceConfigKey::builder().service_id(service_id).env("AWS_ENDPOINT_URL").profile("endpoint_url").build().unwrap();
        setting(&key, |name| set.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn a_services_own_endpoint_variable_wins_over_the_global_one() {
        let set = [("AWS_ENDPOINT_URL", "http://all:5051"), ("AWS_ENDPOINT_URL_SESV2", "http://ses:5052")];
        assert_eq!(endpoint_of("SESv2", &set).as_deref(), Some("http://ses:5052"));
        assert_eq!(endpoint_of("DynamoDB", &set).as_deref(), Some("http://all:5051"));
        let cognito = [("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "http://idp:1")];
        assert_eq!(endpoint_of("Cognito Identity Provider", &cognito).as_deref(), Some("http://idp:1"));
        assert_eq!(endpoint_of("DynamoDB", &[]), None, "AWS's own endpoints when nothing is set");
    }

    /// The configuration a function builds from what Lambda puts in its environment.
    fn lambda_sdk_config() -> SdkConfig {
        let env = [("AWS_REGION", "ap-northeast-1"), ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "secret")];
        sdk_config_from(|name| env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())).unwrap()
    }

    /// A TLS server on loopback whose certificate (for `localhost`) no public root signed: the
    /// function's client must refuse it. Returns its port and how its handshake ended.
    async fn self_signed_server() -> (u16, tokio::task::JoinHandle<Result<(), String>>) {
        let signed = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(signed.signing_key.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(rustls::crypto::ring::default_provider().into())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![signed.cert.der().clone()], key)
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
        let handshake = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.map_err(|e| e.to_string())?;
            acceptor.accept(tcp).await.map(|_| ()).map_err(|e| e.to_string())
        });
        (port, handshake)
    }

    #[tokio::test]
    async fn the_functions_client_speaks_tls_and_refuses_a_certificate_no_public_root_signed() {
        let (port, handshake) = self_signed_server().await;
        let sdk = lambda_sdk_config();
        let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
            .endpoint_url(format!("https://localhost:{port}"))
            .retry_config(RetryConfig::disabled())
            .build();
        let answer = aws_sdk_dynamodb::Client::from_conf(config).list_tables().send().await;
        let error = format!("{:?}", answer.expect_err("no answer through an untrusted certificate"));
        assert!(error.contains("UnknownIssuer"), "{error}");
        let refused = handshake.await.unwrap().expect_err("the client ends the handshake");
        assert!(refused.to_lowercase().contains("unknown"), "the server hears why: {refused}");
    }

    #[tokio::test]
    async fn a_connection_closed_under_a_request_is_tried_again() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = accepted.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                drop(tcp);
            }
        });
        let sdk = lambda_sdk_config();
        let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .retry_config(RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(1)))
            .build();
        let answer = aws_sdk_dynamodb::Client::from_conf(config).list_tables().send().await;
        assert!(answer.is_err());
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 3, "the standard retries' three attempts");
    }

    #[test]
    fn a_missing_credential_is_named() {
        let error = sdk_config_from(|name| (name == "AWS_REGION").then(|| "ap-northeast-1".to_string())).unwrap_err();
        assert_eq!(error.to_string(), "AWS_ACCESS_KEY_ID is not set: a Lambda's environment always has it");
    }
}
