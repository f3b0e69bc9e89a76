// The agent desktop (docs/desktop.md). The page shows what GET /api/agent/ says is true;
// the websocket only says when to read it again, so a missed message heals at the next one
// or at reconnection. Actions are POSTs to the agent API; their errors are shown as sent.
(() => {
  "use strict";

  const root = document.getElementById("desktop");
  const csrfToken = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const connection = document.getElementById("connection");
  const errorBox = document.getElementById("error");
  const RETRY_MAX_MS = 15000;

  let state = null;
  let socket = null;
  let retryMs = 1000;

  // --- Reading and acting -------------------------------------------------------------

  let loading = null;
  let loadAgain = false;

  function reload() {
    if (loading) {
      loadAgain = true;
      return loading;
    }
    loading = (async () => {
      try {
        const response = await fetch(root.dataset.api, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (response.status === 401 || response.status === 403) {
          window.location.assign("/accounts/login/?next=" + encodeURIComponent("/desktop/"));
          return;
        }
        if (!response.ok) throw new Error("the server answered " + response.status);
        state = await response.json();
        render();
      } catch (error) {
        showError("Could not read your state: " + error.message);
      } finally {
        loading = null;
        if (loadAgain) {
          loadAgain = false;
          reload();
        }
      }
    })();
    return loading;
  }

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
      return;
    }
    if (!response.ok) {
      showError(await reasonOf(response));
    }
    await reload();
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

  // --- The live connection ------------------------------------------------------------

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + root.dataset.socket);
    socket.addEventListener("open", () => {
      retryMs = 1000;
      setConnection("live", "Live");
      reload();
    });
    socket.addEventListener("message", (message) => {
      const event = JSON.parse(message.data);
      if (event.type !== "hello") reload();
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4401) {
        window.location.assign("/accounts/login/?next=" + encodeURIComponent("/desktop/"));
        return;
      }
      if (event.code === 4403) {
        setConnection("refused", "Not an agent");
        return;
      }
      setConnection("down", "Reconnecting…");
      window.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    });
  }

  function setConnection(name, text) {
    connection.dataset.state = name;
    connection.textContent = text;
  }

  // --- Rendering ----------------------------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (name === "onclick") node.addEventListener("click", value);
      else if (value !== false && value !== null && value !== undefined) {
        node.setAttribute(name, value === true ? "" : value);
      }
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function secondsUntil(iso) {
    return Math.max(0, Math.ceil((Date.parse(iso) - Date.now()) / 1000));
  }

  function secondsSince(iso) {
    return Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
  }

  function clock(seconds) {
    const minutes = Math.floor(seconds / 60);
    const rest = String(seconds % 60).padStart(2, "0");
    return minutes + ":" + rest;
  }

  function inWrapUp() {
    return Boolean(state.wrap_up_until) && Date.parse(state.wrap_up_until) > Date.now();
  }

  function activity() {
    if (state.status === "offline") return ["offline", "Offline"];
    if (state.status === "away") {
      return ["away", "Away" + (state.away_reason ? ": " + state.away_reason : "")];
    }
    if (state.tasks.length) return ["busy", "On a contact"];
    if (state.offers.length) return ["offered", "A contact is offered to you"];
    if (inWrapUp()) return ["wrap-up", "Wrap-up"];
    return ["available", "Available: waiting for a contact"];
  }

  function customerLine(customer) {
    const number = /^\d+$/.test(customer.number) ? "+" + customer.number : customer.number;
    const who = customer.name ? customer.name + " (" + number + ")" : number;
    return el(
      "span",
      { class: "customer" },
      who || "Unknown caller",
      customer.is_vip ? el("span", { class: "badge vip" }, "VIP") : null,
    );
  }

  function offerItem(offer) {
    return el(
      "li",
      { class: "contact offer", "data-offer-id": offer.id },
      el("div", { class: "what" }, el("strong", {}, offer.queue), " ", offer.channel,
        offer.is_callback ? el("span", { class: "badge" }, "callback") : null),
      customerLine(offer.customer),
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

  function taskItem(task) {
    const [name, text] = legState(task.leg);
    const connected = name === "connected";
    return el(
      "li",
      { class: "contact task", "data-task-id": task.id, "data-call": name },
      el("div", { class: "what" }, el("strong", {}, task.queue), " ", task.channel),
      customerLine(task.customer),
      el("div", { class: "times" },
        el("span", { class: "call-state" }, text),
        connected ? el("span", { class: "since", "data-since": task.leg.joined_at }, "") : null),
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

  window.setInterval(tick, 1000);
  reload();
  connect();
})();
