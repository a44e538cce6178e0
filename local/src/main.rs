//! `local-stack`: provisions the emulator from template.yaml, writes .local/stack.json and serves
//! the HTTP API on 127.0.0.1:3000 (our `sam local start-api`, without Docker).
//! `local-stack seed-events [FUNCTIONS_ENDPOINT]` instead rebuilds the stack the sample events name
//! and prints the functions' environment in the JSON of `sam local invoke --env-vars`.

use local_stack::{start, write_stack_file, StackOptions};

#[tokio::main]
async fn main() -> Result<(), local_stack::BoxError> {
    tenant_members::log::init();
    let root = std::env::current_dir()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("seed-events") {
        // `seed-events FUNCTIONS_ENDPOINT`: the address the functions reach the emulator at (from
        // inside their containers), added as their AWS_ENDPOINT_URL.
        let mut variables: serde_json::Map<String, serde_json::Value> =
            local_stack::seed_events_stack(&root.join("template.yaml")).await?.into_iter().map(|(k, v)| (k, v.into())).collect();
        if let Some(endpoint) = args.get(1) {
            variables.insert("AWS_ENDPOINT_URL".into(), endpoint.clone().into());
        }
        // The format of `sam local invoke --env-vars`: these values for every function.
        println!("{}", serde_json::json!({ "Parameters": variables }));
        return Ok(());
    }
    let mut options = StackOptions::local_default(root.join("template.yaml"));
    if let Ok(port) = std::env::var("API_PORT") {
        options.listen.set_port(port.parse()?);
    }
    if let Ok(port) = std::env::var("PORTAL_PORT") {
        let port: u16 = port.parse()?;
        options.portal_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
        options.portal_base_url = format!("http://localhost:{port}");
    }
    let running = start(options).await?;
    let stack_file = root.join(".local/stack.json");
    write_stack_file(&stack_file, &running.stack)?;
    let s = &running.stack;
    println!(
        "\nLocal API on {api}  (emulator {aws}; ids in {file})\n\
         The emails' link pages on {portal}, and the emails sent: {portal}/outbox\n\
         The Members console: {console}  (the operator below signs in there too)\n\
         Membership events: bus {bus}, every event also in the queue {queue}\n\
         Sign in as the operator:\n  \
         curl -s {aws} -H 'Content-Type: application/x-amz-json-1.1' \\\n    \
         -H 'X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth' \\\n    \
         -d '{{\"AuthFlow\":\"USER_PASSWORD_AUTH\",\"ClientId\":\"{client}\",\"AuthParameters\":{{\"USERNAME\":\"{email}\",\"PASSWORD\":\"{password}\"}}}}'\n\
         then call the API with  -H \"Authorization: Bearer <AuthenticationResult.IdToken>\"\n",
        api = s.api_url,
        portal = s.portal_base_url,
        console = s.console_url,
        bus = s.event_bus_name.as_deref().unwrap_or_default(),
        queue = s.events_queue_url.as_deref().unwrap_or_default(),
        aws = s.aws_endpoint_url,
        file = stack_file.display(),
        client = s.user_pool_client_id,
        email = s.operator.email,
        password = s.operator.password,
    );
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = running.server => {}
    }
    Ok(())
}
