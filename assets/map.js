/* Map styling functions referenced from Python with dash_extensions.javascript.Namespace
   ("gascc", "map"). Colours are decided on the server (feature.properties.fill); these only draw.
   Leaflet sizes markers in pixels, so they grow on a 4K wall like the rem-based text does. */
const gasccMarkerScale = function () {
  return window.innerWidth >= 2560 ? 1.8 : 1;
};
/* An incident severity's colour: the palette is defined once, as CSS variables (app.css
   --gascc-sev-1..4), for the board, the One Map and the wall. */
const gasccSeverityColour = function (severity) {
  const colour = getComputedStyle(document.documentElement).getPropertyValue("--gascc-sev-" + severity);
  return colour.trim() || "#ff3b30";
};
/* Text for a place that takes HTML (Leaflet's tooltips): nothing in it is markup. */
const gasccEscapeHtml = function (text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
};

window.gascc = Object.assign({}, window.gascc, {
  map: {
    districtStyle: function (feature) {
      const fill = feature.properties.fill;
      const grid = feature.properties.grid;
      return {
        className: "district-shape",
        fillColor: fill || "#2b3a4a",
        fillOpacity: fill ? 0.62 : 0.2,
        color: "#9fd3ec",
        weight: grid ? 0.4 : 1.2,
        opacity: grid ? 0.35 : 0.85,
      };
    },
    districtHover: function () {
      return { weight: 3, color: "#ffffff" };
    },
    sitePoint: function (feature, latlng) {
      const colours = {
        filling_station: "#ff8c42", supply_point: "#ffd166", gate_station: "#06d6a0",
        regulator_station: "#4cc9f0", storage: "#c77dff", vehicle_station: "#f15bb5",
      };
      return L.circleMarker(latlng, {
        radius: 6 * gasccMarkerScale(), weight: 1.5, color: "#0b1622",
        fillColor: colours[feature.properties.kind] || "#e0e0e0", fillOpacity: 0.95,
      });
    },
    siteCluster: function (feature, latlng, index) {
      const count = feature.properties.point_count;
      const size = (count < 10 ? 30 : count < 100 ? 38 : 48) * gasccMarkerScale();
      const icon = L.divIcon({
        html: "<span>" + feature.properties.point_count_abbreviated + "</span>",
        className: "site-cluster",
        iconSize: L.point(size, size),
      });
      return L.marker(latlng, { icon: icon });
    },
  },
});

/* Clientside callbacks of the One Map (callbacks/one_map.py). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  gascc: {
    /* Fold the live events after this map's cursor into the moving-points layer: alarms,
       incidents, teams (assets/live.js keeps them; the Store only says that there are more). */
    applyLiveEvents: function (live, current) {
      const noUpdate = window.dash_clientside.no_update;
      const reader = window.gasccLive;
      if (!live || !reader) return noUpdate;
      if (window.gasccReplaying) { // the layer shows the past; back at live it reloads
        window.gasccMapCursor = 0;
        return noUpdate;
      }
      const cursor = window.gasccMapCursor || 0; // 0: the layer was just loaded from the server
      const batch = reader.since(cursor);
      window.gasccMapCursor = batch.newest;
      if (cursor && !batch.complete) {
        reader.resync(); // fell behind what the tab keeps: reload the layer from the server
        return noUpdate;
      }
      if (!batch.events.length) return noUpdate;
      const byId = new Map(((current && current.features) || []).map((f) => [f.id, f]));
      let changed = false;
      const put = function (id, kind, state, lat, lon, label, extra) {
        const old = byId.get(id);
        const coords = lat == null ? old && old.geometry.coordinates : [lon, lat];
        if (!coords) return;
        const before = (old && old.properties) || {};
        const properties = Object.assign({}, before, extra || {}, {
          kind: kind, state: state != null ? state : before.state,
        });
        // Leaflet draws a tooltip as HTML: the server escapes the ones it sends, and an id
        // from the live channel is whatever a source sent, so it is escaped here.
        if (kind !== "incident") properties.tooltip = label || before.tooltip || gasccEscapeHtml(id);
        byId.set(id, {
          type: "Feature", id: id, geometry: { type: "Point", coordinates: coords },
          properties: properties,
        });
        changed = true;
      };
      const at = function (e) { return Date.parse(e.occurred_at) || Date.now(); };
      const drop = function (id) { changed = byId.delete(id) || changed; };
      for (const e of batch.events) {
        const d = e.data || {};
        switch (e.type) {
          case "alarm.raised": put("alarm:" + d.alarm_id, "alarm", d.level, d.lat, d.lon); break;
          case "alarm.acknowledged": put("alarm:" + d.alarm_id, "alarm", "acknowledged"); break;
          case "alarm.cleared": drop("alarm:" + d.alarm_id); break;
          case "incident.reported":
            put("incident:" + d.incident_id, "incident", d.severity, d.lat, d.lon, null,
                { reported_ms: at(e), label: d.address || d.incident_id });
            break;
          case "incident.update":
            if (d.status === "on_scene" && byId.has("incident:" + d.incident_id)) {
              put("incident:" + d.incident_id, "incident", null, null, null, null, { on_scene_ms: at(e) });
            }
            break;
          case "incident.closed": drop("incident:" + d.incident_id); break;
          case "team.position": put("team:" + d.team_id, "team", null, d.lat, d.lon); break;
          case "team.status": put("team:" + d.team_id, "team", d.status); break;
          case "incident.dispatched": // the desk's dispatch marks its teams at once
            (d.team_ids || []).forEach((id) => put("team:" + id, "team", "dispatched"));
            break;
        }
      }
      return changed ? { type: "FeatureCollection", features: Array.from(byId.values()) } : noUpdate;
    },
    /* Ask the server for fresh counts at most every 2 s, and once more after the last event. */
    throttleCounts: function (live) {
      const noUpdate = window.dash_clientside.no_update;
      if (window.gasccReplaying) return noUpdate;
      const now = Date.now();
      const state = (window.gasccCountsThrottle = window.gasccCountsThrottle || { last: 0, timer: null });
      if (now - state.last >= 2000) {
        state.last = now;
        return now;
      }
      if (!state.timer) {
        state.timer = setTimeout(function () {
          state.timer = null;
          state.last = Date.now();
          window.dash_clientside.set_props("one-map-counts-tick", { data: state.last });
        }, 2000 - (now - state.last));
      }
      return noUpdate;
    },
  },
});

/* Assigned once (bench/live_latency_probe.js traps this assignment). Incidents get a permanent
   response clock beside their circle (gasccClockText, further down: called only when drawing). */
window.gascc.map.livePoint = function (feature, latlng) {
  const p = feature.properties;
  const style = {
    alarm: { radius: 9, fillColor: p.state === "critical" ? "#ff2d55" : p.state === "acknowledged" ? "#ff9f0a" : "#ffd60a" },
    incident: { radius: 11, fillColor: gasccSeverityColour(p.state) },
    team: { radius: 7, fillColor: p.state === "available" ? "#34c759" : "#0a84ff" },
  }[p.kind] || { radius: 6, fillColor: "#ffffff" };
  style.radius *= gasccMarkerScale();
  const marker = L.circleMarker(latlng, Object.assign({ color: "#ffffff", weight: 2, fillOpacity: 0.95, className: "live-" + p.kind }, style));
  if (p.kind === "incident" && p.reported_ms) {
    const clock = gasccClockText(p.reported_ms, p.on_scene_ms);
    marker.bindTooltip(
      "<span class='incident-clock' data-reported='" + p.reported_ms + "' data-onscene='" +
        (p.on_scene_ms || "") + "'>" + clock.text + "</span>",
      { permanent: true, direction: "right", className: "clock-tip" + (clock.breach ? " breach" : "") },
    );
    marker.on("add", gasccDeclutterSoon); // the layer's markers are added one by one
  }
  return marker;
};

/* --- One Map layers ------------------------------------------------------------------------ */

/* Incidents carry a response clock: minutes since reported, until a team is on scene. Once late
   with no team there (gascc.responseLate, from the rules the page carries: assets/gascc.js) the
   clock turns red and blinks. The clocks are redrawn every 15 s here, in the browser, so no
   server round trip is needed for time passing. */
const gasccClockText = function (reported, onScene) {
  if (!reported) return { text: "", breach: false };
  const end = onScene || Date.now();
  const minutes = Math.max(0, Math.floor((end - reported) / 60000));
  return { text: (onScene ? "✓ " : "") + minutes + "′", breach: !onScene && window.gascc.responseLate(end - reported) };
};
const gasccRefreshClocks = function () {
  document.querySelectorAll(".incident-clock[data-reported]").forEach(function (el) {
    const clock = gasccClockText(Number(el.dataset.reported), Number(el.dataset.onscene) || 0);
    el.textContent = clock.text;
    el.closest(".leaflet-tooltip") && el.closest(".leaflet-tooltip").classList.toggle("breach", clock.breach);
  });
  gasccDeclutterClocks();
};
setInterval(gasccRefreshClocks, 15000);

/* Incidents close together would stack their clocks into an unreadable pile. Of clocks that
   overlap on screen, the most urgent stays (late without a team first, then the longest
   waiting) and says "+N" for the ones hidden under it; the hidden ones come back when a zoom
   spreads them out. Markers stay: only their labels give way. */
const gasccClockUrgency = function (tip) {
  const el = tip.querySelector(".incident-clock");
  const waiting = el && !el.dataset.onscene;
  return [tip.classList.contains("breach") ? 0 : 1, waiting ? 0 : 1, Number(el && el.dataset.reported) || 0];
};
const gasccDeclutterClocks = function () {
  const tips = Array.from(document.querySelectorAll(".leaflet-tooltip.clock-tip"));
  tips.forEach(function (tip) { tip.classList.remove("crowded"); delete tip.dataset.more; });
  const ranked = tips.map(function (tip) { return { tip: tip, key: gasccClockUrgency(tip), box: tip.getBoundingClientRect() }; })
    .sort(function (a, b) { return a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2]; });
  const kept = [];
  ranked.forEach(function (item) {
    const over = kept.find(function (k) {
      return !(item.box.right < k.box.left || item.box.left > k.box.right ||
               item.box.bottom < k.box.top || item.box.top > k.box.bottom);
    });
    if (!over) { kept.push(item); item.more = 0; return; }
    item.tip.classList.add("crowded");
    over.more += 1;
    over.tip.dataset.more = String(over.more);
  });
};
let gasccDeclutterQueued = false;
const gasccDeclutterSoon = function (event) {
  const map = event && event.target && event.target._map;
  if (map && !map._gasccClocksWatched) { // re-sort after every zoom, once per map
    map._gasccClocksWatched = true;
    map.on("zoomend", function () { requestAnimationFrame(gasccDeclutterClocks); });
  }
  // The layer redraws all its markers at once on every live update: sort them out before the
  // next paint, so that the pile never flashes.
  if (gasccDeclutterQueued) return;
  gasccDeclutterQueued = true;
  requestAnimationFrame(function () {
    gasccDeclutterQueued = false;
    gasccDeclutterClocks();
  });
};

/* The map container says its zoom level (data-zoom), so CSS can hide crowded labels. */
const gasccWatchZoom = function (layer) {
  layer.on("add", function () {
    const map = layer._map;
    if (!map || map._gasccZoomWatched) return;
    map._gasccZoomWatched = true;
    const mark = function () { map.getContainer().dataset.zoom = Math.floor(map.getZoom()); };
    map.on("zoomend", mark);
    mark();
  });
  return layer;
};

const gasccFlaggedCluster = function (feature, latlng, index, className, flagged) {
  const count = feature.properties.point_count;
  let flag = false;
  try {
    flag = index.getLeaves(feature.properties.cluster_id, Infinity)
      .some(function (leaf) { return leaf.properties.state === flagged; });
  } catch (e) { flag = false; }
  const size = (count < 10 ? 24 : count < 100 ? 32 : 40) * gasccMarkerScale();
  const icon = L.divIcon({
    html: "<span>" + feature.properties.point_count_abbreviated + "</span>",
    className: className + (flag ? " flagged" : ""),
    iconSize: L.point(size, size),
  });
  return L.marker(latlng, { icon: icon });
};

Object.assign(window.gascc.map, {
  /* A district's value (and its name where there is room: small districts show the value only
     at city zoom, see app.css). */
  areaLabel: function (feature, latlng) {
    const p = feature.properties;
    const html = "<span class='area-name'>" + p.name + "</span>" + (p.shown ? "<b>" + p.shown + "</b>" : "");
    const icon = L.divIcon({
      html: html, className: "district-label" + (p.small ? " small-district" : ""),
      iconSize: p.small ? [64, 28] : [110, 36], iconAnchor: p.small ? [32, 14] : [55, 18],
    });
    // above cluster markers and points: in central Wuhan a cluster would cover the label
    return gasccWatchZoom(L.marker(latlng, { icon: icon, interactive: false, keyboard: false, zIndexOffset: 10000 }));
  },
  flowStyle: function (feature) {
    const w = feature.properties.weight || 1;
    return { color: "#35c2e8", weight: Math.min(10, 1.5 + Math.log2(1 + w) * 1.6) * gasccMarkerScale(),
             opacity: 0.75, className: "flow-line" };
  },
  anomalyPoint: function (feature, latlng) {
    return L.circleMarker(latlng, {
      radius: 6 * gasccMarkerScale(), color: "#ff1744", weight: 2.5, fillColor: "#111111",
      fillOpacity: 1, className: "anomaly-" + feature.properties.kind,
    });
  },
  pulsePoint: function (feature, latlng) {
    return L.circleMarker(latlng, {
      radius: 7 * gasccMarkerScale(), color: "#7cfc00", weight: 2, fillColor: "#7cfc00",
      fillOpacity: 0.5, className: "scan-pulse", interactive: false,
    });
  },
  resourcePoint: function (feature, latlng) {
    const size = 10 * gasccMarkerScale();
    const icon = L.divIcon({
      html: "", className: "resource-mark resource-" + feature.properties.kind,
      iconSize: [size, size],
    });
    return L.marker(latlng, { icon: icon });
  },
  hazardPoint: function (feature, latlng) {
    const colours = { open: "#ffb020", overdue: "#ff1744", closed_today: "#00c853" };
    const p = feature.properties;
    const ring = p.escalation ? "#e040fb" : (p.state === "overdue" ? "#ffffff" : "#0b1622");
    return L.circleMarker(latlng, {
      radius: (p.state === "overdue" ? 7 : 5) * gasccMarkerScale(),
      color: ring, weight: p.escalation ? 3 : (p.state === "overdue" ? 2 : 1),
      fillColor: colours[p.state] || "#ffb020", fillOpacity: 0.95,
      className: "hazard-" + p.state + (p.level === "major" ? " hazard-major" : "")
        + (p.escalation ? " hazard-escalated" : ""),
    });
  },
  /* Clusters of hazards (sensors) turn red when they hold any overdue hazard (sensor in alarm),
     so a problem never hides inside a cluster. */
  hazardCluster: function (feature, latlng, index) {
    return gasccFlaggedCluster(feature, latlng, index, "hazard-cluster", "overdue");
  },
  sensorCluster: function (feature, latlng, index) {
    return gasccFlaggedCluster(feature, latlng, index, "sensor-cluster", "alarm");
  },
  pipelineStyle: function (feature) {
    const colours = { low: "#4fc3f7", medium: "#ffca28", high: "#ff5252" };
    const p = feature.properties.pressure;
    return { color: colours[p] || "#9e9e9e", weight: (p === "high" ? 3.5 : p === "medium" ? 2.5 : 1.6) * gasccMarkerScale(),
             opacity: 0.9, className: "pipe-" + p };
  },
  excavationBuffer: function (feature, latlng) {
    const p = feature.properties;
    return L.circle(latlng, {
      radius: p.radius || 50, color: p.signed ? "#00e5ff" : "#ff6d00", weight: 2,
      dashArray: "6 4", fillOpacity: 0.15, className: "excavation-buffer",
    });
  },
  sensorPoint: function (feature, latlng) {
    const alarm = feature.properties.state === "alarm";
    return L.circleMarker(latlng, {
      radius: (alarm ? 7 : 4) * gasccMarkerScale(), color: alarm ? "#ffffff" : "#0b1622",
      weight: alarm ? 2 : 1, fillColor: alarm ? "#ff1744" : "#64dd17", fillOpacity: 0.95,
      className: "sensor-" + feature.properties.state,
    });
  },
});

/* Live pulses: each cylinder scan from the live channel flashes where it happened for 20 s. */
window.dash_clientside.gascc.applyScanPulses = function (live, current) {
  const noUpdate = window.dash_clientside.no_update;
  const reader = window.gasccLive;
  if (!live || !reader) return noUpdate;
  const cursor = window.gasccPulseCursor || 0;
  const batch = reader.since(cursor);
  window.gasccPulseCursor = batch.newest || cursor;
  if (window.gasccReplaying) return noUpdate; // no pulses of the present over the past
  const now = Date.now();
  const kept = ((current && current.features) || []).filter(function (f) {
    return now - f.properties.t < 20000;
  });
  let added = 0;
  for (const e of batch.events) {
    const d = e.data || {};
    if (e.type !== "cylinder.scanned" || d.lat == null) continue;
    if (now - (Date.parse(e.occurred_at) || now) > 20000) continue; // older than a pulse lasts
    kept.push({
      type: "Feature", geometry: { type: "Point", coordinates: [d.lon, d.lat] },
      properties: { t: now, stage: d.stage },
    });
    added += 1;
  }
  const before = (current && current.features) || [];
  if (!added && kept.length === before.length) return noUpdate;
  return { type: "FeatureCollection", features: kept.slice(-300) };
};

/* The time slider (callbacks/one_map_replay.py). `replayMode` marks the map as showing the past
   (live events wait); `replayControl` plays the last 24 hours: the play button starts from the
   oldest moment (or where the slider stands), the timer steps forward, and live stops it. */
window.dash_clientside.gascc.replayMode = function (minutes, className) {
  window.gasccReplaying = Boolean(minutes && minutes < 0);
  const classes = (className || "").split(" ").filter(function (c) { return c && c !== "replaying"; });
  if (window.gasccReplaying) classes.push("replaying");
  return classes.join(" ");
};
window.dash_clientside.gascc.replayControl = function (_clicks, _ticks, minutes, step, oldest, stopped) {
  const noUpdate = window.dash_clientside.no_update;
  const playIcon = { props: { className: "bi bi-play-fill" }, type: "I", namespace: "dash_html_components" };
  const pauseIcon = { props: { className: "bi bi-pause-fill" }, type: "I", namespace: "dash_html_components" };
  const trigger = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
  const current = minutes || 0;
  if (trigger.indexOf("n_clicks") >= 0) {
    if (!stopped) return [noUpdate, true, playIcon]; // pause where it stands
    return [current < 0 ? current : oldest, false, pauseIcon];
  }
  if (stopped) return [noUpdate, noUpdate, noUpdate];
  const next = Math.min(0, current + 2 * step);
  return next >= 0 ? [0, true, playIcon] : [next, false, noUpdate];
};
