//! A service on the in-memory adapters, driven through its operations with the API Gateway
//! events Lambda would receive, and the people who use it.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lambda_http::Body;
use serde_json::{json, Value};
use tenant_members::adapters::{MemoryDirectory, MemoryMailer, MemoryStore};
use tenant_members::clock::Clock;
use tenant_members::email::Email;
use tenant_members::ids::UserSub;
use tenant_members::links::EmailQuotas;
use tenant_members::password::PasswordPolicy;
use tenant_members::registry::Operation;
use tenant_members::{App, Config};

pub const PASSWORD: &str = "Correct-Horse-7";

static NEXT_REQUEST: AtomicU64 = AtomicU64::new(1);

pub struct World {
    pub app: App,
    /// How far ahead of the wall clock the service's requests are served: moved by `advance`.
    ahead: Arc<Mutex<time::Duration>>,
    pub store: Arc<MemoryStore>,
    pub directory: Arc<MemoryDirectory>,
    pub mailer: Arc<MemoryMailer>,
    pub operator: UserSub,
}

/// A registered tenant administrator, or any member.
#[derive(Clone)]
pub struct Person {
    pub sub: UserSub,
    pub member_id: String,
    pub email: String,
}

#[derive(Clone)]
pub struct Tenant {
    pub id: String,
    /// Its representative administrator, registered.
    pub admin: Person,
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<u64>,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

/// `k=v&…`, percent-encoded, as API Gateway passes the query in `rawQueryString`.
fn raw_query(query: &Value) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect()
    };
    let pairs = query.as_object().into_iter().flatten();
    pairs.map(|(k, v)| format!("{}={}", encode(k), encode(v.as_str().unwrap_or_default()))).collect::<Vec<_>>().join("&")
}

/// What a request carries besides its operation, caller and path.
#[derive(Default)]
struct Extras {
    body: Option<Value>,
    headers: Value,
    query: Value,
    /// The `auth_time` of the caller's token; none: a token without one.
    session_began: Option<time::OffsetDateTime>,
}

impl World {
    pub fn new() -> Self {
        Self::with_config(|_| ())
    }

    /// A world whose stack is configured otherwise than `new`'s.
    pub fn with_config(adjust: impl FnOnce(&mut Config)) -> Self {
        let (store, directory, mailer) =
            (Arc::new(MemoryStore::default()), Arc::new(MemoryDirectory::default()), Arc::new(MemoryMailer::default()));
        let mut config = Config {
            table_name: "memory".into(),
            user_pool_id: "memory".into(),
            sender_email: "no-reply@example.com".into(),
            ses_configuration_set: None,
            portal_base_url: "https://portal.example.com".into(),
            api_base_url: Some("https://api.example.com".into()),
            invitation_ttl: Config::DEFAULT_INVITATION_TTL,
            password_reset_ttl: Duration::from_secs(3600),
            password_policy: PasswordPolicy {
                minimum_length: 8,
                require_lowercase: true,
                require_uppercase: true,
                require_numbers: true,
                require_symbols: false,
            },
            email_quotas: EmailQuotas {
                per_address_per_day: 10,
                per_address_per_tenant_tree_per_day: 6,
                per_tenant_per_day: 30,
                per_service_per_day: 60,
            },
            public_origin_secret: None,
            // The pace is measured by `make bench`; rules need not wait for it.
            batch_invitations_per_second: 1_000,
            batches_per_tenant_per_minute: Config::DEFAULT_BATCHES_PER_TENANT_PER_MINUTE,
            directory_refusals_per_minute: Config::DEFAULT_DIRECTORY_REFUSALS_PER_MINUTE,
        };
        adjust(&mut config);
        let operator = directory.add_person(&Email::parse("operator@example.com").unwrap(), PASSWORD);
        directory.add_to_group(&operator, tenant_members::auth::OPERATORS_GROUP);
        let ahead = Arc::new(Mutex::new(time::Duration::ZERO));
        let clock = {
            let ahead = Arc::clone(&ahead);
            Clock::from_fn(move || tenant_members::clock::now() + *ahead.lock().expect("the clock's lock is never poisoned"))
        };
        let app = App::wired(config, store.clone(), directory.clone(), mailer.clone()).with_clock(clock);
        Self { app, ahead, store, directory, mailer, operator }
    }

    /// Moves the time the service's requests are served at.
    pub fn advance(&self, by: time::Duration) {
        *self.ahead.lock().expect("the clock's lock is never poisoned") += by;
    }

    /// Calls an operation as `caller` (none: a public route) with the path's parameters.
    pub async fn call(&self, operation: Operation, caller: Option<&UserSub>, path: &[(&str, &str)], body: Option<Value>) -> Answer {
        self.call_with(operation, caller, path, body, json!({})).await
    }

    /// Calls an operation as `caller` with a session begun now (a token whose `auth_time` is the
    /// world's time): as they would after signing in again, once the service ended their sessions.
    pub async fn call_in_new_session(&self, operation: Operation, caller: &UserSub, path: &[(&str, &str)], body: Option<Value>) -> Answer {
        let session_began = Some(self.app.clock.now());
        self.request(operation, Some(caller), path, Extras { body, session_began, ..Extras::default() }).await
    }

    /// Calls a `GET` operation with query parameters.
    pub async fn call_query(&self, operation: Operation, caller: Option<&UserSub>, path: &[(&str, &str)], query: Value) -> Answer {
        self.request(operation, caller, path, Extras { query, ..Extras::default() }).await
    }

    pub async fn list_members(&self, tenant: &str, caller: &UserSub, query: Value) -> Answer {
        self.call_query(Operation::ListMembers, Some(caller), &[("tenantId", tenant)], query).await
    }

    pub async fn call_with(
        &self,
        operation: Operation,
        caller: Option<&UserSub>,
        path: &[(&str, &str)],
        body: Option<Value>,
        headers: Value,
    ) -> Answer {
        self.request(operation, caller, path, Extras { body, headers, ..Extras::default() }).await
    }

    async fn request(
        &self,
        operation: Operation,
        caller: Option<&UserSub>,
        path: &[(&str, &str)],
        Extras { body, headers, query, session_began }: Extras,
    ) -> Answer {
        let mut context = json!({
            "accountId": "123456789012", "apiId": "memory", "domainName": "memory", "domainPrefix": "memory",
            "http": { "method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "rules" },
            "requestId": format!("request-{}", NEXT_REQUEST.fetch_add(1, Ordering::Relaxed)), "routeKey": operation.name(), "stage": "$default",
            "time": "02/Dec/2026:00:00:00 +0000", "timeEpoch": 0,
        });
        if let Some(sub) = caller {
            let groups = if *sub == self.operator { "[operators]" } else { "[]" };
            let mut claims = json!({ "sub": sub.as_str(), "cognito:groups": groups });
            if let Some(began) = session_began {
                claims["auth_time"] = json!(began.unix_timestamp().to_string());
            }
            context["authorizer"] = json!({ "jwt": { "claims": claims, "scopes": null } });
        }
        let mut headers = headers;
        headers["content-type"] = json!("application/json");
        let path: serde_json::Map<String, Value> = path.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        let event = json!({
            "version": "2.0", "routeKey": operation.name(), "rawPath": "/", "rawQueryString": raw_query(&query),
            "headers": headers, "pathParameters": path, "requestContext": context,
            "body": body.map(|b| b.to_string()), "isBase64Encoded": false,
        });
        let request = lambda_http::request::from_str(&event.to_string()).expect("an API Gateway v2 event");
        let response = operation.respond(&self.app.only(operation.ports()), request).await;
        let status = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok());
        let body = match response.body() {
            Body::Text(text) => serde_json::from_str(text).unwrap_or(Value::Null),
            Body::Binary(bytes) => serde_json::from_slice(bytes).unwrap_or(Value::Null),
            _ => Value::Null,
        };
        Answer { status, body, retry_after }
    }

    /// The token of the last link emailed to `email`.
    pub fn last_token_to(&self, email: &str) -> String {
        let sent = self.mailer.sent();
        let last = sent.iter().rev().find(|m| m.to.as_str() == email).unwrap_or_else(|| panic!("no email to {email}"));
        let start = last.text.find("token=").expect("a link with a token") + "token=".len();
        last.text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
    }

    pub fn emails_to(&self, email: &str) -> usize {
        self.mailer.sent().iter().filter(|m| m.to.as_str() == email).count()
    }

    /// A tenant (under `parent`) whose representative `admin_email` has registered.
    pub async fn tenant(&self, name: &str, parent: Option<&str>, admin_email: &str) -> Tenant {
        let body = json!({ "name": name, "parentTenantId": parent, "adminEmail": admin_email, "adminLanguage": "en" });
        let created = self.call(Operation::CreateTenant, Some(&self.operator), &[], Some(body)).await;
        assert_eq!(created.status, 201, "{created:?}");
        let id = created.body["tenant"]["tenantId"].as_str().unwrap().to_string();
        let admin = self.register(admin_email).await;
        Tenant { id, admin }
    }

    /// Invites `email` to the tenant with a portal role, as `by`; the invitation is not accepted.
    pub async fn invite(&self, tenant: &str, by: &UserSub, email: &str, role: &str) -> Answer {
        let body = json!({ "email": email, "language": "ja", "roles": { "service-management-portal": role } });
        self.call(Operation::InviteMember, Some(by), &[("tenantId", tenant)], Some(body)).await
    }

    /// A registered member of the tenant with a portal role.
    pub async fn member(&self, tenant: &Tenant, email: &str, role: &str) -> Person {
        let invited = self.invite(&tenant.id, &tenant.admin.sub, email, role).await;
        assert_eq!(invited.status, 201, "{invited:?}");
        self.register(email).await
    }

    /// Accepts the last invitation sent to `email` with a new password.
    pub async fn register(&self, email: &str) -> Person {
        let token = self.last_token_to(email);
        let accepted = self.call(Operation::AcceptInvitation, None, &[], Some(json!({ "token": token, "password": PASSWORD }))).await;
        assert_eq!(accepted.status, 200, "{accepted:?}");
        Person {
            sub: self.directory.user_of(&Email::parse(email).unwrap()).unwrap(),
            member_id: accepted.body["memberId"].as_str().unwrap().to_string(),
            email: email.to_string(),
        }
    }

    pub async fn get_member(&self, tenant: &str, member: &str) -> Answer {
        self.call(Operation::GetMember, Some(&self.operator), &[("tenantId", tenant), ("memberId", member)], None).await
    }

    pub async fn get_tenant(&self, tenant: &str) -> Value {
        self.call(Operation::GetTenant, Some(&self.operator), &[("tenantId", tenant)], None).await.body
    }

    pub async fn audit_actions(&self, tenant: &str) -> Vec<String> {
        let audit = self.call(Operation::ListAudit, Some(&self.operator), &[("tenantId", tenant)], None).await;
        audit.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
    }
}
