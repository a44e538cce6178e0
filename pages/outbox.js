// The local outbox: the emails the emulator's SES accepted, and the events the local bus took,
// newest first.
"use strict";

// What a member's state was and became, in a few words ("invited → active", "roles …").
const stateOf = (state) => state ? `${state.email} ${state.status}${state.representative ? " (representative)" : ""}` : "none";

(async () => {
  const events = await (await fetch("outbox/events.json", { cache: "no-store" })).json();
  const rows = document.getElementById("events");
  document.getElementById("no-events").hidden = events.length > 0;
  for (const event of events) {
    const row = rows.insertRow();
    row.insertCell().textContent = (event.time || "").replace("T", " ").slice(0, 19);
    row.insertCell().textContent = event.type;
    row.insertCell().textContent = event.tenantId;
    row.insertCell().textContent = event.memberId || "";
    row.insertCell().textContent = event.actor.kind;
    row.insertCell().textContent = `${stateOf(event.before)} → ${stateOf(event.after)}`;
  }
})();

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
