// Call control on the contact card (docs/desktop.md, "Call control"): hold and resume,
// keys, cold transfer, consult (warm transfer: complete or cancel), conference and drop.
// desktop.js asks CallControl.panel(task, {post, taskUrl, reload}) for each call it draws; the
// state shown is the task's `control` from GET /api/agent/ (routing.control), the actions
// are POSTs to the agent API (desktop/callcontrol_api.py) whose refusals desktop.js shows.
window.CallControl = (() => {
  "use strict";

  const { el } = window.Screen;
  const config = document.getElementById("callcontrol");
  const TARGETS_MAX_AGE_MS = 5000;
  const RINGING_REREAD_MS = 1500;

  let targets = { queues: [], agents: [] };
  let targetsReadAt = 0;
  // What the agent picked or typed survives the re-renders the websocket causes.
  const drafts = {};

  function draft(taskId) {
    if (!drafts[taskId]) drafts[taskId] = { digits: "", target: "", number: "" };
    return drafts[taskId];
  }

  async function readTargets() {
    targetsReadAt = Date.now();
    try {
      const response = await fetch(config.dataset.targetsUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      targets = await response.json();
    } catch (error) {
      return; // the picker keeps what it had; the next render tries again
    }
    for (const select of document.querySelectorAll("select.transfer-target")) {
      fillTargets(select, draft(select.dataset.taskId).target);
    }
  }

  function fillTargets(select, chosen) {
    const options = [el("option", { value: "" }, "Choose who to hand the call to…")];
    for (const queue of targets.queues) {
      options.push(el("option", { value: "queue:" + queue.id }, "Queue: " + queue.name));
    }
    for (const agent of targets.agents) {
      const label = "Agent: " + agent.name + (agent.is_free ? " (free)" : " (" + agent.status + ")");
      options.push(el("option", { value: "agent:" + agent.id, disabled: !agent.is_free }, label));
    }
    options.push(el("option", { value: "number:" }, "Phone number…"));
    select.replaceChildren(...options);
    select.value = chosen;
    if (select.value !== chosen) select.value = "";
  }

  // {"queue_id": 3} / {"agent_id": 7} / {"number": "+44..."} from the picker and the box.
  function targetBody(taskId) {
    const { target, number } = draft(taskId);
    const [kind, id] = target.split(":");
    if (kind === "queue") return { queue_id: Number(id) };
    if (kind === "agent") return { agent_id: Number(id) };
    if (kind === "number") return { number };
    return {};
  }

  function partyLine(party, label, actions) {
    const states = { calling: "calling…", ringing: "ringing…", connected: "connected", ended: "gone" };
    return el(
      "div",
      { class: "party", "data-status": party.status, "data-step-id": party.step_id },
      el("span", { class: "party-state" }, label + " " + party.target + ": " + (states[party.status] || party.status)),
      " ",
      el("span", { class: "since", "data-since": party.since }, ""),
      " ",
      ...actions,
    );
  }

  function button(cls, text, onclick, extra) {
    return el("button", Object.assign({ type: "button", class: cls, onclick }, extra || {}), text);
  }

  // A party being called sends no event to this agent's socket when it answers (its leg
  // is not theirs): read the state again shortly while one rings.
  let rereadTimer = null;
  function rereadWhileRinging(control, reload) {
    const parties = (control.consult ? [control.consult] : []).concat(control.parties);
    if (rereadTimer || !parties.some((p) => p.status === "calling" || p.status === "ringing")) return;
    rereadTimer = window.setTimeout(() => {
      rereadTimer = null;
      reload();
    }, RINGING_REREAD_MS);
  }

  function panel(task, { post, taskUrl, reload }) {
    const control = task.control;
    if (!control) return null;
    if (Date.now() - targetsReadAt > TARGETS_MAX_AGE_MS) readTargets();
    rereadWhileRinging(control, reload);
    const mine = draft(task.id);
    const onHold = Boolean(control.on_hold_since);
    const consult = control.consult;
    const myConsult = consult && consult.is_mine;

    const status = el(
      "div",
      { class: "hold-state", "data-held": String(onHold) },
      onHold
        ? el("span", { class: "on-hold" }, "Customer on hold ",
          el("span", { class: "since", "data-since": control.on_hold_since }, ""))
        : null,
      control.hold_seconds && !onHold
        ? el("span", { class: "held-total" }, "Held " + control.hold_seconds + " s in all")
        : null,
      control.consulted_by ? el("span", { class: "consulted-by" }, "Consult from " + control.consulted_by) : null,
    );

    const hold = button("hold", onHold ? "Resume" : "Hold",
      () => post(taskUrl(task, "hold"), { held: !onHold }),
      { "aria-pressed": String(onHold), disabled: Boolean(consult) && onHold });

    const digits = el("input", {
      class: "dtmf-digits",
      name: "digits",
      inputmode: "tel",
      maxlength: 20,
      placeholder: "Keys (0-9 * #)",
      "aria-label": "Keys to send",
    });
    digits.value = mine.digits;
    digits.addEventListener("input", () => { mine.digits = digits.value; });
    const sendKeys = button("send-dtmf", "Send keys", async () => {
      const keys = mine.digits;
      mine.digits = ""; // sent: the box is empty when the page draws the answer
      if (!(await post(taskUrl(task, "dtmf"), { digits: keys }))) mine.digits = keys;
    });

    const picker = el("select", { class: "transfer-target", "data-task-id": task.id, "aria-label": "Transfer to" });
    fillTargets(picker, mine.target);
    picker.addEventListener("change", () => { mine.target = picker.value; });
    const number = el("input", {
      class: "transfer-number",
      name: "number",
      inputmode: "tel",
      maxlength: 40,
      placeholder: "+44 7700 900123",
      "aria-label": "Phone number",
    });
    number.value = mine.number;
    number.addEventListener("input", () => { mine.number = number.value; });

    const handOn = (action) => () => post(taskUrl(task, action), targetBody(task.id));
    const transferRow = el("div", { class: "transfer" }, picker, number,
      button("transfer", "Transfer", handOn("transfer"), { disabled: Boolean(consult) }),
      button("consult", "Consult", handOn("consult"), { disabled: Boolean(consult) }),
      button("conference", "Conference", handOn("conference")));

    const parties = [];
    if (consult) {
      parties.push(partyLine(consult, "Consulting", myConsult ? [
        button("primary consult-complete", "Complete transfer", () => post(taskUrl(task, "consult/complete")),
          { disabled: consult.status !== "connected" }),
        button("consult-cancel", "Cancel consult", () => post(taskUrl(task, "consult/cancel"))),
      ] : []));
    }
    for (const party of control.parties) {
      parties.push(partyLine(party, "In conference with", party.is_mine ? [
        button("drop", "Drop", () => post(taskUrl(task, "conference/" + party.step_id + "/drop"))),
      ] : []));
    }

    return el(
      "div",
      { class: "call-control", "data-task-id": task.id },
      status,
      el("div", { class: "keys" }, hold, digits, sendKeys),
      transferRow,
      parties.length ? el("div", { class: "parties" }, ...parties) : null,
    );
  }

  return { panel };
})();
