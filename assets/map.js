/* Map styling functions referenced from Python with dash_extensions.javascript.Namespace
   ("gascc", "map"). Colours are decided on the server (feature.properties.fill); these only draw.
   Leaflet sizes markers in pixels, so they grow on a 4K wall like the rem-based text does. */
const gasccMarkerScale = function () {
  return window.innerWidth >= 2560 ? 1.8 : 1;
};
window.gascc = Object.assign({}, window.gascc, {
  map: {
    districtStyle: function (feature) {
      const fill = feature.properties.fill;
      return {
        className: "district-shape",
        fillColor: fill || "#2b3a4a",
        fillOpacity: fill ? 0.62 : 0.2,
        color: "#9fd3ec",
        weight: 1.2,
        opacity: 0.85,
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
      const put = function (id, kind, state, lat, lon, label) {
        const old = byId.get(id);
        const coords = lat == null ? old && old.geometry.coordinates : [lon, lat];
        if (!coords) return;
        byId.set(id, {
          type: "Feature", id: id, geometry: { type: "Point", coordinates: coords },
          properties: { kind: kind, state: state != null ? state : old && old.properties.state,
                        tooltip: label || (old && old.properties.tooltip) || id },
        });
        changed = true;
      };
      const drop = function (id) { changed = byId.delete(id) || changed; };
      for (const e of batch.events) {
        const d = e.data || {};
        switch (e.type) {
          case "alarm.raised": put("alarm:" + d.alarm_id, "alarm", d.level, d.lat, d.lon); break;
          case "alarm.acknowledged": put("alarm:" + d.alarm_id, "alarm", "acknowledged"); break;
          case "alarm.cleared": drop("alarm:" + d.alarm_id); break;
          case "incident.reported": put("incident:" + d.incident_id, "incident", d.severity, d.lat, d.lon); break;
          case "incident.closed": drop("incident:" + d.incident_id); break;
          case "team.position": put("team:" + d.team_id, "team", null, d.lat, d.lon); break;
          case "team.status": put("team:" + d.team_id, "team", d.status); break;
        }
      }
      return changed ? { type: "FeatureCollection", features: Array.from(byId.values()) } : noUpdate;
    },
    /* Ask the server for fresh counts at most every 2 s, and once more after the last event. */
    throttleCounts: function (live) {
      const noUpdate = window.dash_clientside.no_update;
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

window.gascc.map.livePoint = function (feature, latlng) {
  const p = feature.properties;
  const style = {
    alarm: { radius: 9, fillColor: p.state === "critical" ? "#ff2d55" : p.state === "acknowledged" ? "#ff9f0a" : "#ffd60a" },
    incident: { radius: 11, fillColor: "#ff3b30" },
    team: { radius: 7, fillColor: p.state === "available" ? "#34c759" : "#0a84ff" },
  }[p.kind] || { radius: 6, fillColor: "#ffffff" };
  style.radius *= gasccMarkerScale();
  return L.circleMarker(latlng, Object.assign({ color: "#ffffff", weight: 2, fillOpacity: 0.95, className: "live-" + p.kind }, style));
};
