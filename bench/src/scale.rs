//! `bench scale`: list pages in a tenant of 10,000 members, an operator's tenants among 5,000,
//! invite throughput, and a batch of 100 invitations against the same as single requests.
use std::path::Path;
use std::time::Instant;

use local_stack::traffic::Traffic;
use tenant_members::adapters::DynamoStore;
use tenant_members::catalog::Roles;
use tenant_members::email::Email;
use tenant_members::ids::{MemberId, TenantId, UserSub};
use tenant_members::language::Language;
use tenant_members::model::Member;
use tenant_members::registry::Operation;
use tenant_members::{App, Config};

use crate::in_process::{handler, with_body, with_query, Function};
use crate::{config_from, success_event, BoxError};

const SCALE_MEMBERS: usize = 10_000;
const SCALE_ADMINS: usize = 50;
const SCALE_TENANTS: usize = 5_000;

/// list-members in a tenant of 10,000 members, and invites at 20 at once.
pub async fn scale(
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
pub async fn invite_batches(app: &App, traffic: &Traffic, invite: &str) -> Result<(), BoxError> {
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
