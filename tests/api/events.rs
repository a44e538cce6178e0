//! Every sample event in `events/`, named `<function>.<status>-<case>.json`, answers the status
//! it is named for: fed to its handler in process as Lambda would feed it
//! (`lambda_http::request::from_str`), and to the function's `sam build` artifact under real
//! `sam local invoke` through `scripts/sam-local.sh`, both against the fixtures of
//! `local_stack::fixtures`.
use std::path::{Path, PathBuf};

use tenant_members::registry::Operation;

use crate::helpers::{project_root, TestStack};

/// Functions that Cognito calls, not API Gateway: they answer with the event they were given,
/// the custom message with Cognito's email written in its place.
use tenant_members::triggers::NAMES as TRIGGERS;

/// The function the table's stream calls, not API Gateway: it answers with the batch's failures.
use tenant_members::publisher::NAME as PUBLISHER;

/// Whether a trigger's answer is what its event's name says: `custom-message.200-…-ja` and `-en`
/// word Cognito's email in that language around Cognito's code placeholder, `-cognito` leaves it
/// to Cognito; any other trigger hands its event back.
fn check_trigger_answer(path: &Path, event: &serde_json::Value, answer: &serde_json::Value) -> Result<(), String> {
    let name = path.file_stem().unwrap().to_str().unwrap();
    let differs = |what: &str| Err(format!("{}: {what}: {answer}", path.display()));
    let language = ["ja", "en"].into_iter().find(|l| name.starts_with("custom-message.") && name.ends_with(&format!("-{l}")));
    if name.starts_with("token-claims.") {
        return check_claims(event, answer).map_err(|what| format!("{}: {what}: {answer}", path.display()));
    }
    let Some(language) = language else {
        return if answer == event { Ok(()) } else { differs("the event should come back unchanged") };
    };
    let (subject, message) = (answer["response"]["emailSubject"].as_str(), answer["response"]["emailMessage"].as_str());
    let (Some(subject), Some(message)) = (subject, message) else { return differs("no email subject or message") };
    let japanese = subject.contains("サービス管理ポータル") && message.contains("lang=\"ja\"");
    let english = subject.contains("Service Management Portal") && message.contains("lang=\"en\"");
    if !message.contains("{####}") {
        return differs("the message lost Cognito's code placeholder");
    }
    match (language, japanese, english) {
        ("ja", true, false) | ("en", false, true) => Ok(()),
        _ => differs(&format!("the email is not in {language}")),
    }
}

/// A pre-token-generation answer: the event, with both tokens given the events' tenant, the
/// fixtures' roles there and what they grant.
fn check_claims(event: &serde_json::Value, answer: &serde_json::Value) -> Result<(), String> {
    let details = &answer["response"]["claimsAndScopeOverrideDetails"];
    let (id, access) = (&details["idTokenGeneration"]["claimsToAddOrOverride"], &details["accessTokenGeneration"]["claimsToAddOrOverride"]);
    if id != access {
        return Err("the ID and access tokens would carry different claims".into());
    }
    if id["tenant_id"] != local_stack::fixtures::TENANT_ID || !id["tenant_roles"]["service-management-portal"].is_string() {
        return Err("not the events' tenant and roles".into());
    }
    if !id["permissions"].as_array().is_some_and(|p| p.iter().any(|p| p == "service-management-portal:tenant:read")) {
        return Err("not the permissions of the roles".into());
    }
    let mut rest = answer.clone();
    rest["response"] = event["response"].clone();
    if &rest != event {
        Err("the rest of the event changed".into())
    } else {
        Ok(())
    }
}

/// The error code a trigger's refusal event is named for: `<function>.<status>-<code>`.
fn refusal_code(path: &Path) -> String {
    let name = path.file_stem().unwrap().to_str().unwrap();
    let case = name.split_once('.').map_or("", |(_, case)| case);
    case.split_once('-').map(|(_, code)| code.replace('-', "_")).unwrap_or_default()
}

fn events_dir() -> PathBuf {
    project_root().join("events")
}

/// (function, expected status) from `<function>.<status>-<case>.json`.
fn parse_name(path: &Path) -> (String, u16) {
    let name = path.file_stem().unwrap().to_str().unwrap();
    let (function, case) = name.split_once('.').unwrap_or_else(|| panic!("{name}: not <function>.<status>-<case>"));
    let status = case.split('-').next().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{name}: no status"));
    (function.to_string(), status)
}

/// The answer of the event publisher to a batch of the table's stream: 200 when no record
/// failed (`ReportBatchItemFailures`).
fn publisher_status(answer: &serde_json::Value) -> Option<u64> {
    answer["batchItemFailures"].as_array().map(|failures| if failures.is_empty() { 200 } else { 500 })
}

async fn invoke(path: PathBuf) -> Result<(), String> {
    let (function, expected) = parse_name(&path);
    let publishes = function == PUBLISHER;
    let stack = TestStack::start_with(|options| options.events = publishes).await;
    local_stack::fixtures::seed(&stack.running.app, &stack.cognito).await.map_err(|e| format!("seeding: {e}"))?;
    let event = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    if publishes {
        let event: serde_json::Value = serde_json::from_str(&event).map_err(|e| e.to_string())?;
        let publisher = &stack.running.events.as_ref().expect("the stack publishes events").publisher;
        let answer = publisher.answer(&event).await.map_err(|e| format!("{}: {e}", path.display()))?;
        return match publisher_status(&answer) {
            Some(status) if status == u64::from(expected) => Ok(()),
            _ => Err(format!("{}: expected {expected}, answered {answer}", path.display())),
        };
    }
    if TRIGGERS.contains(&function.as_str()) {
        let event: serde_json::Value = serde_json::from_str(&event).map_err(|e| e.to_string())?;
        let answered = tenant_members::triggers::answer_named(&function, &stack.running.app, event.clone()).await;
        return match answered.expect("a trigger's name") {
            Ok(answer) if expected == 200 => check_trigger_answer(&path, &event, &answer),
            Err(error) if expected != 200 && error.code() == refusal_code(&path) => Ok(()),
            other => Err(format!("{}: the trigger answered {other:?}", path.display())),
        };
    }
    let operation = Operation::from_name(&function).ok_or_else(|| format!("{}: no function {function}", path.display()))?;
    let request = lambda_http::request::from_str(&event).map_err(|e| format!("{}: {e}", path.display()))?;
    let response = operation.respond(&stack.running.app.only(operation.ports()), request).await;
    let status = response.status().as_u16();
    if status == expected {
        Ok(())
    } else {
        Err(format!("{}: expected {expected}, got {status}: {:?}", path.display(), response.body()))
    }
}

fn event_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(events_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn every_event_gets_the_status_it_is_named_for() {
    let files = event_files();
    let results = futures::future::join_all(files.iter().cloned().map(invoke)).await;
    let failures: Vec<_> = results.into_iter().filter_map(Result::err).collect();
    assert!(failures.is_empty(), "{} of {} events failed:\n{}", failures.len(), files.len(), failures.join("\n"));
}

#[test]
fn every_function_has_events_and_is_an_operation() {
    let binaries = std::fs::read_dir(project_root().join("functions/src/bin")).unwrap();
    let functions: Vec<String> = binaries.map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned()).collect();
    let events: Vec<String> = std::fs::read_dir(events_dir()).unwrap().map(|e| parse_name(&e.unwrap().path()).0).collect();
    for function in &functions {
        let known = Operation::from_name(function).is_some() || TRIGGERS.contains(&function.as_str()) || function == PUBLISHER;
        assert!(known, "functions/src/bin/{function}.rs is no operation, trigger or the publisher");
        assert!(events.contains(function), "functions/src/bin/{function}.rs has no event in events/");
    }
    for operation in Operation::ALL {
        assert!(functions.iter().any(|f| f == operation.name()), "{} has no function", operation.name());
    }
}

/// What `sam local invoke` printed for one event, and what was wrong with it.
struct Invoked {
    failure: Option<String>,
    /// How many times the event was invoked again because SAM printed none of its log, or Docker
    /// did not start its container.
    repeats: usize,
    printed: String,
}

/// How many times an event is invoked when SAM prints none of its log (or Docker did not start
/// its container), and how long to let the machine's load pass before the next: with the suites
/// beside it faster, three invocations of the quickest event (a 401 that calls nothing) all lost
/// their log once.
const SAM_LOG_ATTEMPTS: usize = 5;
const SAM_LOG_PAUSE: std::time::Duration = std::time::Duration::from_secs(2);

/// Invokes one event under `sam local invoke` against the emulator on `port`. Every invocation
/// must log its request line. SAM waits a second for the container's log after the answer and
/// then stops reading it: on a loaded machine it now and then prints none of it (not even the
/// runtime's START and REPORT lines). Such an invocation is repeated, on a stack seeded anew,
/// up to `SAM_LOG_ATTEMPTS` times; a function that does not log fails every attempt.
fn invoke_under_sam(root: &Path, file: &Path, port: &str) -> Invoked {
    let mut printed = String::new();
    for attempt in 0..SAM_LOG_ATTEMPTS {
        let (failure, output) = invoke_once(root, file, port);
        printed.push_str(&output);
        match failure {
            Some(InvokeFailure::LogMissing(_) | InvokeFailure::NotStarted(_)) if attempt + 1 < SAM_LOG_ATTEMPTS => {
                std::thread::sleep(SAM_LOG_PAUSE)
            }
            Some(InvokeFailure::LogMissing(why) | InvokeFailure::NotStarted(why) | InvokeFailure::Wrong(why)) => {
                return Invoked { failure: Some(why), repeats: attempt, printed }
            }
            None => return Invoked { failure: None, repeats: attempt, printed },
        }
    }
    unreachable!("the last attempt returns")
}

enum InvokeFailure {
    /// The answer, or its log line, was wrong.
    Wrong(String),
    /// The answer was right, the log line is missing.
    LogMissing(String),
    /// Docker could not start the container (its daemon answered 500, as when two containers'
    /// port rules race in iptables): the function never ran; or two SAM processes shared one.
    NotStarted(String),
}

/// One `sam local invoke` of the event: what was wrong, and what SAM printed.
fn invoke_once(root: &Path, file: &Path, port: &str) -> (Option<InvokeFailure>, String) {
    let (function, expected) = parse_name(file);
    let output = std::process::Command::new(root.join("scripts/sam-local.sh"))
        .args(["invoke", &function])
        .arg(file)
        .env("SAM_EMULATOR_PORT", port)
        .current_dir(root)
        .output()
        .expect("scripts/sam-local.sh runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let printed = format!("{stdout}{stderr}");
    // SAM prints the function's answer last on stdout, and the function's logs on stderr.
    let response: Option<serde_json::Value> = stdout.lines().last().and_then(|l| serde_json::from_str(l).ok());
    // A trigger hands Cognito its event back: that is its 200; its refusal is its event's status
    // when its message names the code the event is named for.
    let refused = |r: &serde_json::Value| r["errorMessage"].as_str().is_some_and(|m| m.starts_with(&refusal_code(file)));
    let status = response.as_ref().and_then(|r| {
        r["statusCode"]
            .as_u64()
            .or(r.get("triggerSource").map(|_| 200))
            .or(publisher_status(r))
            .or(refused(r).then_some(u64::from(expected)).filter(|s| *s != 200))
    });
    if status.is_none() && stderr.contains("Server Error for http+docker://") {
        return (Some(InvokeFailure::NotStarted(format!("{}: Docker did not start its container\n{printed}", file.display()))), printed);
    }
    if status != Some(u64::from(expected)) {
        return (Some(InvokeFailure::Wrong(format!("{}: expected {expected}, got {status:?}\n{printed}", file.display()))), printed);
    }
    if let (true, Some(answer), 200) = (TRIGGERS.contains(&function.as_str()), &response, expected) {
        let event = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        if let Err(why) = check_trigger_answer(file, &event, answer) {
            return (Some(InvokeFailure::Wrong(why)), printed);
        }
    }
    // The function's log: one JSON line per request, with what an operator needs to find it.
    // SAM may print a line again after the REPORT line, verbatim (its latency to the nanosecond
    // included, which a second log call would not repeat): never two different request lines
    // for one event, nor an incomplete one.
    let mut requests: Vec<serde_json::Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["fields"]["message"] == "request")
        .collect();
    requests.dedup();
    for line in &requests {
        for field in ["request_id", "function", "tenant", "status", "latency_ms"] {
            if line["fields"].get(field).is_none() {
                return (Some(InvokeFailure::Wrong(format!("{}: {field} missing in {line}", file.display()))), printed);
            }
        }
    }
    // Two SAM processes started at once may take the same free port for their containers' runtime
    // API: one container then runs both invocations, and its SAM prints both. The function ran
    // once for each; the invocation is made again, as for a container that never started.
    if requests.len() > 1 && stderr.matches("START RequestId:").count() > 1 {
        let why = format!("{}: one container ran two SAM processes' invocations\n{stderr}", file.display());
        return (Some(InvokeFailure::NotStarted(why)), printed);
    }
    if requests.len() > 1 {
        return (Some(InvokeFailure::Wrong(format!("{}: more than one request line\n{stderr}", file.display()))), printed);
    }
    // A trigger or the publisher logs no request line; the runtime's REPORT line shows SAM
    // printed its log.
    let logged = if TRIGGERS.contains(&function.as_str()) || function == PUBLISHER {
        stderr.contains("REPORT RequestId:")
    } else {
        requests.len() == 1
    };
    if !logged {
        let why = format!("{}: SAM printed no request line in {SAM_LOG_ATTEMPTS} invocations\n{stderr}", file.display());
        return (Some(InvokeFailure::LogMissing(why)), printed);
    }
    (None, printed)
}

/// Every event, invoked on its function's `sam build` artifact under real `sam local invoke`
/// (Docker, the Lambda runtime interface emulator) through `scripts/sam-local.sh`, each on a
/// freshly seeded events stack. The events are shared among workers, one per emulator of
/// `SAM_EMULATOR_PORTS` (`make test` starts two, one a core): each worker invokes its events one
/// after another on its own stack. `make test` starts Docker and builds first; run alone, the
/// script does both.
#[tokio::test]
async fn every_event_invoked_under_sam_local_invoke_gets_the_status_it_is_named_for() {
    let root = project_root();
    let started = std::time::Instant::now();
    let ports: Vec<String> =
        std::env::var("SAM_EMULATOR_PORTS").unwrap_or_else(|_| "5060".into()).split_whitespace().map(str::to_string).collect();
    let files = event_files();
    let invoked: Vec<Invoked> = std::thread::scope(|scope| {
        let workers: Vec<_> = ports
            .iter()
            .enumerate()
            .map(|(worker, port)| {
                let (root, files) = (&root, &files);
                let mine: Vec<&PathBuf> = files.iter().skip(worker).step_by(ports.len()).collect();
                scope.spawn(move || mine.into_iter().map(|file| invoke_under_sam(root, file, port)).collect::<Vec<_>>())
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().expect("a sam local invoke worker")).collect()
    });
    let failures: Vec<&String> = invoked.iter().filter_map(|i| i.failure.as_ref()).collect();
    let repeats: usize = invoked.iter().map(|i| i.repeats).sum();
    let printed: String = invoked.iter().map(|i| i.printed.as_str()).collect();
    let elapsed = started.elapsed().as_secs_f64();
    let failures: Vec<&str> = failures.into_iter().map(String::as_str).collect();
    assert!(failures.is_empty(), "{} of {} events failed:\n{}", failures.len(), files.len(), failures.join("\n"));
    let secrets = [
        local_stack::fixtures::INVITATION_TOKEN,
        local_stack::fixtures::RESET_TOKEN,
        local_stack::fixtures::JOIN_TOKEN,
        local_stack::fixtures::SIGN_IN_TOKEN,
        local_stack::fixtures::TARGET_PASSWORD,
        "N3w-Corr3ct-Horse!",
    ];
    for secret in secrets {
        assert!(!printed.contains(secret), "a token or password reached what sam local invoke printed");
    }
    crate::helpers::figure(format!(
        "sam local invoke: {n} of {n} events answered the status in their names, {elapsed:.0} s ({each:.1} s an event, seeding \
         included, {workers} at a time), each with its log line ({repeats} invoked again when SAM printed none of their log)",
        n = files.len(),
        workers = ports.len(),
        each = elapsed / files.len() as f64
    ));

    // In the same test: `start-api` seeds the same events stack.
    public_routes_answer_under_sam_local_start_api(&root).await;
}

/// `sam local start-api` serves the public routes; a signed-in route answers 401, as SAM does not
/// run the HTTP API's JWT authorizer and the function then finds no caller in the event.
async fn public_routes_answer_under_sam_local_start_api(root: &Path) {
    use std::os::unix::process::CommandExt;
    let port = 3101;
    let api = std::process::Command::new(root.join("scripts/sam-local.sh"))
        .arg("start-api")
        .env("SAM_API_PORT", port.to_string())
        .current_dir(root)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        // Its own process group, so that SAM stops with the script.
        .process_group(0)
        .spawn()
        .expect("scripts/sam-local.sh runs");
    let _api = ProcessGroup(api);
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..600 {
        if http.get(format!("{base}/roles")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(up, "sam local start-api did not answer on {base}");
    let lookup = http
        .post(format!("{base}/invitations/lookup"))
        .json(&serde_json::json!({ "token": local_stack::fixtures::INVITATION_TOKEN }))
        .send()
        .await
        .unwrap();
    assert_eq!(lookup.status(), 200);
    let invitation: serde_json::Value = lookup.json().await.unwrap();
    assert_eq!(invitation["tenantId"], local_stack::fixtures::TENANT_ID);
    assert_eq!(invitation["accountExists"], false);
    let roles = http.get(format!("{base}/roles")).send().await.unwrap();
    assert_eq!(roles.status(), 401);
    assert_eq!(roles.headers()["content-type"], "application/problem+json");
}

/// Interrupts a process group when dropped, even when an assertion failed first, as Ctrl-C would
/// (SAM then removes its containers), and waits for its leader.
struct ProcessGroup(std::process::Child);

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill").args(["-s", "INT", "--", &format!("-{}", self.0.id())]).status();
        for _ in 0..100 {
            if !matches!(self.0.try_wait(), Ok(None)) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// At TRACE the Lambda runtime prints each raw event it receives: the body of a password's
/// reset (the link's token and the new password) would be in the log. The function's `sam build`
/// artifact, run at TRACE on a runtime API of our own with the event of a valid reset, logs its
/// request line and neither the token nor the password.
#[tokio::test]
async fn at_trace_a_function_logs_no_password_or_token_it_was_sent() {
    let root = project_root();
    let bootstrap = root.join(".aws-sam/build/CompletePasswordResetFunction/bootstrap");
    assert!(bootstrap.exists(), "{} is missing: `scripts/sam-local.sh build` makes it (make test does)", bootstrap.display());
    let event = std::fs::read_to_string(events_dir().join("complete-password-reset.204-valid-token.json")).unwrap();
    let request = lambda_http::request::from_str(&event).unwrap();
    let sent: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
    // The body as API Gateway hands it over (base64 here) and what it carries.
    let raw: serde_json::Value = serde_json::from_str(&event).unwrap();
    let secrets = [&raw["body"], &sent["token"], &sent["password"]]
        .map(|secret| secret.as_str().expect("a string").chars().take(40).collect::<String>());

    let stack = TestStack::start().await;
    local_stack::fixtures::seed(&stack.running.app, &stack.cognito).await.expect("the events' fixtures are seeded");
    let env = local_stack::function_env(&stack.running.app.config);
    let stub = local_stack::runtime_api::RuntimeStub::start().await;
    let mut answered = stub.serve(&event, 1);
    // A file, not a pipe: at TRACE a pipe nobody reads would fill and stop the function.
    let log_path = std::env::temp_dir().join(format!("trace-{}.log", ulid::Ulid::new()));
    let log_file = std::fs::File::create(&log_path).unwrap();
    let mut function = tokio::process::Command::new(&bootstrap)
        .env_clear()
        .envs(env)
        .envs(
            ["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SESV2"]
                .map(|name| (name, std::env::var(name).unwrap_or_default())),
        )
        .env("AWS_LAMBDA_RUNTIME_API", stub.address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "complete-password-reset")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_LEVEL", "TRACE")
        .stdout(log_file.try_clone().unwrap())
        .stderr(log_file)
        .kill_on_drop(true)
        .spawn()
        .expect("the function's bootstrap starts");
    let answer = tokio::time::timeout(std::time::Duration::from_secs(30), answered.wait_for(|n| *n == 1)).await;
    let _ = function.kill().await;
    let log = std::fs::read_to_string(&log_path).unwrap();
    let _ = std::fs::remove_file(&log_path);
    assert!(answer.is_ok_and(|a| a.is_ok()), "the function answered the event:\n{log}");
    assert!(log.contains("\"message\":\"request\""), "the function logged its request line at TRACE:\n{log}");
    assert!(log.contains("\"level\":\"DEBUG\""), "below INFO (the AWS SDK's DEBUG events):\n{log}");
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "the log holds what the request sent ({secret}):\n{log}");
    }
}
