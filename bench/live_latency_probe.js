/* Injected by bench/live_latency.py into every tab before the page's own scripts run.

   Records, per probe id ("lp-000042"), the first wall-clock time (Date.now(), the same clock
   as Python's time.time()) at which the probe
     arrived: was in a message of the /live websocket (mode "live") or in the body of a Dash
              callback response (mode "poll");
     stored:  was in a batch assets/live.js announced to the page (its "gascc:live-batch"
              event, fired as it writes the "live-events" dcc.Store) (mode "live");
     applied: was among the events the One Map's clientside callback applyLiveEvents folded
              into the live layer (those after the map's cursor, window.gasccMapCursor)
              (mode "live");
     drawn:   was on screen: its One Map marker was added to the map (Leaflet's "add" event of
              the layer made by window.gascc.map.livePoint), or an element with its
              data-probe attribute was in the DOM (mode "poll"), and then one frame was painted
              (requestAnimationFrame, then the next task).
   window.__LIVE_LATENCY_MODE is set by the benchmark before this script. Results are read
   with page.evaluate("window.__liveLatency"). */
(function () {
  "use strict";
  const mode = window.__LIVE_LATENCY_MODE || "live";
  const PROBE_ID = /"(lp-\d+)"/g;
  const marks = { arrived: {}, stored: {}, applied: {}, drawn: {} };
  Object.assign(marks, { messages: 0, resyncs: 0, storeWrites: 0, applyCalls: 0 });
  const painting = new Set();
  window.__liveLatency = marks;

  function first(kind, id, at) {
    if (!(id in marks[kind])) marks[kind][id] = at;
  }

  function scan(kind, text) {
    if (typeof text !== "string" || text.indexOf('"lp-') < 0) return;
    const now = Date.now();
    for (const match of text.matchAll(PROBE_ID)) first(kind, match[1], now);
  }

  function drawnAfterPaint(id) {
    if (id in marks.drawn || painting.has(id)) return;
    painting.add(id);
    requestAnimationFrame(function () {
      setTimeout(function () {
        first("drawn", id, Date.now());
        painting.delete(id);
      }, 0);
    });
  }

  function hookWebSocket() {
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener("message", function (event) {
          marks.messages += 1;
          if (event.data.length < 100 && event.data.includes('"resync"')) marks.resyncs += 1;
          scan("arrived", event.data);
        });
      }
    };
  }

  function probesIn(kind, events) {
    const now = Date.now();
    for (const event of events || []) {
      if (event.type === "incident.reported" && /^lp-/.test(event.id)) first(kind, event.id, now);
    }
  }

  /* live.js's batches (stored), and the One Map's clientside callback that folds the events
     after its cursor into the live layer (applied). */
  function hookStoreWrites() {
    window.addEventListener("gascc:live-batch", function (event) {
      marks.storeWrites += 1;
      probesIn("stored", event.detail);
    });
    setInterval(function () {
      const clientside = window.dash_clientside;
      const gascc = clientside && clientside.gascc;
      if (gascc && gascc.applyLiveEvents && !gascc.applyLiveEvents.__probed) {
        const apply = gascc.applyLiveEvents;
        gascc.applyLiveEvents = function () {
          marks.applyCalls += 1;
          if (window.gasccLive) {
            probesIn("applied", window.gasccLive.since(window.gasccMapCursor || 0).events);
          }
          return apply.apply(this, arguments);
        };
        gascc.applyLiveEvents.__probed = true;
      }
    }, 20);
  }

  /* assets/map.js assigns window.gascc once, then window.gascc.map.livePoint: trap both. */
  function hookLivePoint() {
    let gascc;
    Object.defineProperty(window, "gascc", {
      configurable: true,
      get: () => gascc,
      set: function (value) {
        gascc = value;
        if (value && value.map) trapLivePoint(value.map);
      },
    });
  }

  function trapLivePoint(map) {
    let native = map.livePoint;
    const wrapped = function (feature, latlng) {
      const layer = native(feature, latlng);
      const id = String(feature.id || "");
      if (id.startsWith("incident:lp-")) {
        layer.once("add", () => drawnAfterPaint(id.slice("incident:".length)));
      }
      return layer;
    };
    Object.defineProperty(map, "livePoint", {
      configurable: true,
      enumerable: true,
      get: () => native && wrapped,
      set: (value) => {
        native = value;
      },
    });
  }

  function hookFetch() {
    const native = window.fetch;
    window.fetch = function (resource) {
      return native.apply(this, arguments).then(function (response) {
        if (String(resource && resource.url ? resource.url : resource).includes("_dash-update")) {
          response.clone().text().then((text) => scan("arrived", text));
        }
        return response;
      });
    };
  }

  function watchProbeElements() {
    const seen = function () {
      for (const el of document.querySelectorAll("[data-probe]")) drawnAfterPaint(el.dataset.probe);
    };
    const start = function () {
      new MutationObserver(seen).observe(document.body, {
        childList: true,
        subtree: true,
        characterData: true,
        attributes: true,
        attributeFilter: ["data-probe"],
      });
    };
    if (document.body) start();
    else document.addEventListener("DOMContentLoaded", start);
  }

  if (mode === "live") {
    hookWebSocket();
    hookStoreWrites();
    hookLivePoint();
  } else {
    hookFetch();
    watchProbeElements();
  }
})();
