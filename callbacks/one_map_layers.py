"""The One Map's overlays: what each loads, when, and its legend (pages/one_map.py lays them out).

Small layers load with the page; heavy ones (hazards, pipelines, excavations, sensors) load the
first time they are switched on, so the first paint stays light at Wuhan scale. Flows, hazards,
sensors and excavations are refreshed every 30 s while on; emergency points move with live events
(assets/map.js) and are reloaded only on a resync.
"""

from __future__ import annotations

import html as html_text
from datetime import UTC, datetime
from typing import Any

from dash import ClientsideFunction, Input, Output, State, clientside_callback, html, no_update

from callbacks.one_map_detail import finding_text
from dashboard import ids
from dashboard.auth import current_scope
from dashboard.domain.flows import FlowLine
from dashboard.domain.periods import Periods, city_periods
from dashboard.guard import page_callback
from dashboard.i18n import current_language, t, t_or
from dashboard.resources import resources
from data_access.queries import map_layers
from data_access.queries import one_map as queries
from data_access.queries.map_layers import (
    CylinderAnomaly,
    ExcavationSite,
    HazardPoint,
    IncidentClock,
    PipelineLine,
    ResourcePoint,
    SensorPoint,
)
from data_access.queries.one_map import MovingPoint, SitePoint

callback = page_callback("one_map")

LAZY = ("hazards", "pipelines", "excavations", "sensors")
HAZARD_COLOURS = {"open": "#ffb020", "overdue": "#ff1744", "closed_today": "#00c853"}
ESCALATED_RING = "#e040fb"  # an escalated hazard's ring (assets/map.js draws it)
PIPE_COLOURS = {"low": "#4fc3f7", "medium": "#ffca28", "high": "#ff5252"}
RESOURCE_COLOURS = {"vehicle": "#40c4ff", "supply_depot": "#b388ff", "expert": "#f8bbd0"}
COORD_DECIMALS = 5  # about a metre: enough for a city map, and a third fewer bytes


def _periods() -> Periods:
    return city_periods(datetime.now(UTC), resources().settings.time_zone)


def overlay_keys(names: list[str] | None, lang: str) -> set[str]:
    """The keys of the overlays switched on, from the layer control's (translated) names."""
    from pages.one_map import OVERLAYS

    shown = set(names or [])
    return {key for key in OVERLAYS if t(f"map.layer.{key}", lang) in shown}


def _point(lat: float, lon: float, properties: dict[str, Any], fid: str | None = None) -> dict:
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": properties,
    }
    if fid is not None:
        feature["id"] = fid
    return feature


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


# --- sites and emergency points (with the page) --------------------------------------------


@callback(
    Output(ids.MAP_SITES, "data"),
    Output(ids.MAP_LIVE, "data"),
    Input(ids.MAP, "id"),
    Input(ids.LIVE_RESYNC, "data"),
)
def load_points(_map_id: str, _resync: object):
    """Sites, and what moves: alarms, incidents, teams (kept current by live events after)."""
    res, scope, lang = resources(), current_scope(), current_language()
    sites = queries.site_points(res.engine, scope)
    clocks = map_layers.incident_clocks(res.engine, scope)
    return (
        site_features(sites, lang),
        live_features(queries.live_points(res.engine, scope), clocks, lang),
    )


@callback(
    Output(ids.MAP_RESOURCES, "data"),
    Input(ids.MAP, "id"),
    Input(ids.LIVE_RESYNC, "data"),
)
def load_resources(_map_id: str, _resync: object):
    """Vehicles, supply depots and experts: registry data, loaded with the page."""
    res, lang = resources(), current_language()
    return resource_features(map_layers.resource_points(res.engine, current_scope()), lang)


def site_features(sites: list[SitePoint], lang: str) -> dict:
    return _collection(
        [
            _point(
                s.lat,
                s.lon,
                {
                    "kind": s.kind,
                    "ref": f"site:{s.id}",
                    "tooltip": (
                        f"<b>{html_text.escape(s.name)}</b><br>"
                        f"{t('site.' + s.kind, lang)} · {html_text.escape(s.enterprise)}"
                    ),
                },
            )
            for s in sites
        ]
    )


def live_features(points: list[MovingPoint], clocks: list[IncidentClock], lang: str) -> dict:
    """Alarms, incidents (with their response clock's start) and teams; ids are "kind:id"."""
    started = {c.id: c for c in clocks}
    features = []
    for p in points:
        properties: dict[str, Any] = {"kind": p.kind, "state": p.state}
        label = html_text.escape(f"{p.label} ({_state_words(p.kind, p.state, lang)})")
        if p.kind == "incident" and p.id in started:
            clock = started[p.id]
            properties["reported_ms"] = _epoch_ms(clock.reported_at)
            properties["on_scene_ms"] = _epoch_ms(clock.on_scene_at)
            properties["label"] = html_text.escape(clock.address or p.label)
        else:
            properties["tooltip"] = label
        features.append(_point(p.lat, p.lon, properties, f"{p.kind}:{p.id}"))
    return _collection(features)


def _state_words(kind: str, state: str | None, lang: str) -> str:
    """An alarm's level or status, or a team's status, in words (never the raw code)."""
    prefixes = ("alarm", "alarm_status") if kind == "alarm" else ("team_status",)
    code = state or ""
    for prefix in prefixes:
        code = t_or(f"{prefix}.{state}", code, lang)
    return code


def _epoch_ms(when: datetime | None) -> int | None:
    return None if when is None else int(when.timestamp() * 1000)


def resource_features(rows: list[ResourcePoint], lang: str) -> dict:
    return _collection(
        [
            _point(
                r.lat,
                r.lon,
                {
                    "kind": r.kind,
                    "ref": f"resource:{r.id}",
                    "colour": RESOURCE_COLOURS.get(r.kind, "#ffffff"),
                    "tooltip": f"<b>{html_text.escape(r.name)}</b><br>"
                    f"{t('legend.' + r.kind, lang)}",
                },
            )
            for r in rows
        ]
    )


# --- cylinder flow (with the page, every 30 s) ----------------------------------------------


@callback(
    Output(ids.MAP_FLOWS, "data"),
    Output(ids.MAP_ANOMALIES, "data"),
    Input(ids.MAP_FLOW_TICK, "n_intervals"),
    Input(ids.MAP_LAYERS, "overlays"),
    Input(ids.LIVE_RESYNC, "data"),
    State(ids.MAP_REPLAY, "value"),
)
def load_flows(_tick: object, overlays: list[str] | None, _resync: object, replay: int | None):
    lang = current_language()
    if replay or "flow" not in overlay_keys(overlays, lang):  # replay: one_map_replay.py
        return no_update, no_update
    layer = map_layers.live_flows(resources().engine, current_scope(), datetime.now(UTC))
    anomalies = _collection([_anomaly_feature(a, lang) for a in layer.anomalies])
    return flow_features(layer.lines), anomalies


def flow_features(lines: list[FlowLine]) -> dict:
    """Cylinder flow as weighted lines (now, or a replayed moment)."""
    return _collection([_flow_feature(line) for line in lines])


def _flow_feature(line: FlowLine) -> dict:
    (lat1, lon1), (lat2, lon2) = line.start, line.end
    return {
        "type": "Feature",
        "geometry": {
            "type": "LineString",
            "coordinates": [[round(lon1, 5), round(lat1, 5)], [round(lon2, 5), round(lat2, 5)]],
        },
        "properties": {
            "weight": line.weight,
            "tooltip": f"{html_text.escape(line.origin[1])} → "
            f"{html_text.escape(line.destination[1])}: {line.weight}",
        },
    }


def _anomaly_feature(row: CylinderAnomaly, lang: str) -> dict:
    kind = t_or(f"finding.{row.kind}", row.kind, lang)
    return _point(
        row.lat,
        row.lon,
        {
            "kind": row.kind,
            "ref": f"cylinder:{row.subject_id}",
            # in the user's words, wrapped (.map-tip in app.css): a long finding is not cut off
            "tooltip": f"<div class='map-tip'><b>{html_text.escape(row.subject_id)}</b><br>"
            f"{html_text.escape(kind)}<br>{html_text.escape(finding_text(row.detail, lang))}</div>",
        },
    )


# --- lazy layers ----------------------------------------------------------------------------


@callback(
    Output(ids.MAP_HAZARDS, "data"),
    Output(ids.MAP_EXCAVATIONS, "data"),
    Output(ids.MAP_SENSORS, "data"),
    Output(ids.MAP_PIPELINES, "data"),
    Output(ids.MAP_HAZARD_COUNT, "children"),
    Input(ids.MAP_LAYERS, "overlays"),
    Input(ids.MAP_FLOW_TICK, "n_intervals"),
    State(ids.MAP_PIPELINES, "data"),
)
def load_lazy_layers(overlays: list[str] | None, _tick: object, pipelines: dict | None):
    """Each heavy layer only while it is on; pipelines once (they do not change by the minute)."""
    lang = current_language()
    on = overlay_keys(overlays, lang)
    res, scope, periods = resources(), current_scope(), _periods()
    out: list[Any] = [no_update] * 4 + [""]
    if "hazards" in on:
        points, total = map_layers.hazard_points(res.engine, scope, periods.now, periods.day_start)
        out[0] = _collection([_hazard_feature(p, lang) for p in points])
        shown = t("legend.hazards.shown", lang).format(shown=f"{len(points):,}", total=f"{total:,}")
        out[4] = shown if total > len(points) else ""
    if "excavations" in on:
        rows = map_layers.excavation_sites(res.engine, scope, periods.today)
        out[1] = _collection([_excavation_feature(r, lang) for r in rows])
    if "sensors" in on:
        rows = map_layers.sensor_points(res.engine, scope)
        out[2] = _collection([_sensor_feature(r, lang) for r in rows])
    if "pipelines" in on and not pipelines:
        rows = map_layers.pipeline_lines(res.engine, scope)
        out[3] = _collection([_pipeline_feature(r, lang) for r in rows])
    return tuple(out)


def _hazard_feature(p: HazardPoint, lang: str) -> dict:
    state = t(f"legend.hazards.{p.state}", lang)
    escalated = f" · {t('hz.escalation.' + p.escalation, lang)}" if p.escalation else ""
    return _point(
        p.lat,
        p.lon,
        {
            "state": p.state,
            "level": p.level,
            "escalation": p.escalation or "",
            "ref": f"hazard:{p.id}",
            "tooltip": f"<b>{html_text.escape(p.category)}</b><br>{state}"
            f" · {t_or('hazard_level.' + p.level, html_text.escape(p.level), lang)}{escalated}"
            f"<br>{html_text.escape(p.number or '')}",
        },
    )


def _excavation_feature(r: ExcavationSite, lang: str) -> dict:
    signed = "signed" if r.agreement_signed else "unsigned"
    return _point(
        r.lat,
        r.lon,
        {
            "radius": r.radius_m,
            "signed": bool(r.agreement_signed),
            "ref": f"excavation:{r.id}",
            "tooltip": f"<b>{html_text.escape(r.contractor)}</b><br>"
            f"{r.starts_on} – {r.ends_on} · {r.radius_m:.0f} m<br>"
            f"{t('legend.excavation.' + signed, lang)}",
        },
    )


def _sensor_feature(r: SensorPoint, lang: str) -> dict:
    return _point(
        r.lat,
        r.lon,
        {
            "state": r.state,
            "ref": f"sensor:{r.id}",
            "tooltip": f"<b>{html_text.escape(r.id)}</b> "
            f"{t_or('sensor_kind.' + r.kind, html_text.escape(r.kind), lang)}<br>"
            f"{t('legend.sensor.' + r.state, lang)}",
        },
    )


def _pipeline_feature(r: PipelineLine, lang: str) -> dict:
    coords: list[list[float]] = []
    for lat, lon in r.coords:
        point = [round(lon, COORD_DECIMALS), round(lat, COORD_DECIMALS)]
        if not coords or coords[-1] != point:
            coords.append(point)
    pressure = t_or(f"legend.pipe.{r.pressure_class}", r.pressure_class, lang)
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {
            "pressure": r.pressure_class,
            "ref": f"pipeline:{r.id}",
            "tooltip": f"<b>{html_text.escape(r.id)}</b><br>{pressure} · "
            f"{t_or('material.' + r.material, html_text.escape(r.material), lang)} · {r.laid_year}",
        },
    }


# --- legends --------------------------------------------------------------------------------


@callback(Output(ids.MAP_LAYER_LEGENDS, "children"), Input(ids.MAP_LAYERS, "overlays"))
def layer_legends(overlays: list[str] | None):
    lang = current_language()
    on = overlay_keys(overlays, lang)
    return [legend_of(key, lang) for key in LEGEND_ORDER if key in on]


LEGEND_ORDER = ("flow", "emergency", "hazards", "pipelines", "excavations", "sensors")


def legend_of(key: str, lang: str) -> html.Div:
    rows = {
        "flow": [
            ("line", "#35c2e8", "legend.flow.line"),
            ("pulse", "#7cfc00", "legend.flow.pulse"),
            ("dot", "#111111", "legend.flow.anomaly"),
        ],
        "emergency": [
            ("dot", "#34c759", "legend.team.available"),
            ("dot", "#0a84ff", "legend.team.busy"),
            ("dot", "var(--gascc-sev-4)", "legend.incident"),
            # the markers' colour is the severity, as on the board and the wall (app.css)
            *(("dot", f"var(--gascc-sev-{n})", f"severity.{n}") for n in (1, 2, 3, 4)),
            ("blink", "#ff1744", "legend.incident.breach"),
            ("dot", "#ffd60a", "legend.alarm"),
            *(("square", c, f"legend.{k}") for k, c in RESOURCE_COLOURS.items()),
        ],
        "hazards": [
            *(("dot", c, f"legend.hazards.{k}") for k, c in HAZARD_COLOURS.items()),
            ("ring", ESCALATED_RING, "legend.hazards.escalated"),
        ],
        "pipelines": [("line", c, f"legend.pipe.{k}") for k, c in PIPE_COLOURS.items()],
        "excavations": [
            ("ring", "#00e5ff", "legend.excavation.signed"),
            ("ring", "#ff6d00", "legend.excavation.unsigned"),
        ],
        "sensors": [
            ("dot", "#64dd17", "legend.sensor.normal"),
            ("blink", "#ff1744", "legend.sensor.alarm"),
        ],
    }[key]
    return html.Div(
        [
            html.Div(t(f"map.layer.{key}", lang), className="legend-title"),
            *(
                html.Div(
                    [
                        html.Span(className=f"legend-mark {shape}", style={"--c": colour}),
                        t(label, lang),
                    ],
                    className="legend-row",
                )
                for shape, colour, label in rows
            ),
        ],
        className="layer-legend",
        **{"data-layer": key},
    )


clientside_callback(
    ClientsideFunction(namespace="gascc", function_name="applyScanPulses"),
    Output(ids.MAP_PULSES, "data"),
    Input(ids.LIVE_EVENTS, "data"),
    State(ids.MAP_PULSES, "data"),
    prevent_initial_call=True,
)
