/* The browser end of the live channel (protocol: dashboard/gateway/live.py).

   One websocket per tab. Events are kept in a bounded list of recent events, and the dcc.Store
   "live-events" gets a small note ({seq, at}) at most ten times a second, and not for sensor
   readings alone: one Store write per message would freeze Dash above ~150 messages/s. Dash may coalesce Store writes that come
   quickly, so the events themselves are not in the Store: each consumer (a page's clientside
   callback) reads what came after its own cursor with window.gasccLive.since(seq), and nothing
   is skipped. A "resync" from the hub, or a consumer that fell behind the kept events, writes
   "live-resync" and the page reloads its data from the server. The tab resumes from the last
   sequence number it saw after any reconnect, with exponential backoff, and the indicator
   "#live-status" says live, stale (connected but silent) or offline. Inert on pages without the
   indicator, and when the indicator says "off" (GASCC_LIVE=off). */
(function () {
  "use strict";
  const FLUSH_MS = 100;
  const RECENT_MAX = 5000; // events kept for the page's consumers
  const STALE_MS = 25000; // the hub pings every 10 s
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 15000;
  const STORE_ID = "live-events";
  const RESYNC_ID = "live-resync";
  const SEQ_KEY = "gascc.live.seq";
  // Kept for whoever reads them, but never a reason to wake the page: readings change nothing
  // on screen by themselves (a reading out of range arrives as its own alarm.raised).
  const QUIET_TYPES = new Set(["sensor.reading"]);

  let socket = null;
  let recent = []; // oldest first
  let forgottenThrough = 0; // the newest seq no longer kept (trimmed, or skipped by a resync)
  let reloadedThrough = 0; // a resync made the page reload from the server as of this seq
  let fresh = []; // arrived since the last Store write
  let wake = false; // something in `fresh` may change what the page shows
  let resync = false;
  let lastFlush = 0;
  let flushTimer = null;
  let backoff = BACKOFF_MIN_MS;
  let lastHeard = 0;
  let lastSeq = Number(sessionStorage.getItem(SEQ_KEY) || 0);

  window.gasccLive = {
    /* The kept events after `seq`, oldest first; `complete` is false when some are forgotten
       (the caller should ask for a resync: window.gasccLive.resync()). */
    since: function (seq) {
      const events = recent.filter((e) => e.seq > seq);
      const complete = seq >= forgottenThrough || reloadedThrough >= forgottenThrough;
      return { events: events, complete: complete, newest: lastSeq };
    },
    resync: function () {
      reloadedThrough = lastSeq;
      resync = true;
      schedule();
    },
  };

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

  function keep(events) {
    for (const event of events) {
      recent.push(event);
      fresh.push(event);
      wake = wake || !QUIET_TYPES.has(event.type);
    }
    if (recent.length > RECENT_MAX) {
      const gone = recent.splice(0, recent.length - RECENT_MAX);
      forgottenThrough = gone[gone.length - 1].seq;
    }
  }

  function onMessage(raw) {
    lastHeard = Date.now();
    const message = JSON.parse(raw.data);
    if (message.op === "events") {
      keep(message.events);
      remember(message.events[message.events.length - 1].seq);
      schedule();
    } else if (message.op === "resync") {
      recent = [];
      fresh = [];
      wake = false;
      forgottenThrough = reloadedThrough = message.seq;
      resync = true;
      remember(message.seq);
      schedule();
    } else if (message.op === "welcome" && lastSeq === 0) {
      remember(message.seq);
      forgottenThrough = reloadedThrough = message.seq; // the page loaded after all of these
    }
  }

  /* At once if the last write was at least FLUSH_MS ago, else when that much time has passed. */
  function schedule() {
    if (flushTimer) return;
    const wait = Math.max(0, lastFlush + FLUSH_MS - Date.now());
    flushTimer = setTimeout(flush, wait);
  }

  function flush() {
    flushTimer = null;
    const clientside = window.dash_clientside;
    if (!clientside || !clientside.set_props) return setTimeout(schedule, FLUSH_MS);
    lastFlush = Date.now();
    if (resync) clientside.set_props(RESYNC_ID, { data: { seq: lastSeq, at: lastFlush } });
    if (fresh.length) window.dispatchEvent(new CustomEvent("gascc:live-batch", { detail: fresh }));
    if (wake) clientside.set_props(STORE_ID, { data: { seq: lastSeq, at: lastFlush } });
    fresh = [];
    wake = false;
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

  setInterval(watch, 1000);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", connect);
  } else {
    connect();
  }
})();
