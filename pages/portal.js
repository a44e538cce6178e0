// What the link pages share: their texts in both languages, the token of the link, the
// password policy as the person types, and calls to the API and to Cognito. No dependency.
"use strict";

const Portal = (() => {
  const texts = {
    en: {
      acceptTitle: "Accept your invitation", resetTitle: "Choose a new password", loading: "Loading…",
      newPassword: "New password", repeatPassword: "Repeat the password", setPassword: "Set password and join",
      email: "Email", password: "Password", signInToJoin: "Sign in and join", code: "Code", verify: "Verify",
      savePassword: "Save the new password",
      invitedTo: (tenant, email) => `You are invited to ${tenant} as ${email}. Choose a password for your account.`,
      joinTo: (tenant, email) => `You are invited to ${tenant}. You already have an account as ${email}: sign in with your password to join.`,
      expires: (at) => `The invitation expires at ${at}.`,
      joined: (tenant) => `You are now a member of ${tenant}. You can sign in to the portal.`,
      passwordSaved: "Your new password is saved. Sign in to the portal with it.",
      codeByEmail: "Enter the code we emailed you", codeByApp: "Enter the code from your authenticator app",
      mismatch: "The two passwords differ.", rejected: (why) => `Cognito refused this password: ${why}`,
      noToken: "This page needs the link from your email. Open the link again.",
      token_invalid: "This link was already used, or a newer email replaced it. Ask your administrator to send a new one.",
      token_expired: "This link has expired. Ask your administrator to send a new one.",
      wrong_account: "You signed in as someone else than the person invited. Sign in with the invited email address.",
      sign_in_required: "You already have an account: sign in to join.",
      rate_limited: "Too many attempts. Wait a moment and try again.",
      signInFailed: "The email or the password is wrong.",
      upstream_unavailable: "The service is unavailable right now. Try again in a moment.",
      other: "Something went wrong. Try again, or ask your administrator.",
      rules: { length: (n) => `At least ${n} characters`, lower: "A lowercase letter", upper: "An uppercase letter", number: "A number", symbol: "A symbol", spaces: "No space at the start or the end" },
      rulesLabel: "Password rules",
    },
    ja: {
      acceptTitle: "招待を受ける", resetTitle: "新しいパスワードの設定", loading: "読み込んでいます…",
      newPassword: "新しいパスワード", repeatPassword: "パスワード（確認）", setPassword: "パスワードを設定して参加",
      email: "メールアドレス", password: "パスワード", signInToJoin: "サインインして参加", code: "コード", verify: "確認",
      savePassword: "新しいパスワードを保存",
      invitedTo: (tenant, email) => `${tenant} に ${email} として招待されています。アカウントのパスワードを設定してください。`,
      joinTo: (tenant, email) => `${tenant} に招待されています。${email} のアカウントをお持ちです。パスワードでサインインして参加してください。`,
      expires: (at) => `招待の有効期限: ${at}`,
      joined: (tenant) => `${tenant} のメンバーになりました。ポータルにサインインできます。`,
      passwordSaved: "新しいパスワードを保存しました。このパスワードでポータルにサインインしてください。",
      codeByEmail: "メールでお送りしたコードを入力してください", codeByApp: "認証アプリのコードを入力してください",
      mismatch: "2つのパスワードが一致しません。", rejected: (why) => `このパスワードは使用できません: ${why}`,
      noToken: "このページはメールのリンクから開いてください。もう一度リンクを開いてください。",
      token_invalid: "このリンクは使用済みか、新しいメールで置き換えられています。管理者に再送を依頼してください。",
      token_expired: "このリンクの有効期限が切れています。管理者に再送を依頼してください。",
      wrong_account: "招待された方とは別のアカウントでサインインしています。招待されたメールアドレスでサインインしてください。",
      sign_in_required: "すでにアカウントをお持ちです。サインインして参加してください。",
      rate_limited: "試行回数が多すぎます。しばらく待ってからもう一度お試しください。",
      signInFailed: "メールアドレスまたはパスワードが正しくありません。",
      upstream_unavailable: "ただいまサービスを利用できません。しばらくしてからもう一度お試しください。",
      other: "問題が発生しました。もう一度お試しいただくか、管理者にお問い合わせください。",
      rules: { length: (n) => `${n} 文字以上`, lower: "英小文字を含む", upper: "英大文字を含む", number: "数字を含む", symbol: "記号を含む", spaces: "先頭と末尾に空白を含まない" },
      rulesLabel: "パスワードの条件",
    },
  };

  /** The browser's language, when the page has no person's language to go by. */
  function browserLanguage() {
    return (navigator.languages || [navigator.language]).some((l) => String(l).toLowerCase().startsWith("ja")) ? "ja" : "en";
  }

  /** Words the page in `language`; returns its texts. */
  function speak(language) {
    const t = texts[language] || texts.en;
    document.documentElement.lang = language;
    for (const element of document.querySelectorAll("[data-text]")) {
      const text = t[element.dataset.text];
      if (typeof text === "string") element.textContent = text;
    }
    for (const list of document.querySelectorAll("ul.policy")) list.setAttribute("aria-label", t.rulesLabel);
    return t;
  }

  /** The link's token: read once, then taken out of the address bar (and so out of the history,
   *  of bookmarks and of any Referer). Kept for this tab only, so that a reload still works. */
  function token(page) {
    const key = `token:${page}`;
    const fromLink = new URLSearchParams(location.search).get("token");
    if (fromLink) {
      sessionStorage.setItem(key, fromLink);
      history.replaceState(null, "", location.pathname);
    }
    return sessionStorage.getItem(key);
  }

  function forget(page) {
    sessionStorage.removeItem(`token:${page}`);
  }

  async function config() {
    const response = await fetch("config.json", { cache: "no-store" });
    return response.json();
  }

  /** POSTs JSON to the API; returns { status, body } (problem+json bodies included). */
  async function api(cfg, path, body, idToken) {
    const headers = { "content-type": "application/json" };
    if (idToken) headers.authorization = `Bearer ${idToken}`;
    const response = await fetch(`${cfg.apiUrl}${path}`, { method: "POST", headers, body: JSON.stringify(body), referrerPolicy: "no-referrer" });
    const text = await response.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch (_) { parsed = null; }
    return { status: response.status, body: parsed };
  }

  /** One call of Cognito's user-pool API (InitiateAuth, RespondToAuthChallenge). */
  async function cognito(cfg, target, body) {
    const response = await fetch(cfg.cognitoUrl, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `AWSCognitoIdentityProviderService.${target}` },
      body: JSON.stringify(body),
      referrerPolicy: "no-referrer",
    });
    return { status: response.status, body: await response.json().catch(() => ({})) };
  }

  /** The pool's password policy as a checklist under `input`, ticked as the person types. */
  function policy(cfg, t, input, list) {
    const p = cfg.passwordPolicy;
    const rules = [
      [t.rules.length(p.minimumLength), (v) => [...v].length >= p.minimumLength],
      p.requireLowercase && [t.rules.lower, (v) => /[a-z]/.test(v)],
      p.requireUppercase && [t.rules.upper, (v) => /[A-Z]/.test(v)],
      p.requireNumbers && [t.rules.number, (v) => /[0-9]/.test(v)],
      p.requireSymbols && [t.rules.symbol, (v) => /[\^$*.\[\]{}()?"!@#%&\/\\,><':;|_~`=+\-]/.test(v)],
      [t.rules.spaces, (v) => v === v.trim()],
    ].filter(Boolean);
    list.replaceChildren(...rules.map(([text]) => Object.assign(document.createElement("li"), { textContent: text })));
    const tick = () => rules.forEach(([, met], i) => list.children[i].classList.toggle("met", met(input.value)));
    input.addEventListener("input", tick);
    tick();
  }

  function show(element, text) {
    element.textContent = text;
    element.hidden = !text;
  }

  /** What a problem answer means to the person. */
  function explain(t, answer) {
    const code = answer.body && answer.body.code;
    if (code === "password_rejected") return t.rejected(answer.body.detail || "");
    return t[code] || t.other;
  }

  /** The new-password form both pages share: the policy ticked as the person types (the API
   *  says why a password is refused), the two fields compared, then `send(password)`, which
   *  answers the API's { status, body }; `done(body)` when it is `expected`. */
  function newPassword(cfg, t, form, expected, send, done) {
    const field = form.querySelector("#new-password");
    const problem = document.getElementById("problem");
    policy(cfg, t, field, form.querySelector("#policy"));
    form.hidden = false;
    field.focus();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const password = field.value;
      if (password !== form.querySelector("#repeat-password").value) return show(problem, t.mismatch);
      const button = form.querySelector("button");
      button.disabled = true;
      const answer = await send(password);
      button.disabled = false;
      if (answer.status !== expected) return show(problem, explain(t, answer));
      show(problem, "");
      done(answer.body);
    });
  }

  /** Runs a page; a call that fails outright (the network, a proxy) says so instead of leaving
   *  the page loading forever. */
  function run(page) {
    page().catch(() => {
      const t = texts[document.documentElement.lang] || texts.en;
      const status = document.getElementById("status");
      if (status) show(status, "");
      show(document.getElementById("problem"), t.upstream_unavailable);
    });
  }

  return { browserLanguage, speak, token, forget, config, api, cognito, policy, newPassword, show, explain, run };
})();
