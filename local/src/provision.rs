//! Creates, idempotently, what `template.yaml` declares, on the emulator: the table (same keys
//! and indexes), the user pool with its password policy, the app client, the groups, the SES
//! sender identity, and a first operator.
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, EmailConfigurationType, EmailSendingAccountType, ExplicitAuthFlowsType, LambdaConfigType, MessageActionType,
    PasswordPolicyType, PreTokenGenerationLambdaVersionType, PreTokenGenerationVersionConfigType, SoftwareTokenMfaConfigType,
    TimeUnitsType, TokenValidityUnitsType, UserPoolMfaType, UserPoolPolicyType, UsernameAttributeType,
};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType,
    StreamSpecification, StreamViewType, TimeToLiveSpecification,
};
use serde::{Deserialize, Serialize};
use serde_norway::Value;

use crate::template::{string, strings, PoolTriggers, Template};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The names a stack is provisioned under; tests give each their own.
#[derive(Debug, Clone)]
pub struct StackNames {
    pub table: String,
    pub user_pool: String,
    pub sender_email: String,
    pub operator: Credentials,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// The ids of what was provisioned.
#[derive(Debug, Clone)]
pub struct Provisioned {
    pub table_name: String,
    pub user_pool_id: String,
    pub user_pool_client_id: String,
    pub password_policy: tenant_members::password::PasswordPolicy,
    pub email_quotas: tenant_members::links::EmailQuotas,
}

pub async fn provision(sdk: &aws_config::SdkConfig, template: &Template, names: &StackNames) -> Result<Provisioned, BoxError> {
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    let cognito = aws_sdk_cognitoidentityprovider::Client::new(sdk);
    let ses = aws_sdk_sesv2::Client::new(sdk);

    create_table(&dynamodb, template.table()?, &names.table).await?;
    let password_policy = template.password_policy()?;
    let region = sdk.region().map(ToString::to_string).ok_or("AWS_REGION is not set")?;
    let pool = PoolSettings {
        name: &names.user_pool,
        properties: template.user_pool()?,
        password_policy: &password_policy,
        lambda_config: lambda_config(&template.pool_triggers()?, &region)?,
        email: email_configuration(&names.sender_email, &region)?,
    };
    let user_pool_id = user_pool(&cognito, pool).await?;
    let user_pool_client_id = user_pool_client(&cognito, template, &user_pool_id).await?;
    for group in template.groups()? {
        match cognito.create_group().user_pool_id(&user_pool_id).group_name(&group).send().await {
            Ok(_) => {}
            Err(e) if e.as_service_error().is_some_and(|e| e.is_group_exists_exception()) => {}
            Err(e) => return Err(e.into()),
        }
    }
    match ses.create_email_identity().email_identity(&names.sender_email).send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|e| e.is_already_exists_exception()) => {}
        Err(e) => return Err(e.into()),
    }
    operator(&cognito, &user_pool_id, &names.operator).await?;
    let email_quotas = template.email_quotas()?;
    Ok(Provisioned { table_name: names.table.clone(), user_pool_id, user_pool_client_id, password_policy, email_quotas })
}

fn key_schema(value: &Value) -> Result<Vec<KeySchemaElement>, BoxError> {
    let mut keys = Vec::new();
    for key in value.as_sequence().ok_or("KeySchema is not a list")? {
        keys.push(
            KeySchemaElement::builder()
                .attribute_name(string(&key["AttributeName"]).ok_or("KeySchema without AttributeName")?)
                .key_type(KeyType::from(string(&key["KeyType"]).ok_or("KeySchema without KeyType")?))
                .build()?,
        );
    }
    Ok(keys)
}

async fn create_table(client: &aws_sdk_dynamodb::Client, properties: &Value, name: &str) -> Result<(), BoxError> {
    let stream = match string(&properties["StreamSpecification"]["StreamViewType"]) {
        Some(view) => Some(StreamSpecification::builder().stream_enabled(true).stream_view_type(StreamViewType::from(view)).build()?),
        None => None,
    };
    if let Ok(existing) = client.describe_table().table_name(name).send().await {
        // A table an older template made, without the stream the events need.
        let streaming = existing.table().and_then(|t| t.stream_specification()).is_some_and(|s| s.stream_enabled());
        if let (Some(stream), false) = (stream, streaming) {
            client.update_table().table_name(name).stream_specification(stream).send().await?;
        }
        return Ok(());
    }
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::from(string(&properties["BillingMode"]).unwrap_or("PAY_PER_REQUEST")))
        .set_key_schema(Some(key_schema(&properties["KeySchema"])?));
    for definition in properties["AttributeDefinitions"].as_sequence().ok_or("no AttributeDefinitions")? {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(string(&definition["AttributeName"]).ok_or("AttributeDefinition without name")?)
                .attribute_type(ScalarAttributeType::from(string(&definition["AttributeType"]).unwrap_or("S")))
                .build()?,
        );
    }
    for index in properties["GlobalSecondaryIndexes"].as_sequence().into_iter().flatten() {
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(string(&index["IndexName"]).ok_or("index without IndexName")?)
                .set_key_schema(Some(key_schema(&index["KeySchema"])?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(string(&index["Projection"]["ProjectionType"]).unwrap_or("ALL")))
                        .build(),
                )
                .build()?,
        );
    }
    request.set_stream_specification(stream).send().await?;
    if let Some(attribute) = string(&properties["TimeToLiveSpecification"]["AttributeName"]) {
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(TimeToLiveSpecification::builder().attribute_name(attribute).enabled(true).build()?)
            .send()
            .await?;
    }
    Ok(())
}

/// The account the emulator serves: the functions' ARNs in the pool's `LambdaConfig` name it.
const EMULATOR_ACCOUNT: &str = "123456789012";

/// The ARN the pool names a trigger's function by; the local stack's Lambda API answers to the
/// function's binary name (`lambda_api.rs`).
pub fn function_arn(region: &str, binary: &str) -> String {
    format!("arn:aws:lambda:{region}:{EMULATOR_ACCOUNT}:function:{binary}")
}

fn lambda_config(triggers: &PoolTriggers, region: &str) -> Result<LambdaConfigType, BoxError> {
    let arn = |binary: &Option<String>| binary.as_deref().map(|b| function_arn(region, b));
    let token = match &triggers.pre_token_generation {
        Some(binary) => Some(
            PreTokenGenerationVersionConfigType::builder()
                .lambda_arn(function_arn(region, binary))
                .lambda_version(PreTokenGenerationLambdaVersionType::from(
                    triggers.pre_token_generation_version.as_deref().unwrap_or("V1_0"),
                ))
                .build()?,
        ),
        None => None,
    };
    Ok(LambdaConfigType::builder()
        .set_pre_authentication(arn(&triggers.pre_authentication))
        .set_custom_message(arn(&triggers.custom_message))
        .set_pre_token_generation_config(token)
        .build())
}

/// Cognito's own emails go out through SES from the service's sender, as the template says.
fn email_configuration(sender: &str, region: &str) -> Result<EmailConfigurationType, BoxError> {
    Ok(EmailConfigurationType::builder()
        .email_sending_account(EmailSendingAccountType::Developer)
        .from(sender)
        .source_arn(format!("arn:aws:ses:{region}:{EMULATOR_ACCOUNT}:identity/{sender}"))
        .build())
}

struct PoolSettings<'a> {
    name: &'a str,
    properties: &'a Value,
    password_policy: &'a tenant_members::password::PasswordPolicy,
    lambda_config: LambdaConfigType,
    email: EmailConfigurationType,
}

async fn user_pool(client: &aws_sdk_cognitoidentityprovider::Client, settings: PoolSettings<'_>) -> Result<String, BoxError> {
    let PoolSettings { name, properties, password_policy: policy, lambda_config, email } = settings;
    let validity_days = properties["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"].as_i64();
    let password_policy = PasswordPolicyType::builder()
        .minimum_length(i32::try_from(policy.minimum_length)?)
        .require_lowercase(policy.require_lowercase)
        .require_uppercase(policy.require_uppercase)
        .require_numbers(policy.require_numbers)
        .require_symbols(policy.require_symbols)
        .set_temporary_password_validity_days(validity_days.and_then(|d| i32::try_from(d).ok()))
        .build();
    let policies = UserPoolPolicyType::builder().password_policy(password_policy).build();
    let mfa = UserPoolMfaType::from(string(&properties["MfaConfiguration"]).unwrap_or("OFF"));
    let mut pools = client.list_user_pools().max_results(60).into_paginator().items().send();
    while let Some(pool) = pools.next().await {
        let pool = pool?;
        if pool.name() == Some(name) {
            let id = pool.id().ok_or("a user pool without id")?.to_string();
            // A pool an earlier start made, perhaps from an older template (without a trigger
            // it now names): it takes the template's settings again, as a deploy updates it,
            // keeping its people. UpdateUserPool resets what it is not given (MFA to off,
            // set again below), so all the rest is given.
            client
                .update_user_pool()
                .user_pool_id(&id)
                .policies(policies)
                .lambda_config(lambda_config)
                .email_configuration(email)
                .send()
                .await?;
            return pool_mfa(client, id, mfa).await;
        }
    }
    let created = client
        .create_user_pool()
        .pool_name(name)
        .set_username_attributes(Some(
            strings(&properties["UsernameAttributes"]).iter().map(|a| UsernameAttributeType::from(a.as_str())).collect(),
        ))
        .policies(policies)
        .lambda_config(lambda_config)
        .email_configuration(email)
        .send()
        .await?;
    let id = created.user_pool.and_then(|p| p.id).ok_or("CreateUserPool returned no id")?;
    pool_mfa(client, id, mfa).await
}

/// The template's `MfaConfiguration`: optional, authenticator apps allowed (the emulator offers
/// email codes to a person whose preference is email, as `EnabledMfas` lets Cognito).
async fn pool_mfa(client: &aws_sdk_cognitoidentityprovider::Client, id: String, mfa: UserPoolMfaType) -> Result<String, BoxError> {
    if mfa == UserPoolMfaType::Optional {
        client
            .set_user_pool_mfa_config()
            .user_pool_id(&id)
            .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
            .mfa_configuration(UserPoolMfaType::Optional)
            .send()
            .await?;
    }
    Ok(id)
}

async fn user_pool_client(
    client: &aws_sdk_cognitoidentityprovider::Client,
    template: &Template,
    user_pool_id: &str,
) -> Result<String, BoxError> {
    let properties = template.user_pool_client()?;
    let name = "portal-local";
    let mut clients = client.list_user_pool_clients().user_pool_id(user_pool_id).max_results(60).into_paginator().items().send();
    while let Some(existing) = clients.next().await {
        let existing = existing?;
        if existing.client_name() == Some(name) {
            return Ok(existing.client_id().ok_or("an app client without id")?.to_string());
        }
    }
    let created = client
        .create_user_pool_client()
        .user_pool_id(user_pool_id)
        .client_name(name)
        .generate_secret(false)
        .set_explicit_auth_flows(Some(
            strings(&properties["ExplicitAuthFlows"]).iter().map(|f| ExplicitAuthFlowsType::from(f.as_str())).collect(),
        ))
        .set_read_attributes(Some(strings(&properties["ReadAttributes"])).filter(|a| !a.is_empty()))
        .set_write_attributes(Some(strings(&properties["WriteAttributes"])).filter(|a| !a.is_empty()))
        .set_access_token_validity(validity(template, &properties["AccessTokenValidity"])?)
        .set_id_token_validity(validity(template, &properties["IdTokenValidity"])?)
        .set_refresh_token_validity(validity(template, &properties["RefreshTokenValidity"])?)
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .set_access_token(time_unit(&properties["TokenValidityUnits"]["AccessToken"]))
                .set_id_token(time_unit(&properties["TokenValidityUnits"]["IdToken"]))
                .set_refresh_token(time_unit(&properties["TokenValidityUnits"]["RefreshToken"]))
                .build(),
        )
        .send()
        .await?;
    Ok(created.user_pool_client.and_then(|c| c.client_id).ok_or("CreateUserPoolClient returned no id")?)
}

fn validity(template: &Template, value: &Value) -> Result<Option<i32>, BoxError> {
    Ok(template.number(value).map(i32::try_from).transpose()?)
}

fn time_unit(value: &Value) -> Option<TimeUnitsType> {
    string(value).map(TimeUnitsType::from)
}

async fn operator(client: &aws_sdk_cognitoidentityprovider::Client, user_pool_id: &str, operator: &Credentials) -> Result<(), BoxError> {
    let attribute = |name: &str, value: &str| AttributeType::builder().name(name).value(value).build();
    match client
        .admin_create_user()
        .user_pool_id(user_pool_id)
        .username(&operator.email)
        .user_attributes(attribute("email", &operator.email)?)
        .user_attributes(attribute("email_verified", "true")?)
        .message_action(MessageActionType::Suppress)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|e| e.is_username_exists_exception()) => {}
        Err(e) => return Err(e.into()),
    }
    client
        .admin_set_user_password()
        .user_pool_id(user_pool_id)
        .username(&operator.email)
        .password(&operator.password)
        .permanent(true)
        .send()
        .await?;
    client
        .admin_add_user_to_group()
        .user_pool_id(user_pool_id)
        .username(&operator.email)
        .group_name(tenant_members::auth::OPERATORS_GROUP)
        .send()
        .await?;
    Ok(())
}
