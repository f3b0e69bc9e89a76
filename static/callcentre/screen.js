// What every live screen shares (the agent desktop, the supervisors' dashboard): building
// DOM without HTML strings, clocks, and a websocket that says when to read the state again.
window.Screen = (() => {
  "use strict";

  const RETRY_FIRST_MS = 1000;
  const RETRY_MAX_MS = 15000;

  // el("li", {class: "x", onclick: fn}, "text", child): text is always text, never markup.
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

  // 75 -> "1:15", 3725 -> "1:02:05"
  function clock(seconds) {
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const rest = String(seconds % 60).padStart(2, "0");
    return hours ? hours + ":" + String(minutes).padStart(2, "0") + ":" + rest : minutes + ":" + rest;
  }

  function phone(number) {
    return /^\d+$/.test(number || "") ? "+" + number : number || "";
  }

  function toLogin() {
    window.location.assign("/accounts/login/?next=" + encodeURIComponent(window.location.pathname));
  }

  // Keeps a websocket to `path` open, retrying with backoff. The server accepts, then closes
  // with 4401 without a login (we go to the login page), 4403 when this user may not listen
  // and 4404 for a path no screen serves; none of these is retried.
  // `indicator` shows the connection's state; onOpen and onEvent(event) are called.
  function watch(path, { indicator, onOpen, onEvent }) {
    let retryMs = RETRY_FIRST_MS;
    const show = (state, text) => {
      indicator.dataset.state = state;
      indicator.textContent = text;
    };
    const connect = () => {
      const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      const socket = new WebSocket(scheme + window.location.host + path);
      socket.addEventListener("open", () => {
        retryMs = RETRY_FIRST_MS;
        show("live", "Live");
        onOpen();
      });
      socket.addEventListener("message", (message) => {
        const event = JSON.parse(message.data);
        if (event.type !== "hello") onEvent(event);
      });
      socket.addEventListener("close", (event) => {
        if (event.code === 4401) return toLogin();
        if (event.code === 4403) return show("refused", "Not allowed");
        if (event.code === 4404) return show("refused", "No such screen");
        show("down", "Reconnecting…");
        window.setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      });
    };
    connect();
  }

  // A reader of `url` that never runs twice at once: a call while one runs asks for one more.
  function reader(url, onState, onError) {
    let running = null;
    let again = false;
    const read = () => {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          const response = await fetch(url, {
            credentials: "same-origin",
            headers: { Accept: "application/json" },
          });
          if (response.status === 401 || response.status === 403) return toLogin();
          if (!response.ok) throw new Error("the server answered " + response.status);
          onState(await response.json());
        } catch (error) {
          onError(error);
        } finally {
          running = null;
          if (again) {
            again = false;
            read();
          }
        }
      })();
      return running;
    };
    return read;
  }

  return { el, secondsUntil, secondsSince, clock, phone, watch, reader };
})();
