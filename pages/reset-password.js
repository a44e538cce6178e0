// reset-password: sets the new password the administrator's email lets the person choose.
"use strict";

Portal.run(async () => {
  const $ = (id) => document.getElementById(id);
  const page = "reset-password";
  const token = Portal.token(page);
  const t = Portal.speak(Portal.browserLanguage());
  const form = $("reset");
  if (!token) {
    form.hidden = true;
    return Portal.show($("problem"), t.noToken);
  }
  const cfg = await Portal.config();
  // The rules are ticked as the person types; the API says why a password is refused.
  Portal.policy(cfg, t, $("new-password"), $("policy"));
  $("new-password").focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const password = $("new-password").value;
    if (password !== $("repeat-password").value) return Portal.show($("problem"), t.mismatch);
    form.querySelector("button").disabled = true;
    const done = await Portal.api(cfg, "/password-resets/complete", { token, password });
    form.querySelector("button").disabled = false;
    if (done.status !== 204) return Portal.show($("problem"), Portal.explain(t, done));
    Portal.forget(page);
    form.hidden = true;
    Portal.show($("problem"), "");
    Portal.show($("finished"), t.passwordSaved);
  });
});
