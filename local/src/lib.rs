//! The local stack: the emulator provisioned from `template.yaml`, and the HTTP API served on
//! loopback through the same operation code the Lambda functions run.
pub mod capacity;
pub mod event_source;
pub mod fixtures;
pub mod gateway;
pub mod lambda_api;
pub mod portal;
pub mod provision;
pub mod replay;
pub mod runtime_api;
pub mod template;
pub mod traffic;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tenant_members::{App, Config};

use crate::gateway::{Gateway, JwtAuthorizer};
use crate::provision::{provision, Credentials, Provisioned, StackNames};
use crate::template::Template;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// `.local/stack.json`, as the contract describes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StackFile {
    pub api_url: String,
    pub aws_endpoint_url: String,
    pub region: String,
    pub table_name: String,
    pub user_pool_id: String,
    pub user_pool_client_id: String,
    pub sender_email: String,
    pub portal_base_url: String,
    /// The Members tab's web console (`pages/console.html`), beside the link pages.
    pub console_url: String,
    /// The bus the events are published to, and a queue its rule delivers every event to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_bus_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_queue_url: Option<String>,
    /// A tenant's directory (SCIM 2.0) endpoint, `{tenantId}` in it, as the contract places it.
    pub scim_base_url: String,
    pub operator: Credentials,
}

pub struct StackOptions {
    pub template: PathBuf,
    pub listen: SocketAddr,
    /// Where the portal's link pages and the outbox are served (`portal.rs`), if anywhere.
    pub portal_listen: Option<SocketAddr>,
    /// The pages it serves: the project's `pages/`.
    pub pages: PathBuf,
    pub names: StackNames,
    /// What the email links are built on; empty: the address the portal listens at.
    pub portal_base_url: String,
    pub invitation_ttl: Duration,
    pub password_reset_ttl: Duration,
    /// Adjusts the SDK config the service's clients get (not the provisioning's): tests put a
    /// recording HTTP client and a short retry backoff here.
    pub service_sdk: Option<AdjustSdk>,
    /// Whether the table's stream is carried to the bus (`event_source.rs`); the tests that
    /// read events ask for it.
    pub events: bool,
    /// Retries of a failing batch before it is parked: the template's `MaximumRetryAttempts`,
    /// unless a test parks sooner.
    pub stream_retries: Option<u32>,
    /// The triggers' SDK timeouts: the functions' (3 s a call), unless the tests' emulator,
    /// serving every test one request at a time, makes a call wait its turn longer.
    pub trigger_timeouts: Option<aws_config::timeout::TimeoutConfig>,
    /// The rows a batch starts a second: the template's default, unless a test lets its rows
    /// overlap as much as they can.
    pub batch_invitations_per_second: u32,
    /// The batches a tenant takes a minute: the template's default, unless a test sends many.
    pub batches_per_tenant_per_minute: u32,
    /// The refused tokens a tenant's SCIM path takes a minute: the template's default, unless a
    /// test fills the window sooner.
    pub directory_refusals_per_minute: u32,
    /// Functions' timeouts (by function name) instead of the template's: a test cuts one short.
    pub function_timeouts: Vec<(String, Duration)>,
}

/// A change to an SDK config, made once.
pub type AdjustSdk = Box<dyn FnOnce(&aws_config::SdkConfig) -> aws_config::SdkConfig + Send>;

/// The SDK timeouts of calls to the emulator, which serves one request at a time: under a person,
/// the console and a script at once a call may wait its turn for seconds, which AWS, serving
/// them side by side, never makes it wait. The functions' own 3 s (which cut a hung dependency in
/// AWS) would answer such a wait `503`; the tests hold those 3 s against a real hang on their own.
pub fn emulator_timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder().operation_timeout(Duration::from_secs(60)).build()
}

impl StackOptions {
    /// The names `make start` uses; a second start finds and reuses what the first created.
    pub fn local_default(template: PathBuf) -> Self {
        let pages = template.parent().map(|root| root.join("pages")).unwrap_or_else(|| PathBuf::from("pages"));
        Self {
            template,
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            portal_listen: Some(SocketAddr::from(([127, 0, 0, 1], 5173))),
            pages,
            names: StackNames {
                table: "tenant-members-local".into(),
                user_pool: "tenant-members-local".into(),
                sender_email: "no-reply@example.com".into(),
                operator: Credentials { email: "operator@example.com".into(), password: "Operator-Passw0rd!".into() },
            },
            portal_base_url: "http://localhost:5173".into(),
            invitation_ttl: Config::DEFAULT_INVITATION_TTL,
            password_reset_ttl: Config::DEFAULT_PASSWORD_RESET_TTL,
            service_sdk: Some(Box::new(|sdk| sdk.to_builder().timeout_config(emulator_timeouts()).build())),
            events: true,
            stream_retries: None,
            trigger_timeouts: Some(emulator_timeouts()),
            batch_invitations_per_second: Config::DEFAULT_BATCH_INVITATIONS_PER_SECOND,
            batches_per_tenant_per_minute: Config::DEFAULT_BATCHES_PER_TENANT_PER_MINUTE,
            directory_refusals_per_minute: Config::DEFAULT_DIRECTORY_REFUSALS_PER_MINUTE,
            function_timeouts: Vec::new(),
        }
    }
}

pub struct RunningStack {
    pub stack: StackFile,
    pub app: App,
    pub server: tokio::task::JoinHandle<()>,
    /// How many requests reached an operation (past the route table and the authorizer).
    pub served: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// The events' side, when the stack publishes them.
    pub events: Option<LocalEvents>,
}

pub struct LocalEvents {
    pub provisioned: event_source::EventsProvisioned,
    /// The publisher's code, as the function runs it: a test re-drives a parked batch with it.
    pub publisher: tenant_members::publisher::Publisher,
    pub recent: event_source::RecentEvents,
}

/// The emulator's address, as every AWS client here finds it: `AWS_ENDPOINT_URL`.
pub fn emulator_url() -> Result<String, BoxError> {
    std::env::var("AWS_ENDPOINT_URL").map_err(|_| "AWS_ENDPOINT_URL is not set: start the emulator first (make start)".into())
}

/// What the functions are configured with on a provisioned stack (`template.yaml` sets the
/// same from its parameters).
fn service_config(provisioned: &Provisioned, options: &StackOptions, api_url: Option<&str>) -> Config {
    Config {
        table_name: provisioned.table_name.clone(),
        user_pool_id: provisioned.user_pool_id.clone(),
        sender_email: options.names.sender_email.clone(),
        ses_configuration_set: None,
        portal_base_url: options.portal_base_url.clone(),
        invitation_ttl: options.invitation_ttl,
        password_reset_ttl: options.password_reset_ttl,
        password_policy: provisioned.password_policy.clone(),
        email_quotas: provisioned.email_quotas.clone(),
        // No firewall locally: the public routes are served directly.
        public_origin_secret: None,
        api_base_url: api_url.map(str::to_string),
        batch_invitations_per_second: options.batch_invitations_per_second,
        batches_per_tenant_per_minute: options.batches_per_tenant_per_minute,
        directory_refusals_per_minute: options.directory_refusals_per_minute,
    }
}

/// Provisions the emulator and starts serving the API; returns once the API accepts requests.
pub async fn start(mut options: StackOptions) -> Result<RunningStack, BoxError> {
    let endpoint = emulator_url()?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let region = sdk.region().map(|r| r.to_string()).ok_or("AWS_REGION is not set")?;
    let template = Template::load(&options.template)?;
    let provisioned = provision(&sdk, &template, &options.names).await?;
    let portal_listener = match options.portal_listen {
        Some(address) => Some(tokio::net::TcpListener::bind(address).await?),
        None => None,
    };
    if let (Some(listener), true) = (&portal_listener, options.portal_base_url.is_empty()) {
        options.portal_base_url = format!("http://{}", listener.local_addr()?);
    }

    let service_sdk = match options.service_sdk.take() {
        Some(adjust) => adjust(&sdk),
        // The functions' own timeouts (their provisioning above has none: the emulator is slow).
        None => sdk.to_builder().timeout_config(tenant_members::sdk::sdk_timeouts()).build(),
    };
    let listener = tokio::net::TcpListener::bind(options.listen).await?;
    let address = listener.local_addr()?;
    let api_url = format!("http://{address}");
    let app = App::on_aws(&service_sdk, service_config(&provisioned, &options, Some(&api_url)));
    // The pool's triggers, called by the emulator's Cognito: functions of their own, with the
    // functions' SDK settings (not the service's: a test's recorded or faulted calls are its routes').
    let trigger_timeouts = options.trigger_timeouts.take().unwrap_or_else(tenant_members::sdk::sdk_timeouts);
    let triggers =
        App::on_aws(&sdk.to_builder().timeout_config(trigger_timeouts).build(), service_config(&provisioned, &options, Some(&api_url)));
    let ses_url = std::env::var("AWS_ENDPOINT_URL_SESV2").unwrap_or_else(|_| endpoint.clone());
    lambda_api::register(&endpoint, &provisioned.user_pool_id, &lambda_api::serve(triggers).await?, &ses_url).await?;
    let events = match options.events {
        true => {
            let provisioned = event_source::provision(&sdk, &provisioned.table_name, template.parked_ranges_max_receives()?).await?;
            let recent = event_source::RecentEvents::default();
            let publisher = event_source::publisher(&service_sdk, &provisioned, std::sync::Arc::clone(&recent));
            let retries = match options.stream_retries {
                Some(retries) => retries,
                None => template.stream_retries()?,
            };
            let settings = event_source::MappingSettings { retries, filters: template.stream_filters()? };
            event_source::start(&sdk, &provisioned, publisher.clone(), settings).await?;
            Some(LocalEvents { provisioned, publisher, recent })
        }
        false => None,
    };
    let authorizer = JwtAuthorizer::for_user_pool(&endpoint, &region, &provisioned.user_pool_id, &provisioned.user_pool_client_id);
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut routes = template.routes()?;
    for route in &mut routes {
        if let Some((_, timeout)) = options.function_timeouts.iter().find(|(function, _)| *function == route.function) {
            route.timeout = *timeout;
        }
    }
    let router = Gateway::new(routes, app.clone(), authorizer, std::sync::Arc::clone(&served))?.router();
    if let Some(listener) = portal_listener {
        let portal = portal::Portal {
            pages: options.pages.clone(),
            ses_url: ses_url.clone(),
            cognito_url: endpoint.clone(),
            user_pool_id: provisioned.user_pool_id.clone(),
            client_id: provisioned.user_pool_client_id.clone(),
            password_policy: provisioned.password_policy.clone(),
            recent_events: events.as_ref().map(|e| std::sync::Arc::clone(&e.recent)).unwrap_or_default(),
        };
        let pages = portal::router(portal, router.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, pages).await {
                tracing::error!(error = %e, "local portal stopped");
            }
        });
    }
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "local API stopped");
        }
    });
    let stack = StackFile {
        scim_base_url: format!("{api_url}/scim/v2/{{tenantId}}"),
        api_url,
        aws_endpoint_url: endpoint,
        region,
        table_name: provisioned.table_name,
        user_pool_id: provisioned.user_pool_id,
        user_pool_client_id: provisioned.user_pool_client_id,
        sender_email: options.names.sender_email,
        console_url: format!("{}/console", options.portal_base_url),
        portal_base_url: options.portal_base_url,
        event_bus_name: events.as_ref().map(|e| e.provisioned.bus_name.clone()),
        events_queue_url: events.as_ref().map(|e| e.provisioned.queue_url.clone()),
        operator: options.names.operator,
    };
    Ok(RunningStack { stack, app, server, served, events })
}

/// The stack the sample events run against (`scripts/sam-local.sh`): rebuilt from scratch with
/// the fixtures the events name, so that every event meets the same state. Returns the
/// environment the functions need, as `template.yaml` would set it.
pub async fn seed_events_stack(template: &Path) -> Result<Vec<(String, String)>, BoxError> {
    let mut options = StackOptions::local_default(template.to_path_buf());
    options.names.table = "tenant-members-events".into();
    options.names.user_pool = "tenant-members-events".into();
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    if dynamodb.describe_table().table_name(&options.names.table).send().await.is_ok() {
        dynamodb.delete_table().table_name(&options.names.table).send().await?;
    }
    // The people too: an account an earlier event created would change what the next one meets.
    let cognito = aws_sdk_cognitoidentityprovider::Client::new(&sdk);
    let pools = cognito.list_user_pools().max_results(60).into_paginator().items().send().collect::<Result<Vec<_>, _>>().await?;
    for pool in pools.iter().filter(|p| p.name() == Some(options.names.user_pool.as_str())) {
        cognito.delete_user_pool().user_pool_id(pool.id().unwrap_or_default()).send().await?;
    }
    let template = Template::load(template)?;
    let provisioned = provision(&sdk, &template, &options.names).await?;
    let events = event_source::provision(&sdk, &provisioned.table_name, template.parked_ranges_max_receives()?).await?;
    // The events' functions answer on the address their events name (`requestContext.domainName`).
    let config = service_config(&provisioned, &options, None);
    fixtures::seed(&App::on_aws(&sdk, config.clone()), &cognito).await?;
    let mut env = function_env(&config);
    env.push(("EVENTS_DEAD_LETTER_QUEUE_URL".into(), events.dead_letter_queue_url));
    Ok(env)
}

/// The environment a function built from `template.yaml` needs to serve a stack of `config`.
pub fn function_env(config: &Config) -> Vec<(String, String)> {
    [
        ("TABLE_NAME".into(), config.table_name.clone()),
        ("USER_POOL_ID".into(), config.user_pool_id.clone()),
        ("SENDER_EMAIL".into(), config.sender_email.clone()),
        ("PORTAL_BASE_URL".into(), config.portal_base_url.clone()),
        // The local bus is named after the table (`event_source.rs`).
        ("EVENT_BUS_NAME".into(), config.table_name.clone()),
    ]
    .into_iter()
    .chain(tenant_members::environment::password_policy_vars(&config.password_policy))
    .collect()
}

pub fn write_stack_file(path: &Path, stack: &StackFile) -> Result<(), BoxError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, serde_json::to_string_pretty(stack)? + "\n")?;
    Ok(())
}
