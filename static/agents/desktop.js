// The agent desktop (docs/desktop.md). The page shows what GET /api/agent/ says is true;
// the websocket only says when to read it again, so a missed message heals at the next one
// or at reconnection. Actions are POSTs to the agent API; their errors are shown as sent.
(() => {
  "use strict";

  const root = document.getElementById("desktop");
  const csrfToken = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const errorBox = document.getElementById("error");

  const { el, secondsUntil, secondsSince, clock, phone } = window.Screen;

  let state = null;

  const reload = window.Screen.reader(
    root.dataset.api,
    (answer) => {
      state = answer;
      render();
    },
    (error) => showError("Could not read your state: " + error.message),
  );

  async function post(url, body) {
    hideError();
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          "Content-Type": "application/json",
          "X-CSRFToken": csrfToken,
        },
        body: JSON.stringify(body || {}),
      });
    } catch (error) {
      showError("The server could not be reached: " + error.message);
      return false;
    }
    if (!response.ok) {
      showError(await reasonOf(response));
    }
    await reload();
    return response.ok;
  }

  async function reasonOf(response) {
    try {
      const body = await response.json();
      if (body.detail) return body.detail;
      return Object.entries(body)
        .map(([field, errors]) => field + ": " + [].concat(errors).join(" "))
        .join("; ");
    } catch (error) {
      return "The server answered " + response.status + ".";
    }
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = false;
  }

  function hideError() {
    errorBox.hidden = true;
    errorBox.textContent = "";
  }

  // --- Rendering ----------------------------------------------------------------------

  function inWrapUp() {
    return Boolean(state.wrap_up_until) && Date.parse(state.wrap_up_until) > Date.now();
  }

  // An away reason's label, as the reason picker shows it (the API gives its code).
  function awayLabel(code) {
    const option = Array.from(document.querySelectorAll("#away-reason option"))
      .find((each) => each.value === code);
    return option ? option.textContent : code;
  }

  function activity() {
    if (state.status === "offline") return ["offline", "Offline"];
    if (state.status === "away") {
      return ["away", "Away" + (state.away_reason ? ": " + awayLabel(state.away_reason) : "")];
    }
    if (state.tasks.length) return ["busy", "On a contact"];
    if (state.offers.length) return ["offered", "A contact is offered to you"];
    if (inWrapUp()) return ["wrap-up", "Wrap-up"];
    return ["available", "Available: waiting for a contact"];
  }

  function customerLine(customer) {
    const number = phone(customer.number);
    const who = customer.name ? customer.name + " (" + number + ")" : number;
    return el(
      "span",
      { class: "customer" },
      who || "Unknown caller",
      customer.is_vip ? el("span", { class: "badge vip" }, "VIP") : null,
    );
  }

  // A contact's intent, sentiment and suggestions (static/agents/assist.js), if loaded.
  function assistPanel(contact) {
    return window.Assist ? window.Assist.panel(contact.assist, post) : null;
  }

  function offerItem(offer) {
    return el(
      "li",
      { class: "contact offer", "data-offer-id": offer.id, "data-task-id": offer.task_id },
      el("div", { class: "what" }, el("strong", {}, offer.queue), " ", offer.channel,
        offer.is_callback ? el("span", { class: "badge" }, "callback") : null),
      customerLine(offer.customer),
      assistPanel(offer),
      offer.last_message ? el("blockquote", { class: "preview" }, offer.last_message) : null,
      el("div", { class: "times" },
        "waiting ", el("span", { class: "since", "data-since": offer.waiting_since }, ""),
        " · answer within ", el("span", { class: "until", "data-until": offer.expires_at }, "")),
      el("div", { class: "actions" },
        el("button", { type: "button", class: "primary accept", onclick: () => post(offerUrl(offer, "accept")) }, "Accept"),
        el("button", { type: "button", class: "reject", onclick: () => post(offerUrl(offer, "reject")) }, "Reject")),
    );
  }

  function offerUrl(offer, action) {
    return root.dataset.api + "offers/" + offer.id + "/" + action;
  }

  function taskUrl(task, action) {
    return root.dataset.api + "tasks/" + task.id + "/" + action;
  }

  function legState(leg) {
    if (!leg) return ["placing", "Calling your softphone…"];
    if (leg.left_at) return ["ended", "Your leg ended"];
    if (leg.joined_at) return ["connected", leg.is_muted ? "Connected (muted)" : "Connected"];
    return ["ringing", "Your softphone is ringing…"];
  }

  // What the agent is typing in each chat survives the re-renders that new messages cause.
  const drafts = {};

  function chatItem(task) {
    const thread = el(
      "ol",
      { class: "thread" },
      ...task.messages.map((message) =>
        el("li", { class: "message " + message.direction }, message.text,
          ...(window.Workspace ? window.Workspace.attachments(message) : [])),
      ),
    );
    const box = el("textarea", {
      name: "text",
      rows: 2,
      maxlength: 1000,
      placeholder: "Reply to the customer",
      "data-task-id": task.id,
    });
    box.value = drafts[task.id] || "";
    box.addEventListener("input", () => {
      drafts[task.id] = box.value;
    });
    const form = el("form", { class: "reply" }, box,
      el("button", { type: "submit", class: "primary send" }, "Send"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = box.value;
      if (!text.trim()) return;
      drafts[task.id] = "";
      if (!(await post(taskUrl(task, "reply"), { text }))) {
        drafts[task.id] = text; // not sent: give it back
        render();
      }
    });
    return el(
      "li",
      { class: "contact task chat", "data-task-id": task.id, "data-channel": task.channel },
      el("div", { class: "what" }, el("strong", {}, task.queue), " ", task.channel),
      customerLine(task.customer),
      assistPanel(task),
      thread,
      form,
      el("div", { class: "actions" },
        el("button", { type: "button", class: "close-chat", onclick: () => post(taskUrl(task, "close")) }, "Close chat")),
    );
  }

  function taskItem(task) {
    if (task.channel !== "voice") return chatItem(task);
    const [name, text] = legState(task.leg);
    const connected = name === "connected";
    return el(
      "li",
      { class: "contact task", "data-task-id": task.id, "data-call": name },
      el("div", { class: "what" }, el("strong", {}, task.queue), " ", task.channel),
      customerLine(task.customer),
      assistPanel(task),
      el("div", { class: "times" },
        el("span", { class: "call-state" }, text),
        connected ? el("span", { class: "since", "data-since": task.leg.joined_at }, "") : null),
      connected && window.CallControl ? window.CallControl.panel(task, { post, taskUrl, reload }) : null,
      el("div", { class: "actions" },
        el("button", {
          type: "button",
          class: "mute",
          disabled: !connected,
          onclick: () => post(taskUrl(task, "mute"), { muted: !task.leg.is_muted }),
        }, connected && task.leg.is_muted ? "Unmute" : "Mute"),
        el("button", {
          type: "button",
          class: "danger hang-up",
          disabled: !connected,
          onclick: () => post(taskUrl(task, "hang-up")),
        }, "Hang up")),
    );
  }

  function renderList(id, items, empty) {
    const list = document.getElementById(id);
    list.replaceChildren(...(items.length ? items : [el("li", { class: "empty" }, empty)]));
  }

  function render() {
    const focused = document.activeElement;
    const typingIn = focused && focused.name === "text" ? focused.dataset.taskId : null;
    renderState();
    if (typingIn) {
      const box = root.querySelector('textarea[data-task-id="' + typingIn + '"]');
      if (box) {
        box.focus();
        box.setSelectionRange(box.value.length, box.value.length);
      }
    }
  }

  function renderState() {
    const [name, text] = activity();
    const line = document.getElementById("activity");
    line.dataset.activity = name;
    line.textContent = text;
    for (const button of document.querySelectorAll("#presence button[data-status]")) {
      button.setAttribute("aria-pressed", String(button.dataset.status === state.status));
    }
    document.getElementById("wrap-up").hidden = !inWrapUp();
    renderList("offers", state.offers.map(offerItem), "No contact is being offered to you.");
    renderList("tasks", state.tasks.map(taskItem), "You are not on a contact.");
    document.title = (state.offers.length ? "● Offer | " : "") + state.display_name + " | Agent desktop";
    tick();
    // The workspace (workspace.js) adds its panels to what was just drawn.
    document.dispatchEvent(new CustomEvent("desktop:rendered", { detail: state }));
  }

  // Countdowns and call timers, every second, without reading the server again.
  function tick() {
    if (!state) return;
    for (const node of root.querySelectorAll("[data-until]")) {
      node.textContent = secondsUntil(node.dataset.until) + " s";
    }
    for (const node of root.querySelectorAll("[data-since]")) {
      node.textContent = clock(secondsSince(node.dataset.since));
    }
    const wrapUp = document.getElementById("wrap-up");
    if (state.wrap_up_until) {
      wrapUp.querySelector(".left").textContent = secondsUntil(state.wrap_up_until) + " s";
      if (wrapUp.hidden === inWrapUp()) render(); // wrap-up just ended (or began)
    }
  }

  // --- Wiring -------------------------------------------------------------------------

  for (const button of document.querySelectorAll("#presence button[data-status]")) {
    button.addEventListener("click", () => {
      const body = { status: button.dataset.status };
      if (body.status === "away") body.reason = document.getElementById("away-reason").value;
      post(root.dataset.statusUrl, body);
    });
  }
  document.getElementById("end-wrap-up").addEventListener("click", () => post(root.dataset.wrapUpUrl));

  window.Desktop = { post, reload, showError };
  window.setInterval(tick, 1000);
  reload();
  window.Screen.watch(root.dataset.socket, {
    indicator: document.getElementById("connection"),
    onOpen: reload,
    onEvent: (event) => {
      // Other modules of the desktop (transcript.js) take the events meant for them.
      document.dispatchEvent(new CustomEvent("desktop:event", { detail: event }));
      if (!event.type.startsWith("transcript.")) reload();
    },
  });
})();
