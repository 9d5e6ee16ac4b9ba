/* The big screen (/screen, pages/screen.py): everything that must keep going without the server.

   - the city-time clock, every second;
   - the panel rotation (#screen[data-active], pace from data-rotate), and the incident response
     clocks counting up from their report time;
   - freshness: "updated hh:mm:ss" turns amber when no refresh has arrived for a while;
   - a watchdog: when Dash callbacks fail or the app's /healthz stops answering (network loss, an
     app restart), an unmistakable banner says since when, /healthz is polled with backoff, and
     the page reloads itself once the app answers again (the session cookie survives an app
     restart: the secret key is stable). It also reloads after a day, to start from clean memory.
   Network loss and gateway restarts of the live channel itself are assets/live.js's job.
   Inert on every other page. */
(function () {
  "use strict";
  const TICK_MS = 1000;
  const PROBE_EVERY_MS = 10000; // while all is well
  const PROBE_TIMEOUT_MS = 5000;
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  const CALL_FAILURES_LOST = 3; // failed callbacks in a row, though /healthz answers
  const RELOAD_AFTER_MS = 24 * 3600 * 1000;
  const RELOAD_GUARD_KEY = "gascc.screen.reloadedAt";
  const RELOAD_GUARD_MS = 5 * 60 * 1000; // never reload in a loop for a server-side bug
  const TICK_THROTTLE_MS = 3000;

  /* Leaflet styling, referenced from Python as Namespace("gascc", "screen"). */
  window.gascc = Object.assign({}, window.gascc);
  window.gascc.screen = {
    districtStyle: function (feature) {
      const fill = feature.properties.fill;
      return {
        fillColor: fill || "#2b3a4a", fillOpacity: fill ? 0.7 : 0.25,
        color: "#9fd3ec", weight: 1.5, opacity: 0.9,
      };
    },
    livePoint: function (feature, latlng) {
      const p = feature.properties;
      const scale = Math.max(1, window.innerWidth / 1920);
      const style = {
        alarm: { radius: 9, fillColor: p.state === "critical" ? "#ff2d55" : p.state === "acknowledged" ? "#ff9f0a" : "#ffd60a" },
        // the severity palette of the board and the One Map (app.css --gascc-sev-N)
        incident: { radius: 13, fillColor: getComputedStyle(document.documentElement).getPropertyValue("--gascc-sev-" + p.state).trim() || "#ff3b30" },
        team: { radius: 6, fillColor: p.state === "available" || p.state == null ? "#34c759" : "#0a84ff" },
      }[p.kind] || { radius: 6, fillColor: "#ffffff" };
      style.radius *= scale;
      return L.circleMarker(latlng, Object.assign(
        { color: "#ffffff", weight: 2 * scale, fillOpacity: 0.95, className: "screen-" + p.kind },
        style));
    },
  };

  /* Clientside callback (callbacks/screen.py): at most one server refresh per 3 s of live
     events, and one more after the last of a burst (as assets/map.js throttleCounts). */
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    gascc_screen: {
      throttle: function () {
        const noUpdate = window.dash_clientside.no_update;
        const now = Date.now();
        const state = (window.gasccScreenThrottle = window.gasccScreenThrottle || { last: 0, timer: null });
        if (now - state.last >= TICK_THROTTLE_MS) {
          state.last = now;
          return now;
        }
        if (!state.timer) {
          state.timer = setTimeout(function () {
            state.timer = null;
            state.last = Date.now();
            window.dash_clientside.set_props("screen-tick", { data: state.last });
          }, TICK_THROTTLE_MS - (now - state.last));
        }
        return noUpdate;
      },
    },
  });

  const opened = Date.now();
  let nextTurn = 0;
  let lostSince = null; // when the app stopped answering, or null
  let probing = false;
  let nextProbe = Date.now() + PROBE_EVERY_MS;
  let backoff = BACKOFF_MIN_MS;
  let callFailures = 0;
  let callsAlone = false; // lost only because callbacks failed while /healthz answered

  function screen() {
    return document.getElementById("screen");
  }

  function cityTime(date, zone, withSeconds) {
    const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone };
    if (withSeconds) options.second = "2-digit";
    try {
      return new Intl.DateTimeFormat("en-GB", options).format(date);
    } catch (error) { // an unknown zone: the browser's own time beats no time
      delete options.timeZone;
      return new Intl.DateTimeFormat("en-GB", options).format(date);
    }
  }

  /* "2026年11月24日 星期二" / "Tue, 24 Nov 2026": the way each language writes a date on a wall. */
  function cityDate(date, zone, lang) {
    const zh = lang === "zh";
    const day = { year: "numeric", month: zh ? "long" : "short", day: "numeric", timeZone: zone };
    const weekday = { weekday: zh ? "long" : "short", timeZone: zone };
    try {
      const locale = zh ? "zh-CN" : "en-GB";
      const dayText = new Intl.DateTimeFormat(locale, day).format(date);
      const weekdayText = new Intl.DateTimeFormat(locale, weekday).format(date);
      return zh ? dayText + " " + weekdayText : weekdayText + ", " + dayText;
    } catch (error) {
      return "";
    }
  }

  function drawClock(root, now) {
    const clock = document.getElementById("screen-clock");
    if (!clock) return;
    const zone = root.dataset.tz;
    const text = cityDate(now, zone, root.dataset.lang) + " " + cityTime(now, zone, true);
    if (clock.textContent !== text) clock.textContent = text;
  }

  function rotate(root, now) {
    const seconds = Math.max(2, Number(root.dataset.rotate) || 30);
    if (!nextTurn) nextTurn = now + seconds * 1000;
    if (now < nextTurn) return;
    const count = root.querySelectorAll(".screen-panel").length || 1;
    root.dataset.active = String((Number(root.dataset.active || 0) + 1) % count);
    nextTurn = now + seconds * 1000;
  }

  function countUp(root, now) {
    for (const cell of root.querySelectorAll(".clock.running[data-since]")) {
      const elapsed = Math.max(0, now - Number(cell.dataset.since));
      const minutes = Math.floor(elapsed / 60000);
      const seconds = Math.floor((elapsed % 60000) / 1000);
      const text = minutes + ":" + String(seconds).padStart(2, "0");
      if (cell.textContent !== text) cell.textContent = text;
      const late = window.gascc.responseLate(elapsed); // assets/gascc.js: the page's rules
      cell.classList.toggle("late", late);
      if (late && cell.parentElement) cell.parentElement.classList.add("breach");
    }
  }

  function markStale(root, now) {
    const updated = document.getElementById("screen-updated");
    const at = updated && Number(updated.dataset.at);
    if (!at) return;
    const limit = 2.5 * (Number(root.dataset.refresh) || 30) * 1000;
    updated.classList.toggle("stale", now - at > limit);
  }

  function showLost(root) {
    const banner = document.getElementById("screen-banner");
    if (!banner) return;
    const since = cityTime(new Date(lostSince), root.dataset.tz, false);
    banner.textContent = (root.dataset.lost || "Connection lost since {since}").replace("{since}", since);
    banner.hidden = false;
    root.classList.add("is-lost");
  }

  function lose(root, fromCalls) {
    if (lostSince === null) {
      lostSince = Date.now();
      callsAlone = Boolean(fromCalls);
    } else if (!fromCalls) {
      callsAlone = false; // /healthz failed too: the server itself was gone
    }
    showLost(root);
  }

  function reload() {
    const last = Number(sessionStorage.getItem(RELOAD_GUARD_KEY) || 0);
    if (Date.now() - last < RELOAD_GUARD_MS) return false;
    sessionStorage.setItem(RELOAD_GUARD_KEY, String(Date.now()));
    window.location.reload();
    return true;
  }

  async function probe(root) {
    probing = true;
    let ok = false;
    const abort = new AbortController();
    const timer = setTimeout(function () { abort.abort(); }, PROBE_TIMEOUT_MS);
    try {
      const response = await fetch("/healthz", { cache: "no-store", signal: abort.signal });
      ok = response.ok;
    } catch (error) {
      ok = false;
    } finally {
      clearTimeout(timer);
      probing = false;
    }
    if (!ok) {
      lose(root);
      nextProbe = Date.now() + backoff;
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      return;
    }
    backoff = BACKOFF_MIN_MS;
    nextProbe = Date.now() + PROBE_EVERY_MS;
    // Back: start afresh from the server. Callbacks still failing though the app answers?
    // Then a reload is the best a screen nobody touches can do (at most every 5 minutes).
    if (lostSince !== null && !callsAlone) {
      window.location.reload(); // the page then starts with nothing lost: no loop possible
      return;
    }
    if (callFailures >= CALL_FAILURES_LOST) {
      if (!reload()) nextProbe = Date.now() + RELOAD_GUARD_MS / 5;
      return;
    }
    if (Date.now() - opened > RELOAD_AFTER_MS) reload();
  }

  function tick() {
    const root = screen();
    if (!root) return;
    const now = Date.now();
    drawClock(root, new Date(now));
    rotate(root, now);
    countUp(root, now);
    markStale(root, now);
    if (callFailures >= CALL_FAILURES_LOST) lose(root, true);
    if (!probing && now >= nextProbe) probe(root);
  }

  /* Watch Dash's own requests: a failed callback is the first sign of a lost server. */
  const originalFetch = window.fetch.bind(window);
  window.fetch = function (resource, options) {
    const url = typeof resource === "string" ? resource : (resource && resource.url) || "";
    const result = originalFetch(resource, options);
    if (url.indexOf("/_dash-update-component") === -1 || !screen()) return result;
    return result.then(
      function (response) {
        if (response.ok || response.status === 204) {
          callFailures = 0;
        } else {
          callFailures += 1;
          nextProbe = Math.min(nextProbe, Date.now());
        }
        return response;
      },
      function (error) {
        callFailures += 1;
        nextProbe = Math.min(nextProbe, Date.now());
        throw error;
      }
    );
  };

  setInterval(tick, TICK_MS);
})();
