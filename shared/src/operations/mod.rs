//! The operations: one module per operation, each its `Handler` (who may call, what it takes,
//! what it does), and what they share: `scope` (access), `input` (the request's content),
//! `reply`, `links` (redeeming emailed links) and `people` (the person behind a membership).
mod handler;
mod idempotency;
pub mod input;
mod links;
pub(crate) mod people;
mod reply;
pub mod scope;

pub use handler::{serve, Call, Errors, Handler};
pub use input::RequestParts;
pub use reply::{Reply, SCIM_JSON};

pub use invite_members::MAX_BATCH_ROWS;

/// Declares every operation once: its module (`<module>.rs`), its handler re-exported, and
/// `every_operation!(m)`, which hands the handlers' list to macro `m` (the registry's).
macro_rules! operations {
    ($($module:ident::$operation:ident,)*) => {
        $(mod $module; pub use $module::$operation;)*

        macro_rules! every_operation {
            ($m:ident) => { $m! { $($operation,)* } };
        }
        pub(crate) use every_operation;
    };
}

operations! {
    create_tenant::CreateTenant,
    get_tenant::GetTenant,
    list_tenants::ListTenants,
    invite_member::InviteMember,
    invite_members::InviteMembers,
    list_members::ListMembers,
    get_member::GetMember,
    lookup_invitation::LookupInvitation,
    accept_invitation::AcceptInvitation,
    join_tenant::JoinTenant,
    list_roles::ListRoles,
    change_member_roles::ChangeMemberRoles,
    delete_member::DeleteMember,
    resend_invitation::ResendInvitation,
    send_password_reset::SendPasswordReset,
    complete_password_reset::CompletePasswordReset,
    set_member_mfa::SetMemberMfa,
    list_representative_candidates::ListRepresentativeCandidates,
    change_representative::ChangeRepresentative,
    change_representative_email::ChangeRepresentativeEmail,
    list_audit::ListAudit,
    get_me::GetMe,
    list_my_memberships::ListMyMemberships,
    get_directory::GetDirectory,
    create_directory_token::CreateDirectoryToken,
    revoke_directory_token::RevokeDirectoryToken,
    set_directory_roles::SetDirectoryRoles,
    scim::Scim,
}
