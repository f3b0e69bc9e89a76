// The supervisors' live dashboard (docs/dashboards.md). It shows what
// GET /api/dashboard/live says; the websocket says when a queue or an agent moved. Reads are
// at most one a second however busy the centre is, and one every few seconds regardless,
// for the waits that grow on their own.
(() => {
  "use strict";

  const { el, secondsSince, clock, phone } = window.Screen;
  const root = document.getElementById("board");
  const MIN_READ_GAP_MS = 1000;
  const REFRESH_MS = 1000 * Number(root.dataset.refreshSeconds || 5);

  let lastRead = 0;
  let pending = null;

  const read = window.Screen.reader(
    root.dataset.api,
    (board) => render(board),
    (error) => {
      document.getElementById("updated").textContent = "failed: " + error.message;
    },
  );

  // Coalesces a burst of events into one read, no sooner than MIN_READ_GAP_MS after the last.
  function readSoon() {
    if (pending) return;
    const wait = Math.max(0, lastRead + MIN_READ_GAP_MS - Date.now());
    pending = window.setTimeout(() => {
      pending = null;
      lastRead = Date.now();
      read();
    }, wait);
  }

  function cell(content, attributes) {
    return el("td", attributes || {}, content === null || content === undefined ? "–" : String(content));
  }

  function seconds(value) {
    return value === null || value === undefined ? "–" : clock(value);
  }

  function queueRow(queue) {
    const short = queue.waiting > 0 && queue.agents_available === 0;
    return el(
      "tr",
      { "data-queue": queue.name, class: short ? "alert" : null },
      cell(queue.name),
      cell(queue.waiting, { class: "number", "data-field": "waiting" }),
      cell(queue.callbacks_waiting, { class: "number" }),
      cell(queue.voicemails_waiting, { class: "number", "data-field": "voicemails" }),
      cell(seconds(queue.longest_wait_seconds), { class: "number", "data-field": "longest" }),
      cell(seconds(queue.estimated_wait_seconds), { class: "number" }),
      cell(queue.service_level_percent === null ? null : queue.service_level_percent + " %", { class: "number" }),
      cell(queue.answered_today, { class: "number" }),
      cell(queue.abandoned_today, { class: "number" }),
      cell(queue.agents_available, { class: "number" }),
      cell(queue.agents_busy, { class: "number" }),
      cell(queue.agents_wrap_up, { class: "number" }),
    );
  }

  const DOING = {
    busy: "Busy",
    wrap_up: "Wrap-up",
    available: "Available",
    away: "Away",
    offline: "Offline",
  };

  function agentRow(agent) {
    let doing = DOING[agent.activity] || agent.activity;
    if (agent.activity === "away" && agent.away_reason) doing += ": " + agent.away_reason;
    if (agent.contact && agent.contact.state === "offered") doing = "Offered a contact";
    const since = agent.contact ? agent.contact.since : agent.status_since;
    const contact = agent.contact
      ? agent.contact.queue + " · " + phone(agent.contact.number)
      : null;
    return el(
      "tr",
      { "data-agent": agent.display_name },
      cell(agent.display_name),
      cell(doing, { "data-activity": agent.activity, "data-field": "doing" }),
      cell(since ? clock(secondsSince(since)) : null, { class: "number" }),
      cell(contact, { "data-field": "contact" }),
      cell(agent.contacts_today, { class: "number" }),
      cell(clock(agent.talk_seconds_today), { class: "number" }),
    );
  }

  function render(board) {
    for (const node of root.querySelectorAll("[data-total]")) {
      const name = node.dataset.total;
      node.textContent = name in board.totals ? board.totals[name] : board.totals.agents[name];
    }
    const satisfaction = board.totals.satisfaction;
    document.getElementById("satisfaction").textContent =
      satisfaction.average === null ? "–" : satisfaction.average + " / 5";
    document.getElementById("satisfaction-label").textContent =
      "satisfaction today (" + satisfaction.answers + (satisfaction.answers === 1 ? " answer)" : " answers)");
    const queues = board.queues.map(queueRow);
    root.querySelector("#queues tbody").replaceChildren(
      ...(queues.length ? queues : [el("tr", {}, el("td", { colspan: 12 }, "No active queue."))]),
    );
    const agents = board.agents.map(agentRow);
    root.querySelector("#agents tbody").replaceChildren(
      ...(agents.length ? agents : [el("tr", {}, el("td", { colspan: 6 }, "No agent yet."))]),
    );
    document.getElementById("updated").textContent = new Date(board.at).toLocaleTimeString();
    // Other modules (static/supervision/live.js) add their controls to the rows.
    document.dispatchEvent(new CustomEvent("board:rendered", { detail: board }));
  }

  window.Screen.watch(root.dataset.socket, {
    indicator: document.getElementById("connection"),
    onOpen: readSoon,
    onEvent: (event) => {
      document.dispatchEvent(new CustomEvent("board:event", { detail: event }));
      readSoon();
    },
  });
  window.setInterval(readSoon, REFRESH_MS);
  readSoon();
})();
