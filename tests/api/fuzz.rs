//! Fuzzing: schemathesis (from `.venv`, installed by `make test`) generates requests from
//! `openapi.yaml` and sends them to the local API with a real operator token; no answer may be a
//! server error or break the schema. Fixed seed, bounded count, real tenant and member ids in
//! the paths so that requests reach the operations' logic.
use crate::helpers::{figure, project_root, TestStack};

const SEED: &str = "20261124";
const EXAMPLES_PER_OPERATION: &str = "60";
const MIN_REQUESTS: usize = 1000;

#[tokio::test]
async fn generated_requests_get_no_server_error_and_no_schema_break() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant_with_admin(None).await;
    let person = stack.join(&tenant, "member").await;
    let operator = stack.operator().await;

    let dir = std::env::temp_dir().join(format!("fuzz-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("schemathesis.toml");
    std::fs::write(
        &config,
        format!(
            "headers = {{ Authorization = \"Bearer {operator}\" }}\n\n[parameters]\n\"path.tenantId\" = \"{}\"\n\"path.memberId\" = \"{}\"\n",
            tenant.tenant_id, person.member_id
        ),
    )
    .unwrap();
    let served_before = stack.running.served.load(std::sync::atomic::Ordering::Relaxed);
    let schemathesis = project_root().join(".venv/bin/schemathesis");
    assert!(schemathesis.exists(), "{} is missing: run the tests with make test", schemathesis.display());
    let output = tokio::process::Command::new(&schemathesis)
        .current_dir(&dir)
        .arg("--config-file")
        .arg(&config)
        .args(["run", project_root().join("openapi.yaml").to_str().unwrap(), "--url", &stack.stack.api_url])
        .args(["--seed", SEED, "--max-examples", EXAMPLES_PER_OPERATION, "--phases", "coverage,fuzzing"])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection",
        ])
        // One worker: CPython 3.11 can fail "AST constructor recursion depth mismatch" when two
        // threads of schemathesis describe its generators at once (an error of the tool, not ours).
        .args(["--generation-database", "none", "--workers", "1", "--no-color", "--output-truncate", "true"])
        // The stack waits up to a minute for the emulator (`emulator_timeouts`), which the suites
        // running beside this one can keep busy for seconds; schemathesis' own 10 s cut would
        // report that wait as a network error, which is no finding about the API.
        .args(["--request-timeout", "60"])
        .output()
        .await
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let _ = std::fs::remove_dir_all(&dir);
    // "Test cases:\n  1234 generated, …"
    let generated = stdout
        .lines()
        .skip_while(|l| !l.starts_with("Test cases:"))
        .nth(1)
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no test case count in schemathesis' output:\n{stdout}"));
    let failures = if output.status.success() { 0 } else { stdout.matches("\n_").count().max(1) };
    // What counts is what got past the route table and the authorizer to an operation's code.
    let reached = stack.running.served.load(std::sync::atomic::Ordering::Relaxed) - served_before;
    figure(format!("fuzz: {generated} generated requests (seed {SEED}), {reached} of them reached an operation, {failures} failures"));
    assert!(output.status.success(), "schemathesis found failures:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(reached >= MIN_REQUESTS, "only {reached} requests reached an operation ({generated} generated)");
}
