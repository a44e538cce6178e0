//! `local-stack`: provisions the emulator from template.yaml, writes .local/stack.json and serves
//! the HTTP API on 127.0.0.1:3000 (our `sam local start-api`, without Docker).
//! `local-stack seed-events` instead rebuilds the stack the sample events name and prints the
//! functions' environment as `KEY=VALUE` lines.

use local_stack::{start, write_stack_file, StackOptions};

#[tokio::main]
async fn main() -> Result<(), local_stack::BoxError> {
    tenant_members::lambda::init_logging();
    let root = std::env::current_dir()?;
    if std::env::args().nth(1).as_deref() == Some("seed-events") {
        for (name, value) in local_stack::seed_events_stack(&root.join("template.yaml")).await? {
            println!("{name}={value}");
        }
        return Ok(());
    }
    let mut options = StackOptions::local_default(root.join("template.yaml"));
    if let Ok(port) = std::env::var("API_PORT") {
        options.listen.set_port(port.parse()?);
    }
    let running = start(options).await?;
    let stack_file = root.join(".local/stack.json");
    write_stack_file(&stack_file, &running.stack)?;
    let s = &running.stack;
    println!(
        "\nLocal API on {api}  (emulator {aws}; ids in {file})\n\
         Sign in as the operator:\n  \
         curl -s {aws} -H 'Content-Type: application/x-amz-json-1.1' \\\n    \
         -H 'X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth' \\\n    \
         -d '{{\"AuthFlow\":\"USER_PASSWORD_AUTH\",\"ClientId\":\"{client}\",\"AuthParameters\":{{\"USERNAME\":\"{email}\",\"PASSWORD\":\"{password}\"}}}}'\n\
         then call the API with  -H \"Authorization: Bearer <AuthenticationResult.IdToken>\"\n",
        api = s.api_url,
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
