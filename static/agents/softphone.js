// The agent's phone in the desktop (docs/softphone.md). One controller, two transports with
// the same interface: VonageTransport (the vendored Vonage Client SDK, in production) and
// SandboxTransport (the sandbox's softphone websocket, with `make run` and in the tests). The
// server picks the transport from its configuration (#softphone's data-transport); the agent
// never does. Both log in with the token POST /api/agent/softphone/token gives the agent,
// renewed before it runs out.
//
// Transport interface: connect(token), refresh(token), answer(id), reject(id), hangup(id),
// mute(id, muted), close(); it reports through the handlers given to its constructor:
// onInvite(id, from), onInviteCancel(id, reason), onStatus(id, status), onHangup(id, reason),
// onMute(id, muted), onDown(reason) (the session was lost: the controller logs in again),
// onReconnecting(), onReconnected().
//
// Other modules can follow the phone: every change dispatches a `softphone:change` event on
// document with {state, call} in its detail, and #desktop carries data-phone="<state>".
(() => {
  "use strict";

  const root = document.getElementById("softphone");
  if (!root) return;
  const desktop = document.getElementById("desktop");
  const csrfToken = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const config = root.dataset;

  const CONNECT_TIMEOUT_MS = 15000;
  const RETRY_FIRST_MS = 2000;
  const RETRY_MAX_MS = 30000;
  const REFRESH_AT = 0.8; // of the token's lifetime

  // --- Transports ------------------------------------------------------------------------

  class VonageTransport {
    constructor(handlers) {
      if (!window.vonageClientSDK) {
        throw new Error("the Vonage Client SDK did not load");
      }
      const options = {};
      if (config.apiUrl) options.apiUrl = config.apiUrl;
      if (config.websocketUrl) options.websocketUrl = config.websocketUrl;
      const client = new window.vonageClientSDK.VonageClient(options);
      this.client = client;
      client.on("callInvite", (id, from) => handlers.onInvite(id, from));
      client.on("callInviteCancel", (id, reason) => handlers.onInviteCancel(id, String(reason)));
      client.on("legStatusUpdate", (id, legId, status) =>
        handlers.onStatus(id, String(status).toLowerCase()),
      );
      client.on("callHangup", (id, quality, reason) => handlers.onHangup(id, String(reason)));
      client.on("sessionError", (reason) => handlers.onDown("the session ended (" + reason + ")"));
      client.on("reconnecting", () => handlers.onReconnecting());
      client.on("reconnection", () => handlers.onReconnected());
    }
    async connect(token) {
      await this.client.createSession(token);
    }
    async refresh(token) {
      await this.client.refreshSession(token);
    }
    async answer(id) {
      await this.client.answer(id);
    }
    async reject(id) {
      await this.client.reject(id);
    }
    async hangup(id) {
      await this.client.hangup(id);
    }
    async mute(id, muted) {
      await (muted ? this.client.mute(id) : this.client.unmute(id));
    }
    close() {
      this.client.deleteSession().catch(() => {});
    }
  }

  class SandboxTransport {
    constructor(handlers) {
      this.handlers = handlers;
      this.socket = null;
    }
    connect(token) {
      return new Promise((resolve, reject) => {
        const socket = new WebSocket(config.sessionUrl + "?token=" + encodeURIComponent(token));
        let ready = false;
        this.socket = socket;
        socket.addEventListener("message", (message) => {
          const frame = JSON.parse(message.data);
          if (frame.type === "session:success") {
            ready = true;
            resolve();
          } else {
            this.receive(frame);
          }
        });
        socket.addEventListener("close", (event) => {
          if (socket !== this.socket) return; // closed on purpose
          const reason = event.reason || "the sandbox closed the connection (" + event.code + ")";
          if (ready) this.handlers.onDown(reason);
          else reject(new Error(reason));
        });
      });
    }
    receive(frame) {
      const h = this.handlers;
      if (frame.type === "callInvite") h.onInvite(frame.call_id, frame.from);
      else if (frame.type === "callInviteCancel") h.onInviteCancel(frame.call_id, frame.reason);
      else if (frame.type === "legStatusUpdate") h.onStatus(frame.call_id, frame.status);
      else if (frame.type === "callHangup") h.onHangup(frame.call_id, frame.reason);
      else if (frame.type === "mute") h.onMute(frame.call_id, frame.muted);
      else if (frame.type === "error") h.onError(frame.reason);
    }
    send(frame) {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
        return Promise.reject(new Error("the phone is not connected"));
      }
      this.socket.send(JSON.stringify(frame));
      return Promise.resolve();
    }
    refresh(token) {
      return this.send({ type: "refresh", token });
    }
    answer(id) {
      return this.send({ type: "answer", call_id: id });
    }
    reject(id) {
      return this.send({ type: "reject", call_id: id });
    }
    hangup(id) {
      return this.send({ type: "hangup", call_id: id });
    }
    mute(id, muted) {
      return this.send({ type: "mute", call_id: id, muted });
    }
    close() {
      const socket = this.socket;
      this.socket = null;
      if (socket) socket.close();
    }
  }

  const TRANSPORTS = { vonage: VonageTransport, sandbox: SandboxTransport };

  // --- The controller --------------------------------------------------------------------

  const status = root.querySelector(".phone-status");
  const callBox = root.querySelector(".phone-call");
  const callState = root.querySelector(".phone-call-state");
  const buttons = {
    answer: root.querySelector("button.phone-answer"),
    reject: root.querySelector("button.phone-reject"),
    mute: root.querySelector("button.phone-mute"),
    hangUp: root.querySelector("button.phone-hang-up"),
  };

  let transport = null;
  let user = "";
  let state = "connecting"; // connecting, ready, reconnecting, down
  let call = null; // {id, from, state: ringing|answering|connected, muted, since}
  let retryMs = RETRY_FIRST_MS;
  let attempt = 0;
  let refreshTimer = null;
  let retryTimer = null;

  function show() {
    root.dataset.state = state;
    desktop.dataset.phone = call ? call.state : state;
    if (state === "ready") status.textContent = "Phone ready (" + user + ")";
    callBox.hidden = !call;
    if (call) {
      const texts = {
        // `from` is the caller ID the call was placed with (the centre's number for the
        // calls routing places): the contact card says who the customer is.
        ringing: "Incoming call: answer to take it",
        answering: "Answering…",
        connected: call.muted ? "On a call (microphone muted)" : "On a call",
      };
      callState.textContent = texts[call.state];
      root.dataset.call = call.state;
      buttons.answer.hidden = buttons.reject.hidden = call.state !== "ringing";
      buttons.mute.hidden = buttons.hangUp.hidden = call.state !== "connected";
      buttons.mute.textContent = call.muted ? "Unmute microphone" : "Mute microphone";
    } else {
      delete root.dataset.call;
    }
    document.dispatchEvent(
      new CustomEvent("softphone:change", { detail: { state, call: call && { ...call } } }),
    );
  }

  function say(text) {
    status.textContent = text;
  }

  async function fetchToken() {
    let response;
    try {
      response = await fetch(config.tokenUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
      });
    } catch (error) {
      throw new Error("the server could not be reached");
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.detail || "the server answered " + response.status);
    user = body.user;
    return body;
  }

  function withTimeout(promise, ms, what) {
    return Promise.race([
      promise,
      new Promise((_, reject) =>
        window.setTimeout(() => reject(new Error(what + " did not answer in time")), ms),
      ),
    ]);
  }

  function handlers() {
    return {
      onInvite(id, from) {
        if (call) return; // one call at a time: the other one rings out
        call = { id, from: from || "", state: "ringing", muted: false };
        show();
      },
      onInviteCancel(id) {
        if (call && call.id === id) {
          call = null;
          show();
        }
      },
      onStatus(id, legStatus) {
        if (!call || call.id !== id) return;
        if (legStatus === "answered" && call.state !== "connected") {
          call.state = "connected";
          call.since = Date.now();
          show();
        }
      },
      onHangup(id) {
        if (call && call.id === id) {
          call = null;
          show();
        }
      },
      onMute(id, muted) {
        if (call && call.id === id) {
          call.muted = Boolean(muted);
          show();
        }
      },
      onError(reason) {
        say("The phone refused that: " + reason);
      },
      onDown(reason) {
        lost("Your phone is not connected: " + reason + ".");
      },
      onReconnecting() {
        state = "reconnecting";
        say("Your phone lost its connection: reconnecting…");
        show();
      },
      onReconnected() {
        state = "ready";
        show();
      },
    };
  }

  async function start() {
    window.clearTimeout(retryTimer);
    attempt += 1;
    state = "connecting";
    say("Connecting your phone…");
    show();
    let issued;
    try {
      issued = await fetchToken();
      const Transport = TRANSPORTS[config.transport];
      if (!Transport) throw new Error("no such phone transport: " + config.transport);
      transport = new Transport(handlers());
      await withTimeout(
        transport.connect(issued.token),
        CONNECT_TIMEOUT_MS,
        config.transport === "vonage" ? "Vonage" : "The sandbox",
      );
    } catch (error) {
      lost("Your phone is not connected: " + error.message + ".");
      return;
    }
    retryMs = RETRY_FIRST_MS;
    attempt = 0;
    state = "ready";
    scheduleRefresh(issued.lifetime);
    show();
  }

  // The session is gone or never came: say so plainly, then try again with backoff.
  function lost(text) {
    text = text.replace(/\.+$/, ".");
    window.clearTimeout(refreshTimer);
    if (transport) {
      try {
        transport.close();
      } catch (error) {
        // already closed
      }
      transport = null;
    }
    call = null;
    state = "down";
    const seconds = Math.round(retryMs / 1000);
    say(text + " Trying again in " + seconds + " s (attempt " + (attempt + 1) + ").");
    // `attempt` counts the tries since the phone was last connected.
    show();
    retryTimer = window.setTimeout(start, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  }

  function scheduleRefresh(lifetimeSeconds) {
    window.clearTimeout(refreshTimer);
    const lifetime = lifetimeSeconds || Number(config.tokenLifetime) || 900;
    refreshTimer = window.setTimeout(refresh, lifetime * REFRESH_AT * 1000);
  }

  async function refresh() {
    try {
      const issued = await fetchToken();
      await transport.refresh(issued.token);
      scheduleRefresh(issued.lifetime);
    } catch (error) {
      lost("Your phone could not renew its login: " + error.message + ".");
    }
  }

  // The browser asks the agent once; a refusal is said plainly, and the call keeps ringing.
  async function microphoneAllowed() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("This browser cannot use a microphone here (the desktop needs HTTPS or localhost).");
      return false;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      stream.getTracks().forEach((track) => track.stop());
      return true;
    } catch (error) {
      say(
        "Your browser refused the microphone (" + error.name + "): allow it for this site " +
          "in the browser's settings to take calls.",
      );
      return false;
    }
  }

  async function act(what) {
    if (!call || !transport) return;
    const id = call.id;
    try {
      if (what === "answer") {
        if (!(await microphoneAllowed())) return;
        call.state = "answering";
        show();
        await transport.answer(id);
      } else if (what === "reject") {
        await transport.reject(id);
        call = null;
        show();
      } else if (what === "hangUp") {
        await transport.hangup(id);
      } else if (what === "mute") {
        await transport.mute(id, !call.muted);
        if (config.transport === "vonage" && call) {
          call.muted = !call.muted; // the Client SDK mutes locally: no event comes back
          show();
        }
      }
    } catch (error) {
      say("The phone could not do that: " + error.message);
    }
  }

  // Click-to-call: the server places the agent's leg first (this phone rings), then the
  // customer's. Refusals (not available, not a number) are shown as the server words them.
  const dial = root.querySelector("form.phone-dial");
  dial.addEventListener("submit", async (event) => {
    event.preventDefault();
    const field = dial.querySelector("input[name=number]");
    let response;
    try {
      response = await fetch(dial.dataset.callUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          "Content-Type": "application/json",
          "X-CSRFToken": csrfToken,
        },
        body: JSON.stringify({ number: field.value }),
      });
    } catch (error) {
      say("The call could not be placed: the server could not be reached.");
      return;
    }
    if (response.ok) {
      field.value = "";
      // The phone may ring before this answer arrives: then the card already says so.
      if (!call) say("Calling… answer your phone to be connected.");
      return;
    }
    const body = await response.json().catch(() => ({}));
    const reason = body.detail || [].concat(body.number || []).join(" ") || response.status;
    say("The call could not be placed: " + reason);
  });

  for (const [what, button] of Object.entries(buttons)) {
    button.addEventListener("click", () => act(what));
  }
  window.setInterval(() => {
    if (call && call.state === "connected") {
      const seconds = Math.floor((Date.now() - call.since) / 1000);
      callState.textContent = (call.muted ? "On a call (microphone muted)" : "On a call") +
        " " + window.Screen.clock(seconds);
    }
  }, 1000);
  window.addEventListener("beforeunload", () => transport && transport.close());

  window.Softphone = { state: () => state, call: () => call && { ...call } };
  start();
})();
