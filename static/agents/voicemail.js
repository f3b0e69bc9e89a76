// The voicemail inbox (docs/desktop.md, "The voicemail inbox"): the voicemails offered to
// the agent or held by them, with who called, when, the queue, how long, and the audio
// (the audited recording download). A held one is closed with a disposition or called
// back. desktop.js draws the offer (Accept, Reject) and fires "desktop:rendered"; this
// module reads /api/agent/voicemails then, and redraws only when the inbox changed (a
// redraw would stop a message being played).
(() => {
  "use strict";

  const { el, clock, phone } = window.Screen;
  const card = document.getElementById("voicemail-card");
  const list = document.getElementById("voicemails");
  const url = card.dataset.url;
  let shown = "";

  function actionUrl(item, action) {
    return `${url}/${item.task_id}/${action}`;
  }

  function closeForm(item) {
    const select = el("select", { name: "disposition", "aria-label": "Disposition" },
      el("option", { value: "" }, item.disposition_required ? "Choose a disposition" : "No disposition"),
      ...item.dispositions.map((code) => el("option", { value: code.code }, code.label)));
    const notes = el("input", { type: "text", name: "notes", placeholder: "Notes", maxlength: "4000" });
    const form = el("form", { class: "voicemail-close" }, select, notes,
      el("button", { type: "submit", class: "close-voicemail" }, "Close"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      window.Desktop.post(actionUrl(item, "close"), { disposition: select.value, notes: notes.value });
    });
    return form;
  }

  function voicemailItem(item) {
    const held = item.state === "assigned";
    const who = item.caller_name ? `${item.caller_name} (${phone(item.caller_number)})` : phone(item.caller_number);
    return el(
      "li",
      { class: "contact voicemail", "data-task-id": item.task_id, "data-state": item.state },
      el("div", { class: "what" }, el("strong", {}, item.queue), " voicemail ",
        held ? "" : el("em", {}, "offered to you")),
      el("div", { class: "caller" }, who),
      el("div", { class: "times" },
        "Left ", new Date(item.left_at).toLocaleString(),
        item.duration_seconds === null ? "" : ` · ${clock(item.duration_seconds)}`),
      item.audio_url
        ? el("audio", { controls: "", preload: "none", src: item.audio_url, class: "voicemail-audio" })
        : el("p", { class: "pending" }, "The recording is being stored…"),
      held
        ? el("div", { class: "actions" },
          closeForm(item),
          el("button", {
            type: "button",
            class: "call-back",
            onclick: () => window.Desktop.post(actionUrl(item, "call-back")),
          }, "Call back"))
        : null,
    );
  }

  async function read() {
    let items;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      items = await response.json();
    } catch (error) {
      return; // desktop.js shows the connection's state
    }
    const key = JSON.stringify(items.map((item) => [item.task_id, item.state, item.audio_url]));
    if (key === shown) return;
    shown = key;
    card.hidden = items.length === 0;
    list.replaceChildren(...items.map(voicemailItem));
  }

  document.addEventListener("desktop:rendered", read);
  read();
})();
