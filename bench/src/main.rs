//! `make bench`: one row per function of what a Lambda user pays for, measured here.
//!
//! - init: exec of the release `bootstrap` to its first `GET …/invocation/next` against a
//!   Runtime API stub on loopback (median of 20 starts; the SDK clients are built by then);
//! - size of the stripped release binary;
//! - RSS: peak resident memory over 1,000 invocations through the stub (see `steady_event`), and
//!   the growth from the 100th to the 1,000th;
//! - handler time: in process, wall time per request minus the time an AWS call was in flight
//!   (the recording HTTP client), median and p99 over 100 requests of the success event;
//! - AWS calls and sequential round trips of one request;
//! - scale: list-members pages (the worst filtered one included) and representative candidates in a
//!   tenant of 10,000 members and 50 admins, an operator's GET /tenants among 5,000 tenants,
//!   invite throughput at 20 at once.
//! - first answer (`answer.rs`): exec to the answer of the success event, AWS answered at once by
//!   a replay, against `hello` the same way.
//! - price (`price.rs`): what 1,000 accepted invitations and 1,000 directory-provisioned members
//!   cost on AWS at `bench/prices.json`'s list prices.
//! - console (`console.rs`): the Members console's JavaScript and CSS, its first paint against the
//!   link page's, and the time from "Sign in" to a Members tab of 50 drawn, in Chromium.
//!
//! Needs the emulator (`make bench` starts it) and release binaries in the target directory.
mod answer;
mod console;
mod events;
mod in_process;
mod price;
mod process;
mod scale;

use std::path::{Path, PathBuf};

use local_stack::runtime_api::RuntimeStub;
use local_stack::traffic::Traffic;
use tenant_members::registry::Operation;
use tenant_members::triggers;
use tenant_members::{App, Config};

use in_process::{handler, Function};
use process::{baselines, init_ms, memory, INVOCATIONS, STARTS};
use scale::scale;

const HANDLER_SAMPLES: usize = 100;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Row {
    function: &'static str,
    init_ms: f64,
    size: u64,
    rss_peak_kb: u64,
    rss_growth_kb: i64,
    handler_p50_ms: f64,
    handler_p99_ms: f64,
    calls: usize,
    round_trips: usize,
    status: u16,
}

/// A local stack of its own for the `section` of the bench (its table and pool named by the run),
/// its events carried to the queue, and every AWS call its functions make seen on the wire.
async fn recorded_stack(template: &Path, section: &str) -> Result<(local_stack::RunningStack, Traffic), BoxError> {
    let mut options = local_stack::StackOptions::local_default(template.to_path_buf());
    let run = format!("bench-{section}-{}", time::OffsetDateTime::now_utc().unix_timestamp());
    options.names.table = run.clone();
    options.names.user_pool = run;
    options.listen.set_port(0);
    options.portal_listen = None;
    options.events = true;
    let traffic = Traffic::new();
    let client = traffic.http_client();
    options.service_sdk = Some(Box::new(move |sdk| sdk.to_builder().http_client(client).build()));
    Ok((local_stack::start(options).await?, traffic))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("bench/ is in the project").to_path_buf()
}

fn release_dir() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| root().join("target"));
    target.join("release")
}

/// The first event of a function whose name starts with one of `statuses`, in that order
/// (`events/<function>.<status>-<case>.json`).
fn event(function: &str, statuses: &[&str]) -> Result<String, BoxError> {
    let mut names: Vec<_> = std::fs::read_dir(root().join("events"))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().to_string()))
        .filter(|n| n.starts_with(&format!("{function}.")))
        .collect();
    names.sort();
    let name = statuses
        .iter()
        .find_map(|status| names.iter().find(|n| n.starts_with(&format!("{function}.{status}"))))
        .ok_or_else(|| format!("no {statuses:?} event for {function}"))?;
    Ok(std::fs::read_to_string(root().join("events").join(name))?)
}

fn success_event(function: &str) -> Result<String, BoxError> {
    event(function, &["2"])
}

/// What the 1,000-invocation memory run sends: the success event of a read or a trigger; for a write, a
/// refused request (after the caller's authorization reads where there are some), so that the
/// run does not grow the emulator's tables by a thousand tenants or members, which slows the
/// emulator (it copies a table per transaction) far more than it tells about our memory.
fn steady_event(function: &str) -> Result<String, BoxError> {
    let success = success_event(function)?;
    // A trigger's event writes at most once (the tenant switched to), then reads.
    if success.contains("\"triggerSource\"") || success.contains("\"method\": \"GET\"") || success.contains("\"method\":\"GET\"") {
        return Ok(success);
    }
    event(function, &["403", "409", "412", "400", "404", "401"])
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[((values.len() as f64 * p).ceil() as usize).saturating_sub(1).min(values.len() - 1)]
}

fn config_from(env: &[(String, String)]) -> Config {
    let get = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let template = local_stack::template::Template::load(&root().join("template.yaml")).expect("template.yaml loads");
    Config {
        table_name: get("TABLE_NAME"),
        user_pool_id: get("USER_POOL_ID"),
        sender_email: get("SENDER_EMAIL"),
        ses_configuration_set: None,
        portal_base_url: get("PORTAL_BASE_URL"),
        invitation_ttl: Config::DEFAULT_INVITATION_TTL,
        password_reset_ttl: Config::DEFAULT_PASSWORD_RESET_TTL,
        password_policy: template.password_policy().expect("template.yaml has the PasswordPolicy mapping"),
        email_quotas: template.email_quotas().expect("template.yaml has the email quota parameters"),
        public_origin_secret: None,
        api_base_url: None,
        // The table's handler times are our code's: a batch's rows unpaced (`scale` measures the pace).
        batch_invitations_per_second: 1_000,
        batches_per_tenant_per_minute: Config::DEFAULT_BATCHES_PER_TENANT_PER_MINUTE,
        directory_refusals_per_minute: Config::DEFAULT_DIRECTORY_REFUSALS_PER_MINUTE,
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let template = root().join("template.yaml");
    let stub = RuntimeStub::start().await;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let traffic = Traffic::new();
    let recorded_sdk = sdk.to_builder().http_client(traffic.http_client()).build();
    // `bench scale` and `bench console` run only that section.
    match std::env::args().nth(1).as_deref() {
        Some("scale") => return scale(&sdk, &recorded_sdk, &traffic, &template).await,
        Some("console") => return console::console(&template).await,
        Some("events") => return events::events(&template).await,
        Some("price") => return price::price(&template).await,
        _ => {}
    }
    // `bench answer [FUNCTION…]`: only the first answers (of those functions).
    if std::env::args().nth(1).as_deref() == Some("answer") {
        return answer::answers(&template, &stub, &recorded_sdk, &traffic, &std::env::args().skip(2).collect::<Vec<_>>()).await;
    }
    let env = local_stack::seed_events_stack(&template).await?;
    let (hello_ms, hello_size, sdk3_ms, sdk3_size) = baselines(&stub, &env).await?;
    // `bench init FUNCTION…`: only the start and size of those functions, against the baselines.
    if std::env::args().nth(1).as_deref() == Some("init") {
        println!("| function | init ms (median of {STARTS}) | init × hello / × sdk3 | size MB |\n|---|---|---|---|");
        println!("| *hello* | {hello_ms:.2} | 1.00 / {:.2} | {:.2} |", hello_ms / sdk3_ms, hello_size as f64 / 1e6);
        println!("| *sdk3* | {sdk3_ms:.2} | {:.2} / 1.00 | {:.2} |", sdk3_ms / hello_ms, sdk3_size as f64 / 1e6);
        for function in std::env::args().skip(2) {
            let binary = release_dir().join(&function);
            let init = init_ms(&binary, &stub, &env).await;
            let size = std::fs::metadata(&binary)?.len() as f64 / 1e6;
            println!("| {function} | {init:.2} | {:.2} / {:.2} | {size:.2} |", init / hello_ms, init / sdk3_ms);
        }
        return Ok(());
    }
    let mut rows = Vec::new();
    let functions = Operation::ALL.iter().map(|o| Function::Route(*o)).chain(triggers::NAMES.iter().map(|t| Function::Trigger(t)));
    for measured in functions {
        let function = measured.name();
        let binary = release_dir().join(function);
        if !binary.exists() {
            return Err(format!("{} is missing: build with `cargo build --release` (make bench does)", binary.display()).into());
        }
        eprintln!("measuring {function}");
        // Every function meets the events' fixtures afresh.
        let env = local_stack::seed_events_stack(&template).await?;
        let event = success_event(function)?;
        let init_ms = init_ms(&binary, &stub, &env).await;
        let app = App::on_aws(&recorded_sdk, config_from(&env));
        let (handler_p50_ms, handler_p99_ms, calls, round_trips, status) = handler(&app, &traffic, measured, &event, HANDLER_SAMPLES).await;
        let env = local_stack::seed_events_stack(&template).await?;
        let (rss_peak_kb, rss_growth_kb) = memory(&binary, &stub, &env, &steady_event(function)?).await;
        rows.push(Row {
            function,
            init_ms,
            size: std::fs::metadata(&binary)?.len(),
            rss_peak_kb,
            rss_growth_kb,
            handler_p50_ms,
            handler_p99_ms,
            calls,
            round_trips,
            status,
        });
    }

    println!("| function | init ms (median of {STARTS}) | init × hello / × sdk3 | size MB | peak RSS MB ({INVOCATIONS} inv.) | RSS growth 100→{INVOCATIONS} kB | handler ms p50 / p99 | AWS calls / round trips (first request, status) |");
    println!("|---|---|---|---|---|---|---|---|");
    println!("| *hello* (baseline) | {hello_ms:.2} | 1.00 / {:.2} | {:.2} | | | | |", hello_ms / sdk3_ms, hello_size as f64 / 1e6);
    println!("| *sdk3* (baseline) | {sdk3_ms:.2} | {:.2} / 1.00 | {:.2} | | | | |", sdk3_ms / hello_ms, sdk3_size as f64 / 1e6);
    for r in &rows {
        println!(
            "| {} | {:.2} | {:.2} / {:.2} | {:.2} | {:.1} | {:+} | {:.3} / {:.3} | {} / {} ({}) |",
            r.function,
            r.init_ms,
            r.init_ms / hello_ms,
            r.init_ms / sdk3_ms,
            r.size as f64 / 1_000_000.0,
            r.rss_peak_kb as f64 / 1024.0,
            r.rss_growth_kb,
            r.handler_p50_ms,
            r.handler_p99_ms,
            r.calls,
            r.round_trips,
            r.status
        );
    }
    println!(
        "targets: list-roles ≤ 2 MB and init ≤ 1.5 × hello; a DynamoDB-only function ≤ 5 MB and init ≤ 0.6 × sdk3; none over 7 MB \
         or over sdk3's init; peak RSS ≤ 20 MB"
    );

    // The event publisher, which the table's stream calls: its start and size beside the rest.
    let publisher = release_dir().join(tenant_members::publisher::NAME);
    let init = init_ms(&publisher, &stub, &env).await;
    println!(
        "| {} (stream) | {init:.2} | {:.2} / {:.2} | {:.2} | | | | |",
        tenant_members::publisher::NAME,
        init / hello_ms,
        init / sdk3_ms,
        std::fs::metadata(&publisher)?.len() as f64 / 1e6
    );

    answer::answers(&template, &stub, &recorded_sdk, &traffic, &[]).await?;
    console::console(&template).await?;
    events::events(&template).await?;
    price::price(&template).await?;
    scale(&sdk, &recorded_sdk, &traffic, &template).await
}
