use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::error::SdkError;
use aws_sdk_cognitoidentityprovider::operation::admin_create_user::AdminCreateUserError;
use aws_sdk_cognitoidentityprovider::operation::admin_set_user_mfa_preference::AdminSetUserMFAPreferenceError;
use aws_sdk_cognitoidentityprovider::operation::admin_set_user_password::AdminSetUserPasswordError;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, EmailMfaSettingsType, MessageActionType, SoftwareTokenMfaSettingsType, UserStatusType,
};
use aws_sdk_cognitoidentityprovider::Client;
use aws_types::sdk_config::SdkConfig;

use crate::email::Email;
use crate::error::ApiError;
use crate::ids::UserSub;
use crate::model::MfaType;
use crate::ports::{Directory, DirectoryUser};
use crate::sdk::ClientOnFirstCall;

/// How often a user that vanished between two calls is looked for again.
const ENSURE_ATTEMPTS: usize = 3;

/// Cognito user pool with email as the username attribute; its client is built at the first call.
pub struct CognitoDirectory {
    client: ClientOnFirstCall<Client>,
    user_pool_id: String,
}

impl CognitoDirectory {
    pub fn new(sdk: &SdkConfig, user_pool_id: String) -> Self {
        Self { client: ClientOnFirstCall::new(sdk, Client::new), user_pool_id }
    }

    fn client(&self) -> &Client {
        self.client.get()
    }
}

fn attribute(name: &str, value: &str) -> AttributeType {
    AttributeType::builder().name(name).value(value).build().expect("name is set")
}

/// Whether the error says the user does not exist (a retried delete, a user removed by hand).
fn is_user_not_found<E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata>(error: &SdkError<E>) -> bool {
    error.as_service_error().and_then(|e| e.code()) == Some("UserNotFoundException")
}

fn sub_of(attributes: &[AttributeType], username: Option<&str>) -> Result<UserSub, ApiError> {
    attributes
        .iter()
        .find(|a| a.name() == "sub")
        .and_then(|a| a.value())
        .or(username)
        .map(UserSub::new)
        .ok_or_else(|| ApiError::upstream(std::io::Error::other("Cognito returned a user without sub")))
}

/// Whether a user has a password of the person's own: one created by an administrator has none
/// until its invitation is accepted.
fn has_password(status: Option<&UserStatusType>) -> bool {
    !matches!(status, Some(UserStatusType::ForceChangePassword) | None)
}

#[async_trait]
impl Directory for CognitoDirectory {
    async fn ensure_user(&self, email: &Email) -> Result<DirectoryUser, ApiError> {
        // A user found to exist may be deleted before it is read (its last membership went in
        // another tenant): it is then created anew.
        for _ in 0..ENSURE_ATTEMPTS {
            let created = self
                .client()
                .admin_create_user()
                .user_pool_id(&self.user_pool_id)
                .username(email.as_str())
                .user_attributes(attribute("email", email.as_str()))
                // The invitation link proves the mailbox; Cognito itself sends nothing.
                .user_attributes(attribute("email_verified", "true"))
                .message_action(MessageActionType::Suppress)
                .send()
                .await;
            match created {
                Ok(output) => {
                    let user = output.user.ok_or_else(|| ApiError::upstream(std::io::Error::other("no user returned")))?;
                    return Ok(DirectoryUser { sub: sub_of(user.attributes(), user.username())?, created: true, has_account: false });
                }
                Err(SdkError::ServiceError(e)) if matches!(e.err(), AdminCreateUserError::UsernameExistsException(_)) => {
                    // Already a person here (a member of another tenant, or a retried invite).
                    match self.client().admin_get_user().user_pool_id(&self.user_pool_id).username(email.as_str()).send().await {
                        Ok(user) => {
                            let has_account = has_password(user.user_status());
                            let sub = sub_of(user.user_attributes(), Some(user.username()))?;
                            return Ok(DirectoryUser { sub, created: false, has_account });
                        }
                        Err(e) if is_user_not_found(&e) => continue,
                        Err(e) => return Err(ApiError::upstream(e)),
                    }
                }
                Err(e) => return Err(ApiError::upstream(e)),
            }
        }
        Err(ApiError::upstream(std::io::Error::other("the user kept being deleted and created meanwhile")))
    }

    async fn set_password(&self, user: &UserSub, password: &str) -> Result<(), ApiError> {
        let result = self
            .client()
            .admin_set_user_password()
            .user_pool_id(&self.user_pool_id)
            .username(user.as_str())
            .password(password)
            .permanent(true)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Cognito refuses some passwords (white space at either end, over 256 characters) as
            // an invalid parameter rather than against the policy: the person's answer is the same.
            Err(SdkError::ServiceError(e))
                if matches!(
                    e.err(),
                    AdminSetUserPasswordError::InvalidPasswordException(_) | AdminSetUserPasswordError::InvalidParameterException(_)
                ) =>
            {
                let reason = e.err().meta().message().unwrap_or("the password does not meet the policy");
                Err(ApiError::PasswordRejected(reason.to_string()))
            }
            Err(e) => Err(ApiError::upstream(e)),
        }
    }

    async fn is_registered(&self, email: &Email) -> Result<bool, ApiError> {
        match self.client().admin_get_user().user_pool_id(&self.user_pool_id).username(email.as_str()).send().await {
            Ok(user) => Ok(has_password(user.user_status())),
            Err(e) if is_user_not_found(&e) => Ok(false),
            Err(e) => Err(ApiError::upstream(e)),
        }
    }

    async fn has_account(&self, user: &UserSub) -> Result<bool, ApiError> {
        let found = self.client().admin_get_user().user_pool_id(&self.user_pool_id).username(user.as_str()).send().await;
        match found {
            Ok(user) => Ok(has_password(user.user_status())),
            Err(e) if is_user_not_found(&e) => Ok(false),
            Err(e) => Err(ApiError::upstream(e)),
        }
    }

    async fn email_of(&self, user: &UserSub) -> Result<Option<Email>, ApiError> {
        match self.client().admin_get_user().user_pool_id(&self.user_pool_id).username(user.as_str()).send().await {
            Ok(found) => {
                let email = found.user_attributes().iter().find(|a| a.name() == "email").and_then(|a| a.value());
                Ok(email.and_then(|e| Email::parse(e).ok()))
            }
            Err(e) if is_user_not_found(&e) => Ok(None),
            Err(e) => Err(ApiError::upstream(e)),
        }
    }

    async fn mfa_enabled(&self, user: &UserSub) -> Result<bool, ApiError> {
        match self.client().admin_get_user().user_pool_id(&self.user_pool_id).username(user.as_str()).send().await {
            Ok(user) => Ok(user.preferred_mfa_setting().is_some_and(|p| !p.is_empty()) || !user.user_mfa_setting_list().is_empty()),
            Err(e) if is_user_not_found(&e) => Ok(false),
            Err(e) => Err(ApiError::upstream(e)),
        }
    }

    async fn groups_of(&self, user: &UserSub) -> Result<Vec<String>, ApiError> {
        let mut groups = Vec::new();
        let mut next = None;
        loop {
            let page = self
                .client()
                .admin_list_groups_for_user()
                .user_pool_id(&self.user_pool_id)
                .username(user.as_str())
                .set_next_token(next)
                .send()
                .await;
            let page = match page {
                Ok(page) => page,
                Err(e) if is_user_not_found(&e) => return Ok(Vec::new()),
                Err(e) => return Err(ApiError::upstream(e)),
            };
            groups.extend(page.groups().iter().filter_map(|g| g.group_name().map(str::to_string)));
            next = page.next_token;
            if next.is_none() {
                return Ok(groups);
            }
        }
    }

    async fn sign_out_everywhere(&self, user: &UserSub) -> Result<(), ApiError> {
        match self.client().admin_user_global_sign_out().user_pool_id(&self.user_pool_id).username(user.as_str()).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_user_not_found(&e) => Ok(()),
            Err(e) => Err(ApiError::upstream(e)),
        }
    }

    async fn delete_user(&self, user: &UserSub) -> Result<(), ApiError> {
        match self.client().admin_delete_user().user_pool_id(&self.user_pool_id).username(user.as_str()).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_user_not_found(&e) => Ok(()),
            Err(e) => Err(ApiError::upstream(e)),
        }
    }

    async fn enable_mfa(&self, user: &UserSub) -> Result<MfaType, ApiError> {
        // Cognito refuses the authenticator app unless the person verified one: that refusal is
        // how we learn they have none, and email (the default) is used instead.
        let app = self
            .client()
            .admin_set_user_mfa_preference()
            .user_pool_id(&self.user_pool_id)
            .username(user.as_str())
            .software_token_mfa_settings(SoftwareTokenMfaSettingsType::builder().enabled(true).preferred_mfa(true).build())
            .send()
            .await;
        match app {
            Ok(_) => return Ok(MfaType::AuthenticatorApp),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), AdminSetUserMFAPreferenceError::InvalidParameterException(_)) => {}
            Err(e) => return Err(ApiError::upstream(e)),
        }
        self.client()
            .admin_set_user_mfa_preference()
            .user_pool_id(&self.user_pool_id)
            .username(user.as_str())
            .email_mfa_settings(EmailMfaSettingsType::builder().enabled(true).preferred_mfa(true).build())
            .send()
            .await
            .map_err(ApiError::upstream)?;
        Ok(MfaType::Email)
    }

    /// Switches off only the factors the person has on: Cognito is reported to refuse disabling
    /// a factor a user never set up, which would make "MFA off" fail for every email-MFA member.
    async fn disable_mfa(&self, user: &UserSub) -> Result<(), ApiError> {
        let factors = match self.client().admin_get_user().user_pool_id(&self.user_pool_id).username(user.as_str()).send().await {
            Ok(found) => found.user_mfa_setting_list().to_vec(),
            Err(e) if is_user_not_found(&e) => return Ok(()),
            Err(e) => return Err(ApiError::upstream(e)),
        };
        let has = |factor: &str| factors.iter().any(|f| f == factor);
        let (app, email) = (has("SOFTWARE_TOKEN_MFA"), has("EMAIL_OTP"));
        if !app && !email {
            return Ok(());
        }
        self.client()
            .admin_set_user_mfa_preference()
            .user_pool_id(&self.user_pool_id)
            .username(user.as_str())
            .set_software_token_mfa_settings(
                app.then(|| SoftwareTokenMfaSettingsType::builder().enabled(false).preferred_mfa(false).build()),
            )
            .set_email_mfa_settings(email.then(|| EmailMfaSettingsType::builder().enabled(false).preferred_mfa(false).build()))
            .send()
            .await
            .map_err(ApiError::upstream)?;
        Ok(())
    }
}
