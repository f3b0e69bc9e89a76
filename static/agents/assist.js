// Agent assist on the desktop (docs/ai.md): a contact's intent, the customer's sentiment and
// the suggestions agent assist makes for it, with "Used" and "Dismiss". desktop.js calls
// Assist.panel(contact.assist, post) for each offer and held contact; the state comes from
// GET /api/agent/, and an "assist.suggestions" websocket event makes the page read it again.
window.Assist = (() => {
  "use strict";

  const { el } = window.Screen;
  const SENTIMENT_TEXT = { negative: "Negative", neutral: "Neutral", positive: "Positive" };
  const KIND_TEXT = { action: "Suggested action", reply: "Suggested reply" };

  function suggestionUrl(suggestion, answer) {
    return document.getElementById("desktop").dataset.api + "suggestions/" + suggestion.id + "/" + answer;
  }

  function suggestionItem(suggestion, post) {
    const open = suggestion.state === "shown";
    return el(
      "li",
      { class: "suggestion " + suggestion.state, "data-suggestion-id": suggestion.id },
      el("span", { class: "kind" }, (KIND_TEXT[suggestion.kind] || "Suggestion") + ": "),
      el("q", { class: "text" }, suggestion.text),
      suggestion.article_url
        ? el("a", { class: "article", href: suggestion.article_url, target: "_blank", rel: "noopener" },
          suggestion.article_title || "Article")
        : null,
      open
        ? el("span", { class: "answers" },
          el("button", { type: "button", class: "used", onclick: () => post(suggestionUrl(suggestion, "used")) }, "Used"),
          el("button", { type: "button", class: "dismiss", onclick: () => post(suggestionUrl(suggestion, "dismissed")) }, "Dismiss"))
        : el("span", { class: "answered" }, suggestion.state === "used" ? "used" : "dismissed"),
    );
  }

  // What the desktop shows of a contact's words; null when there is nothing to show.
  function panel(assist, post) {
    if (!assist) return null;
    const label = assist.sentiment_label;
    const open = assist.suggestions.filter((suggestion) => suggestion.state === "shown");
    const decided = assist.suggestions.filter((suggestion) => suggestion.state !== "shown");
    if (!assist.intent && !label && !assist.suggestions.length) return null;
    return el(
      "div",
      { class: "assist" },
      assist.intent
        ? el("span", { class: "badge intent", "data-intent": assist.intent, title: "confidence " + Math.round((assist.intent_confidence || 0) * 100) + " %" },
          "Intent: " + (assist.intent_label || assist.intent))
        : null,
      label
        ? el("span", { class: "badge sentiment " + label, "data-sentiment": label, title: "score " + assist.sentiment },
          "Sentiment: " + SENTIMENT_TEXT[label] + (label === "negative" ? " ⚠" : ""))
        : null,
      assist.suggestions.length
        ? el("ul", { class: "suggestions" }, ...open.concat(decided).map((item) => suggestionItem(item, post)))
        : null,
    );
  }

  return { panel };
})();
