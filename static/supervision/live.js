// The supervisors' controls on the live dashboard (docs/dashboards.md, "Supervisors' tools"):
// alerts (banner, highlighted queue rows, browser notifications, history), monitoring a call
// (listen, whisper, barge, leave), an agent's presence, and waiting contacts (withdraw, move).
// static/reports/live.js renders the board and fires "board:rendered"; this module adds to it.
(() => {
  "use strict";

  const { el, secondsSince, clock, phone } = window.Screen;
  const root = document.getElementById("supervision");
  const api = root.dataset.apiRoot;
  const csrfToken = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const message = document.getElementById("supervision-message");
  const phoneInput = document.getElementById("monitor-phone");
  const PHONE_KEY = "supervision.monitor-phone";
  const notified = new Set(JSON.parse(window.sessionStorage.getItem("supervision.notified") || "[]"));

  let openAlerts = [];
  let session = null; // the open monitoring session of this supervisor, if any

  phoneInput.value = window.localStorage.getItem(PHONE_KEY) || "";
  phoneInput.addEventListener("change", () => window.localStorage.setItem(PHONE_KEY, phoneInput.value));

  function say(text, failed) {
    message.textContent = text;
    message.dataset.state = failed ? "error" : "ok";
  }

  async function call(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const reason = data.detail || Object.entries(data).map(([k, v]) => k + ": " + v).join("; ");
      throw new Error(reason || "the server answered " + response.status);
    }
    return data;
  }

  async function act(what, method, url, body) {
    try {
      const data = await call(method, url, body);
      say(what);
      return data;
    } catch (error) {
      say(error.message, true);
      return null;
    }
  }

  // Alerts

  const notifyButton = document.getElementById("allow-notifications");
  if ("Notification" in window && Notification.permission === "default") {
    notifyButton.hidden = false;
    notifyButton.addEventListener("click", async () => {
      await Notification.requestPermission();
      notifyButton.hidden = true;
    });
  }

  function notify(alert) {
    if (notified.has(alert.id)) return;
    notified.add(alert.id);
    window.sessionStorage.setItem("supervision.notified", JSON.stringify([...notified]));
    if ("Notification" in window && Notification.permission === "granted") {
      new Notification("Queue alert", { body: alert.message, tag: "alert-" + alert.id });
    }
  }

  function renderAlerts(board) {
    openAlerts = board.open;
    const banner = document.getElementById("alert-banner");
    banner.hidden = openAlerts.length === 0;
    banner.replaceChildren(...openAlerts.map((alert) => el("p", { "data-alert": alert.id }, "⚠ " + alert.message)));
    openAlerts.forEach(notify);
    const rows = [...board.open, ...board.ended].map((alert) =>
      el(
        "tr",
        { class: alert.ended_at ? null : "alert" },
        el("td", {}, alert.message),
        el("td", {}, new Date(alert.started_at).toLocaleString()),
        el("td", {}, alert.ended_at ? new Date(alert.ended_at).toLocaleString() : "open"),
      ),
    );
    document.querySelector("#alert-history tbody").replaceChildren(
      ...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 3 }, "None yet."))]),
    );
    highlightQueues();
  }

  function highlightQueues() {
    const alerting = new Set(openAlerts.map((alert) => alert.queue));
    for (const row of document.querySelectorAll("#queues tr[data-queue]")) {
      row.classList.toggle("breach", alerting.has(row.dataset.queue));
    }
  }

  const readAlerts = window.Screen.reader(root.dataset.alerts, renderAlerts, () => {});

  // Monitoring

  function endpoint() {
    const value = phoneInput.value.trim();
    return /^\+?[\d ]+$/.test(value) ? { number: value } : { app_user: value };
  }

  async function monitor(taskId, agentName, mode) {
    if (!phoneInput.value.trim()) return say("Enter the phone to call you on first.", true);
    const started = await act(
      "Calling your phone: you " + (mode === "listen" ? "listen to " : mode === "whisper" ? "whisper to " : "barge into ") + agentName + "'s call.",
      "POST",
      root.dataset.monitoring,
      { task_id: taskId, mode, ...endpoint() },
    );
    if (started) showSession({ ...started, agentName });
  }

  function showSession(started) {
    session = started;
    const panel = document.getElementById("monitoring");
    panel.hidden = !session;
    if (!session) return;
    document.getElementById("monitoring-what").textContent =
      (session.agentName ? session.agentName + "'s call" : "a call") + " · " + session.mode;
    for (const button of panel.querySelectorAll("[data-mode]")) {
      button.disabled = button.dataset.mode === session.mode;
    }
  }

  for (const button of document.querySelectorAll("#monitoring [data-mode]")) {
    button.addEventListener("click", async () => {
      const mode = button.dataset.mode;
      const changed = await act("Now: " + mode + ".", "POST", api + "monitoring/" + session.id + "/mode", { mode });
      if (changed) showSession({ ...changed, agentName: session.agentName });
    });
  }
  document.getElementById("monitor-leave").addEventListener("click", async () => {
    if (await act("You left the call.", "POST", api + "monitoring/" + session.id + "/end")) showSession(null);
  });

  function addMonitorButtons(board) {
    for (const agent of board.agents) {
      const contact = agent.contact;
      if (!contact || contact.state !== "assigned" || contact.channel !== "voice") continue;
      const row = document.querySelector('#agents tr[data-agent="' + CSS.escape(agent.display_name) + '"]');
      const cell = row && row.querySelector("[data-field=contact]");
      if (!cell) continue;
      const buttons = el("span", { class: "monitor-buttons" });
      for (const mode of ["listen", "whisper", "barge"]) {
        const button = el("button", { type: "button", "data-monitor": mode }, mode[0].toUpperCase() + mode.slice(1));
        button.addEventListener("click", () => monitor(contact.task_id, agent.display_name, mode));
        buttons.append(button);
      }
      cell.append(" ", buttons);
    }
  }

  // An agent's presence

  const presenceForm = document.getElementById("presence-form");
  function fillAgents(board) {
    const select = presenceForm.elements.agent;
    const chosen = select.value;
    select.replaceChildren(
      ...board.agents.map((agent) => el("option", { value: agent.id }, agent.display_name + " (" + agent.activity + ")")),
    );
    if (chosen) select.value = chosen;
  }
  presenceForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = presenceForm.elements;
    const name = form.agent.selectedOptions[0] ? form.agent.selectedOptions[0].textContent : "";
    await act(
      name.replace(/ \(.*\)$/, "") + " is now " + form.status.value + ".",
      "POST",
      api + "agents/" + form.agent.value + "/presence",
      { status: form.status.value, reason: form.reason.value },
    );
  });

  // Waiting contacts

  // Rebuilt only when the contacts or queues change (a chosen "move to" queue stays chosen);
  // otherwise only the waits tick.
  let waitingShown = "";
  function renderWaiting(data) {
    const shape = JSON.stringify(data);
    if (shape === waitingShown) {
      for (const contact of data.contacts) {
        const wait = document.querySelector('#waiting tr[data-task="' + contact.task_id + '"] [data-field=waited]');
        if (wait) wait.textContent = clock(secondsSince(contact.queued_at));
      }
      return;
    }
    waitingShown = shape;
    const rows = data.contacts.map((contact) => {
      const move = el("select", { "aria-label": "Move to" },
        ...data.queues.filter((q) => q.id !== contact.queue_id).map((q) => el("option", { value: q.id }, q.name)));
      const moveButton = el("button", { type: "button", "data-act": "move" }, "Move");
      moveButton.addEventListener("click", async () => {
        if (await act("Moved to " + move.selectedOptions[0].textContent + ", place kept.", "POST",
          api + "contacts/" + contact.task_id + "/move", { queue_id: Number(move.value) })) readWaiting();
      });
      const withdraw = el("button", { type: "button", "data-act": "withdraw" }, "Withdraw");
      withdraw.addEventListener("click", async () => {
        if (await act("Withdrawn from " + contact.queue + ".", "POST", api + "contacts/" + contact.task_id + "/withdraw")) readWaiting();
      });
      return el(
        "tr",
        { "data-task": contact.task_id },
        el("td", {}, contact.queue),
        el("td", {}, phone(contact.number) + (contact.is_callback ? " (callback)" : "")),
        el("td", {}, contact.channel),
        el("td", { class: "number", "data-field": "waited" }, clock(secondsSince(contact.queued_at))),
        el("td", {}, withdraw, " ", move, moveButton),
      );
    });
    document.querySelector("#waiting tbody").replaceChildren(
      ...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 5 }, "Nobody is waiting."))]),
    );
  }
  const readWaiting = window.Screen.reader(root.dataset.waiting, renderWaiting, () => {});

  // The open session survives a reload.
  window.Screen.reader(root.dataset.monitoring, (sessions) => showSession(sessions[0] || null), () => {})();

  document.addEventListener("board:rendered", (event) => {
    addMonitorButtons(event.detail);
    fillAgents(event.detail);
    highlightQueues();
    readAlerts();
    readWaiting();
  });
  document.addEventListener("board:event", (event) => {
    if (event.detail.type === "alert.raised") readAlerts();
  });
})();
