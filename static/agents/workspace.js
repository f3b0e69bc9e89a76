// The agent's workspace (docs/desktop.md): the customer panel on each offer and contact,
// the full history, corrections, the wrap-up forms, the agent's queues and day, canned
// replies and media in chats. desktop.js draws the offers and contacts and then fires
// "desktop:rendered"; this module adds its parts to what was drawn, from its own reads.
window.Workspace = (() => {
  "use strict";

  const { el, clock, phone } = window.Screen;
  const root = document.getElementById("desktop");
  const api = root.dataset.api;
  const csrfToken = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const REFRESH_MS = 5000;

  // --- Talking to the agent API -------------------------------------------------------

  async function send(method, url, body) {
    const options = {
      method,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, options);
    } catch (error) {
      window.Desktop.showError("The server could not be reached: " + error.message);
      return null;
    }
    const answer = response.status === 204 ? {} : await response.json().catch(() => ({}));
    if (!response.ok) {
      window.Desktop.showError(reasonOf(answer, response.status));
      return null;
    }
    return answer;
  }

  function reasonOf(body, status) {
    if (body.detail) return body.detail;
    const fields = Object.entries(body);
    if (!fields.length) return "The server answered " + status + ".";
    return fields.map(([field, errors]) => field + ": " + [].concat(errors).join(" ")).join("; ");
  }

  const getJson = (url) => send("GET", url);

  // --- Media in chat messages (desktop.js asks for them) -------------------------------

  function attachments(message) {
    return (message.attachments || []).map((item) => {
      const label = item.caption || item.name || item.kind;
      if (item.kind === "image" && item.url) {
        return el("a", { class: "attachment image", href: item.url, target: "_blank", rel: "noopener" },
          el("img", { src: item.url, alt: label, loading: "lazy" }),
          item.caption ? el("span", { class: "caption" }, item.caption) : null);
      }
      if (item.kind === "location") {
        const where = [item.name, item.address].filter(Boolean).join(", ");
        return el("a", { class: "attachment location", href: item.url, target: "_blank", rel: "noopener" },
          "📍 " + (where || "Location") + " (" + item.latitude + ", " + item.longitude + ")");
      }
      if (item.url) {
        return el("a", { class: "attachment " + item.kind, href: item.url, target: "_blank", rel: "noopener" },
          "📎 " + item.kind + ": " + label);
      }
      return el("span", { class: "attachment " + item.kind }, "📎 " + item.kind + " (no link)");
    });
  }

  // --- The customer panel ---------------------------------------------------------------

  const panels = {}; // "offer-12" / "task-12" -> the panel's answer (read once per kind)
  const loading = {};

  async function panelFor(kind, taskId) {
    const key = kind + "-" + taskId;
    if (panels[key] || loading[key]) return;
    loading[key] = true;
    const panel = await getJson(api + "contacts/" + taskId + "/customer");
    loading[key] = false;
    if (panel) {
      panels[key] = panel;
      decorate();
    }
  }

  function money(value) {
    return value === null || value === undefined ? null : "£" + Number(value).toLocaleString("en-GB") + "/yr";
  }

  function day(iso) {
    return iso ? new Date(iso).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" }) : "";
  }

  function sentimentBadge(arrival) {
    if (!arrival.sentiment_label) return null;
    return el("span", { class: "badge sentiment " + arrival.sentiment_label.toLowerCase() },
      arrival.sentiment_label + " (" + arrival.sentiment.toFixed(2) + ")");
  }

  function arrivalLine(arrival) {
    const parts = [];
    if (arrival.called) parts.push("called " + phone(arrival.called));
    for (const step of arrival.ivr) {
      const answer = step.speech ? "said “" + step.speech + "”" : step.digits ? "pressed " + step.digits : "no answer";
      parts.push((step.menu ? step.menu + ": " : "") + answer + (step.queue ? " → " + step.queue : ""));
    }
    for (const words of arrival.speech) parts.push("said “" + words + "”");
    return el("div", { class: "arrival" }, el("span", { class: "label" }, "Came in: "),
      arrival.channel + (parts.length ? " · " + parts.join(" · ") : ""));
  }

  function historyRow(row) {
    const notes = row.notes_hidden ? el("em", {}, "notes of another agent") : row.notes || "";
    return el("li", { class: "previous", "data-conversation-id": row.conversation_id },
      el("span", { class: "when" }, day(row.started_at)), " · ", row.channel,
      row.queue ? " · " + row.queue : "", row.agent ? " · " + row.agent : "",
      row.outcome ? " · " + row.outcome : "",
      row.disposition ? el("span", { class: "badge disposition" }, row.disposition_label) : null,
      notes ? el("div", { class: "notes" }, notes) : null);
  }

  function editForm(panel) {
    const customer = panel.customer;
    const name = el("input", { type: "text", name: "name", value: customer.name, maxlength: 200 });
    const email = el("input", { type: "email", name: "email", value: customer.email || "", maxlength: 254 });
    const form = el("form", { class: "customer-edit", hidden: true },
      el("label", {}, "name ", name), el("label", {}, "e-mail ", email),
      el("button", { type: "submit", class: "primary" }, "Save"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const card = await send("PATCH", api + "customers/" + customer.id, { name: name.value, email: email.value });
      if (card) {
        for (const key of Object.keys(panels)) {
          if (panels[key].customer.id === customer.id) Object.assign(panels[key].customer, { name: card.name, email: card.email });
        }
        window.Desktop.reload();
      }
    });
    return form;
  }

  function panelNode(panel) {
    const customer = panel.customer;
    const arrival = panel.arrival;
    const edit = panel.can_edit && customer.id ? editForm(panel) : null;
    const node = el("div", { class: "customer-panel" },
      el("div", { class: "who" },
        el("strong", { class: "name" }, customer.name || "Unknown customer"),
        customer.is_vip ? el("span", { class: "badge vip" }, "VIP") : null,
        money(customer.account_value) ? el("span", { class: "account" }, "Account value " + money(customer.account_value)) : null,
        customer.email ? el("span", { class: "email" }, customer.email) : null,
        edit ? el("button", { type: "button", class: "link edit-customer", onclick: () => { edit.hidden = !edit.hidden; } }, "Correct") : null),
      customer.handles && customer.handles.length
        ? el("div", { class: "handles" }, customer.handles.map((h) => h.kind + " " + (h.kind === "phone" ? phone(h.value) : h.value)).join(" · "))
        : null,
      edit,
      arrivalLine(arrival),
      arrival.intent || arrival.sentiment_label
        ? el("div", { class: "insight" },
            arrival.intent ? el("span", { class: "intent" }, "Intent: " + arrival.intent.replace(/_/g, " ") +
              (arrival.intent_confidence !== null ? " (" + Math.round(arrival.intent_confidence * 100) + "%)" : "")) : null,
            sentimentBadge(arrival))
        : null,
      el("div", { class: "previous-count" }, "Previous contacts: " + panel.previous.count,
        customer.id && panel.previous.count
          ? el("button", { type: "button", class: "link full-history", onclick: () => showHistory(customer) }, "Full history")
          : null),
      panel.previous.recent.length ? el("ul", { class: "previous-list" }, ...panel.previous.recent.map(historyRow)) : null,
      panel.callbacks.length
        ? el("div", { class: "open-work" }, "Callbacks waiting: ",
            panel.callbacks.map((c) => c.queue + " since " + day(c.since) + " (" + c.state + ")").join("; "))
        : null,
      panel.follow_ups.length
        ? el("div", { class: "open-work" }, "Follow-ups: ",
            panel.follow_ups.map((f) => day(f.on) + (f.disposition ? " (" + f.disposition + ")" : "")).join("; "))
        : null);
    return node;
  }

  async function showHistory(customer) {
    const history = await getJson(api + "customers/" + customer.id + "/history");
    if (!history) return;
    const dialog = document.getElementById("customer-history");
    dialog.querySelector(".who").textContent = history.customer.name || phone(customer.number);
    dialog.querySelector("tbody").replaceChildren(...history.contacts.map((row) =>
      el("tr", {},
        el("td", {}, day(row.started_at)), el("td", {}, row.channel), el("td", {}, row.queue),
        el("td", {}, row.agent), el("td", {}, row.outcome), el("td", {}, row.disposition_label || ""),
        el("td", {}, row.notes_hidden ? "notes of another agent" : row.notes || ""))));
    if (dialog.showModal) dialog.showModal();
    else dialog.setAttribute("open", "");
  }

  // --- Canned replies in chats ----------------------------------------------------------

  const canned = {}; // task id -> replies
  const cannedLoading = {};

  async function cannedFor(taskId) {
    if (canned[taskId] || cannedLoading[taskId]) return;
    cannedLoading[taskId] = true;
    const replies = await getJson(api + "tasks/" + taskId + "/canned-replies");
    cannedLoading[taskId] = false;
    if (replies) {
      canned[taskId] = replies;
      decorate();
    }
  }

  function cannedPicker(taskId, form) {
    const replies = canned[taskId];
    if (!replies || !replies.length) return null;
    const select = el("select", { class: "canned", "aria-label": "Canned reply" },
      el("option", { value: "" }, "Canned reply…"),
      ...replies.map((reply, index) => el("option", { value: String(index) }, reply.title)));
    select.addEventListener("change", () => {
      if (select.value === "") return;
      const box = form.querySelector("textarea");
      box.value = replies[Number(select.value)].text;
      box.dispatchEvent(new Event("input")); // desktop.js keeps the draft
      box.focus();
      select.value = "";
    });
    return select;
  }

  // --- Decorating what desktop.js drew ---------------------------------------------------

  function decorate() {
    for (const item of document.querySelectorAll("#offers li[data-task-id], #tasks li[data-task-id]")) {
      const kind = item.classList.contains("offer") ? "offer" : "task";
      const taskId = item.dataset.taskId;
      const panel = panels[kind + "-" + taskId];
      if (!panel) panelFor(kind, taskId);
      else if (!item.querySelector(".customer-panel")) item.append(panelNode(panel));
      const form = item.querySelector("form.reply");
      if (form && !form.querySelector("select.canned")) {
        if (!canned[taskId]) cannedFor(taskId);
        else {
          const picker = cannedPicker(taskId, form);
          if (picker) form.prepend(picker);
        }
      }
    }
  }

  // --- Wrap-up, queues and day ----------------------------------------------------------

  const wrapUpDrafts = {}; // task id -> the form, kept while the contact waits
  let workspace = null;

  function wrapUpForm(item) {
    const select = el("select", { name: "disposition", required: item.disposition_required },
      el("option", { value: "" }, item.disposition_required ? "Choose a disposition…" : "No disposition"),
      ...item.dispositions.map((d) => el("option", { value: d.code, selected: d.code === item.disposition }, d.label)));
    const notes = el("textarea", { name: "notes", rows: 2, maxlength: 4000, placeholder: "Notes" });
    notes.value = item.notes || "";
    const followUp = el("input", { type: "checkbox", name: "follow_up", checked: Boolean(item.follow_up_on) });
    const followUpOn = el("input", { type: "date", name: "follow_up_on", value: item.follow_up_on || "" });
    const form = el("form", { class: "wrap-up-form" },
      el("label", {}, "disposition ", select),
      el("label", { class: "notes" }, notes),
      el("label", {}, followUp, " follow up on ", followUpOn),
      el("button", { type: "submit", class: "primary save-wrap-up" }, "Save"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault(); // the server says whether a disposition is needed
      const body = { disposition: select.value, notes: notes.value };
      body.follow_up_on = followUp.checked && followUpOn.value ? followUpOn.value : null;
      if (followUp.checked && !followUpOn.value) {
        window.Desktop.showError("Choose the date to follow up on.");
        return;
      }
      if (await send("POST", api + "wrap-ups/" + item.task_id, body)) {
        delete wrapUpDrafts[item.task_id];
        window.Desktop.reload();
        readWorkspace();
      }
    });
    return el("li", { class: "wrap-up-item", "data-task-id": item.task_id },
      el("div", { class: "what" }, el("strong", {}, item.queue), " ", item.channel, " · ", item.customer,
        item.disposition_required ? el("span", { class: "badge required" }, "disposition required") : null),
      form);
  }

  function renderWrapUps() {
    const list = document.getElementById("wrap-ups");
    const items = workspace.wrap_ups;
    for (const id of Object.keys(wrapUpDrafts)) {
      if (!items.some((item) => String(item.task_id) === id)) delete wrapUpDrafts[id];
    }
    // Forms are kept as they are while their contact waits: what the agent typed stays.
    list.replaceChildren(...items.map((item) => (wrapUpDrafts[item.task_id] ||= wrapUpForm(item))));
    document.getElementById("wrap-ups-card").hidden = !items.length;
    const extend = document.getElementById("extend-wrap-up");
    extend.hidden = !workspace.extension.seconds;
    extend.disabled = workspace.extension.used;
    extend.textContent = workspace.extension.used ? "Wrap-up extended" : "Extend wrap-up by " + workspace.extension.seconds + " s";
  }

  function renderQueues() {
    const body = document.querySelector("#my-queues tbody");
    const now = Date.now();
    body.replaceChildren(...(workspace.queues.length
      ? workspace.queues.map((queue) => el("tr", { "data-queue": queue.name },
          el("td", {}, queue.name), el("td", { class: "waiting" }, String(queue.waiting)),
          el("td", {}, String(queue.callbacks_waiting)),
          el("td", { class: "voicemails" }, String(queue.voicemails_waiting)),
          el("td", { class: "longest" }, queue.waiting || queue.callbacks_waiting
            ? el("span", { "data-since": new Date(now - queue.longest_wait_seconds * 1000).toISOString() }, clock(queue.longest_wait_seconds))
            : "—")))
      : [el("tr", {}, el("td", { colspan: 5, class: "empty" }, "You serve no queue."))]));
    const figures = workspace.day;
    const minutes = (seconds) => (seconds === null ? "—" : clock(seconds));
    document.getElementById("my-day").replaceChildren(
      ...[
        ["handled", String(figures.handled)],
        ["average handle time", minutes(figures.average_handle_seconds)],
        ["talk", minutes(figures.talk_seconds)],
        ["hold", minutes(figures.hold_seconds)],
        ["wrap-up", minutes(figures.wrap_up_seconds)],
        ["occupancy", figures.occupancy_percent === null ? "—" : figures.occupancy_percent + " %"],
      ].flatMap(([term, value]) => [el("dt", {}, term), el("dd", { "data-figure": term }, value)]));
  }

  const readWorkspace = window.Screen.reader(
    root.dataset.workspace,
    (answer) => {
      workspace = answer;
      renderWrapUps();
      renderQueues();
    },
    (error) => window.Desktop.showError("Could not read your workspace: " + error.message),
  );

  document.getElementById("extend-wrap-up").addEventListener("click", async () => {
    if (await send("POST", api + "wrap-up/extend", {})) {
      window.Desktop.reload();
      readWorkspace();
    }
  });

  document.addEventListener("desktop:rendered", () => {
    decorate();
    readWorkspace();
  });
  window.setInterval(() => {
    if (document.visibilityState === "visible") readWorkspace();
  }, REFRESH_MS);
  // The longest waits tick with desktop.js's clocks (every [data-since] in the page).

  return { attachments };
})();
