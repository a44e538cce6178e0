//! A user pool in memory.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;

use crate::email::Email;
use crate::error::ApiError;
use crate::ids::UserSub;
use crate::model::MfaType;
use crate::ports::{Directory, DirectoryUser};

#[derive(Debug, Clone)]
struct Account {
    email: Email,
    password: Option<String>,
    groups: Vec<String>,
    authenticator_app: bool,
    mfa: Option<MfaType>,
    sign_outs: u32,
}

/// The people of a user pool, in memory; it can be told to fail the next password it is asked to
/// set, as Cognito does when it throttles or refuses a password the policy's pre-check passed.
#[derive(Default)]
pub struct MemoryDirectory {
    accounts: Mutex<HashMap<UserSub, Account>>,
    next_sub: AtomicU64,
    refuse_next_password: AtomicBool,
}

impl MemoryDirectory {
    fn with<T>(&self, user: &UserSub, read: impl FnOnce(&mut Account) -> T) -> Option<T> {
        self.accounts.lock().expect("the directory's lock is never poisoned").get_mut(user).map(read)
    }

    fn find(&self, email: &Email) -> Option<(UserSub, Account)> {
        let accounts = self.accounts.lock().expect("the directory's lock is never poisoned");
        accounts.iter().find(|(_, a)| a.email == *email).map(|(sub, a)| (sub.clone(), a.clone()))
    }

    /// A new user with this email, and a password if they chose one.
    fn create(&self, email: &Email, password: Option<&str>) -> UserSub {
        let sub = UserSub::new(format!("memory-{}", self.next_sub.fetch_add(1, Ordering::Relaxed)));
        let account = Account {
            email: email.clone(),
            password: password.map(str::to_string),
            groups: Vec::new(),
            authenticator_app: false,
            mfa: None,
            sign_outs: 0,
        };
        self.accounts.lock().expect("the directory's lock is never poisoned").insert(sub.clone(), account);
        sub
    }

    pub fn refuse_next_password(&self) {
        self.refuse_next_password.store(true, Ordering::SeqCst);
    }

    /// A person who signed up with a password of their own.
    pub fn add_person(&self, email: &Email, password: &str) -> UserSub {
        self.create(email, Some(password))
    }

    pub fn add_to_group(&self, user: &UserSub, group: &str) {
        self.with(user, |a| a.groups.push(group.into()));
    }

    /// The person verified an authenticator app (Cognito's `VerifySoftwareToken`).
    pub fn verify_authenticator_app(&self, user: &UserSub) {
        self.with(user, |a| a.authenticator_app = true);
    }

    pub fn user_of(&self, email: &Email) -> Option<UserSub> {
        self.find(email).map(|(sub, _)| sub)
    }

    pub fn password_of(&self, user: &UserSub) -> Option<String> {
        self.with(user, |a| a.password.clone()).flatten()
    }

    pub fn mfa_of(&self, user: &UserSub) -> Option<MfaType> {
        self.with(user, |a| a.mfa).flatten()
    }

    /// How often every session of the person was ended.
    pub fn sign_outs_of(&self, user: &UserSub) -> u32 {
        self.with(user, |a| a.sign_outs).unwrap_or(0)
    }

    pub fn exists(&self, user: &UserSub) -> bool {
        self.with(user, |_| ()).is_some()
    }
}

fn no_such_user() -> ApiError {
    ApiError::upstream(std::io::Error::other("UserNotFoundException"))
}

#[async_trait]
impl Directory for MemoryDirectory {
    async fn ensure_user(&self, email: &Email) -> Result<DirectoryUser, ApiError> {
        if let Some((sub, account)) = self.find(email) {
            return Ok(DirectoryUser { sub, created: false, has_account: account.password.is_some() });
        }
        Ok(DirectoryUser { sub: self.create(email, None), created: true, has_account: false })
    }

    async fn set_password(&self, user: &UserSub, password: &str) -> Result<(), ApiError> {
        if self.refuse_next_password.swap(false, Ordering::SeqCst) {
            return Err(ApiError::upstream(std::io::Error::other("TooManyRequestsException")));
        }
        self.with(user, |a| a.password = Some(password.into())).ok_or_else(no_such_user)
    }

    async fn is_registered(&self, email: &Email) -> Result<bool, ApiError> {
        Ok(self.find(email).is_some_and(|(_, a)| a.password.is_some()))
    }

    async fn has_account(&self, user: &UserSub) -> Result<bool, ApiError> {
        Ok(self.with(user, |a| a.password.is_some()).unwrap_or(false))
    }

    async fn email_of(&self, user: &UserSub) -> Result<Option<Email>, ApiError> {
        Ok(self.with(user, |a| a.email.clone()))
    }

    async fn groups_of(&self, user: &UserSub) -> Result<Vec<String>, ApiError> {
        Ok(self.with(user, |a| a.groups.clone()).unwrap_or_default())
    }

    async fn mfa_enabled(&self, user: &UserSub) -> Result<bool, ApiError> {
        Ok(self.mfa_of(user).is_some())
    }

    async fn sign_out_everywhere(&self, user: &UserSub) -> Result<(), ApiError> {
        self.with(user, |a| a.sign_outs += 1);
        Ok(())
    }

    async fn delete_user(&self, user: &UserSub) -> Result<(), ApiError> {
        self.accounts.lock().expect("the directory's lock is never poisoned").remove(user);
        Ok(())
    }

    async fn enable_mfa(&self, user: &UserSub) -> Result<MfaType, ApiError> {
        self.with(user, |a| {
            let chosen = if a.authenticator_app { MfaType::AuthenticatorApp } else { MfaType::Email };
            a.mfa = Some(chosen);
            chosen
        })
        .ok_or_else(no_such_user)
    }

    async fn disable_mfa(&self, user: &UserSub) -> Result<(), ApiError> {
        self.with(user, |a| a.mfa = None).ok_or_else(no_such_user)
    }
}
