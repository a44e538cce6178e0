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
//! - console (`console.rs`): the Members console's JavaScript and CSS, its first paint against the
//!   link page's, and the time from "Sign in" to a Members tab of 50 drawn, in Chromium.
//!
//! Needs the emulator (`make bench` starts it) and release binaries in the target directory.

mod console;
mod events;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use local_stack::traffic::Traffic;
use tenant_members::adapters::DynamoStore;
use tenant_members::catalog::Roles;
use tenant_members::email::Email;
use tenant_members::ids::{MemberId, TenantId, UserSub};
use tenant_members::language::Language;
use tenant_members::model::Member;
use tenant_members::registry::Operation;
use tenant_members::triggers;
use tenant_members::{App, Config};

use local_stack::runtime_api::RuntimeStub;

const STARTS: usize = 20;
const INVOCATIONS: usize = 1000;
const HANDLER_SAMPLES: usize = 100;
const SCALE_MEMBERS: usize = 10_000;
const SCALE_ADMINS: usize = 50;
const SCALE_TENANTS: usize = 5_000;

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

/// `VmHWM` (peak) and `VmRSS` of a process, in kB.
fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status.lines().find(|l| l.starts_with(name)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn bootstrap(binary: &Path, stub: &RuntimeStub, env: &[(String, String)]) -> tokio::process::Child {
    let mut command = tokio::process::Command::new(binary);
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", stub.address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", binary.file_name().unwrap())
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    for name in ["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SESV2"] {
        if let Ok(value) = std::env::var(name) {
            command.env(name, value);
        }
    }
    command.spawn().expect("the bootstrap starts")
}

/// Median time from exec to the first request for work.
async fn init_ms(binary: &Path, stub: &RuntimeStub, env: &[(String, String)]) -> f64 {
    let mut samples = Vec::with_capacity(STARTS);
    for _ in 0..STARTS {
        stub.serve("{}", 0);
        let started = Instant::now();
        let mut child = bootstrap(binary, stub, env);
        let asked = tokio::time::timeout(Duration::from_secs(10), stub.first_next()).await.expect("the function asks for work");
        samples.push(asked.duration_since(started).as_secs_f64() * 1000.0);
        let _ = child.kill().await;
    }
    median(&mut samples)
}

/// Peak RSS over `INVOCATIONS` warm invocations, and the growth from the 100th to the last.
async fn memory(binary: &Path, stub: &RuntimeStub, env: &[(String, String)], event: &str) -> (u64, i64) {
    let mut answered = stub.serve(event, INVOCATIONS);
    let mut child = bootstrap(binary, stub, env);
    let pid = child.id().expect("a running child");
    let mut at_100 = 0;
    loop {
        let n = *answered.borrow();
        if n >= 100 && at_100 == 0 {
            at_100 = memory_kb(pid).1;
        }
        if n >= INVOCATIONS {
            break;
        }
        if tokio::time::timeout(Duration::from_secs(60), answered.changed()).await.is_err() {
            panic!("{} stopped answering after {n} invocations", binary.display());
        }
    }
    let (peak, last) = memory_kb(pid);
    let _ = child.kill().await;
    (peak, last as i64 - at_100 as i64)
}

/// A function of the template: a route's, or one of the pool's triggers (Cognito's events).
#[derive(Clone, Copy)]
enum Function {
    Route(Operation),
    Trigger(&'static str),
}

impl Function {
    fn name(self) -> &'static str {
        match self {
            Function::Route(operation) => operation.name(),
            Function::Trigger(name) => name,
        }
    }

    /// Answers the event in process; the status a route's response has, or a trigger's answer
    /// would have as a problem (200 when Cognito gets its event back).
    async fn answer(self, app: &App, event: &str) -> u16 {
        match self {
            Function::Route(operation) => {
                let request = lambda_http::request::from_str(event).expect("events are API Gateway requests");
                operation.respond(app, request).await.status().as_u16()
            }
            Function::Trigger(name) => {
                let event = serde_json::from_str(event).expect("trigger events are JSON");
                match triggers::answer_named(name, app, event).await.expect("a trigger of the template") {
                    Ok(_) => 200,
                    Err(error) => tenant_members::problem::status_of(&error).as_u16(),
                }
            }
        }
    }
}

/// In process: handler time (wall minus AWS in flight), AWS calls and round trips, status.
async fn handler(app: &App, traffic: &Traffic, function: Function, event: &str, count: usize) -> (f64, f64, usize, usize, u16) {
    let mut samples = Vec::with_capacity(count);
    let mut first = None;
    for _ in 0..count {
        traffic.reset();
        let started = Instant::now();
        let status = function.answer(app, event).await;
        let wall = started.elapsed();
        let tally = traffic.tally();
        samples.push(wall.saturating_sub(tally.waiting).as_secs_f64() * 1000.0);
        first.get_or_insert((tally.calls.len(), tally.round_trips, status));
    }
    let (calls, round_trips, status) = first.unwrap_or_default();
    (percentile(&mut samples, 0.5), percentile(&mut samples, 0.99), calls, round_trips, status)
}

/// The event with another (plain text) body.
fn with_body(event: &str, body: &str) -> String {
    let mut event: serde_json::Value = serde_json::from_str(event).expect("events are JSON");
    event["body"] = body.into();
    event["isBase64Encoded"] = false.into();
    event.to_string()
}

/// The event with another query string.
fn with_query(event: &str, query: &[(&str, &str)]) -> String {
    let mut event: serde_json::Value = serde_json::from_str(event).expect("events are JSON");
    event["rawQueryString"] = query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&").into();
    event["queryStringParameters"] =
        query.iter().map(|(k, v)| (k.to_string(), serde_json::Value::from(*v))).collect::<serde_json::Map<_, _>>().into();
    event.to_string()
}

/// The yardsticks, built from the same lock file and profile (bench/baselines): every function's
/// start and size is read against them, not as an absolute that the machine's load would move.
/// (init ms, size) of `hello`, then of `sdk3`.
async fn baselines(stub: &RuntimeStub, env: &[(String, String)]) -> Result<(f64, u64, f64, u64), BoxError> {
    let mut measured = Vec::new();
    for name in ["hello", "sdk3"] {
        let binary = release_dir().join(name);
        if !binary.exists() {
            return Err(format!("{} is missing: build with `cargo build --release -p bench-baselines`", binary.display()).into());
        }
        measured.push((init_ms(&binary, stub, env).await, std::fs::metadata(&binary)?.len()));
    }
    Ok((measured[0].0, measured[0].1, measured[1].0, measured[1].1))
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
        // The table's handler times are our code's: a batch's rows unpaced (`scale` measures the pace).
        batch_invitations_per_second: 1_000,
        batches_per_tenant_per_minute: Config::DEFAULT_BATCHES_PER_TENANT_PER_MINUTE,
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
        _ => {}
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

    console::console(&template).await?;
    events::events(&template).await?;
    scale(&sdk, &recorded_sdk, &traffic, &template).await
}

/// list-members in a tenant of 10,000 members, and invites at 20 at once.
async fn scale(
    sdk: &aws_config::SdkConfig,
    recorded_sdk: &aws_config::SdkConfig,
    traffic: &Traffic,
    template: &Path,
) -> Result<(), BoxError> {
    let env = local_stack::seed_events_stack(template).await?;
    let config = config_from(&env);
    let app = App::on_aws(recorded_sdk, config.clone());
    let tenant = TenantId::parse(local_stack::fixtures::TENANT_ID)?;

    // Invite throughput first: the emulator copies a table per transaction, so it slows down
    // with the table's size (DynamoDB does not).
    let invite = success_event("invite-member")?;
    let started = Instant::now();
    let invites = (0..20).map(|n| {
        let event = with_body(
            &invite,
            &format!(r#"{{"email":"load-{n}@events.example.com","language":"en","roles":{{"service-management-portal":"member"}}}}"#),
        );
        let app = &app;
        async move { Operation::InviteMember.respond(app, lambda_http::request::from_str(&event).expect("an event")).await.status() }
    });
    let statuses = futures::future::join_all(invites).await;
    let elapsed = started.elapsed();
    let created = statuses.iter().filter(|s| s.as_u16() == 201).count();
    println!(
        "scale: 20 concurrent invites: {created} created in {:.0} ms ({:.1} invites/s on the single-threaded emulator)",
        elapsed.as_secs_f64() * 1000.0,
        created as f64 / elapsed.as_secs_f64()
    );

    invite_batches(&app, traffic, &invite).await?;

    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), config.table_name.clone());
    let now = tenant_members::clock::now();
    // One in 200 is an active tenant-admin: 50 representative candidates among 10,000 members.
    let members: Vec<Member> = (0..SCALE_MEMBERS)
        .map(|n| {
            let email = Email::parse(&format!("scale-{n:05}@events.example.com")).expect("a valid email");
            let admin = n % (SCALE_MEMBERS / SCALE_ADMINS) == 0;
            let role = if admin { "tenant-admin" } else { "member" };
            let roles = Roles::parse([("service-management-portal".to_string(), role.to_string())].into()).expect("catalog roles");
            let mut member = Member::new_invited(tenant.clone(), email, Language::En, roles, UserSub::new(format!("scale-{n}")), now);
            if admin {
                member.status = tenant_members::model::MemberStatus::Active;
            }
            member
        })
        .collect();
    let started = Instant::now();
    store.bulk_load_members(&members).await?;
    eprintln!("loaded {SCALE_MEMBERS} members in {:.1} s", started.elapsed().as_secs_f64());

    let list = success_event("list-members")?;
    // Ids made in one millisecond are not in creation order: the deep page starts after the
    // 9,940th id in key order.
    let mut ids: Vec<&MemberId> = members.iter().map(|m| &m.member_id).collect();
    ids.sort();
    let deep = ids[SCALE_MEMBERS - 60];
    let deep_event = with_query(&list, &[("limit", "50"), ("cursor", &tenant_members::operations::input::encode_cursor(deep.as_str()))]);
    // An operator's GET /tenants among 5,000 tenants: one page of the tenants index.
    let representative = members.first().expect("members were made");
    let tenants: Vec<tenant_members::model::Tenant> = (0..SCALE_TENANTS)
        .map(|n| tenant_members::model::Tenant::founded(TenantId::generate(), format!("Scale {n}"), Vec::new(), representative, now))
        .collect();
    store.bulk_load_tenants(&tenants).await?;
    let mut operator_list: serde_json::Value = serde_json::from_str(&success_event("list-tenants")?)?;
    operator_list["requestContext"]["authorizer"]["jwt"]["claims"] =
        serde_json::json!({ "sub": local_stack::fixtures::OPERATOR_SUB, "cognito:groups": "[operators]" });
    let operator_list = with_query(&operator_list.to_string(), &[("limit", "50")]);
    // The worst filtered page: nothing matches, so the page reads its whole share and stops.
    let no_match = with_query(&list, &[("limit", "100"), ("q", "zzz")]);
    let candidates = success_event("list-representative-candidates")?;
    let cases = [
        ("list-members first page of 10,000", Operation::ListMembers, list.clone()),
        ("list-members deep page (member 9,940)", Operation::ListMembers, deep_event),
        ("list-members q=zzz (no match, the worst filtered page)", Operation::ListMembers, no_match),
        ("list-representative-candidates (50 admins)", Operation::ListRepresentativeCandidates, candidates),
        ("list-tenants, an operator's first page of 5,000 tenants", Operation::ListTenants, operator_list),
    ];
    println!("scale: a filtered page reads at most {} members", tenant_members::listing::MEMBERS_READ_PER_PAGE);
    for (name, operation, event) in cases {
        // The emulator takes about a second per query of a 10,000-member partition (DynamoDB
        // reads only the page): a few samples.
        let (p50, p99, calls, round_trips, status) = handler(&app, traffic, Function::Route(operation), &event, 5).await;
        traffic.reset();
        let started = Instant::now();
        let response = operation.respond(&app, lambda_http::request::from_str(&event)?).await;
        let wall = started.elapsed();
        let tally = traffic.tally();
        println!(
            "scale: {name}: status {status}, {calls} AWS calls ({} Query, {} Scan, {} Cognito) in {round_trips} round trips, {} items read, {:.1} ms end to end, handler {p50:.3} / {p99:.3} ms; body {} bytes",
            tally.count("dynamodb", "Query"),
            tally.count("dynamodb", "Scan"),
            tally.calls.iter().filter(|c| c.service == "cognito-idp").count(),
            tally.items_read,
            wall.as_secs_f64() * 1000.0,
            match response.body() {
                lambda_http::Body::Text(text) => text.len(),
                _ => 0,
            }
        );
    }
    Ok(())
}

/// A batch of 100 invitations as the stack runs it (paced at its default rate), the same batch's
/// dry run, the batch unpaced, and the baseline: the same 100 invitations as single requests
/// one after another. Each on fresh addresses.
async fn invite_batches(app: &App, traffic: &Traffic, invite: &str) -> Result<(), BoxError> {
    const ROWS: usize = 100;
    let rows = |prefix: &str| -> Vec<String> {
        (0..ROWS)
            .map(|n| {
                format!(r#"{{"email":"{prefix}-{n}@events.example.com","language":"en","roles":{{"service-management-portal":"member"}}}}"#)
            })
            .collect()
    };
    let batch_event = success_event("invite-members")?;
    let batch =
        |prefix: &str, dry_run: bool| with_body(&batch_event, &format!(r#"{{"items":[{}],"dryRun":{dry_run}}}"#, rows(prefix).join(",")));
    let created = |response: &lambda_http::Response<lambda_http::Body>| match response.body() {
        lambda_http::Body::Text(text) => text.matches(r#""status":201"#).count(),
        _ => 0,
    };
    let run = |app: App, event: String| async move {
        traffic.reset();
        let started = Instant::now();
        let response = Operation::InviteMembers.respond(&app, lambda_http::request::from_str(&event).expect("an event")).await;
        (started.elapsed(), response, traffic.tally())
    };
    let mut paced_config = (*app.config).clone();
    paced_config.batch_invitations_per_second = Config::DEFAULT_BATCH_INVITATIONS_PER_SECOND;
    let paced = App { config: std::sync::Arc::new(paced_config), ..app.clone() };

    let (dry, dry_response, dry_tally) = run(app.clone(), batch("dry", true)).await;
    let (wall, response, tally) = run(paced, batch("paced", false)).await;
    let (unpaced, unpaced_response, _) = run(app.clone(), batch("unpaced", false)).await;
    let started = Instant::now();
    let mut singles = 0;
    for row in rows("single") {
        let response = Operation::InviteMember.respond(app, lambda_http::request::from_str(&with_body(invite, &row))?).await;
        singles += usize::from(response.status().as_u16() == 201);
    }
    let sequential = started.elapsed();
    println!(
        "scale: a batch of {ROWS} invitations at the default pace ({} rows/s): {} created in {:.1} s; {} AWS calls in {} round trips, {:.1} s of it waiting on AWS",
        Config::DEFAULT_BATCH_INVITATIONS_PER_SECOND,
        created(&response),
        wall.as_secs_f64(),
        tally.calls.len(),
        tally.round_trips,
        tally.waiting.as_secs_f64()
    );
    println!(
        "scale: its dry run: {} rows would be created, answered in {:.0} ms with {} AWS calls in {} round trips",
        created(&dry_response),
        dry.as_secs_f64() * 1000.0,
        dry_tally.calls.len(),
        dry_tally.round_trips
    );
    println!(
        "scale: unpaced, {} created in {:.2} s; the same {ROWS} as single invites one after another: {singles} created in {:.2} s ({:.2} × the batch's time)",
        created(&unpaced_response),
        unpaced.as_secs_f64(),
        sequential.as_secs_f64(),
        sequential.as_secs_f64() / unpaced.as_secs_f64()
    );
    Ok(())
}
