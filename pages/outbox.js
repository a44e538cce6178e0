// The local outbox: the emails the emulator's SES accepted, newest first.
"use strict";

(async () => {
  const emails = await (await fetch("outbox.json", { cache: "no-store" })).json();
  const rows = document.getElementById("emails");
  document.getElementById("empty").hidden = emails.length > 0;
  for (const email of emails) {
    const row = rows.insertRow();
    row.insertCell().textContent = (email.sentAt || "").replace("T", " ").slice(0, 19);
    row.insertCell().textContent = (email.to || []).join(", ");
    row.insertCell().textContent = email.subject;
    const parts = row.insertCell();
    for (const [label, href] of [["HTML", email.html], ["text", email.text]]) {
      const link = Object.assign(document.createElement("a"), { href, textContent: label });
      link.setAttribute("aria-label", `${label}: ${email.subject}`);
      parts.append(link, " ");
    }
  }
})();
