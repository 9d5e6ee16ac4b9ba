/* The incident desk in the browser: live ticks for incident pages and the response clocks.

   gascc.incidents.liveTick(live, key): a clientside callback's body. When the live channel
   brings events about incidents or teams (after this consumer's own cursor, kept per `key`), it
   returns a new tick (Date.now()) at most every 500 ms, so the page reloads its view from the
   server within a second of the event; otherwise no_update.

   Response clocks: any element with class "response-clock" and data-reported (ms since epoch),
   optionally data-onscene (ms), shows minutes:seconds from the report until the first team is
   on scene (or until now), and gets the class "breach" once late (gascc.responseLate, from the
   rules the page carries: assets/gascc.js), redrawn every second here without a server round
   trip. */
(function () {
  "use strict";
  const MIN_GAP_MS = 500;
  const cursors = {};
  const pending = {};

  function relevant(type) {
    return type.startsWith("incident.") || type === "team.status" || type === "team.position";
  }

  function liveTick(live, key) {
    const noUpdate = window.dash_clientside.no_update;
    const name = key || "incidents";
    if (!window.gasccLive) return noUpdate;
    const got = window.gasccLive.since(cursors[name] || 0);
    cursors[name] = Math.max(cursors[name] || 0, got.newest || 0);
    const wanted = !got.complete || got.events.some((e) => relevant(e.type));
    if (!wanted) return noUpdate;
    const state = (pending[name] = pending[name] || { last: 0, timer: null, output: null });
    const now = Date.now();
    if (now - state.last >= MIN_GAP_MS) {
      state.last = now;
      return now;
    }
    if (!state.timer) {
      const outputId = window.dash_clientside.callback_context.outputs_list.id;
      state.timer = setTimeout(function () {
        state.timer = null;
        state.last = Date.now();
        window.dash_clientside.set_props(outputId, { data: state.last });
      }, MIN_GAP_MS - (now - state.last));
    }
    return noUpdate;
  }

  function clockText(ms) {
    const seconds = Math.max(0, Math.floor(ms / 1000));
    const minutes = Math.floor(seconds / 60);
    const rest = String(seconds % 60).padStart(2, "0");
    return minutes + ":" + rest;
  }

  function refreshClocks() {
    const now = Date.now();
    document.querySelectorAll(".response-clock[data-reported]").forEach(function (el) {
      const reported = Number(el.dataset.reported);
      const onScene = Number(el.dataset.onscene) || 0;
      const elapsed = (onScene || now) - reported;
      el.textContent = (onScene ? "✓ " : "") + clockText(elapsed);
      el.classList.toggle("breach", window.gascc.responseLate(elapsed));
      el.classList.toggle("running", !onScene);
    });
  }

  setInterval(refreshClocks, 1000);
  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.gascc = window.dash_clientside.gascc || {};
  window.dash_clientside.gascc.incidentsLiveTick = liveTick;
  window.gascc = window.gascc || {};
  window.gascc.incidents = { liveTick: liveTick, refreshClocks: refreshClocks, clockText: clockText };
})();
