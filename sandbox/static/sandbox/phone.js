// The sandbox's browser phone: dial the centre, follow what the call says, press keys, speak,
// hang up; answer agents' softphone legs; send SMS/WhatsApp. Talks to the control API only.
"use strict";

const state = { leg: null, seen: 0, polling: null, messagesKnown: 0 };
const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new Error((data && data.error) || `HTTP ${response.status}`);
  }
  return data;
}

function item(kind, text, at) {
  const li = document.createElement("li");
  li.className = `item ${kind}`;
  const time = document.createElement("span");
  time.className = "at";
  time.textContent = at === undefined ? "" : `${at.toFixed(1)}s`;
  const label = document.createElement("span");
  label.className = "kind";
  label.textContent = kind;
  const body = document.createElement("span");
  body.className = "text";
  body.textContent = text;
  li.append(time, label, body);
  return li;
}

function showLeg(leg) {
  $("call").hidden = false;
  $("call-label").textContent = `${leg.label} · ${leg.direction}`;
  const flags = [leg.status];
  if (leg.connected) flags.push("connected");
  if (leg.listening) flags.push("listening");
  if (leg.muted) flags.push("muted");
  if (leg.earmuffed) flags.push("earmuffed");
  if (leg.conversation) flags.push(`in ${leg.conversation}`);
  $("call-status").textContent = flags.join(" · ");
  $("call-status").dataset.ended = leg.ended ? "yes" : "no";
  for (const button of document.querySelectorAll("#keypad button, #say-form button, #hangup")) {
    button.disabled = leg.ended;
  }
}

async function follow(uuid) {
  state.leg = uuid;
  state.seen = 0;
  $("screen").replaceChildren();
  const mine = uuid;
  while (state.leg === mine) {
    try {
      const leg = await api("GET", `/control/calls/${uuid}?after=${state.seen}&wait=20`);
      if (state.leg !== mine) return;
      for (const entry of leg.feed) {
        $("screen").append(item(entry.kind, entry.text, entry.at));
        state.seen = entry.seq;
      }
      $("screen").scrollTop = $("screen").scrollHeight;
      showLeg(leg);
      refreshWebhooks(uuid);
      if (leg.ended && leg.feed.length === 0) return;
    } catch (error) {
      $("screen").append(item("error", error.message));
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

async function refreshWebhooks(uuid) {
  const data = await api("GET", `/control/webhooks?leg=${uuid}`);
  const list = $("webhooks");
  list.replaceChildren();
  for (const delivery of data.deliveries) {
    const what = delivery.payload.status || delivery.kind;
    const results = delivery.attempts
      .map((a) => `${a.method} ${new URL(a.url).pathname} → ${a.status ?? a.error}`)
      .join(", ");
    list.append(item(delivery.ok ? "ok" : "failed", `${what}: ${results}`));
  }
}

async function refreshCalls() {
  try {
    const data = await api("GET", "/control/state");
    const list = $("calls");
    list.replaceChildren();
    const legs = data.calls.slice().reverse();
    for (const leg of legs) {
      const li = document.createElement("li");
      li.className = leg.ended ? "ended" : "live";
      const text = document.createElement("span");
      text.textContent = `${leg.label} (${leg.direction}) · ${leg.status}${leg.connected ? " · connected" : ""}`;
      li.append(text);
      const view = document.createElement("button");
      view.type = "button";
      view.textContent = "View";
      view.addEventListener("click", () => follow(leg.uuid));
      li.append(view);
      if (leg.ringing) {
        for (const [label, action] of [["Answer", "answer"], ["Reject", "reject"]]) {
          const button = document.createElement("button");
          button.type = "button";
          button.className = action;
          button.textContent = label;
          button.addEventListener("click", async () => {
            await api("POST", `/control/calls/${leg.uuid}/${action}`, {});
            if (action === "answer") follow(leg.uuid);
          });
          li.append(button);
        }
      }
      list.append(li);
    }
  } catch (error) {
    $("calls").replaceChildren(item("error", error.message));
  }
}

async function refreshMessages(wait) {
  const number = $("caller").value;
  const data = await api(
    "GET",
    `/control/messages?number=${number}&known=${state.messagesKnown}&wait=${wait}`,
  );
  state.messagesKnown = data.messages.length;
  const list = $("thread");
  list.replaceChildren();
  for (const message of data.messages) {
    const who = message.direction === "inbound" ? "you" : "centre";
    let note = message.statuses.join(", ");
    if (message.direction === "inbound") {
      note = `webhook answered ${message.webhook_status ?? message.webhook_error}`;
    }
    list.append(item(`${message.channel} ${who}`, `${message.text}  (${note})`));
  }
}

async function watchMessages() {
  for (;;) {
    try {
      await refreshMessages(20);
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
}

function start() {
  $("dial-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const leg = await api("POST", "/control/calls", { from: $("caller").value, to: $("centre").value });
      follow(leg.uuid);
      refreshCalls();
    } catch (error) {
      alert(error.message);
    }
  });
  for (const button of document.querySelectorAll("#keypad button")) {
    button.addEventListener("click", () => {
      if (state.leg) api("POST", `/control/calls/${state.leg}/dtmf`, { digits: button.dataset.key });
    });
  }
  $("say-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("say-text").value.trim();
    if (state.leg && text) {
      api("POST", `/control/calls/${state.leg}/speech`, { text });
      $("say-text").value = "";
    }
  });
  $("hangup").addEventListener("click", () => {
    if (state.leg) api("POST", `/control/calls/${state.leg}/hangup`, {});
  });
  $("message-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("message-text").value.trim();
    if (!text) return;
    await api("POST", "/control/messages", {
      channel: $("channel").value, from: $("caller").value, to: $("centre").value, text,
    });
    $("message-text").value = "";
    refreshMessages(0);
  });
  $("caller").addEventListener("change", () => refreshMessages(0));
  refreshCalls();
  setInterval(refreshCalls, 2000);
  watchMessages();
  const shared = new URLSearchParams(window.location.search).get("leg");
  if (shared) follow(shared);  // /?leg=<uuid> opens that leg, e.g. from a script's output
}

document.addEventListener("DOMContentLoaded", start);
