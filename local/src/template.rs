//! What the local stack takes from `template.yaml`: the routes of the HTTP API, the table's keys
//! and indexes, and the user pool's settings. Reading them from the template keeps the local
//! stack and the deployed one from drifting apart.
use serde_norway::Value;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read template.yaml: {0}")]
    Io(#[from] std::io::Error),
    #[error("template.yaml is not valid YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
    #[error("template.yaml: {0}")]
    Shape(String),
}

/// One route of the HTTP API and the function behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: String,
    /// API Gateway path syntax: `/tenants/{tenantId}`.
    pub path: String,
    /// The function's binary, which is also its operation name.
    pub function: String,
    /// `Auth.Authorizer: NONE`: no token needed.
    pub public: bool,
    /// The function's `Timeout` (else the `Globals`' one): when Lambda cuts an invocation off.
    pub timeout: std::time::Duration,
}

/// Lambda's own timeout of a function that names none.
const LAMBDA_DEFAULT_TIMEOUT_SECONDS: i64 = 3;

/// The user pool's triggers, each as the binary of its function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolTriggers {
    pub pre_authentication: Option<String>,
    pub custom_message: Option<String>,
    pub pre_token_generation: Option<String>,
    pub pre_token_generation_version: Option<String>,
}

pub struct Template {
    root: Value,
}

fn shape(what: impl Into<String>) -> TemplateError {
    TemplateError::Shape(what.into())
}

/// `!Ref X` and other CloudFormation tags parse as tagged values; look through them.
fn untag(value: &Value) -> &Value {
    match value {
        Value::Tagged(tagged) => untag(&tagged.value),
        other => other,
    }
}

fn text(value: &Value) -> Option<&str> {
    untag(value).as_str()
}

impl Template {
    pub fn load(path: &std::path::Path) -> Result<Self, TemplateError> {
        Self::parse(&std::fs::read_to_string(path)?)
    }

    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        Ok(Self { root: serde_norway::from_str(source)? })
    }

    fn resources(&self) -> Result<&serde_norway::Mapping, TemplateError> {
        self.root["Resources"].as_mapping().ok_or_else(|| shape("no Resources"))
    }

    fn resource_of_type(&self, kind: &str) -> Result<&Value, TemplateError> {
        self.resources()?.values().find(|r| text(&r["Type"]) == Some(kind)).ok_or_else(|| shape(format!("no {kind} resource")))
    }

    pub fn routes(&self) -> Result<Vec<Route>, TemplateError> {
        let mut routes = Vec::new();
        for (name, resource) in self.resources()? {
            if text(&resource["Type"]) != Some("AWS::Serverless::Function") {
                continue;
            }
            let name = name.as_str().unwrap_or("?");
            let function = text(&resource["Metadata"]["BuildProperties"]["Binary"])
                .ok_or_else(|| shape(format!("{name} has no Metadata.BuildProperties.Binary")))?;
            let Some(events) = resource["Properties"]["Events"].as_mapping() else { continue };
            let seconds = self
                .number(&resource["Properties"]["Timeout"])
                .or_else(|| self.number(&self.root["Globals"]["Function"]["Timeout"]))
                .unwrap_or(LAMBDA_DEFAULT_TIMEOUT_SECONDS);
            let timeout = std::time::Duration::from_secs(seconds.max(1).unsigned_abs());
            for event in events.values() {
                if text(&event["Type"]) != Some("HttpApi") {
                    continue;
                }
                let properties = &event["Properties"];
                let (Some(method), Some(path)) = (text(&properties["Method"]), text(&properties["Path"])) else {
                    return Err(shape(format!("{name} has an HttpApi event without Method and Path")));
                };
                routes.push(Route {
                    method: method.to_uppercase(),
                    path: path.to_string(),
                    function: function.to_string(),
                    public: text(&properties["Auth"]["Authorizer"]) == Some("NONE"),
                    timeout,
                });
            }
        }
        Ok(routes)
    }

    /// Each function's binary and the AWS services its policy lets it call (the prefixes of its
    /// actions: `dynamodb`, `cognito-idp`, `ses`…).
    pub fn function_services(&self) -> Result<Vec<(String, std::collections::BTreeSet<String>)>, TemplateError> {
        let functions = self.function_actions()?;
        Ok(functions
            .into_iter()
            .map(|(function, actions)| {
                let services = actions.iter().filter_map(|action| action.split_once(':').map(|(service, _)| service.to_string()));
                (function, services.collect())
            })
            .collect())
    }

    /// Each function's binary and the actions its policies allow (`cognito-idp:AdminGetUser`…):
    /// its own, and those of any `AWS::IAM::Policy` attached to its role (`<Function>Role`, as
    /// SAM names it).
    pub fn function_actions(&self) -> Result<Vec<(String, std::collections::BTreeSet<String>)>, TemplateError> {
        let resources = self.resources()?;
        let statements_of = |policies: &Value| -> Vec<Value> {
            policies.as_sequence().into_iter().flatten().flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default()).collect()
        };
        let mut functions = Vec::new();
        for (name, resource) in resources {
            if text(&resource["Type"]) != Some("AWS::Serverless::Function") {
                continue;
            }
            let name = name.as_str().unwrap_or("?");
            let function = text(&resource["Metadata"]["BuildProperties"]["Binary"])
                .ok_or_else(|| shape(format!("{name} has no Metadata.BuildProperties.Binary")))?;
            let role = format!("{name}Role");
            let attached = resources.values().filter(|r| {
                text(&r["Type"]) == Some("AWS::IAM::Policy")
                    && r["Properties"]["Roles"].as_sequence().is_some_and(|roles| roles.iter().any(|r| text(r) == Some(role.as_str())))
            });
            let mut statements = statements_of(&resource["Properties"]["Policies"]);
            for policy in attached {
                statements.extend(policy["Properties"]["PolicyDocument"]["Statement"].as_sequence().cloned().unwrap_or_default());
            }
            let actions = statements.iter().flat_map(|statement| strings(&statement["Action"])).collect();
            functions.push((function.to_string(), actions));
        }
        Ok(functions)
    }

    /// The `Properties` of the DynamoDB table, as CloudFormation spells them.
    pub fn table(&self) -> Result<&Value, TemplateError> {
        Ok(&self.resource_of_type("AWS::DynamoDB::Table")?["Properties"])
    }

    pub fn user_pool(&self) -> Result<&Value, TemplateError> {
        Ok(&self.resource_of_type("AWS::Cognito::UserPool")?["Properties"])
    }

    pub fn user_pool_client(&self) -> Result<&Value, TemplateError> {
        Ok(&self.resource_of_type("AWS::Cognito::UserPoolClient")?["Properties"])
    }

    /// The pool's Lambda triggers (`LambdaConfig`): where Cognito calls each, and the binary of
    /// the function named there (`!GetAtt EnforceMfaFunction.Arn`).
    pub fn pool_triggers(&self) -> Result<PoolTriggers, TemplateError> {
        let config = &self.user_pool()?["LambdaConfig"];
        let binary_of = |arn: &Value| -> Result<Option<String>, TemplateError> {
            let Some(attribute) = text(arn) else { return Ok(None) };
            let resource =
                attribute.strip_suffix(".Arn").ok_or_else(|| shape(format!("a trigger is not !GetAtt <Function>.Arn: {attribute}")))?;
            let binary = text(
                &self.resources()?.get(resource).ok_or_else(|| shape(format!("no resource {resource}")))?["Metadata"]["BuildProperties"]
                    ["Binary"],
            );
            Ok(Some(binary.ok_or_else(|| shape(format!("{resource} has no Metadata.BuildProperties.Binary")))?.to_string()))
        };
        let token = &config["PreTokenGenerationConfig"];
        Ok(PoolTriggers {
            pre_authentication: binary_of(&config["PreAuthentication"])?,
            custom_message: binary_of(&config["CustomMessage"])?,
            pre_token_generation: binary_of(&token["LambdaArn"])?,
            pre_token_generation_version: text(&token["LambdaVersion"]).map(str::to_string),
        })
    }

    /// The properties of the event source mapping of a stream (the one with a `StartingPosition`;
    /// a queue's has none).
    fn stream_mapping(&self) -> Result<&Value, TemplateError> {
        self.resources()?
            .values()
            .map(|r| &r["Properties"])
            .find(|p| p.get("StartingPosition").is_some())
            .ok_or_else(|| shape("no event source mapping of a stream"))
    }

    /// How many times the event source mapping of the table's stream retries a failing batch.
    pub fn stream_retries(&self) -> Result<u32, TemplateError> {
        let mapping = self.stream_mapping()?;
        let retries =
            self.number(&mapping["MaximumRetryAttempts"]).ok_or_else(|| shape("the stream's MaximumRetryAttempts is no number"))?;
        u32::try_from(retries).map_err(|_| shape("the stream's MaximumRetryAttempts is negative"))
    }

    /// How many times a queue with a `RedrivePolicy` (the parked ranges') hands a message over
    /// before it moves it to its dead-letter queue.
    pub fn parked_ranges_max_receives(&self) -> Result<u32, TemplateError> {
        let queues = self.resources()?.values().filter(|r| text(&r["Type"]) == Some("AWS::SQS::Queue"));
        let count = queues.filter_map(|q| self.number(&q["Properties"]["RedrivePolicy"]["maxReceiveCount"])).next();
        count.and_then(|n| u32::try_from(n).ok()).ok_or_else(|| shape("no queue with a RedrivePolicy's maxReceiveCount"))
    }

    /// The filter patterns of the stream's event source mapping (`FilterCriteria`), parsed.
    pub fn stream_filters(&self) -> Result<Vec<serde_json::Value>, TemplateError> {
        let mapping = self.stream_mapping()?;
        let filters = mapping["FilterCriteria"]["Filters"].as_sequence().into_iter().flatten();
        filters
            .map(|filter| {
                let pattern = text(&filter["Pattern"]).ok_or_else(|| shape("a stream filter without a Pattern string"))?;
                serde_json::from_str(pattern).map_err(|e| shape(format!("a stream filter's Pattern is not JSON: {e}")))
            })
            .collect()
    }

    /// A number, or `!Ref` to a parameter's default.
    pub fn number(&self, value: &Value) -> Option<i64> {
        match value {
            Value::Tagged(tagged) if tagged.tag == "Ref" => self.root["Parameters"][text(&tagged.value)?]["Default"].as_i64(),
            other => untag(other).as_i64(),
        }
    }

    /// The `PasswordPolicy` mapping: the user pool's policy and the functions' check of it.
    pub fn password_policy(&self) -> Result<tenant_members::password::PasswordPolicy, TemplateError> {
        Ok(serde_norway::from_value(self.root["Mappings"]["PasswordPolicy"]["UserPool"].clone())?)
    }

    /// The email quotas the template's parameters default to.
    pub fn email_quotas(&self) -> Result<tenant_members::links::EmailQuotas, TemplateError> {
        let default = |name: &str| -> Result<u32, TemplateError> {
            let value = &self.root["Parameters"][name]["Default"];
            value
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| TemplateError::Shape(format!("Parameters.{name}.Default must be a number")))
        };
        Ok(tenant_members::links::EmailQuotas {
            per_address_per_day: default("EmailsPerAddressPerDay")?,
            per_address_per_tenant_tree_per_day: default("EmailsPerAddressPerTenantTreePerDay")?,
            per_tenant_per_day: default("EmailsPerTenantPerDay")?,
            per_service_per_day: default("EmailsPerServicePerDay")?,
        })
    }

    /// The functions' memory in MB and their architecture, as `Globals` gives them by default.
    pub fn function_sizing(&self) -> Result<(i64, String), TemplateError> {
        let globals = &self.root["Globals"]["Function"];
        let memory = self.number(&globals["MemorySize"]).ok_or_else(|| shape("Globals.Function.MemorySize is no number"))?;
        let architecture = match globals["Architectures"].as_sequence().and_then(|a| a.first()) {
            Some(Value::Tagged(tagged)) if tagged.tag == "Ref" => {
                text(&tagged.value).and_then(|p| self.root["Parameters"][p]["Default"].as_str())
            }
            Some(other) => text(other),
            None => Some("x86_64"),
        };
        Ok((memory, architecture.ok_or_else(|| shape("Globals.Function.Architectures names no architecture"))?.to_string()))
    }

    pub fn groups(&self) -> Result<Vec<String>, TemplateError> {
        Ok(self
            .resources()?
            .values()
            .filter(|r| text(&r["Type"]) == Some("AWS::Cognito::UserPoolGroup"))
            .filter_map(|r| text(&r["Properties"]["GroupName"]).map(str::to_string))
            .collect())
    }
}

/// A string property, looking through tags.
pub fn string(value: &Value) -> Option<&str> {
    text(value)
}

/// A list of strings, looking through tags. The local stack is the `dev` stage: an item
/// `!If [IsDev, X, …]` is X; an item under any other condition is left out.
pub fn strings(value: &Value) -> Vec<String> {
    untag(value).as_sequence().map(|items| items.iter().filter_map(dev_item).map(str::to_string).collect()).unwrap_or_default()
}

fn dev_item(item: &Value) -> Option<&str> {
    match item {
        Value::Tagged(tagged) if tagged.tag == "If" => match tagged.value.as_sequence().map(Vec::as_slice) {
            Some([condition, then, _]) if text(condition) == Some("IsDev") => text(then),
            _ => None,
        },
        other => text(other),
    }
}
