//! The release binary as Lambda runs it: exec to its first request for work, and its memory over
//! many invocations, through the Runtime API stub.
use std::path::Path;
use std::time::{Duration, Instant};

use local_stack::replay::ReplayStub;
use local_stack::runtime_api::RuntimeStub;

use crate::{median, release_dir, BoxError};

pub const STARTS: usize = 20;
pub const INVOCATIONS: usize = 1000;

/// `VmHWM` (peak) and `VmRSS` of a process, in kB.
pub fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status.lines().find(|l| l.starts_with(name)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

pub fn bootstrap(binary: &Path, stub: &RuntimeStub, env: &[(String, String)]) -> tokio::process::Child {
    bootstrap_against(binary, stub, env, None)
}

/// As `bootstrap`, its AWS calls sent to `aws` (a replay stub) when given.
fn bootstrap_against(binary: &Path, stub: &RuntimeStub, env: &[(String, String)], aws: Option<&str>) -> tokio::process::Child {
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
    if let Some(aws) = aws {
        command.env("AWS_ENDPOINT_URL", aws).env("AWS_ENDPOINT_URL_SESV2", aws);
    }
    command.spawn().expect("the bootstrap starts")
}

/// Median time from exec to the first request for work.
pub async fn init_ms(binary: &Path, stub: &RuntimeStub, env: &[(String, String)]) -> f64 {
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

/// Median time from exec to the answer of `event`, the first invocation, its AWS calls answered
/// at once by `aws` (what a person waits for on a cold start, less AWS's own time).
pub async fn first_answer_ms(binary: &Path, stub: &RuntimeStub, env: &[(String, String)], event: &str, aws: &ReplayStub) -> f64 {
    let mut samples = Vec::with_capacity(STARTS);
    for _ in 0..STARTS {
        aws.rewind();
        let mut answered = stub.serve(event, 1);
        let started = Instant::now();
        let mut child = bootstrap_against(binary, stub, env, Some(&aws.url));
        tokio::time::timeout(Duration::from_secs(10), answered.wait_for(|n| *n >= 1))
            .await
            .unwrap_or_else(|_| panic!("{} answers its first event", binary.display()))
            .expect("the stub counts answers");
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        let _ = child.kill().await;
    }
    median(&mut samples)
}

/// Peak RSS over `INVOCATIONS` warm invocations, and the growth from the 100th to the last.
pub async fn memory(binary: &Path, stub: &RuntimeStub, env: &[(String, String)], event: &str) -> (u64, i64) {
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

/// The yardsticks, built from the same lock file and profile (bench/baselines): every function's
/// start and size is read against them, not as an absolute that the machine's load would move.
/// (init ms, size) of `hello`, then of `sdk3`.
pub async fn baselines(stub: &RuntimeStub, env: &[(String, String)]) -> Result<(f64, u64, f64, u64), BoxError> {
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
