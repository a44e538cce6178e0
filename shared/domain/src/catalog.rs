//! The authorization tables: applications, their roles and the permissions each role grants.
//! Kept as static data so that nothing is parsed at start-up.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::error::ApiError;

#[derive(Debug, Serialize)]
pub struct Application {
    #[serde(rename = "applicationId")]
    pub id: &'static str,
    pub name: Names,
    /// Whether every member must hold one of its roles.
    pub required: bool,
    pub roles: &'static [RoleDefinition],
}

#[derive(Debug, Serialize)]
pub struct RoleDefinition {
    #[serde(rename = "roleId")]
    pub id: &'static str,
    pub name: Names,
    pub permissions: &'static [&'static str],
}

#[derive(Debug, Serialize)]
pub struct Names {
    pub en: &'static str,
    pub ja: &'static str,
}

pub const PORTAL: &str = "service-management-portal";
pub const TENANT_ADMIN: &str = "tenant-admin";
pub const PORTAL_MEMBER: &str = "member";

pub static CATALOG: &[Application] = &[
    Application {
        id: PORTAL,
        name: Names { en: "Service Management Portal", ja: "サービス管理ポータル" },
        required: true,
        roles: &[
            RoleDefinition {
                id: TENANT_ADMIN,
                name: Names { en: "Tenant Administrator", ja: "テナント管理者" },
                permissions: &[
                    "tenant:read",
                    "tenant:update",
                    "members:read",
                    "members:invite",
                    "members:update-roles",
                    "members:delete",
                    "members:resend-invitation",
                    "members:reset-password",
                    "members:set-mfa",
                    "representative:transfer",
                ],
            },
            RoleDefinition {
                id: PORTAL_MEMBER,
                name: Names { en: "Member", ja: "メンバー" },
                permissions: &["tenant:read", "profile:update"],
            },
        ],
    },
    Application {
        id: "device-management",
        name: Names { en: "Device Management", ja: "デバイス管理" },
        required: false,
        roles: &[
            RoleDefinition {
                id: "admin",
                name: Names { en: "Administrator", ja: "管理者" },
                permissions: &["devices:read", "devices:register", "devices:configure", "devices:delete", "firmware:update"],
            },
            RoleDefinition {
                id: "operator",
                name: Names { en: "Operator", ja: "オペレーター" },
                permissions: &["devices:read", "devices:configure"],
            },
            RoleDefinition { id: "viewer", name: Names { en: "Viewer", ja: "閲覧者" }, permissions: &["devices:read"] },
        ],
    },
    Application {
        id: "integrated-video-management",
        name: Names { en: "Integrated Video Management", ja: "統合映像管理" },
        required: false,
        roles: &[
            RoleDefinition {
                id: "admin",
                name: Names { en: "Administrator", ja: "管理者" },
                permissions: &["cameras:read", "cameras:configure", "live:view", "recordings:view", "recordings:export", "layouts:manage"],
            },
            RoleDefinition {
                id: "operator",
                name: Names { en: "Operator", ja: "オペレーター" },
                permissions: &["cameras:read", "live:view", "recordings:view", "recordings:export"],
            },
            RoleDefinition { id: "viewer", name: Names { en: "Viewer", ja: "閲覧者" }, permissions: &["cameras:read", "live:view"] },
        ],
    },
    Application {
        id: "cloud-video-recorder",
        name: Names { en: "Cloud Video Recorder", ja: "クラウド録画" },
        required: false,
        roles: &[
            RoleDefinition {
                id: "admin",
                name: Names { en: "Administrator", ja: "管理者" },
                permissions: &["recordings:view", "recordings:export", "recordings:delete", "retention:configure"],
            },
            RoleDefinition { id: "viewer", name: Names { en: "Viewer", ja: "閲覧者" }, permissions: &["recordings:view"] },
        ],
    },
];

/// The permissions a role grants; none for a role the catalog does not have.
pub fn permissions_of(application: &str, role: &str) -> Option<&'static [&'static str]> {
    CATALOG.iter().find(|a| a.id == application)?.roles.iter().find(|r| r.id == role).map(|r| r.permissions)
}

/// A member's roles: at most one role per application, always one in the portal.
/// Only a checked map of catalog ids can be built, so every `Roles` value is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "BTreeMap<String, String>", into = "BTreeMap<String, String>")]
pub struct Roles(BTreeMap<String, String>);

impl Roles {
    pub fn parse(raw: BTreeMap<String, String>) -> Result<Self, ApiError> {
        for (application, role) in &raw {
            let app = CATALOG
                .iter()
                .find(|a| a.id == application)
                .ok_or_else(|| ApiError::validation(format!("unknown application {application:?}")))?;
            if !app.roles.iter().any(|r| r.id == role) {
                return Err(ApiError::validation(format!("unknown role {role:?} for application {application:?}")));
            }
        }
        if let Some(app) = CATALOG.iter().find(|a| a.required && !raw.contains_key(a.id)) {
            return Err(ApiError::validation(format!("every member needs a role in {:?}", app.id)));
        }
        Ok(Self(raw))
    }

    pub fn tenant_admin() -> Self {
        Self(BTreeMap::from([(PORTAL.to_string(), TENANT_ADMIN.to_string())]))
    }

    /// A plain member of the portal, and nothing in the other applications.
    pub fn member() -> Self {
        Self(BTreeMap::from([(PORTAL.to_string(), PORTAL_MEMBER.to_string())]))
    }

    /// The same roles with the portal's role `role` (the representative keeps tenant-admin).
    pub fn with_portal_role(&self, role: &str) -> Self {
        let mut roles = self.0.clone();
        roles.insert(PORTAL.to_string(), role.to_string());
        Self(roles)
    }

    /// The roles a directory group gives: catalog roles, in any of the applications (the portal's
    /// included or not).
    pub fn parse_some(raw: BTreeMap<String, String>) -> Result<BTreeMap<String, String>, ApiError> {
        for (application, role) in &raw {
            if permissions_of(application, role).is_none() {
                return Err(ApiError::validation(format!("unknown role {role:?} for application {application:?}")));
            }
        }
        Ok(raw)
    }

    pub fn is_tenant_admin(&self) -> bool {
        self.0.get(PORTAL).is_some_and(|r| r == TENANT_ADMIN)
    }

    /// Whether the member holds `role` in `application` (the list filter `app:role`).
    pub fn has(&self, application: &str, role: &str) -> bool {
        self.0.get(application).is_some_and(|r| r == role)
    }

    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

impl TryFrom<BTreeMap<String, String>> for Roles {
    type Error = ApiError;
    fn try_from(raw: BTreeMap<String, String>) -> Result<Self, ApiError> {
        Self::parse(raw)
    }
}
impl From<Roles> for BTreeMap<String, String> {
    fn from(roles: Roles) -> Self {
        roles.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(pairs: &[(&str, &str)]) -> Result<Roles, ApiError> {
        Roles::parse(pairs.iter().map(|(a, r)| (a.to_string(), r.to_string())).collect())
    }

    #[test]
    fn the_catalog_has_the_four_applications_of_the_contract() {
        let ids: Vec<_> = CATALOG.iter().map(|a| a.id).collect();
        assert_eq!(ids, ["service-management-portal", "device-management", "integrated-video-management", "cloud-video-recorder"]);
    }

    #[test]
    fn every_member_keeps_a_portal_role() {
        assert!(roles(&[("device-management", "viewer")]).is_err());
        assert!(roles(&[]).is_err());
        assert!(roles(&[(PORTAL, PORTAL_MEMBER), ("device-management", "viewer")]).is_ok());
    }

    #[test]
    fn unknown_applications_and_roles_are_refused() {
        assert!(roles(&[(PORTAL, "owner")]).is_err());
        assert!(roles(&[(PORTAL, PORTAL_MEMBER), ("mail", "admin")]).is_err());
        assert!(roles(&[(PORTAL, PORTAL_MEMBER), ("cloud-video-recorder", "operator")]).is_err());
    }
}
