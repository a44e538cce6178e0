// accept-invitation: looks the invitation up; a new person sets a password, a person with an
// account signs in (Cognito's SRP flow, answering an MFA challenge) and joins.
"use strict";

Portal.run(async () => {
  const $ = (id) => document.getElementById(id);
  const page = "accept-invitation";
  const token = Portal.token(page);
  let t = Portal.speak(Portal.browserLanguage());
  const fail = (text) => { Portal.show($("status"), ""); Portal.show($("problem"), text); };
  if (!token) return fail(t.noToken);

  const cfg = await Portal.config();
  const lookup = await Portal.api(cfg, "/invitations/lookup", { token });
  if (lookup.status !== 200) return fail(Portal.explain(t, lookup));
  const invitation = lookup.body;
  t = Portal.speak(invitation.language);
  const expires = new Date(invitation.expiresAt).toLocaleString(invitation.language === "ja" ? "ja-JP" : "en-GB");
  Portal.show($("status"), t.expires(expires));

  const finish = (joined) => {
    Portal.forget(page);
    for (const form of document.querySelectorAll("form")) form.hidden = true;
    Portal.show($("problem"), "");
    Portal.show($("status"), "");
    Portal.show($("finished"), t.joined(joined.tenantName || invitation.tenantName));
    $("finished").focus();
  };

  if (!invitation.accountExists) {
    $("invited-to").textContent = t.invitedTo(invitation.tenantName, invitation.email);
    Portal.newPassword(cfg, t, $("set-password"), 200, (password) => Portal.api(cfg, "/invitations/accept", { token, password }), finish);
    return;
  }

  // A person with an account signs in, then joins with their ID token.
  const form = $("sign-in");
  $("join-to").textContent = t.joinTo(invitation.tenantName, invitation.email);
  $("email").value = invitation.email;
  form.hidden = false;
  $("password").focus();
  const join = async (idToken) => {
    const joined = await Portal.api(cfg, "/invitations/join", { token }, idToken);
    if (joined.status === 200) return finish(joined.body);
    Portal.show($("problem"), Portal.explain(t, joined));
  };
  const signedIn = async (answer) => {
    if (answer.status !== 200) return Portal.show($("problem"), t.signInFailed);
    if (answer.body.AuthenticationResult) return join(answer.body.AuthenticationResult.IdToken);
    // An MFA challenge: the code, then Cognito's answer again.
    const challenge = answer.body.ChallengeName;
    const codeField = { EMAIL_OTP: "EMAIL_OTP_CODE", SOFTWARE_TOKEN_MFA: "SOFTWARE_TOKEN_MFA_CODE", SMS_MFA: "SMS_MFA_CODE" }[challenge];
    if (!codeField) return Portal.show($("problem"), t.other);
    form.hidden = true;
    const step = $("challenge");
    $("code-label").textContent = challenge === "SOFTWARE_TOKEN_MFA" ? t.codeByApp : t.codeByEmail;
    step.hidden = false;
    $("code").focus();
    step.onsubmit = async (event) => {
      event.preventDefault();
      // Cognito names the user it challenges (after SRP, by its internal name); else the email.
      const username = (answer.body.ChallengeParameters || {}).USER_ID_FOR_SRP || invitation.email;
      const responses = { USERNAME: username, [codeField]: $("code").value.trim() };
      signedIn(await Portal.cognito(cfg, "RespondToAuthChallenge", {
        ClientId: cfg.clientId, ChallengeName: challenge, Session: answer.body.Session, ChallengeResponses: responses,
      }));
    };
  };
  // Sign-in by SRP: Cognito gets a proof of the password, never the password itself.
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    Portal.show($("problem"), "");
    const { a, srpA } = CognitoSrp.start();
    const challenge = await Portal.cognito(cfg, "InitiateAuth", {
      AuthFlow: "USER_SRP_AUTH", ClientId: cfg.clientId, AuthParameters: { USERNAME: invitation.email, SRP_A: srpA },
    });
    if (challenge.status !== 200 || challenge.body.ChallengeName !== "PASSWORD_VERIFIER") return signedIn(challenge);
    const responses = await CognitoSrp.claim({
      poolId: cfg.userPoolId, password: $("password").value, a, challenge: challenge.body.ChallengeParameters, at: new Date(),
    });
    signedIn(await Portal.cognito(cfg, "RespondToAuthChallenge", {
      ClientId: cfg.clientId, ChallengeName: "PASSWORD_VERIFIER", Session: challenge.body.Session, ChallengeResponses: responses,
    }));
  });
});
