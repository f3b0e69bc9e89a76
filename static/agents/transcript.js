// The live transcript on the agent desktop (docs/transcription.md). The call's transcript so
// far comes from GET /api/agent/transcript; each new segment arrives on the desktop's
// websocket as a "transcript.segment" event (desktop.js passes every event on as a
// "desktop:event" DOM event). Segments are kept by id, so a segment read and pushed shows once.
(() => {
  "use strict";

  const root = document.getElementById("transcript");
  const list = document.getElementById("transcript-lines");
  const { el } = window.Screen;
  const SPEAKERS = { customer: "Customer", agent: "You", supervisor: "Supervisor" };

  let conversationId = null;
  const shown = new Set();

  function seconds(value) {
    const whole = Math.floor(value);
    return Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
  }

  function add(segment) {
    if (segment.conversation_id !== conversationId) {
      conversationId = segment.conversation_id;
      shown.clear();
      list.replaceChildren();
    }
    if (shown.has(segment.id)) return;
    shown.add(segment.id);
    const line = el(
      "li",
      { class: "segment " + segment.speaker, "data-started": String(segment.started_at) },
      el("span", { class: "when" }, seconds(segment.started_at)),
      el("span", { class: "speaker" }, SPEAKERS[segment.speaker] || segment.speaker),
      el("span", { class: "text" }, segment.text),
    );
    // In order of when it was said (the two speakers' streams finish segments independently).
    const later = [...list.children].find((item) => Number(item.dataset.started) > segment.started_at);
    list.insertBefore(line, later || null);
    root.hidden = false;
  }

  async function load() {
    try {
      const response = await fetch(root.dataset.api, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const answer = await response.json();
      const current = answer.conversations[answer.conversations.length - 1];
      if (current) current.segments.forEach(add);
    } catch (error) {
      // The pushed segments still arrive; the next page load reads the rest.
    }
  }

  document.addEventListener("desktop:event", (event) => {
    if (event.detail.type === "transcript.segment") add(event.detail);
  });
  load();
})();
