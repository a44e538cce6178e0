//! `/scim/v2/{tenantId}/…`: the tenant's SCIM 2.0 endpoint (RFC 7643/7644), through which its
//! identity provider keeps the tenant's members in step with its directory. A User is a
//! membership: created as an invitation, suspended and reactivated in this tenant only, deleted
//! as the Members tab deletes it; the person behind it stays shared.
mod discovery;
mod filter;
mod group;
mod user;

use std::collections::HashMap;
use std::sync::LazyLock;

use futures::lock::Mutex;
use serde_json::{json, Value};

use crate::app::{App, Ports};
use crate::audit::{Actor, Change};
use crate::changes;
use crate::directory::{Connection, DirectoryGroup, DirectoryToken, Refusal, RefusalWindow};
use crate::error::ApiError;
use crate::ids::{GroupId, MemberId, TenantId};
use crate::listing::MemberFilter;
use crate::model::Member;
use crate::operations::input::{Input, RequestParts};
use crate::operations::scope::Scope;
use crate::operations::set_directory_roles::MEMBERS_PER_COMMIT;
use crate::operations::{delete_member, invite_member, Call, Errors, Handler, Reply};
use crate::tokens::Token;

use filter::Filter;
use group::GroupState;
use user::UserState;

/// The most resources one list answers (`ServiceProviderConfig.filter.maxResults`).
pub const MAX_RESULTS: usize = 100;

/// A caller holding a live token of the path's tenant's directory connection: one read.
pub struct DirectoryClient {
    pub tenant_id: TenantId,
    pub token: DirectoryToken,
}

impl Scope for DirectoryClient {
    /// A token of another tenant, expired, revoked or not one of ours (a Cognito token) is
    /// refused alike, as no token at all, and counted against the tenant's refusals.
    async fn resolve(app: &App, parts: &RequestParts) -> Result<Self, ApiError> {
        let tenant_id = parts.tenant_id.as_deref().and_then(|id| TenantId::parse(id).ok()).ok_or(ApiError::Unauthenticated)?;
        let now = app.clock.now();
        let record = match parts.bearer.as_deref().and_then(|t| Token::parse(t).ok()) {
            Some(token) => app.store.get_directory_token(&token.hash()).await?,
            None => None,
        };
        match record.filter(|r| r.tenant_id == tenant_id && r.live_at(now)) {
            Some(token) => Ok(DirectoryClient { tenant_id, token }),
            None => Err(refused(app, &tenant_id, RefusalWindow::at(now, app.config.directory_refusals_per_minute)).await?),
        }
    }
}

/// Per tenant, what this instance learnt of its refusals this minute when counting stopped: a
/// full window or no connection. Its next refusals that minute cost no write.
static SETTLED: LazyLock<std::sync::Mutex<HashMap<TenantId, (i64, Refusal)>>> = LazyLock::new(Default::default);

/// The error a refused token gets on `tenant`'s path: `401`, or `429` past the window's refusals.
async fn refused(app: &App, tenant: &TenantId, window: RefusalWindow) -> Result<ApiError, ApiError> {
    let settled = |refusal: Refusal| match refusal {
        Refusal::Full => ApiError::TooManyRefusals { retry_after: window.retry_after() },
        Refusal::Counted | Refusal::Unconnected => ApiError::Unauthenticated,
    };
    let known = SETTLED.lock().expect("never poisoned").get(tenant).filter(|(minute, _)| *minute == window.minute).map(|(_, r)| *r);
    if let Some(refusal) = known {
        return Ok(settled(refusal));
    }
    let refusal = app.store.count_refusal(tenant, &window).await?;
    if refusal != Refusal::Counted {
        let mut known = SETTLED.lock().expect("never poisoned");
        known.retain(|_, (minute, _)| *minute == window.minute);
        known.insert(tenant.clone(), (window.minute, refusal));
    }
    Ok(settled(refusal))
}

/// A SCIM request: its method, the path under the tenant's base, its query and its JSON body.
pub struct ScimRequest {
    method: String,
    path: Vec<String>,
    query: Vec<(String, String)>,
    body: Option<Value>,
    if_match: Option<String>,
}

impl Input for ScimRequest {
    fn parse(parts: &RequestParts) -> Result<Self, ApiError> {
        let body = match parts.body.is_empty() {
            true => None,
            false => Some(serde_json::from_slice(&parts.body).map_err(|e| ApiError::ScimInvalid {
                scim_type: "invalidSyntax",
                detail: format!("the body is not JSON: {e}"),
            })?),
        };
        Ok(ScimRequest {
            method: parts.method.to_ascii_uppercase(),
            path: parts.scim_path.as_deref().unwrap_or_default().split('/').filter(|s| !s.is_empty()).map(str::to_string).collect(),
            query: parts.query.clone(),
            body,
            if_match: parts.if_match.as_deref().map(|v| String::from_utf8_lossy(v).into_owned()),
        })
    }
}

impl ScimRequest {
    fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn body(&self) -> Result<&Value, ApiError> {
        self.body.as_ref().ok_or_else(|| ApiError::ScimInvalid { scim_type: "invalidSyntax", detail: "a JSON body is required".into() })
    }
}

pub struct Scim;

impl Handler for Scim {
    const NAME: &'static str = "scim";
    const PORTS: Ports = Ports::ALL;
    const ERRORS: Errors = Errors::Scim;
    const MAX_BODY_BYTES: usize = 64 * 1024;
    type Scope = DirectoryClient;
    type Input = ScimRequest;

    /// The request, and beside it the token's use recorded (to the minute): a record that fails
    /// is logged and changes no answer.
    async fn handle(app: &App, call: Call<DirectoryClient, ScimRequest>) -> Result<Reply, ApiError> {
        let (token, now) = (call.scope.token.clone(), call.now);
        let recorded = async {
            if token.use_worth_recording(now) {
                if let Err(error) = app.store.record_directory_token_use(&token.hash, now).await {
                    tracing::warn!(error = %crate::log::error_chain(&error), "a directory token's use could not be recorded");
                }
            }
        };
        tokio::join!(Self::serve(app, call), recorded).0
    }
}

impl Scim {
    async fn serve(app: &App, call: Call<DirectoryClient, ScimRequest>) -> Result<Reply, ApiError> {
        let Call { scope, input, now, api_url, .. } = call;
        let base = super::get_directory::scim_base_url(&api_url, &scope.tenant_id);
        let scim = Endpoint { app, client: &scope, base: &base, now };
        let path: Vec<&str> = input.path.iter().map(String::as_str).collect();
        match (input.method.as_str(), path.as_slice()) {
            ("GET", ["ServiceProviderConfig"]) => Ok(Reply::scim(200, &discovery::service_provider_config(&base))),
            ("GET", ["ResourceTypes"]) => {
                Ok(Reply::scim(200, &discovery::list(vec![discovery::user_resource_type(&base), discovery::group_resource_type(&base)])))
            }
            ("GET", ["ResourceTypes", "User"]) => Ok(Reply::scim(200, &discovery::user_resource_type(&base))),
            ("GET", ["ResourceTypes", "Group"]) => Ok(Reply::scim(200, &discovery::group_resource_type(&base))),
            ("GET", ["Schemas"]) => Ok(Reply::scim(200, &discovery::list(vec![discovery::user_schema(&base), discovery::group_schema(&base)]))),
            ("GET", ["Schemas", id]) if *id == user::USER_SCHEMA => Ok(Reply::scim(200, &discovery::user_schema(&base))),
            ("GET", ["Schemas", id]) if *id == group::GROUP_SCHEMA => Ok(Reply::scim(200, &discovery::group_schema(&base))),
            ("GET", ["Users"]) => scim.list(&Query::of_url(&input)?).await,
            ("POST", ["Users", ".search"]) => scim.list(&Query::of_body(input.body()?)?).await,
            ("POST", [".search"]) => scim.search_all(&Query::of_body(input.body()?)?).await,
            ("POST", ["Users"]) => scim.create(input.body()?).await,
            ("GET", ["Users", id]) => {
                let member = scim.member(id).await?;
                Ok(Query::of_url(&input)?.shown(scim.user(&member), &member))
            }
            ("PUT", ["Users", id]) => {
                let member = scim.member(id).await?;
                let state = UserState::from_resource(input.body()?, member.directory.clone().unwrap_or_default().groups)?;
                scim.write(&member, state, input.if_match.as_deref()).await
            }
            ("PATCH", ["Users", id]) => {
                let member = scim.member(id).await?;
                let state = UserState::of(&member).patched(input.body()?)?;
                scim.write(&member, state, input.if_match.as_deref()).await
            }
            ("DELETE", ["Users", id]) => scim.delete(&scim.member(id).await?).await,
            ("GET", ["Groups"]) => scim.list_groups(&Query::of_url(&input)?).await,
            ("POST", ["Groups", ".search"]) => scim.list_groups(&Query::of_body(input.body()?)?).await,
            ("POST", ["Groups"]) => scim.write_group(None, GroupState::from_resource(input.body()?)?, None).await,
            ("GET", ["Groups", id]) => {
                let group = scim.group(id).await?;
                Ok(Query::of_url(&input)?.project_reply(group::resource(&group, &base), group::etag(&group)))
            }
            ("PUT", ["Groups", id]) => {
                let group = scim.group(id).await?;
                scim.write_group(Some(&group), GroupState::from_resource(input.body()?)?, input.if_match.as_deref()).await
            }
            ("PATCH", ["Groups", id]) => {
                let group = scim.group(id).await?;
                let state = GroupState::of(&group).patched(input.body()?)?;
                scim.write_group(Some(&group), state, input.if_match.as_deref()).await
            }
            ("DELETE", ["Groups", id]) => scim.delete_group(&scim.group(id).await?).await,
            ("GET", ["ResourceTypes" | "Schemas", _]) => Err(ApiError::NotFound("no such resource type or schema")),
            (_, ["ServiceProviderConfig" | "ResourceTypes" | "Schemas", ..]) => Err(ApiError::MethodNotAllowed),
            (_, ["Bulk"] | ["Me"]) => Err(ApiError::NotFound("not supported here: see /ServiceProviderConfig and /ResourceTypes")),
            _ => Err(ApiError::NotFound("no such SCIM resource")),
        }
    }
}

/// What a list asks for: a filter, a page by index, the attributes to show.
struct Query {
    filter: Option<Filter>,
    start_index: usize,
    count: usize,
    attributes: Vec<String>,
    excluded: Vec<String>,
}

fn names(raw: Option<&str>) -> Vec<String> {
    raw.map(|r| r.split(',').map(|a| filter::normalized_path(a.trim())).filter(|a| !a.is_empty()).collect()).unwrap_or_default()
}

impl Query {
    fn new(filter: Option<&str>, start: Option<i64>, count: Option<i64>, attributes: Option<&str>, excluded: Option<&str>) -> Result<Self, ApiError> {
        Ok(Query {
            filter: filter.map(Filter::parse).transpose()?,
            // RFC 7644 §3.4.2.4: below 1 is 1; a negative count is 0; above the maximum, the maximum.
            start_index: usize::try_from(start.unwrap_or(1).max(1)).unwrap_or(1),
            count: usize::try_from(count.unwrap_or(MAX_RESULTS as i64).max(0)).unwrap_or(0).min(MAX_RESULTS),
            attributes: names(attributes),
            excluded: names(excluded),
        })
    }

    fn of_url(request: &ScimRequest) -> Result<Self, ApiError> {
        let number = |name: &str| -> Result<Option<i64>, ApiError> {
            request
                .query(name)
                .map(|n| n.parse::<i64>().map_err(|_| ApiError::ScimInvalid { scim_type: "invalidValue", detail: format!("{name} is a number") }))
                .transpose()
        };
        Query::new(request.query("filter"), number("startIndex")?, number("count")?, request.query("attributes"), request.query("excludedAttributes"))
    }

    fn of_body(body: &Value) -> Result<Self, ApiError> {
        let joined = |name: &str| match &body[name] {
            Value::Array(names) => Some(names.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")),
            Value::String(names) => Some(names.clone()),
            _ => None,
        };
        Query::new(body["filter"].as_str(), body["startIndex"].as_i64(), body["count"].as_i64(), joined("attributes").as_deref(), joined("excludedAttributes").as_deref())
    }

    /// `resource` with only the attributes asked for (`id` and `schemas` always).
    fn project(&self, mut resource: Value) -> Value {
        if let Value::Object(fields) = &mut resource {
            let wanted = |key: &str| {
                let key = key.to_ascii_lowercase();
                matches!(key.as_str(), "id" | "schemas")
                    || (self.attributes.is_empty() || self.attributes.iter().any(|a| a == &key || a.starts_with(&format!("{key}."))))
                        && !self.excluded.contains(&key)
            };
            fields.retain(|key, _| wanted(key));
        }
        resource
    }

    /// The page of `matching` the query asks for, as a ListResponse.
    fn page(&self, matching: Vec<Value>) -> Reply {
        let page: Vec<Value> = matching.iter().skip(self.start_index - 1).take(self.count).map(|r| self.project(r.clone())).collect();
        Reply::scim(
            200,
            &json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": matching.len(),
                "startIndex": self.start_index,
                "itemsPerPage": page.len(),
                "Resources": page,
            }),
        )
    }

    fn shown(&self, resource: Value, member: &Member) -> Reply {
        self.project_reply(resource, user::etag(member))
    }

    fn project_reply(&self, resource: Value, etag: String) -> Reply {
        Reply::scim(200, &self.project(resource)).with_etag(etag)
    }
}

/// One request's view of the tenant's SCIM endpoint.
struct Endpoint<'a> {
    app: &'a App,
    client: &'a DirectoryClient,
    base: &'a str,
    now: time::OffsetDateTime,
}

impl Endpoint<'_> {
    fn change(&self) -> Change {
        Change::by(Actor::directory(&self.client.token.token_id), self.now)
    }

    fn user(&self, member: &Member) -> Value {
        user::resource(member, self.base)
    }

    /// The path's user; an id that is none of the tenant's members is a 404.
    async fn member(&self, id: &str) -> Result<Member, ApiError> {
        let id = MemberId::parse(id).map_err(|_| ApiError::NotFound("no such user"))?;
        self.app.store.get_member(&self.client.tenant_id, &id).await?.ok_or(ApiError::NotFound("no such user"))
    }

    /// Every member of the tenant, in id order, a page of the store at a time.
    async fn members(&self) -> Result<Vec<Member>, ApiError> {
        let mut all = Vec::new();
        let mut after = None;
        let filter = MemberFilter { now: Some(self.now), ..MemberFilter::default() };
        loop {
            let page = self.app.store.list_members(&self.client.tenant_id, after.as_ref(), MAX_RESULTS, &filter).await?;
            all.extend(page.items);
            match page.last {
                Some(last) => after = Some(last),
                None => return Ok(all),
            }
        }
    }

    async fn list(&self, query: &Query) -> Result<Reply, ApiError> {
        let candidates = match query.filter.as_ref().and_then(Filter::pinned) {
            Some(pin) => self.pinned(&pin).await?.into_iter().collect(),
            None => self.members().await?,
        };
        let users = candidates.into_iter().filter(|m| query.filter.as_ref().is_none_or(|f| f.matches(m)));
        Ok(query.page(users.map(|m| user::resource(&m, self.base)).collect()))
    }

    /// The one member a filter pins, read directly (what a client looks up before it creates:
    /// two reads, however large the tenant).
    async fn pinned(&self, pin: &filter::Pin) -> Result<Option<Member>, ApiError> {
        let tenant = &self.client.tenant_id;
        match pin {
            filter::Pin::Id(id) => self.app.store.get_member(tenant, id).await,
            filter::Pin::Email(email) => self.app.store.member_by_email(tenant, email).await,
            filter::Pin::Nobody => Ok(None),
        }
    }

    /// `POST /.search`: Users and Groups alike (RFC 7644 §3.4.3), Users first.
    async fn search_all(&self, query: &Query) -> Result<Reply, ApiError> {
        let (members, groups) = tokio::try_join!(self.members(), self.app.store.list_groups(&self.client.tenant_id))?;
        let users = members.iter().filter(|m| query.filter.as_ref().is_none_or(|f| f.matches(m))).map(|m| user::resource(m, self.base));
        let groups = groups.iter().filter(|g| query.filter.as_ref().is_none_or(|f| f.matches_group(g))).map(|g| group::resource(g, self.base));
        Ok(query.page(users.chain(groups).collect()))
    }

    /// An invitation as `POST …/members` makes it, by the directory, with the connection's
    /// roles; then suspended if the client created it inactive.
    async fn create(&self, body: &Value) -> Result<Reply, ApiError> {
        let state = UserState::from_resource(body, Vec::new())?;
        if let Some(user_name) = &state.link.user_name {
            let taken = Filter::user_name(user_name);
            if self.members().await?.iter().any(|m| taken.matches(m)) {
                return Err(ApiError::MemberExists);
            }
        }
        let tenant_id = &self.client.tenant_id;
        let (tenant, connection) = tokio::try_join!(self.app.store.get_tenant(tenant_id), self.app.store.get_connection(tenant_id))?;
        let tenant = tenant.ok_or(ApiError::NotFound("no such tenant"))?;
        let link = crate::directory::DirectoryLink { modified_at: Some(self.now), ..state.link.clone() };
        let invitation = invite_member::Invitation {
            email: state.email.clone(),
            language: link.language().unwrap_or(crate::language::Language::En),
            roles: connection.default_roles.clone(),
            expires_in_days: None,
            directory: Some(link),
        };
        let mut member = invite_member::invite(self.app, &tenant, invitation, self.change(), &Mutex::new(())).await?;
        if !state.active {
            let after = state.applied_to(&member, self.now)?;
            self.app.store.commit(&changes::directory_update(&member, &after, &self.change())).await?;
            member = after;
        }
        let location = format!("{}/Users/{}", self.base, member.member_id);
        Ok(Reply::scim(201, &self.user(&member)).with_etag(user::etag(&member)).at(location))
    }

    /// The member as the client left it, written on the version read (or named by `If-Match`).
    async fn write(&self, member: &Member, state: UserState, if_match: Option<&str>) -> Result<Reply, ApiError> {
        if if_match.is_some_and(|tag| tag.trim() != "*" && tag.trim() != user::etag(member) && tag.trim_matches('"') != member.version.to_string()) {
            return Err(ApiError::VersionConflict);
        }
        let after = state.applied_to(member, self.now)?;
        if after.revised(|_| {}) == member.revised(|_| {}) {
            return Ok(Reply::scim(200, &self.user(member)).with_etag(user::etag(member)));
        }
        self.app.store.commit(&changes::directory_update(member, &after, &self.change())).await?;
        Ok(Reply::scim(200, &self.user(&after)).with_etag(user::etag(&after)))
    }

    /// The path's group; an id that is none of the tenant's groups is a 404.
    async fn group(&self, id: &str) -> Result<DirectoryGroup, ApiError> {
        let id = GroupId::parse(id).map_err(|_| ApiError::NotFound("no such group"))?;
        self.app.store.get_group(&self.client.tenant_id, &id).await?.ok_or(ApiError::NotFound("no such group"))
    }

    async fn list_groups(&self, query: &Query) -> Result<Reply, ApiError> {
        let groups = self.app.store.list_groups(&self.client.tenant_id).await?;
        let matching = groups.iter().filter(|g| query.filter.as_ref().is_none_or(|f| f.matches_group(g)));
        Ok(query.page(matching.map(|g| group::resource(g, self.base)).collect()))
    }

    /// The group as the client left it (`before`: none for a new one), and each of its members,
    /// joining or leaving, with the roles their groups now give: the group and the first members
    /// in one transaction, the rest a few dozen a transaction (the same request sent again
    /// finishes what a failure left: members already as they should be are not written).
    async fn write_group(&self, before: Option<&DirectoryGroup>, state: GroupState, if_match: Option<&str>) -> Result<Reply, ApiError> {
        if let (Some(group), Some(tag)) = (before, if_match) {
            if tag.trim() != "*" && tag.trim() != group::etag(group) && tag.trim_matches('"') != group.version.to_string() {
                return Err(ApiError::VersionConflict);
            }
        }
        let tenant = &self.client.tenant_id;
        let (connection, members) = tokio::try_join!(self.app.store.get_connection(tenant), self.members())?;
        // A reference to no User of the tenant (one not provisioned yet, or removed since) names
        // nobody: it is left out, and the user joins once it exists and the group is sent again.
        let exists = |id: &MemberId| members.iter().any(|m| m.member_id == *id);
        let state = GroupState { members: state.members.into_iter().filter(|id| exists(id)).collect(), ..state };
        let after = DirectoryGroup {
            group_id: before.map_or_else(|| GroupId::at(self.now), |g| g.group_id.clone()),
            tenant_id: tenant.clone(),
            display_name: state.display_name,
            external_id: state.external_id,
            members: state.members.into_iter().collect(),
            created_at: before.map_or(self.now, |g| g.created_at),
            modified_at: self.now,
            version: before.map_or(1, |g| g.version + 1),
        };
        let moved = self.regrouped(&connection, &members, &after.group_id, &after.members);
        let unchanged = before.is_some_and(|b| DirectoryGroup { modified_at: b.modified_at, version: b.version, ..after.clone() } == *b);
        let (first, rest) = moved.split_at(moved.len().min(MEMBERS_PER_COMMIT));
        let group_write = if unchanged { changes::group_change(None, None, first, &self.change()) } else { changes::group_change(before, Some(&after), first, &self.change()) };
        self.app.store.commit(&group_write).await?;
        for chunk in rest.chunks(MEMBERS_PER_COMMIT) {
            self.app.store.commit(&changes::group_change(None, None, chunk, &self.change())).await?;
        }
        let shown = match before {
            Some(before) if unchanged => before,
            _ => &after,
        };
        let reply = Reply::scim(if before.is_some() { 200 } else { 201 }, &group::resource(shown, self.base)).with_etag(group::etag(shown));
        Ok(match before {
            Some(_) => reply,
            None => reply.at(format!("{}/Groups/{}", self.base, after.group_id)),
        })
    }

    /// The group gone, and each of its members without it.
    async fn delete_group(&self, group: &DirectoryGroup) -> Result<Reply, ApiError> {
        let tenant = &self.client.tenant_id;
        let (connection, members) = tokio::try_join!(self.app.store.get_connection(tenant), self.members())?;
        let moved = self.regrouped(&connection, &members, &group.group_id, &[]);
        let (first, rest) = moved.split_at(moved.len().min(MEMBERS_PER_COMMIT));
        self.app.store.commit(&changes::group_change(Some(group), None, first, &self.change())).await?;
        for chunk in rest.chunks(MEMBERS_PER_COMMIT) {
            self.app.store.commit(&changes::group_change(None, None, chunk, &self.change())).await?;
        }
        Ok(Reply::no_content())
    }

    /// Every member whose groups change with `group` (its members now `in_group`), or whose roles
    /// are not yet what their groups give: before and after.
    fn regrouped(&self, connection: &Connection, members: &[Member], group: &GroupId, in_group: &[MemberId]) -> Vec<(Member, Member)> {
        let id = group.to_string();
        members
            .iter()
            .filter(|m| in_group.contains(&m.member_id) || m.directory.as_ref().is_some_and(|d| d.groups.contains(&id)))
            .filter_map(|m| {
                let mut groups = m.directory.as_ref().map(|d| d.groups.clone()).unwrap_or_default();
                groups.retain(|g| *g != id);
                if in_group.contains(&m.member_id) {
                    groups.push(id.clone());
                    groups.sort();
                }
                changes::regrouped(connection, m, groups, self.now).map(|after| (m.clone(), after))
            })
            .collect()
    }

    /// Removed as `DELETE …/members/{memberId}` removes it; never the representative.
    async fn delete(&self, member: &Member) -> Result<Reply, ApiError> {
        crate::rules::directory_spares_representative(member)?;
        delete_member::remove(self.app, member, &self.change()).await?;
        Ok(Reply::no_content())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_bounded_as_rfc_7644_says() {
        let query = Query::new(None, Some(0), Some(1000), None, None).unwrap();
        assert_eq!((query.start_index, query.count), (1, MAX_RESULTS));
        let query = Query::new(None, Some(3), Some(-1), None, None).unwrap();
        assert_eq!((query.start_index, query.count), (3, 0));
    }

    #[test]
    fn attributes_keep_id_and_schemas_and_excluded_ones_go() {
        let resource = json!({ "schemas": [], "id": "1", "userName": "a@b.c", "name": { "givenName": "A" }, "active": true });
        let only = Query::new(None, None, None, Some("userName"), None).unwrap().project(resource.clone());
        assert_eq!(only, json!({ "schemas": [], "id": "1", "userName": "a@b.c" }));
        let without = Query::new(None, None, None, None, Some("name,active")).unwrap().project(resource);
        assert_eq!(without, json!({ "schemas": [], "id": "1", "userName": "a@b.c" }));
    }
}
