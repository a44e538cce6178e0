//! Starts what each test needs: its own provisioned stack on the emulator (own table, own user
//! pool) and the local API on a free port, then speaks HTTP to it like any client.
use std::path::PathBuf;
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, AuthenticationResultType, ChallengeNameType};
use local_stack::provision::{Credentials, StackNames};
use local_stack::traffic::Traffic;
use local_stack::{start, RunningStack, StackFile, StackOptions};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const PASSWORD: &str = "Corr3ct-Horse-Battery!";

pub struct TestStack {
    pub stack: StackFile,
    pub running: RunningStack,
    pub http: reqwest::Client,
    pub cognito: aws_sdk_cognitoidentityprovider::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// Every AWS call the service makes (not the test's own), and faults to inject into them.
    pub traffic: Traffic,
}

pub fn unique_email(prefix: &str) -> String {
    format!("{prefix}-{}@example.com", ulid::Ulid::new().to_string().to_lowercase())
}

/// The project's root folder (this crate is `tests/`).
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

fn template() -> PathBuf {
    project_root().join("template.yaml")
}

/// What the API answered: status, and the JSON body (Null when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    /// Sends `request` to the local API: what it answered, the body read as JSON when it is.
    pub async fn of(request: reqwest::RequestBuilder) -> Self {
        let response = request.send().await.expect("the local API answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Answer { status, body, headers }
    }

    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

/// One email from the emulator's SES outbox.
#[derive(Debug, Clone)]
pub struct SentEmail {
    pub subject: String,
    pub body: String,
}

impl SentEmail {
    /// The token of the link the email carries.
    pub fn token(&self) -> String {
        let start = self.body.find("token=").expect("the email carries a link with a token") + "token=".len();
        self.body[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
    }

    /// The code a code email (Cognito's, worded by the custom-message trigger) carries.
    pub fn code(&self) -> String {
        let start = self.body.find("<strong>").expect("the email carries a code") + "<strong>".len();
        self.body[start..].chars().take_while(char::is_ascii_digit).collect()
    }
}

impl TestStack {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut StackOptions)) -> Self {
        // The functions' log lines, shown with a failing test's output.
        tenant_members::log::init();
        let id = ulid::Ulid::new().to_string().to_lowercase();
        let mut options = StackOptions::local_default(template());
        options.listen.set_port(0);
        // The portal's pages only for the browser tests, which ask for them.
        options.portal_listen = None;
        options.names = StackNames {
            table: format!("test-{id}"),
            user_pool: format!("test-{id}"),
            sender_email: "no-reply@example.com".into(),
            operator: Credentials { email: unique_email("operator"), password: PASSWORD.into() },
        };
        options.portal_base_url = "https://portal.test".into();
        // The events' stream only for the tests that read events, which ask for it.
        options.events = false;
        let traffic = Traffic::new();
        let client = traffic.http_client();
        options.service_sdk = Some(Box::new(move |sdk| {
            // Retries as in production, but without waiting seconds between the attempts, and
            // generous timeouts.
            let retries = aws_config::retry::RetryConfig::standard().with_initial_backoff(Duration::from_millis(2));
            // The emulator's timeouts: it serves every test running at once one request at a time
            // (the hang test puts the functions' own back).
            sdk.to_builder().http_client(client).retry_config(retries).timeout_config(local_stack::emulator_timeouts()).build()
        }));
        options.trigger_timeouts = Some(local_stack::emulator_timeouts());
        adjust(&mut options);
        let running = start(options).await.expect("the local stack starts on the emulator (is it running? use make test)");
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Self {
            stack: running.stack.clone(),
            running,
            http: reqwest::Client::new(),
            cognito: aws_sdk_cognitoidentityprovider::Client::new(&sdk),
            dynamodb: aws_sdk_dynamodb::Client::new(&sdk),
            traffic,
        }
    }

    /// Signs in with Cognito's USER_PASSWORD_AUTH, as the portal would; returns the ID token.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<String, String> {
        self.sign_in_tokens(email, password).await.map(|(id, _)| id)
    }

    /// (ID token, access token).
    pub async fn sign_in_tokens(&self, email: &str, password: &str) -> Result<(String, String), String> {
        let tokens = self.authenticate(email, password).await?;
        Ok((tokens.id_token.ok_or("no ID token")?, tokens.access_token.ok_or("no access token")?))
    }

    /// A full session: (ID token, refresh token).
    pub async fn session(&self, email: &str, password: &str) -> Result<(String, String), String> {
        let tokens = self.authenticate(email, password).await?;
        Ok((tokens.id_token.ok_or("no ID token")?, tokens.refresh_token.ok_or("no refresh token")?))
    }

    /// Signs in with Cognito's USER_PASSWORD_AUTH, as the portal would, answering an
    /// authenticator-app challenge as the person would with their app (the emulator takes any
    /// code), or an email one with the code from the outbox.
    async fn authenticate(&self, email: &str, password: &str) -> Result<AuthenticationResultType, String> {
        let started = self
            .cognito
            .initiate_auth()
            .client_id(&self.stack.user_pool_client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", email)
            .auth_parameters("PASSWORD", password)
            .send()
            .await
            .map_err(|e| format!("{:?}", e.into_service_error()))?;
        match (started.authentication_result, started.challenge_name) {
            (Some(result), _) => Ok(result),
            (None, Some(ChallengeNameType::SoftwareTokenMfa)) => self
                .cognito
                .respond_to_auth_challenge()
                .client_id(&self.stack.user_pool_client_id)
                .challenge_name(ChallengeNameType::SoftwareTokenMfa)
                .set_session(started.session)
                .challenge_responses("USERNAME", email)
                .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", "123456")
                .send()
                .await
                .map_err(|e| format!("{:?}", e.into_service_error()))?
                .authentication_result
                .ok_or_else(|| "no tokens after the MFA challenge".to_string()),
            (None, Some(ChallengeNameType::EmailOtp)) => self
                .cognito
                .respond_to_auth_challenge()
                .client_id(&self.stack.user_pool_client_id)
                .challenge_name(ChallengeNameType::EmailOtp)
                .set_session(started.session)
                .challenge_responses("USERNAME", email)
                .challenge_responses("EMAIL_OTP_CODE", self.last_email_to(email).await.code())
                .send()
                .await
                .map_err(|e| format!("{:?}", e.into_service_error()))?
                .authentication_result
                .ok_or_else(|| "no tokens after the email code".to_string()),
            (None, challenge) => Err(format!("an unexpected challenge {challenge:?}")),
        }
    }

    /// Whether Cognito still renews a session from this refresh token (it stops after a
    /// global sign-out or once the user is deleted).
    pub async fn refresh_works(&self, refresh_token: &str) -> bool {
        self.refreshed_id_token(refresh_token).await.is_some()
    }

    /// A new ID token of the session, if Cognito still renews it.
    pub async fn refreshed_id_token(&self, refresh_token: &str) -> Option<String> {
        let refreshed = self
            .cognito
            .initiate_auth()
            .client_id(&self.stack.user_pool_client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", refresh_token)
            .send()
            .await
            .ok()?;
        refreshed.authentication_result?.id_token
    }

    /// The Cognito groups of the user with this email; `None` if there is no such user.
    pub async fn groups_of(&self, email: &str) -> Option<Vec<String>> {
        let groups = self.cognito.admin_list_groups_for_user().user_pool_id(&self.stack.user_pool_id).username(email).send().await.ok()?;
        Some(groups.groups().iter().filter_map(|g| g.group_name().map(str::to_string)).collect())
    }

    /// What Cognito itself has as the person's preferred MFA.
    pub async fn preferred_mfa(&self, email: &str) -> Option<String> {
        let user = self.cognito.admin_get_user().user_pool_id(&self.stack.user_pool_id).username(email).send().await.ok()?;
        user.preferred_mfa_setting().map(str::to_string)
    }

    /// Whether Cognito still accepts this access token (it stops after a global sign-out).
    pub async fn access_token_works(&self, access_token: &str) -> bool {
        self.cognito.get_user().access_token(access_token).send().await.is_ok()
    }

    pub async fn operator(&self) -> String {
        self.sign_in(&self.stack.operator.email, &self.stack.operator.password).await.expect("the operator signs in")
    }

    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.stack.api_url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Answer::of(request).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// A `POST` with an `Idempotency-Key`.
    pub async fn post_with_key(&self, path: &str, token: &str, key: &str, body: &Value) -> Answer {
        let response = self
            .http
            .post(format!("{}{path}", self.stack.api_url))
            .bearer_auth(token)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await;
        let response = response.expect("the local API answers");
        let status = response.status();
        let headers = response.headers().clone();
        Answer { status, headers, body: response.json().await.unwrap_or(Value::Null) }
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// `PUT …/roles` with an `If-Match` header.
    pub async fn put_roles_if_match(&self, path: &str, token: &str, roles: Value, version: &str) -> Answer {
        let response = self
            .http
            .put(format!("{}{path}", self.stack.api_url))
            .bearer_auth(token)
            .header("if-match", version)
            .json(&json!({ "roles": roles }))
            .send()
            .await
            .expect("the local API answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.json().await.unwrap_or(Value::Null);
        Answer { status, body, headers }
    }

    /// Every email the emulator's SES accepted for this address, oldest first.
    pub async fn emails_to(&self, address: &str) -> Vec<SentEmail> {
        let data = self.emulator_state().await;
        sent(&data)
            .filter(|(to, _)| *to == address)
            .map(|(_, m)| SentEmail {
                subject: m["subject"].as_str().unwrap_or("").to_string(),
                body: m["body"].as_str().unwrap_or("").to_string(),
            })
            .collect()
    }

    /// How many emails the emulator's SES accepted for each of these addresses that got any.
    pub async fn emails_to_each(&self, addresses: &std::collections::BTreeSet<String>) -> Vec<(String, usize)> {
        let data = self.emulator_state().await;
        let mut counts: std::collections::BTreeMap<String, usize> = addresses.iter().map(|a| (a.clone(), 0)).collect();
        for (to, _) in sent(&data) {
            if let Some(count) = counts.get_mut(to) {
                *count += 1;
            }
        }
        counts.into_iter().filter(|(_, n)| *n > 0).collect()
    }

    /// Every item of the stack's own table, each written with its attributes in order.
    pub async fn table_items(&self) -> Vec<String> {
        self.table_items_but(&[]).await
    }

    /// As `table_items`, without the `attributes` named (bookkeeping a refusal itself writes).
    pub async fn table_items_but(&self, attributes: &[&str]) -> Vec<String> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .dynamodb
                .scan()
                .table_name(&self.stack.table_name)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("the table answers");
            items.extend(page.items.unwrap_or_default().into_iter().map(|mut item| {
                item.retain(|name, _| !attributes.contains(&name.as_str()));
                canonical(&aws_sdk_dynamodb::types::AttributeValue::M(item))
            }));
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        items.sort();
        items
    }

    /// Every user of the stack's own pool: name, status, whether enabled, attributes in order.
    pub async fn pool_users(&self) -> Vec<String> {
        let mut users = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .cognito
                .list_users()
                .user_pool_id(&self.stack.user_pool_id)
                .set_pagination_token(token)
                .send()
                .await
                .expect("the user pool answers");
            for user in page.users() {
                let mut attributes: Vec<String> =
                    user.attributes().iter().map(|a| format!("{}={}", a.name(), a.value().unwrap_or_default())).collect();
                attributes.sort();
                users.push(format!("{:?} {:?} {} {attributes:?}", user.username(), user.user_status(), user.enabled()));
            }
            token = page.pagination_token.filter(|t| !t.is_empty());
            if token.is_none() {
                break;
            }
        }
        users.sort();
        users
    }

    /// The SES emulator's whole state. moto builds it while other requests change it and then
    /// answers 500 now and then (an attribute changed between its checks), so try again.
    async fn emulator_state(&self) -> Value {
        // The outbox is kept by whichever emulator serves SES (make test gives it its own).
        let ses = std::env::var("AWS_ENDPOINT_URL_SESV2").unwrap_or_else(|_| self.stack.aws_endpoint_url.clone());
        let url = format!("{ses}/moto-api/data.json");
        for _ in 0..20 {
            let response = self.http.get(&url).send().await.expect("the emulator answers");
            if response.status().is_success() {
                if let Ok(data) = response.json::<Value>().await {
                    return data;
                }
            }
            wait(Duration::from_millis(50)).await;
        }
        panic!("the emulator's state could not be read from {url}");
    }

    pub async fn last_email_to(&self, address: &str) -> SentEmail {
        self.emails_to(address).await.pop().unwrap_or_else(|| panic!("no email was sent to {address}"))
    }

    /// Creates a tenant as the operator; returns the answer's tenant id.
    /// A person who signed up on their own (a Cognito user the service did not create), with the
    /// shared good password.
    pub async fn own_account(&self, email: &str) {
        let pool = &self.stack.user_pool_id;
        let attribute = aws_sdk_cognitoidentityprovider::types::AttributeType::builder().name("email").value(email).build().unwrap();
        let suppress = aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress;
        let user = self.cognito.admin_create_user().user_pool_id(pool).username(email).user_attributes(attribute).message_action(suppress);
        user.send().await.unwrap();
        self.cognito.admin_set_user_password().user_pool_id(pool).username(email).password(PASSWORD).permanent(true).send().await.unwrap();
    }

    pub async fn create_tenant(&self, name: &str, admin_email: &str, parent: Option<&str>) -> String {
        let mut body = json!({ "name": name, "adminEmail": admin_email, "adminLanguage": "en" });
        if let Some(parent) = parent {
            body["parentTenantId"] = json!(parent);
        }
        let answer = self.post("/tenants", Some(&self.operator().await), body).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
        answer.body["tenant"]["tenantId"].as_str().unwrap().to_string()
    }

    /// Accepts the newest invitation sent to `email` with the shared good password.
    pub async fn accept_invitation(&self, email: &str) -> Answer {
        let token = self.last_email_to(email).await.token();
        self.post("/invitations/accept", None, json!({ "token": token, "password": PASSWORD })).await
    }

    /// A tenant whose representative administrator has registered and signed in.
    pub async fn tenant_with_admin(&self, parent: Option<&str>) -> Tenant {
        let admin_email = unique_email("admin");
        let tenant_id = self.create_tenant("Acme", &admin_email, parent).await;
        let accepted = self.accept_invitation(&admin_email).await;
        assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.body);
        let admin_token = self.sign_in(&admin_email, PASSWORD).await.expect("the admin signs in");
        let admin_member_id = accepted.body["memberId"].as_str().unwrap().to_string();
        Tenant { tenant_id, admin_email, admin_token, admin_member_id }
    }

    /// Invites `email` into the tenant; returns the answer.
    pub async fn invite(&self, tenant: &Tenant, email: &str, language: &str, roles: Value) -> Answer {
        self.post(
            &format!("/tenants/{}/members", tenant.tenant_id),
            Some(&tenant.admin_token),
            json!({ "email": email, "language": language, "roles": roles }),
        )
        .await
    }

    /// An active plain member of the tenant, signed in.
    pub async fn active_member(&self, tenant: &Tenant) -> (String, String) {
        let person = self.join(tenant, "member").await;
        (person.member_id, person.token)
    }

    /// Someone invited with this portal role who registered and signed in.
    pub async fn join(&self, tenant: &Tenant, portal_role: &str) -> Person {
        let email = unique_email(portal_role);
        let invited = self.invite(tenant, &email, "en", json!({ "service-management-portal": portal_role })).await;
        assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);
        assert_eq!(self.accept_invitation(&email).await.status, StatusCode::OK);
        let (token, access_token) = self.sign_in_tokens(&email, PASSWORD).await.expect("the new member signs in");
        Person { member_id: invited.body["memberId"].as_str().unwrap().to_string(), email, token, access_token }
    }

    /// Someone invited with this portal role who has not registered.
    pub async fn pending(&self, tenant: &Tenant, portal_role: &str, language: &str) -> (String, String) {
        let email = unique_email("pending");
        let invited = self.invite(tenant, &email, language, json!({ "service-management-portal": portal_role })).await;
        assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);
        (invited.body["memberId"].as_str().unwrap().to_string(), email)
    }

    pub fn member_path(tenant: &Tenant, member_id: &str) -> String {
        format!("/tenants/{}/members/{member_id}", tenant.tenant_id)
    }

    /// The tenant's members as the admin lists them (first page of 100).
    pub async fn members(&self, tenant: &Tenant) -> Vec<Value> {
        let list = self.get(&format!("/tenants/{}/members?limit=100", tenant.tenant_id), &tenant.admin_token).await;
        assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
        list.body["items"].as_array().unwrap().clone()
    }

    /// How many items of the kind (`MEMBER#`, `EMAIL#`) the tenant's partition holds.
    pub async fn count_items(&self, tenant_id: &str, prefix: &str) -> usize {
        let output = self
            .dynamodb
            .query()
            .table_name(&self.stack.table_name)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("TENANT#{tenant_id}")))
            .expression_attribute_values(":prefix", aws_sdk_dynamodb::types::AttributeValue::S(prefix.into()))
            .send()
            .await
            .expect("the table answers");
        output.items.unwrap_or_default().len()
    }

    /// Sets one attribute of an item of the stack's table, as time passing (or another writer)
    /// would leave it.
    pub async fn set_attribute(&self, key: (String, String), name: &str, value: aws_sdk_dynamodb::types::AttributeValue) {
        use aws_sdk_dynamodb::types::AttributeValue::S;
        let update = self.dynamodb.update_item().table_name(&self.stack.table_name).key("pk", S(key.0)).key("sk", S(key.1));
        let update = update.update_expression("SET #name = :value").expression_attribute_names("#name", name);
        update.expression_attribute_values(":value", value).send().await.expect("the table answers");
    }

    /// How many Cognito users have this email.
    /// How many transactions on this stack's table the emulator cancelled for a conflict with
    /// another in flight, as DynamoDB does (`scripts/emulator.py`).
    pub async fn transaction_conflicts(&self) -> u64 {
        let url = format!("{}/emulator/transaction-conflicts", self.stack.aws_endpoint_url);
        let counts: serde_json::Map<String, Value> = self.http.get(url).send().await.unwrap().json().await.unwrap();
        counts.get(&self.stack.table_name).and_then(Value::as_u64).unwrap_or(0)
    }

    pub async fn cognito_users(&self, email: &str) -> usize {
        let output = self
            .cognito
            .list_users()
            .user_pool_id(&self.stack.user_pool_id)
            .filter(format!("email = \"{email}\""))
            .send()
            .await
            .expect("the user pool answers");
        output.users().len()
    }
}

/// A tenant whose representative administrator is registered and signed in.
#[derive(Clone)]
pub struct Tenant {
    pub tenant_id: String,
    pub admin_email: String,
    pub admin_token: String,
    pub admin_member_id: String,
}

/// A registered member, signed in.
pub struct Person {
    pub member_id: String,
    pub email: String,
    pub token: String,
    pub access_token: String,
}

/// A figure a suite reports (`isolation: …`, `faults: …`): printed, and appended to the file
/// `TEST_FIGURES` names, which `make test` shows at the end (the test runner hides the output
/// of passing tests).
/// The calls of `tally` that the policy in `template.yaml` of the function a case is named for
/// (`set-member-mfa (enabled: true)`: `set-member-mfa`) does not allow: each would be refused in
/// AWS. A transaction is allowed by its items' actions (IAM has no action for it).
pub fn calls_beyond_policy(case: &str, tally: &local_stack::traffic::Tally) -> Vec<String> {
    static POLICIES: std::sync::LazyLock<Vec<(String, std::collections::BTreeSet<String>)>> = std::sync::LazyLock::new(|| {
        local_stack::template::Template::load(&project_root().join("template.yaml")).unwrap().function_actions().unwrap()
    });
    let function = case.split(" (").next().unwrap_or(case);
    let actions = POLICIES.iter().find(|(f, _)| f == function).map(|(_, a)| a.clone()).unwrap_or_default();
    let allowed = |call: &str| match call {
        "dynamodb:TransactWriteItems" => {
            ["PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"].iter().any(|item| actions.contains(&format!("dynamodb:{item}")))
        }
        call => actions.contains(call),
    };
    let mut beyond: Vec<String> =
        tally.calls.iter().map(|c| format!("{}:{}", c.service, c.operation)).filter(|call| !allowed(call)).collect();
    beyond.dedup();
    beyond
}

pub fn figure(line: String) {
    println!("{line}");
    if let Ok(path) = std::env::var("TEST_FIGURES") {
        use std::io::Write;
        if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(file, "{line}");
        }
    }
}

pub async fn wait(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// A DynamoDB value written the same way whatever the order its maps came in.
fn canonical(value: &aws_sdk_dynamodb::types::AttributeValue) -> String {
    use aws_sdk_dynamodb::types::AttributeValue as V;
    match value {
        V::M(map) => {
            let mut fields: Vec<String> = map.iter().map(|(k, v)| format!("{k}:{}", canonical(v))).collect();
            fields.sort();
            format!("{{{}}}", fields.join(","))
        }
        V::L(list) => format!("[{}]", list.iter().map(canonical).collect::<Vec<_>>().join(",")),
        V::Ss(set) | V::Ns(set) => {
            let mut set = set.clone();
            set.sort();
            format!("{set:?}")
        }
        other => format!("{other:?}"),
    }
}

/// Every (recipient, message) of the SES emulator's state, oldest first.
fn sent(data: &Value) -> impl Iterator<Item = (&str, &Value)> {
    data["ses"]["Message"].as_array().into_iter().flatten().flat_map(|message| {
        message["destinations"]["ToAddresses"].as_array().into_iter().flatten().filter_map(Value::as_str).map(move |to| (to, message))
    })
}
