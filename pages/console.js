// The Members tab as a web console: a client of the public API and of Cognito's user-pool API
// only, as a portal team would write it. The ID and access tokens live in this page's memory;
// the refresh token alone is kept in this tab's sessionStorage, so that a reload keeps the
// session (docs/console.md says against what that holds).
"use strict";

Portal.run(async () => {
  const $ = (id) => document.getElementById(id);
  const el = (tag, { dataset = {}, ...props } = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    Object.assign(node.dataset, dataset);
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  };
  const cfg = await Portal.config();
  const state = {
    lang: Portal.browserLanguage(), tokens: null, me: null, tenants: [], current: null, applications: [],
    members: [], membersCursor: null, historyCursor: null, overview: null,
  };
  const t = () => ConsoleTexts[state.lang];
  // This tab's session across a reload: gone with the tab, never shared with another tab.
  const kept = {
    refresh: () => sessionStorage.getItem("console.refreshToken"),
    tenant: () => sessionStorage.getItem("console.tenant"),
    keep(tokens) { sessionStorage.setItem("console.refreshToken", tokens.refresh); },
    tenantIs(id) { sessionStorage.setItem("console.tenant", id); },
    forget() { sessionStorage.removeItem("console.refreshToken"); sessionStorage.removeItem("console.tenant"); },
  };

  // ---- Words ----
  function speak() {
    const words = t();
    document.documentElement.lang = state.lang;
    document.title = words.title;
    for (const node of document.querySelectorAll("[data-t]")) node.textContent = words[node.dataset.t];
    const toggle = $("language");
    toggle.textContent = words.language;
    toggle.lang = state.lang === "ja" ? "en" : "ja";
    toggle.setAttribute("aria-label", words.languageLabel);
    if (state.tokens) showTokenRoles();
    for (const select of document.querySelectorAll("select.languages")) {
      const chosen = select.value || state.lang;
      select.replaceChildren(...["ja", "en"].map((l) => el("option", { value: l, textContent: words[l] })));
      select.value = chosen;
    }
  }
  // With its zone: an administrator and the member they invite may not share one.
  const when = (at) => new Date(at).toLocaleString(state.lang === "ja" ? "ja-JP" : "en-GB", { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  const nameOf = (names) => (names ? names[state.lang] || names.en : "");
  const application = (id) => state.applications.find((a) => a.applicationId === id);
  const roleName = (appId, roleId) => {
    const role = application(appId)?.roles.find((r) => r.roleId === roleId);
    return role ? nameOf(role.name) : roleId;
  };

  // ---- Messages ----
  function notify(text) {
    Portal.show($("problem"), "");
    Portal.show($("notice"), text);
  }
  function fail(text) {
    Portal.show($("notice"), "");
    Portal.show($("problem"), text);
  }
  /** The sentence for an API or Cognito answer that failed, by its code. */
  function explain(answer) {
    const words = t().errors;
    const body = answer.body || {};
    if (body.code) return words[body.code] || words.other;
    if (String(body.message || "").includes("tenant_not_available")) return words.tenant_not_available;
    return words.other;
  }

  // ---- Calls ----
  async function call(method, path, body, headers = {}) {
    const send = () => fetch(`${cfg.apiUrl}${path}`, {
      method, referrerPolicy: "no-referrer",
      headers: { authorization: `Bearer ${state.tokens.id}`, ...(body ? { "content-type": "application/json" } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    let response = await send();
    // Tokens live minutes: one refresh, then the call again.
    if (response.status === 401 && (await refresh(currentMembership() ? state.current : null)).ok) response = await send();
    const text = await response.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch (_) { parsed = null; }
    if (response.status === 401) signOut();
    return { status: response.status, ok: response.ok, body: parsed };
  }
  /** Every page of a listing (each page is a bounded read; only `nextCursor: null` ends it). */
  async function all(path) {
    const items = [];
    let cursor = null;
    do {
      const answer = await call("GET", `${path}${path.includes("?") ? "&" : "?"}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      if (!answer.ok) return { answer, items };
      items.push(...answer.body.items);
      cursor = answer.body.nextCursor;
    } while (cursor);
    return { answer: null, items };
  }
  /** New tokens from the refresh token; for `tenantId`'s claims when given (switching tenant). */
  async function refresh(tenantId) {
    const body = { ClientId: cfg.clientId, RefreshToken: state.tokens.refresh };
    if (tenantId) body.ClientMetadata = { tenantId };
    const answer = await Portal.cognito(cfg, "GetTokensFromRefreshToken", body);
    if (answer.status !== 200) return { ok: false, answer };
    const result = answer.body.AuthenticationResult;
    state.tokens = { id: result.IdToken, access: result.AccessToken, refresh: result.RefreshToken || state.tokens.refresh };
    kept.keep(state.tokens);
    return { ok: true };
  }

  // A row's menu closes on a click anywhere else, as a menu does.
  document.addEventListener("click", (event) => {
    for (const open of document.querySelectorAll("details.actions[open]")) if (!open.contains(event.target)) open.open = false;
  });

  // ---- Dialogs: focus moves in, and back to what opened them ----
  function openDialog(dialog, opener, submit) {
    const error = dialog.querySelector(".error");
    if (error) Portal.show(error, "");
    dialog.opener = opener;
    dialog.querySelector("form").onsubmit = async (event) => {
      event.preventDefault();
      // While it runs, nothing is sent twice; Cancel still leaves.
      const busy = [...dialog.querySelectorAll("button:not(.cancel)")].filter((b) => !b.disabled);
      busy.forEach((b) => { b.disabled = true; });
      const outcome = await submit();
      // `false`: the dialog stays, its buttons as the handler left them.
      if (outcome !== false) busy.forEach((b) => { b.disabled = false; });
      if (typeof outcome === "string") return Portal.show(error, outcome);
      if (outcome !== false) dialog.close();
    };
    dialog.showModal();
  }
  for (const dialog of document.querySelectorAll("dialog")) {
    // A row drawn anew after the change: its new menu; a row gone: the Invite button.
    dialog.addEventListener("close", () => {
      const opener = dialog.opener;
      if (!opener) return;
      const again = opener.isConnected ? opener
        : opener.dataset.tokenId ? $("token-create") : document.querySelector(`tr[data-member-id="${opener.dataset.memberId}"] summary`);
      (again || $("invite")).focus();
    });
    for (const cancel of dialog.querySelectorAll(".cancel")) cancel.addEventListener("click", () => dialog.close());
  }
  function confirmDialog(opener, text, note, action) {
    $("confirm-text").textContent = text;
    Portal.show($("confirm-note"), note || "");
    openDialog($("confirm-dialog"), opener, action);
  }

  // ---- Sign-in (SRP: Cognito gets a proof of the password, never the password) ----
  let challenge = null;
  $("sign-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    Portal.show($("problem"), "");
    const email = $("email").value.trim();
    const { a, srpA } = CognitoSrp.start();
    const started = await Portal.cognito(cfg, "InitiateAuth", { AuthFlow: "USER_SRP_AUTH", ClientId: cfg.clientId, AuthParameters: { USERNAME: email, SRP_A: srpA } });
    if (started.status !== 200 || started.body.ChallengeName !== "PASSWORD_VERIFIER") return answered(started, email);
    const responses = await CognitoSrp.claim({ poolId: cfg.userPoolId, password: $("password").value, a, challenge: started.body.ChallengeParameters, at: new Date() });
    answered(await Portal.cognito(cfg, "RespondToAuthChallenge", { ClientId: cfg.clientId, ChallengeName: "PASSWORD_VERIFIER", Session: started.body.Session, ChallengeResponses: responses }), email);
  });
  $("challenge").addEventListener("submit", async (event) => {
    event.preventDefault();
    const { name, field, session, username } = challenge;
    answered(await Portal.cognito(cfg, "RespondToAuthChallenge", {
      ClientId: cfg.clientId, ChallengeName: name, Session: session, ChallengeResponses: { USERNAME: username, [field]: $("code").value.trim() },
    }), username);
  });
  function answered(answer, email) {
    if (answer.status !== 200) return fail(challenge ? t().codeFailed : t().signInFailed);
    if (answer.body.AuthenticationResult) {
      const r = answer.body.AuthenticationResult;
      state.tokens = { id: r.IdToken, access: r.AccessToken, refresh: r.RefreshToken };
      kept.keep(state.tokens);
      challenge = null;
      $("password").value = "";
      $("code").value = "";
      return signedIn();
    }
    const field = { EMAIL_OTP: "EMAIL_OTP_CODE", SOFTWARE_TOKEN_MFA: "SOFTWARE_TOKEN_MFA_CODE" }[answer.body.ChallengeName];
    if (!field) return fail(t().errors.other);
    challenge = { name: answer.body.ChallengeName, field, session: answer.body.Session, username: (answer.body.ChallengeParameters || {}).USER_ID_FOR_SRP || email };
    $("sign-in").hidden = true;
    $("code-label").textContent = field === "SOFTWARE_TOKEN_MFA_CODE" ? t().codeByApp : t().codeByEmail;
    $("challenge").hidden = false;
    $("code").focus();
  }
  function signOut() {
    kept.forget();
    state.tokens = null;
    state.current = null;
    challenge = null;
    $("tenant-view").hidden = true;
    for (const id of ["tenant", "sign-out"]) $(id).hidden = true;
    document.querySelector("label[for=tenant]").hidden = true;
    $("who").textContent = "";
    // The next person at this screen starts from an empty form.
    $("sign-in").reset();
    $("sign-in").hidden = false;
    $("challenge").hidden = true;
    $("sign-in-view").hidden = false;
    $("email").focus();
  }
  // Signing out ends the session at Cognito too: its refresh token renews nothing more, should it
  // have been copied. Not awaited: the screen signs out at once, whatever Cognito answers.
  $("sign-out").addEventListener("click", () => {
    notify("");
    if (state.tokens) Portal.cognito(cfg, "RevokeToken", { ClientId: cfg.clientId, Token: state.tokens.refresh }).catch(() => {});
    signOut();
  });

  // ---- The tenants the person may open ----
  async function signedIn() {
    const [me, memberships, managed, roles] = await Promise.all([
      call("GET", "/me"), all("/me/memberships"), all("/tenants"), call("GET", "/roles"),
    ]);
    if (!me.ok || memberships.answer || managed.answer || !roles.ok) return fail(explain([me, memberships.answer, managed.answer, roles].find((a) => a && !a.ok)));
    state.me = me.body;
    state.applications = roles.body.applications;
    const byId = new Map();
    for (const o of managed.items) byId.set(o.tenantId, { tenantId: o.tenantId, name: o.name, parentTenantId: o.parentTenantId, manager: true });
    for (const m of memberships.items) {
      const known = byId.get(m.tenantId);
      byId.set(m.tenantId, { ...(known || { tenantId: m.tenantId, name: m.tenantName, parentTenantId: null }), manager: m.manager || !!known, membership: m });
    }
    state.tenants = nested([...byId.values()]);
    $("sign-in-view").hidden = true;
    $("who").textContent = state.me.email;
    for (const id of ["tenant", "sign-out"]) $(id).hidden = false;
    document.querySelector("label[for=tenant]").hidden = false;
    fillTenantSelects();
    if (!state.tenants.length) {
      $("tenant-view").hidden = !state.me.operator;
      if (!state.me.operator) return fail(t().noTenant);
      return showTenant(null);
    }
    const first = state.tenants.find((x) => x.tenantId === kept.tenant()) || state.tenants.find((x) => x.membership?.manager)
      || state.tenants.find((x) => x.manager) || state.tenants[0];
    await switchTenant(first.tenantId);
  }
  /** Parents before children, each child indented under its parent. */
  function nested(tenants) {
    const ids = new Set(tenants.map((x) => x.tenantId));
    const children = (parent) => tenants.filter((x) => (ids.has(x.parentTenantId) ? x.parentTenantId : null) === parent).sort((a, b) => a.name.localeCompare(b.name));
    const walk = (parent, depth) => children(parent).flatMap((x) => [{ ...x, depth }, ...walk(x.tenantId, depth + 1)]);
    return walk(null, 0);
  }
  function fillTenantSelects() {
    const option = (x) => el("option", { value: x.tenantId, textContent: `${"— ".repeat(x.depth)}${x.name}` });
    $("tenant").replaceChildren(...state.tenants.map(option));
    if (state.current) $("tenant").value = state.current;
    $("new-tenant-parent").replaceChildren(el("option", { value: "", textContent: t().noParent }), ...state.tenants.filter((x) => x.manager).map(option));
  }
  const currentTenant = () => state.tenants.find((x) => x.tenantId === state.current);
  const currentMembership = () => currentTenant()?.membership;
  $("tenant").addEventListener("change", () => switchTenant($("tenant").value));

  /** Opens a tenant; where the person is a member, their tokens now speak for it. */
  async function switchTenant(tenantId) {
    state.current = tenantId;
    kept.tenantIs(tenantId);
    $("tenant").value = tenantId;
    if (currentMembership()) {
      const switched = await refresh(tenantId);
      if (!switched.ok) return fail(explain(switched.answer));
    }
    showTenant(currentTenant());
  }
  /** The claims of the ID token (shown only; the API checks every call itself). */
  function claims() {
    const payload = state.tokens.id.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0))));
  }
  /** What the applications will read from the tokens: the roles they carry for this tenant. */
  function showTokenRoles() {
    const token = claims();
    const raw = token.tenant_id === state.current ? token.tenant_roles : null;
    // A map claim, which Cognito may also give as its JSON text.
    const roles = typeof raw === "string" ? JSON.parse(raw) : raw;
    Portal.show($("token-roles"), roles ? t().tokenRoles(Object.entries(roles).map(([app, role]) => `${nameOf(application(app)?.name) || app}: ${roleName(app, role)}`).join(", ")) : "");
  }
  function showTenant(tenant) {
    notify("");
    showTokenRoles();
    $("tenant-view").hidden = false;
    $("tenant-name").textContent = tenant ? tenant.name : "";
    const manager = !!tenant?.manager;
    $("not-manager").hidden = !tenant || manager;
    for (const tab of ["members", "overview", "history", "directory"]) $(`tab-${tab}`).hidden = !manager;
    $("tab-tenants").hidden = !state.me.operator;
    const first = manager ? "members" : state.me.operator ? "tenants" : null;
    for (const panel of document.querySelectorAll("[role=tabpanel]")) panel.hidden = true;
    if (first) selectTab(first);
  }
  function selectTab(name) {
    notify(""); // a notice speaks of the tab it was given on
    for (const tab of document.querySelectorAll("[role=tab]")) {
      const chosen = tab.id === `tab-${name}`;
      tab.setAttribute("aria-selected", String(chosen));
      tab.tabIndex = chosen ? 0 : -1;
    }
    for (const panel of document.querySelectorAll("[role=tabpanel]")) panel.hidden = panel.id !== name;
    ({ members: loadMembers, overview: loadOverview, history: loadHistory, directory: loadDirectory, tenants: () => {} })[name]();
  }
  for (const tab of document.querySelectorAll("[role=tab]")) {
    tab.addEventListener("click", () => selectTab(tab.id.slice(4)));
    // Arrow keys move between the tabs, as the WAI-ARIA tabs pattern has it.
    tab.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
      const tabs = [...document.querySelectorAll("[role=tab]")].filter((x) => !x.hidden);
      const next = tabs[(tabs.indexOf(tab) + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
      next.focus();
      selectTab(next.id.slice(4));
    });
  }
  const tenantPath = (rest = "") => `/tenants/${encodeURIComponent(state.current)}${rest}`;

  // ---- Members ----
  function fillFilters() {
    const words = t();
    const status = $("filter-status").value;
    $("filter-status").replaceChildren(el("option", { value: "", textContent: words.any }), ...["invited", "expired", "active", "suspended"].map((s) => el("option", { value: s, textContent: words.status[s] })));
    $("filter-status").value = status;
    const role = $("filter-role").value;
    $("filter-role").replaceChildren(el("option", { value: "", textContent: words.any }), ...state.applications.flatMap((a) =>
      a.roles.map((r) => el("option", { value: `${a.applicationId}:${r.roleId}`, textContent: `${nameOf(a.name)}: ${nameOf(r.name)}` }))));
    $("filter-role").value = role;
  }
  async function loadMembers(more = false) {
    if (!more) { state.members = []; state.membersCursor = null; }
    const query = new URLSearchParams({ limit: "50" });
    for (const [key, id] of [["status", "filter-status"], ["role", "filter-role"], ["q", "filter-q"]]) if ($(id).value.trim()) query.set(key, $(id).value.trim());
    if (state.membersCursor) query.set("cursor", state.membersCursor);
    const answer = await call("GET", `${tenantPath("/members")}?${query}`);
    if (!answer.ok) return fail(explain(answer));
    state.members.push(...answer.body.items);
    state.membersCursor = answer.body.nextCursor;
    renderMembers();
  }
  $("filters").addEventListener("submit", (event) => { event.preventDefault(); loadMembers(); });
  $("members-more").addEventListener("click", () => loadMembers(true));
  $("members-refresh").addEventListener("click", async () => {
    await loadMembers();
    notify(t().refreshed);
  });

  function renderMembers() {
    fillFilters();
    $("member-rows").replaceChildren(...state.members.map(memberRow));
    $("members-empty").hidden = state.members.length > 0 || !!state.membersCursor;
    $("members-more").hidden = !state.membersCursor;
  }
  function memberRow(m) {
    const words = t();
    const self = currentMembership()?.memberId === m.memberId;
    const statusText = ["active", "suspended"].includes(m.status) ? words.status[m.status]
      : `${words.status[m.status]} (${(m.status === "invited" ? words.expiresAt : words.expiredAt)(when(m.invitationExpiresAt))})`;
    const marks = [
      m.representative && el("span", { className: "tag rep", textContent: words.representative }),
      self && el("span", { className: "tag", textContent: words.you }),
      m.directory && el("span", { className: "tag", textContent: words.fromDirectory }),
    ].filter(Boolean);
    const roles = el("ul", {}, ...Object.entries(m.roles).map(([app, role]) => el("li", { textContent: `${nameOf(application(app)?.name) || app}: ${roleName(app, role)}` })));
    const invitedBy = m.invitedBy?.email || words.invitedBy[m.invitedBy?.kind] || "";
    // Each cell names its column, for the narrow layout that shows a member as a card.
    const cell = (label, ...content) => el("td", { dataset: { label } }, ...content);
    return el("tr", { dataset: { memberId: m.memberId } },
      cell(words.colEmail, el("span", { className: "email", textContent: m.email }), " ", ...marks),
      cell(words.colStatus, statusText),
      cell(words.colRoles, roles),
      cell(words.colMfa, mfaSwitch(m, self)),
      cell(words.colInvitedBy, invitedBy),
      cell(words.colActions, actionsOf(m, self)));
  }
  function mfaSwitch(m, self) {
    const words = t();
    const button = el("button", { type: "button", textContent: m.mfa.enabled ? "ON" : "OFF", disabled: self || m.status !== "active" });
    button.setAttribute("role", "switch");
    button.setAttribute("aria-checked", String(m.mfa.enabled));
    button.setAttribute("aria-label", words.mfaSwitch(m.email));
    const why = self ? words.why.self : m.status !== "active" ? words.why.notActive : "";
    button.addEventListener("click", async () => {
      const answer = await call("PUT", tenantPath(`/members/${m.memberId}/mfa`), { enabled: !m.mfa.enabled });
      if (!answer.ok) return fail(explain(answer));
      Object.assign(m, answer.body);
      const updated = memberRow(m);
      button.closest("tr").replaceWith(updated);
      updated.querySelector("[role=switch]").focus();
      notify(m.mfa.enabled ? words.mfaOn(m.email, words.mfaType[m.mfa.type]) : words.mfaOffDone(m.email));
    });
    const type = el("span", { className: "mfa-type", textContent: m.mfa.enabled ? words.mfaType[m.mfa.type] : words.mfaOff });
    // Why it is off, as text (as for every other action): a tooltip reaches no keyboard or finger.
    const reason = why ? el("small", { className: "why", id: `mfa-why-${m.memberId}`, textContent: why }) : null;
    if (reason) button.setAttribute("aria-describedby", reason.id);
    return el("span", { className: "switch" }, button, type, reason);
  }
  /** The row's actions, each with why it is off, before any click. */
  function actionsOf(m, self) {
    const words = t();
    const registered = m.status === "active";
    const actions = [
      ["roles", (self && words.why.self) || (m.directory && words.why.directory), (opener) => editRoles(m, opener)],
      ["resend", registered && words.why.notInvited, (opener) => confirmDialog(opener, words.resendConfirm(m.email), "", () =>
        done(call("POST", tenantPath(`/members/${m.memberId}/invitation`), {}), words.resent(m.email)))],
      ["reset", (self && words.why.self) || (!registered && words.why.notActive), (opener) =>
        confirmDialog(opener, words.resetConfirm(m.email), m.selfServicePasswordReset ? "" : words.resetNote, () =>
          done(call("POST", tenantPath(`/members/${m.memberId}/password-reset`), {}), words.resetSent(m.email)))],
      self && m.representative && ["representative", false, (opener) => changeRepresentative(opener)],
      ["delete", (self && words.why.self) || (m.representative && words.why.representative), (opener) =>
        confirmDialog(opener, words.deleteConfirm(m.email), "", () => done(call("DELETE", tenantPath(`/members/${m.memberId}`)), words.deleted(m.email)))],
    ].filter(Boolean);
    const summary = el("summary", { textContent: "…", dataset: { memberId: m.memberId } });
    summary.setAttribute("aria-label", words.actionsOf(m.email));
    const menu = el("div", { className: "menu" });
    for (const [name, why, act] of actions) {
      const button = el("button", { type: "button", className: "secondary", textContent: words.actions[name], disabled: !!why, dataset: { action: name } });
      button.addEventListener("click", () => { details.open = false; act(summary); });
      menu.append(button);
      if (why) menu.append(el("small", { textContent: why }));
    }
    const details = el("details", { className: "actions" }, summary, menu);
    details.addEventListener("toggle", () => {
      if (!details.open) return;
      for (const other of document.querySelectorAll("details.actions[open]")) if (other !== details) other.open = false;
    });
    details.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      details.open = false;
      summary.focus();
    });
    return details;
  }
  /** After a change: its notice and the list again; or the sentence for the dialog. */
  async function done(pending, notice) {
    const answer = await pending;
    if (!answer.ok) {
      if (answer.body?.code === "version_conflict") loadMembers();
      return explain(answer);
    }
    await loadMembers();
    notify(notice);
    return true;
  }

  // ---- Roles: one select per application, the portal's required ----
  /** `unset`: what choosing no role means, for every application (a group's mapping); without
   * it, "no access", and the required application has no such choice. */
  function roleFields(container, prefix, roles, unset) {
    const words = t();
    container.replaceChildren(...state.applications.flatMap((a) => {
      const id = `${prefix}-${a.applicationId}`;
      const required = a.required && !unset;
      const select = el("select", { id, dataset: { application: a.applicationId } },
        ...(required ? [] : [el("option", { value: "", textContent: unset || words.noAccess })]),
        ...a.roles.map((r) => el("option", { value: r.roleId, textContent: nameOf(r.name) })));
      select.value = roles[a.applicationId] || (required ? a.roles[a.roles.length - 1].roleId : "");
      return [el("label", { htmlFor: id, textContent: `${nameOf(a.name)}${required ? ` (${words.required})` : ""}` }), select];
    }));
  }
  const chosenRoles = (container) => Object.fromEntries([...container.querySelectorAll("select")].filter((s) => s.value).map((s) => [s.dataset.application, s.value]));

  function editRoles(m, opener) {
    const dialog = $("roles-dialog");
    $("roles-title").textContent = t().rolesTitle(m.email);
    const fields = dialog.querySelector(".role-fields");
    roleFields(fields, "edit-role", m.roles);
    openDialog(dialog, opener, () => done(call("PUT", tenantPath(`/members/${m.memberId}/roles`), { roles: chosenRoles(fields) }, { "if-match": String(m.version) }), t().rolesSaved(m.email)));
  }

  $("invite").addEventListener("click", () => {
    const dialog = $("invite-dialog");
    const fields = dialog.querySelector(".role-fields");
    roleFields(fields, "invite-role", {});
    $("invite-email").value = "";
    $("invite-language").value = state.lang;
    $("invite-days").value = "7";
    // One key per dialog: a second click of Invite (a retry) invites once.
    const key = crypto.randomUUID();
    openDialog(dialog, $("invite"), () => {
      const email = $("invite-email").value.trim();
      const body = { email, language: $("invite-language").value, roles: chosenRoles(fields), expiresInDays: Number($("invite-days").value) };
      return done(call("POST", tenantPath("/members"), body, { "idempotency-key": key }), t().invited(email));
    });
  });

  for (const link of document.querySelectorAll(".permissions-link")) {
    link.addEventListener("click", () => {
      const words = t();
      $("permission-tables").replaceChildren(...state.applications.map((a) => el("table", {},
        el("caption", { textContent: nameOf(a.name) }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", textContent: words.colRoles }), el("th", { scope: "col", textContent: words.permissions }))),
        el("tbody", {}, ...a.roles.map((r) => el("tr", {}, el("th", { scope: "row", textContent: nameOf(r.name) }), el("td", { textContent: r.permissions.join(", ") })))))));
      // A dialog over the dialog: closing it returns to the link.
      openDialog($("permissions-dialog"), link, () => true);
    });
  }

  // ---- Bulk invitations from CSV: a dry run first, each line's outcome shown ----
  let checked = null;
  const bulkHeader = () => ["email", "language", ...state.applications.map((a) => a.applicationId)].join(",");
  const bulkExample = () => ["ana@example.com", state.lang, ...state.applications.map((a, i) => (i === 0 ? a.roles[a.roles.length - 1]?.roleId : "") || "")].join(",");
  /** What people obviously mean: a language or a role by its id or its name, in any case. */
  const fold = (text) => String(text || "").trim().toLowerCase();
  const LANGUAGES = { en: ["en", "english", "英語"], ja: ["ja", "japanese", "日本語"] };
  const languageOf = (cell) => Object.keys(LANGUAGES).find((l) => LANGUAGES[l].includes(fold(cell)));
  const roleOf = (app, cell) => app.roles.find((r) => [r.roleId, r.name.en, r.name.ja].map(fold).includes(fold(cell)))?.roleId;
  /** The lines as rows to send, or, for each line that cannot be one, which field and what it takes. */
  function csvRows() {
    const words = t();
    const lines = $("bulk-csv").value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    const cells = (line) => line.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
    let columns = state.applications.map((a) => a.applicationId);
    if (lines[0] && fold(cells(lines[0])[0]) === "email") columns = cells(lines.shift()).slice(2);
    return lines.map((line) => {
      const [email, language, ...roles] = cells(line);
      const problems = [];
      // The service decides what an address is; this names the obvious mistake before asking it.
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email || "")) problems.push(words.badEmail(email));
      const lang = languageOf(language);
      if (!lang) problems.push(words.badLanguage(language));
      const chosen = [];
      columns.forEach((appId, i) => {
        const app = application(appId);
        if (!app) return problems.push(words.badApplication(appId));
        if (!fold(roles[i]) || ["none", "-", words.noAccess.toLowerCase()].includes(fold(roles[i]))) return;
        const role = roleOf(app, roles[i]);
        if (role) chosen.push([appId, role]);
        else problems.push(words.badRole(nameOf(app.name), roles[i], app.roles.map((r) => r.roleId)));
      });
      return { row: { email, language: lang, roles: Object.fromEntries(chosen) }, problem: problems.join(" ") };
    });
  }
  function showOutcomes(items, dryRun) {
    const words = t();
    const table = $("bulk-results");
    table.querySelector("tbody").replaceChildren(...items.map((item, i) => el("tr", {},
      el("td", { textContent: String(i + 1) }), el("td", { textContent: item.email }),
      el("td", { textContent: item.status === 201 ? (dryRun ? words.wouldInvite : words.bulkInvited) : item.problem || explain({ body: item.error }), className: item.status === 201 ? "" : "error" }))));
    table.hidden = false;
  }
  /** The batch sent (or checked): each line's outcome, the lines that cannot be rows named with
   *  what is wrong and never sent; or the sentence of what stopped it. */
  async function sendBatch(dryRun) {
    const lines = csvRows();
    const valid = lines.filter((l) => !l.problem);
    let answered = [];
    if (valid.length) {
      const answer = await call("POST", tenantPath("/members/batch"), { items: valid.map((l) => l.row), dryRun }, dryRun ? {} : { "idempotency-key": checked.key });
      if (!answer.ok) return explain(answer);
      answered = answer.body.items;
    }
    let next = 0;
    const items = lines.map((l) => (l.problem ? { email: l.row.email, status: 400, problem: l.problem } : answered[next++]));
    showOutcomes(items, dryRun);
    return items;
  }
  $("bulk").addEventListener("click", () => {
    const words = t();
    $("bulk-csv").value = "";
    $("bulk-file").value = "";
    $("bulk-results").hidden = true;
    $("bulk-send").disabled = true;
    $("bulk-format").textContent = `${bulkHeader()}\n${bulkExample()}`;
    $("bulk-template").href = `data:text/csv;charset=utf-8,${encodeURIComponent(`${bulkHeader()}\n${bulkExample()}\n`)}`;
    $("bulk-roles").textContent = state.applications.map((a) => words.rolesOf(nameOf(a.name), a.roles.map((r) => r.roleId))).join(" ");
    checked = null;
    openDialog($("bulk-dialog"), $("bulk"), async () => {
      const sent = await sendBatch(false);
      if (typeof sent === "string") return sent;
      checked = null;
      const invited = sent.filter((i) => i.status === 201).length;
      loadMembers().then(() => notify(t().bulkDone(invited, sent.length - invited)));
      // Every line invited: done. Otherwise the lines that were not stay in view, nothing to send again.
      if (invited === sent.length) return true;
      $("bulk-dry-run").disabled = false;
      Portal.show($("bulk-dialog").querySelector(".error"), t().bulkDone(invited, sent.length - invited));
      return false;
    });
  });
  $("bulk-csv").addEventListener("input", () => { $("bulk-send").disabled = true; checked = null; });
  $("bulk-file").addEventListener("change", async () => {
    const file = $("bulk-file").files[0];
    if (file) $("bulk-csv").value = await file.text();
    $("bulk-send").disabled = true;
  });
  $("bulk-dry-run").addEventListener("click", async () => {
    const error = $("bulk-dialog").querySelector(".error");
    Portal.show(error, "");
    const items = await sendBatch(true);
    if (typeof items === "string") return Portal.show(error, items);
    checked = { key: crypto.randomUUID() };
    $("bulk-send").disabled = !items.some((i) => i.status === 201);
  });

  // ---- The representative ----
  async function changeRepresentative(opener) {
    const dialog = $("representative-dialog");
    const answer = await call("GET", tenantPath("/representative/candidates"));
    if (!answer.ok) return fail(explain(answer));
    const candidates = answer.body.items;
    $("candidates").replaceChildren(el("legend", { textContent: t().chooseRepresentative }), ...candidates.map((c, i) =>
      el("label", {}, el("input", { type: "radio", name: "candidate", value: c.memberId, checked: i === 0 }), c.email)));
    $("candidates").hidden = !candidates.length;
    $("no-candidates").hidden = candidates.length > 0;
    $("representative-update").hidden = !candidates.length;
    openDialog(dialog, opener, async () => {
      const chosen = dialog.querySelector("input[name=candidate]:checked");
      const email = candidates.find((c) => c.memberId === chosen.value).email;
      return done(call("PUT", tenantPath("/representative"), { memberId: chosen.value }), t().representativeChanged(email));
    });
  }

  // ---- Overview ----
  async function loadOverview() {
    const answer = await call("GET", tenantPath());
    if (!answer.ok) return fail(explain(answer));
    const o = (state.overview = answer.body);
    const words = t();
    const parent = state.tenants.find((x) => x.tenantId === o.parentTenantId);
    const rows = [
      [words.overviewName, o.name], [words.overviewParent, o.parentTenantId ? parent?.name || o.parentTenantId : "—"],
      [words.overviewRepresentative, `${o.representative.email} (${words.status[o.representative.status]})`],
      [words.overviewMembers, String(o.memberCount)], [words.overviewCreated, when(o.createdAt)],
    ];
    $("overview-list").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", { textContent: k }), el("dd", { textContent: v })]));
    $("representative-email").hidden = o.representative.status === "active";
  }
  $("representative-email").addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = $("new-representative-email").value.trim();
    const answer = await call("PUT", tenantPath("/representative/email"), { email });
    if (!answer.ok) return fail(explain(answer));
    $("new-representative-email").value = "";
    await loadOverview();
    notify(t().emailChanged(email));
  });

  // ---- History: the audit trail as sentences ----
  async function loadHistory(more = false) {
    if (!more) { $("history-list").replaceChildren(); state.historyCursor = null; }
    const answer = await call("GET", `${tenantPath("/audit")}?limit=50${state.historyCursor ? `&cursor=${encodeURIComponent(state.historyCursor)}` : ""}`);
    if (!answer.ok) return fail(explain(answer));
    const words = t();
    $("history-list").append(...answer.body.items.map((entry) => {
      const actor = entry.actor.email || words.invitedBy[entry.actor.kind] || entry.actor.kind;
      const subject = entry.after?.email || entry.before?.email || "";
      const action = entry.action === "mfa_changed" ? words.mfaChanged(!!entry.after?.mfa?.enabled) : words.action[entry.action] || entry.action;
      return el("li", {}, el("time", { dateTime: entry.at, textContent: when(entry.at) }), ` ${actor} ${action} ${subject}`);
    }));
    state.historyCursor = answer.body.nextCursor;
    $("history-more").hidden = !state.historyCursor;
    $("history-empty").hidden = $("history-list").children.length > 0 || !!state.historyCursor;
  }
  $("history-more").addEventListener("click", () => loadHistory(true));

  // ---- Directory: the tenant's SCIM connection ----
  async function loadDirectory() {
    const answer = await call("GET", tenantPath("/directory"));
    if (!answer.ok) return fail(explain(answer));
    const d = answer.body;
    const words = t();
    $("scim-url").value = d.scimBaseUrl;
    $("token-rows").replaceChildren(...d.tokens.map((token) => {
      const revoke = el("button", { type: "button", className: "secondary", textContent: words.revoke, dataset: { tokenId: token.tokenId } });
      revoke.setAttribute("aria-label", words.revokeToken(token.lastFour));
      revoke.addEventListener("click", () => confirmDialog(revoke, words.revokeConfirm(token.lastFour), words.revokeNote, async () => {
        const revoked = await call("DELETE", tenantPath(`/directory/tokens/${encodeURIComponent(token.tokenId)}`));
        if (!revoked.ok) return explain(revoked);
        await loadDirectory();
        notify(words.revoked(token.lastFour));
        return true;
      }));
      const cell = (label, ...content) => el("td", { dataset: { label } }, ...content);
      return el("tr", {}, cell(words.colToken, `…${token.lastFour}`), cell(words.colCreated, when(token.createdAt)), cell(words.colExpires, when(token.expiresAt)),
        cell(words.colLastUsed, token.lastUsedAt ? when(token.lastUsedAt) : words.never), cell(words.colActions, revoke));
    }));
    $("tokens-empty").hidden = d.tokens.length > 0;
    const rolesText = (roles) => Object.entries(roles).map(([app, role]) => `${nameOf(application(app)?.name) || app}: ${roleName(app, role)}`).join(", ");
    $("default-roles").textContent = words.defaultRoles(rolesText(d.defaultRoles));
    $("group-list").replaceChildren(...d.groups.map((g) => el("li", { textContent: words.groupGives(g.displayName, g.memberCount, rolesText(g.roles) || words.groupNoRoles) })));
    $("groups-empty").hidden = d.groups.length > 0;
    state.directory = d;
  }
  $("mapping-edit").addEventListener("click", () => {
    const d = state.directory;
    const words = t();
    roleFields($("mapping-default"), "mapping-default", d.defaultRoles);
    $("mapping-groups").replaceChildren(...d.groups.map((g, i) => {
      const fields = el("div", { className: "role-fields", dataset: { groupId: g.groupId } });
      roleFields(fields, `mapping-group-${i}`, g.roles, words.notFromGroup);
      return el("fieldset", {}, el("legend", { textContent: g.displayName }), fields);
    }));
    openDialog($("mapping-dialog"), $("mapping-edit"), async () => {
      const groups = [...$("mapping-groups").querySelectorAll(".role-fields")].map((f) => ({ groupId: f.dataset.groupId, roles: chosenRoles(f) }));
      const answer = await call("PUT", tenantPath("/directory/roles"), { defaultRoles: chosenRoles($("mapping-default")), groups });
      if (!answer.ok) return explain(answer);
      await loadDirectory();
      notify(t().mappingSaved);
      return true;
    });
  });
  async function copy(input) {
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      notify(t().copied);
    } catch {
      notify(t().copyByHand);
    }
  }
  $("scim-copy").addEventListener("click", () => copy($("scim-url")));
  $("new-token-copy").addEventListener("click", () => copy($("new-token-value")));
  $("token-create").addEventListener("click", async () => {
    const answer = await call("POST", tenantPath("/directory/tokens"), {});
    if (!answer.ok) return fail(explain(answer));
    $("new-token").hidden = false;
    $("new-token-value").value = answer.body.token;
    await loadDirectory();
    notify(t().tokenCreated(answer.body.lastFour));
    $("new-token-value").focus();
  });

  // ---- Operators create tenants ----
  $("create-tenant").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: $("new-tenant-name").value.trim(), adminEmail: $("new-tenant-admin").value.trim(), adminLanguage: $("new-tenant-language").value };
    if ($("new-tenant-parent").value) body.parentTenantId = $("new-tenant-parent").value;
    const answer = await call("POST", "/tenants", body);
    if (!answer.ok) return fail(explain(answer));
    for (const id of ["new-tenant-name", "new-tenant-admin"]) $(id).value = "";
    const created = answer.body.tenant;
    state.tenants = nested([...state.tenants, { tenantId: created.tenantId, name: created.name, parentTenantId: created.parentTenantId, manager: true }]);
    fillTenantSelects();
    notify(t().tenantCreated(created.name));
  });

  $("language").addEventListener("click", () => {
    state.lang = state.lang === "ja" ? "en" : "ja";
    speak();
    if (!state.tokens) return;
    fillTenantSelects();
    // What is on screen speaks the new language at once, whether or not reading it again works.
    if (state.current) renderMembers();
    const open = document.querySelector("[role=tab][aria-selected=true]");
    if (open && !open.hidden && state.current) selectTab(open.id.slice(4));
  });

  speak();
  $("email").focus();
  // A reload: the tab's session goes on, if Cognito still renews it.
  if (kept.refresh()) {
    state.tokens = { refresh: kept.refresh() };
    if ((await refresh(null)).ok) await signedIn();
    else signOut();
  }
});
