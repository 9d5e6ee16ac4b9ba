"""The One Map's behaviour: theme changes recolour districts; sites and counts load per scope."""

from __future__ import annotations

import html as html_text
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import (
    ALL,
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    html,
    no_update,
)

from dashboard import ids
from dashboard.app import resources
from dashboard.auth import current_user
from dashboard.choropleth import DEFAULT_METRIC, METRICS, district_features
from dashboard.components import kpi_card, legend
from dashboard.domain.events import Rejection
from dashboard.domain.roles import Scope
from dashboard.i18n import current_language, t, t_or
from data_access import commands
from data_access.queries import one_map as queries

COUNTS_CACHE_S = 2  # live screens of one scope share one recount
LIVE_KPIS = ("alarms_active", "hazards_open", "incidents_open")
KPIS = (
    ("enterprises", "kpi.enterprises", "bi-building"),
    ("sites", "kpi.sites", "bi-geo-alt"),
    ("customers", "kpi.customers", "bi-people"),
    ("cylinders", "kpi.cylinders", "bi-fuel-pump"),
    ("cylinders_overdue_inspection", "kpi.cylinders_overdue", "bi-exclamation-triangle"),
    ("pipeline_m", "kpi.pipeline_km", "bi-bezier2"),
    ("teams", "kpi.teams", "bi-truck"),
    ("alarms_active", "kpi.alarms_active", "bi-bell"),
    ("hazards_open", "kpi.hazards_open", "bi-cone-striped"),
    ("incidents_open", "kpi.incidents_open", "bi-fire"),
    ("workers", "kpi.workers", "bi-person-badge"),
)


def _scope() -> Scope:
    user = current_user()
    assert user is not None  # the login guard runs before any callback
    return user.scope


@callback(
    Output(ids.MAP_DISTRICTS, "data"),
    Output(ids.MAP_LEGEND, "children"),
    Output(ids.MAP_LABELS, "children"),
    Input(ids.MAP_METRIC, "value"),
)
def recolour_districts(metric_key: str | None):
    metric = METRICS.get(metric_key or DEFAULT_METRIC)
    if metric is None:
        return no_update, no_update, no_update
    res, scope, lang = resources(), _scope(), current_language()
    shapes = res.cache.get("one_map:shapes")
    if shapes is None:
        shapes = queries.district_shapes(res.engine)
        res.cache.set("one_map:shapes", shapes, timeout=3600)
    counts = queries.district_counts(res.engine, scope)
    by_district = {row.pop("code"): row for row in counts.to_dict("records")}
    features, scale = district_features(shapes, by_district, metric, lang)
    title = t(f"metric.{metric.key}", lang)
    return (
        features,
        legend(title, list(scale.colors), scale.labels(), t("map.legend.none", lang)),
        district_labels(shapes, features, scale.decimals),
    )


def district_labels(shapes: list[dict], features: dict, decimals: int) -> list[dl.DivMarker]:
    """Each district's name and value at its centre, readable from across the room."""
    labels = []
    for shape, feature in zip(shapes, features["features"], strict=True):
        value = feature["properties"]["value"]
        shown = "" if value is None else f"<b>{value:,.{decimals}f}</b>"
        labels.append(
            dl.DivMarker(
                position=[shape["centroid_lat"], shape["centroid_lon"]],
                iconOptions={
                    "className": "district-label",
                    "html": f"<span>{feature['properties']['name']}</span>{shown}",
                    "iconSize": [120, 40],
                    "iconAnchor": [60, 20],
                },
                interactive=False,
            )
        )
    return labels


@callback(
    Output(ids.MAP_SITES, "data"),
    Output(ids.MAP_LIVE, "data"),
    Input(ids.MAP, "id"),
    Input(ids.LIVE_RESYNC, "data"),
)
def load_points(_map_id: str, _resync: object):
    """Sites, and what moves: alarms, incidents, teams (kept current by live events after)."""
    res, scope, lang = resources(), _scope(), current_language()
    sites = queries.site_points(res.engine, scope)
    return site_features(sites.to_dict("records"), lang), live_features(
        queries.live_points(res.engine, scope)
    )


@callback(
    Output(ids.MAP_COUNTS, "children"),
    Output(ids.MAP_UPDATED, "children"),
    Input(ids.MAP, "id"),
    Input(ids.MAP_COUNTS_TICK, "data"),
    Input(ids.LIVE_RESYNC, "data"),
)
def refresh_counts(_map_id: str, _tick: object, _resync: object):
    """The headline counts; live events ask again at most every 2 s (assets/map.js)."""
    res, scope, lang = resources(), _scope(), current_language()
    key = f"one_map:counts:{scope.district}:{scope.enterprise_id}"
    counts = res.cache.get(key)
    if counts is None:
        counts = queries.city_counts(res.engine, scope)
        if scope.enterprise_id is None:  # no row yet means none yet, not unknown
            counts = {**dict.fromkeys(LIVE_KPIS, 0), **counts}
        res.cache.set(key, counts, timeout=COUNTS_CACHE_S)
    now = datetime.now(UTC).astimezone(ZoneInfo(res.settings.time_zone))
    return (
        kpi_strip(counts, lang),
        f"{scope_label(scope, lang)}{t('map.updated', lang)} {now:%Y-%m-%d %H:%M:%S}",
    )


clientside_callback(
    ClientsideFunction(namespace="gascc", function_name="applyLiveEvents"),
    Output(ids.MAP_LIVE, "data", allow_duplicate=True),
    Input(ids.LIVE_EVENTS, "data"),
    State(ids.MAP_LIVE, "data"),
    prevent_initial_call=True,
)

clientside_callback(
    ClientsideFunction(namespace="gascc", function_name="throttleCounts"),
    Output(ids.MAP_COUNTS_TICK, "data"),
    Input(ids.LIVE_EVENTS, "data"),
    prevent_initial_call=True,
)


def live_features(points: list[dict]) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f"{p['kind']}:{p['id']}",
                "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
                "properties": {
                    "kind": p["kind"],
                    "state": p["state"],
                    "tooltip": html_text.escape(f"{p['label']} ({p['state']})"),
                },
            }
            for p in points
        ],
    }


def scope_label(scope: Scope, lang: str) -> str:
    """Says so when the user sees a slice of the city, so no one mistakes it for the whole."""
    if scope.district is not None:
        return f"{t('scope.district', lang)} · "
    if scope.enterprise_id is not None:
        return f"{t('scope.enterprise', lang)} · "
    return ""


def site_features(sites: list[dict], lang: str) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                "properties": {
                    "kind": s["kind"],
                    "tooltip": (
                        f"<b>{html_text.escape(s['name'])}</b><br>"
                        f"{t('site.' + s['kind'], lang)} · {html_text.escape(s['enterprise'])}"
                    ),
                },
            }
            for s in sites
        ],
    }


def kpi_strip(counts: dict[str, int], lang: str) -> dbc.Row:
    shown = dict(counts)
    if "pipeline_m" in shown:
        shown["pipeline_m"] = round(shown["pipeline_m"] / 1000)
    cards = [kpi_card(label, shown[key], icon, lang) for key, label, icon in KPIS if key in shown]
    return dbc.Row(cards, className="g-2 flex-nowrap")


@callback(
    Output(ids.MAP_ALARMS, "children"),
    Input(ids.MAP, "id"),
    Input(ids.MAP_COUNTS_TICK, "data"),
    Input(ids.ALARM_FEEDBACK, "children"),
)
def list_alarms(_map_id: str, _tick: object, _feedback: object):
    """The newest active alarms in scope; refreshed with the counts and after an action."""
    res, user, lang = resources(), current_user(), current_language()
    assert user is not None
    alarms = queries.active_alarms(res.engine, user.scope)
    rows = [alarm_row(alarm, lang, user.may_handle_alarms) for alarm in alarms]
    return [
        html.Div(t("alarms.title", lang), className="legend-title"),
        *(rows or [html.Div(t("alarms.none", lang), className="text-secondary")]),
    ]


@callback(
    Output(ids.ALARM_FEEDBACK, "children"),
    Input({"type": ids.ALARM_ACK, "alarm": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def acknowledge(clicks: list[int | None]):
    """A duty-officer action: one system event in the log, with the user as its actor."""
    if not ctx.triggered_id or not any(clicks):
        return no_update
    user, lang = current_user(), current_language()
    assert user is not None
    if not user.may_handle_alarms:
        return t("alarms.refused", lang)
    alarm_id = ctx.triggered_id["alarm"]
    if not queries.alarm_in_scope(resources().engine, user.scope, alarm_id):
        # another district's, or cleared meanwhile
        return t("alarms.refused", lang)
    outcome = commands.acknowledge_alarm(resources().engine, alarm_id, user.username)
    if isinstance(outcome, Rejection):
        return outcome.message
    return f"{t('alarms.done', lang)} {alarm_id}"


def alarm_row(alarm: dict, lang: str, may_act: bool) -> html.Div:
    place = alarm["name_zh"] if lang == "zh" else alarm["name_en"]
    time_shown = alarm["raised_at"].astimezone(ZoneInfo(resources().settings.time_zone))
    kind = t_or(f"alarm_kind.{alarm['kind']}", alarm["kind"], lang)
    text = f"{time_shown:%H:%M} {place or ''} {kind}"
    if alarm["value"] is not None:
        text += f" {alarm['value']:g}"
    action: list = []
    if alarm["status"] == "acknowledged":
        action = [
            html.Span(
                f"{t('alarms.acked_by', lang)} {alarm['acknowledged_by']}",
                className="text-secondary small",
            )
        ]
    elif may_act:
        action = [
            dbc.Button(
                t("alarms.ack", lang),
                id={"type": ids.ALARM_ACK, "alarm": alarm["id"]},
                size="sm",
                color="warning",
                outline=True,
                className="py-0",
            )
        ]
    return html.Div(
        [
            html.Span(
                t(f"alarm.{alarm['level']}", lang), className=f"alarm-level {alarm['level']}"
            ),
            html.Span(text, className="alarm-text", title=text),
            *action,
        ],
        className="alarm-row",
    )
