/* The browser end of the live channel (protocol: dashboard/gateway/live.py).

   One websocket per tab. Events are buffered and written into the dcc.Store "live-events" at most
   ten times a second (one Store write per message freezes Dash above ~150 messages/s). The tab
   resumes from the last sequence number it saw after any reconnect, with exponential backoff, and
   the indicator "#live-status" says live, stale (connected but silent) or offline.
   Inert on pages without the indicator, and when the indicator says "off" (GASCC_LIVE=off). */
(function () {
  "use strict";
  const FLUSH_MS = 100;
  const STALE_MS = 25000; // the hub pings every 10 s
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 15000;
  const STORE_ID = "live-events";
  const SEQ_KEY = "gascc.live.seq";

  let socket = null;
  let buffer = [];
  let resync = false;
  let backoff = BACKOFF_MIN_MS;
  let lastHeard = 0;
  let lastSeq = Number(sessionStorage.getItem(SEQ_KEY) || 0);

  function indicator() {
    return document.getElementById("live-status");
  }

  function show(state) {
    const el = indicator();
    if (el && el.dataset.state !== state) {
      el.dataset.state = state;
      el.title = el.dataset["label" + state[0].toUpperCase() + state.slice(1)] || state;
    }
  }

  function remember(seq) {
    lastSeq = Math.max(lastSeq, seq);
    sessionStorage.setItem(SEQ_KEY, String(lastSeq));
  }

  function onMessage(raw) {
    lastHeard = Date.now();
    const message = JSON.parse(raw.data);
    if (message.op === "events") {
      for (const event of message.events) buffer.push(event);
      remember(message.events[message.events.length - 1].seq);
    } else if (message.op === "resync") {
      buffer = [];
      resync = true;
      remember(message.seq);
    } else if (message.op === "welcome" && lastSeq === 0) {
      remember(message.seq);
    }
  }

  function flush() {
    if ((!buffer.length && !resync) || !window.dash_clientside || !window.dash_clientside.set_props) return;
    window.dash_clientside.set_props(STORE_ID, {
      data: { seq: lastSeq, resync: resync, events: buffer, at: Date.now() },
    });
    buffer = [];
    resync = false;
  }

  async function connect() {
    const el = indicator();
    if (!el) return setTimeout(connect, 1000); // the shell is not drawn yet
    if (el.dataset.state === "off") return; // live updates are switched off for this app
    try {
      const response = await fetch("/api/live-token", { credentials: "same-origin" });
      if (response.status === 401) return show("offline"); // signed out: nothing to resume
      if (!response.ok) throw new Error("live token: HTTP " + response.status);
      const grant = await response.json();
      socket = new WebSocket(grant.url);
      socket.onopen = function () {
        socket.send(JSON.stringify({ op: "hello", token: grant.token, after: lastSeq }));
        backoff = BACKOFF_MIN_MS;
        lastHeard = Date.now();
      };
      socket.onmessage = onMessage;
      socket.onclose = retry;
    } catch (error) {
      retry();
    }
  }

  function retry() {
    socket = null;
    show("offline");
    setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
  }

  function watch() {
    if (socket && socket.readyState === WebSocket.OPEN) {
      show(Date.now() - lastHeard > STALE_MS ? "stale" : "live");
    }
  }

  setInterval(flush, FLUSH_MS);
  setInterval(watch, 1000);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", connect);
  } else {
    connect();
  }
})();
