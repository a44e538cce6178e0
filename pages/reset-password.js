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
  Portal.newPassword(cfg, t, form, 204, (password) => Portal.api(cfg, "/password-resets/complete", { token, password }), () => {
    Portal.forget(page);
    form.hidden = true;
    Portal.show($("finished"), t.passwordSaved);
  });
});
