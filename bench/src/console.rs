//! `bench console`: the Members console's weight and first render on the local stack, in
//! Chromium (the browser tests' Debian `chromium` under its `chromedriver`), against the link
//! pages' `accept-invitation` measured in the same run.
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use local_stack::{StackFile, StackOptions};
use serde_json::{json, Value};

use crate::BoxError;

/// Members in the measured tenant: the first page of the Members tab is 50.
const MEMBERS: usize = 50;
const SAMPLES: usize = 10;

pub async fn console(template: &Path) -> Result<(), BoxError> {
    let mut options = StackOptions::local_default(template.to_path_buf());
    let run = format!("bench-console-{}", time::OffsetDateTime::now_utc().unix_timestamp());
    options.names.table = run.clone();
    options.names.user_pool = run;
    options.listen.set_port(0);
    options.portal_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    options.portal_base_url = String::new();
    let running = local_stack::start(options).await?;
    let stack = &running.stack;
    let http = reqwest::Client::new();

    // What the console loads: its page, then every script and style it names.
    let html = http.get(&stack.console_url).send().await?.text().await?;
    let mut assets = Vec::new();
    for file in html.split('"').filter(|part| part.ends_with(".js") || part.ends_with(".css")) {
        let body = http.get(format!("{}/{file}", stack.portal_base_url)).send().await?.bytes().await?;
        assets.push((file.to_string(), body.len()));
    }
    let total: usize = assets.iter().map(|(_, size)| size).sum();
    let listed: Vec<String> = assets.iter().map(|(file, size)| format!("{file} {:.1}", *size as f64 / 1000.0)).collect();
    println!(
        "console: page {:.1} KB; JavaScript and CSS {:.1} KB uncompressed ({})",
        html.len() as f64 / 1000.0,
        total as f64 / 1000.0,
        listed.join(", ")
    );

    let tenant = tenant_of_members(&http, stack).await?;
    let chromium = Chromium::start().await?;
    let result = measure(&chromium.client, stack, &tenant).await;
    let _ = chromium.client.clone().close().await;
    result
}

async fn measure(browser: &Client, stack: &StackFile, tenant: &str) -> Result<(), BoxError> {
    let link_page = format!("{}/accept-invitation", stack.portal_base_url);
    let first_console = first_paint(browser, &stack.console_url).await?;
    let first_link = first_paint(browser, &link_page).await?;
    let mut console = Vec::new();
    let mut link = Vec::new();
    for _ in 0..SAMPLES {
        console.push(first_paint(browser, &stack.console_url).await?);
        link.push(first_paint(browser, &link_page).await?);
    }
    let (console, link) = (median(console), median(link));
    println!(
        "console: first contentful paint of the sign-in form {console:.1} ms (median of {SAMPLES}; {first_console:.1} ms on the first, uncached load), \
         {:.2} × the link page's {link:.1} ms ({first_link:.1} ms uncached)",
        console / link
    );
    let mut members = Vec::new();
    for _ in 0..SAMPLES / 2 {
        members.push(sign_in_to_members(browser, stack).await?);
    }
    println!(
        "console: from \"Sign in\" to the Members tab of {MEMBERS} members drawn: {:.0} ms (median of {}; SRP in the page, the MFA-less \
         sign-in, GET /me, /me/memberships, /tenants, /roles, then the first page of tenant {tenant})",
        median(members),
        SAMPLES / 2
    );
    Ok(())
}

/// Loads `url` and answers its first contentful paint, in ms from the navigation's start.
async fn first_paint(browser: &Client, url: &str) -> Result<f64, BoxError> {
    browser.goto(url).await?;
    let paint = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             new PerformanceObserver((list, observer) => {
               const entry = list.getEntriesByName('first-contentful-paint')[0];
               if (entry) { observer.disconnect(); done(entry.startTime); }
             }).observe({ type: 'paint', buffered: true });",
            vec![],
        )
        .await?;
    paint.as_f64().ok_or_else(|| "no first contentful paint".into())
}

/// A fresh page (the tokens live in memory: a load signs out), the operator's sign-in, and
/// the time until the first tenant's member rows are drawn.
async fn sign_in_to_members(browser: &Client, stack: &StackFile) -> Result<f64, BoxError> {
    browser.goto(&stack.console_url).await?;
    browser.find(Locator::Css("#email")).await?.send_keys(&stack.operator.email).await?;
    browser.find(Locator::Css("#password")).await?.send_keys(&stack.operator.password).await?;
    let drawn = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const started = performance.now();
             document.querySelector('#sign-in button').click();
             const poll = () => document.querySelectorAll('#member-rows tr').length >= arguments[0]
               ? done(performance.now() - started) : setTimeout(poll, 5);
             poll();",
            vec![json!(MEMBERS)],
        )
        .await?;
    drawn.as_f64().ok_or_else(|| "the Members tab was not drawn".into())
}

/// A tenant the stack's operator creates and fills with `MEMBERS` members (its representative
/// and invitations), through the API as a client would; its id.
/// The operator's ID token, signed in as `.local/stack.json` says.
pub async fn operator_token(http: &reqwest::Client, stack: &StackFile) -> Result<String, BoxError> {
    sign_in(http, stack, &stack.operator.email, &stack.operator.password).await
}

/// Signs `email` in with Cognito's USER_PASSWORD_AUTH (the pool's triggers run); their ID token.
pub async fn sign_in(http: &reqwest::Client, stack: &StackFile, email: &str, password: &str) -> Result<String, BoxError> {
    let signed_in: Value = http
        .post(&stack.aws_endpoint_url)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "AWSCognitoIdentityProviderService.InitiateAuth")
        .json(&json!({
            "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": stack.user_pool_client_id,
            "AuthParameters": { "USERNAME": email, "PASSWORD": password },
        }))
        .send()
        .await?
        .json()
        .await?;
    Ok(signed_in["AuthenticationResult"]["IdToken"].as_str().ok_or_else(|| format!("{email} signs in: {signed_in}"))?.to_string())
}

async fn tenant_of_members(http: &reqwest::Client, stack: &StackFile) -> Result<String, BoxError> {
    let token = operator_token(http, stack).await?;
    let call = |path: String, body: Value| http.post(format!("{}{path}", stack.api_url)).bearer_auth(&token).json(&body).send();
    let created: Value = call("/tenants".into(), json!({ "name": "Bench Co", "adminEmail": "rep@bench.example", "adminLanguage": "en" }))
        .await?
        .json()
        .await?;
    let tenant = created["tenant"]["tenantId"].as_str().ok_or("the tenant is created")?.to_string();
    for n in 1..MEMBERS {
        let invited = call(
            format!("/tenants/{tenant}/members"),
            json!({ "email": format!("member-{n}@bench.example"), "language": "en", "roles": { "service-management-portal": "member" } }),
        )
        .await?;
        if !invited.status().is_success() {
            return Err(format!("invitation {n}: {}", invited.status()).into());
        }
    }
    Ok(tenant)
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Headless Chromium under chromedriver, with the browser tests' flags.
struct Chromium {
    client: Client,
    driver: std::process::Child,
}

impl Drop for Chromium {
    /// Chromium outlives a killed chromedriver: the whole process group goes.
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill").args(["-KILL", "--", &format!("-{}", self.driver.id())]).status();
        let _ = self.driver.wait();
    }
}

impl Chromium {
    async fn start() -> Result<Self, BoxError> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let driver = std::process::Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()))
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let profile = std::env::temp_dir().join(format!("bench-chromium-{port}"));
        let capabilities = json!({ "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                     "--lang=en-US", format!("--user-data-dir={}", profile.display())],
        }});
        let capabilities = capabilities.as_object().cloned().unwrap_or_default();
        for _ in 0..100 {
            let connected = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
            if let Ok(client) = connected {
                return Ok(Self { client, driver });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err("chromedriver did not answer (make test installs Debian's chromium-driver)".into())
    }
}
