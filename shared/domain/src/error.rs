//! The one typed error of the service, with the contract's stable code of each (the HTTP status
//! and problem+json are the edge's, in `tenant_members::problem`).

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("sign in first: no valid bearer token")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    NotFound(&'static str),
    #[error("{0}")]
    ValidationFailed(String),
    #[error("this email is already a member of the tenant")]
    MemberExists,
    /// A batch row whose email an earlier row of the same batch already has.
    #[error("this email is already in an earlier row of the batch")]
    AlreadyInBatch,
    #[error("a batch takes at most {max} invitations; nothing was done")]
    BatchTooLarge { max: usize },
    #[error("{0}")]
    SelfChangeForbidden(&'static str),
    #[error("{0}")]
    RepresentativeProtected(&'static str),
    #[error("this person is an operator: their account is out of a tenant manager's reach")]
    IdentityProtected,
    #[error("this person is also a member of a tenant you do not manage, which keeps MFA on")]
    MfaRequiredElsewhere,
    #[error("this person already has an account: sign in and join with the invitation instead")]
    SignInRequired,
    #[error("this invitation was sent to another person; sign in with the invited account")]
    WrongAccount,
    #[error("{0}")]
    AlreadyRegistered(&'static str),
    #[error("the member has not completed registration")]
    NotRegistered,
    #[error("this email already belongs to a registered account or a member of this tenant")]
    EmailInUse,
    #[error("{0}")]
    NotEligible(&'static str),
    #[error("only the representative administrator can hand over the role")]
    NotRepresentative,
    /// A SCIM request the protocol refuses with its own `scimType` (`invalidFilter`,
    /// `mutability`, `invalidPath`, …): a 400.
    #[error("{detail}")]
    ScimInvalid { scim_type: &'static str, detail: String },
    /// A directory group's display name another group of the tenant has (SCIM's `uniqueness`).
    #[error("another group of this tenant has this displayName")]
    GroupNameTaken,
    /// A method the resource does not take (SCIM's discovery endpoints are read-only).
    #[error("this resource does not take this method")]
    MethodNotAllowed,
    #[error("this member's roles come from the tenant's directory: change their groups there, or the groups' roles on the Directory tab")]
    DirectoryManaged,
    #[error("the directory connection has {max} live tokens already: revoke one first")]
    TooManyTokens { max: usize },
    #[error("the member was changed by someone else; reload and try again")]
    VersionConflict,
    /// The person a new membership joins changed (their MFA, or their account is being
    /// removed) since they were read: the operation reads them again.
    #[error("the person was changed by someone else; try again")]
    PersonChanged,
    #[error("the link is not valid; ask for a new one")]
    TokenInvalid,
    /// Tokens asked for a tenant where the person is not an active member: Cognito fails the
    /// call with this message (the contract names the code in it).
    #[error("tenant_not_available: you are not an active member of this tenant")]
    TenantNotAvailable,
    #[error("the link has expired; ask for a new one")]
    TokenExpired,
    #[error("{0}")]
    PasswordRejected(String),
    #[error("too many emails; try again in {retry_after} seconds")]
    RateLimited { retry_after: u64 },
    /// A tenant's SCIM path refused too many tokens this minute (`directory::RefusalWindow`).
    #[error("too many requests with a token this tenant's directory does not hold; try again in {retry_after} seconds")]
    TooManyRefusals { retry_after: u64 },
    #[error("this Idempotency-Key was used with another request")]
    IdempotencyKeyReused,
    #[error("a request with this Idempotency-Key is still being processed; retry shortly")]
    IdempotencyInProgress,
    /// A batch's row not started: too little of the function's time was left for it.
    #[error("not started: the batch ran out of time before this row; nothing was done for it, send it again")]
    OutOfTime,
    /// The source is logged, never shown: it may name internal resources.
    #[error("a dependency failed; nothing was changed, try again")]
    Upstream(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A dependency failed after another had acted (Cognito set a password): the answer says
    /// what was done, and that the same request finishes the rest.
    #[error("{done}")]
    Unfinished {
        done: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl ApiError {
    pub fn validation(detail: impl Into<String>) -> Self {
        ApiError::ValidationFailed(detail.into())
    }

    pub fn upstream(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        ApiError::Upstream(Box::new(source))
    }

    /// `self`, said as unfinished when it is a dependency's failure after `done` was done.
    pub fn after(self, done: &'static str) -> Self {
        match self {
            ApiError::Upstream(source) | ApiError::Unfinished { source, .. } => ApiError::Unfinished { done, source },
            other => other,
        }
    }

    /// Seconds to wait before trying again, for the errors that say so (`Retry-After`).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::RateLimited { retry_after } | ApiError::TooManyRefusals { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::ValidationFailed(_) | ApiError::ScimInvalid { .. } => "validation_failed",
            ApiError::MemberExists | ApiError::AlreadyInBatch => "member_exists",
            ApiError::BatchTooLarge { .. } => "batch_too_large",
            ApiError::SelfChangeForbidden(_) => "self_change_forbidden",
            ApiError::RepresentativeProtected(_) => "representative_protected",
            ApiError::IdentityProtected => "identity_protected",
            ApiError::MfaRequiredElsewhere => "mfa_required_elsewhere",
            ApiError::SignInRequired => "sign_in_required",
            ApiError::WrongAccount => "wrong_account",
            ApiError::AlreadyRegistered(_) => "already_registered",
            ApiError::NotRegistered => "not_registered",
            ApiError::EmailInUse => "email_in_use",
            ApiError::NotEligible(_) => "not_eligible",
            ApiError::NotRepresentative => "not_representative",
            ApiError::DirectoryManaged => "directory_managed",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::GroupNameTaken => "group_exists",
            ApiError::TooManyTokens { .. } => "too_many_tokens",
            ApiError::VersionConflict | ApiError::PersonChanged => "version_conflict",
            ApiError::TokenInvalid => "token_invalid",
            ApiError::TenantNotAvailable => "tenant_not_available",
            ApiError::TokenExpired => "token_expired",
            ApiError::PasswordRejected(_) => "password_rejected",
            ApiError::RateLimited { .. } | ApiError::TooManyRefusals { .. } => "rate_limited",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::IdempotencyInProgress => "idempotency_in_progress",
            ApiError::Upstream(_) | ApiError::Unfinished { .. } | ApiError::OutOfTime => "upstream_unavailable",
        }
    }
}
