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

mod accept_invitation;
mod change_member_roles;
mod change_representative;
mod change_representative_email;
mod complete_password_reset;
mod create_tenant;
mod delete_member;
mod get_me;
mod get_member;
mod get_tenant;
mod invite_member;
mod invite_members;
mod join_tenant;
mod list_audit;
mod list_members;
mod list_my_memberships;
mod list_representative_candidates;
mod list_roles;
mod list_tenants;
mod lookup_invitation;
mod resend_invitation;
mod send_password_reset;
mod set_member_mfa;

pub use handler::{serve, Call, Handler};
pub use input::RequestParts;
pub use reply::Reply;

pub use accept_invitation::AcceptInvitation;
pub use change_member_roles::ChangeMemberRoles;
pub use change_representative::ChangeRepresentative;
pub use change_representative_email::ChangeRepresentativeEmail;
pub use complete_password_reset::CompletePasswordReset;
pub use create_tenant::CreateTenant;
pub use delete_member::DeleteMember;
pub use get_me::GetMe;
pub use get_member::GetMember;
pub use get_tenant::GetTenant;
pub use invite_member::InviteMember;
pub use invite_members::{InviteMembers, MAX_BATCH_ROWS};
pub use join_tenant::JoinTenant;
pub use list_audit::ListAudit;
pub use list_members::ListMembers;
pub use list_my_memberships::ListMyMemberships;
pub use list_representative_candidates::ListRepresentativeCandidates;
pub use list_roles::ListRoles;
pub use list_tenants::ListTenants;
pub use lookup_invitation::LookupInvitation;
pub use resend_invitation::ResendInvitation;
pub use send_password_reset::SendPasswordReset;
pub use set_member_mfa::SetMemberMfa;
