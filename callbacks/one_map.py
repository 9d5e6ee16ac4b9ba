"""The One Map's behaviour: themed areas (districts or grid cells), the live KPI strip, alarms.

The overlays' loading lives in callbacks/one_map_layers.py, the detail panel in
callbacks/one_map_detail.py; both register with this module.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import (
    ALL,
    ClientsideFunction,
    Input,
    Output,
    State,
    clientside_callback,
    ctx,
    html,
    no_update,
)

from dashboard import ids
from dashboard.auth import current_scope, current_user
from dashboard.choropleth import (
    DEFAULT_THEME,
    GRID_METRICS,
    METRICS,
    SMALL_DISTRICT_KM2,
    Legend,
    Metric,
    band_legend_rows,
    change_text,
    district_features,
    index_text,
    safety_index_metric,
    value_text,
)
from dashboard.components import kpi_card, legend
from dashboard.domain.periods import city_periods
from dashboard.domain.policy import Action, allowed
from dashboard.domain.roles import Scope
from dashboard.domain.scoring import BANDS, ScoringConfig, current_quarter
from dashboard.guard import page_callback
from dashboard.i18n import current_language, refusal_text, t, t_or
from dashboard.resources import resources
from data_access import commands
from data_access.commands import Refused
from data_access.queries import map_layers, rankings, replay
from data_access.queries import one_map as queries
from data_access.queries.map_layers import GridShape, LiveKpis
from data_access.queries.one_map import ActiveAlarm, DistrictShape
from data_access.queries.rankings import DistrictRanking, DistrictScoreRow
from data_access.queries.scoring_config import active_config

callback = page_callback("one_map")

# The live strip: what happens today and what needs someone now (key, label, icon).
KPIS = (
    ("fillings_today", "map.kpi.fillings_today", "bi-fuel-pump"),
    ("deliveries_today", "map.kpi.deliveries_today", "bi-truck"),
    ("safety_check_rate", "map.kpi.safety_check_rate", "bi-clipboard-check"),
    ("hazards_open", "kpi.hazards_open", "bi-cone-striped"),
    ("hazards_overdue", "map.kpi.hazards_overdue", "bi-exclamation-octagon"),
    ("incidents_open", "kpi.incidents_open", "bi-fire"),
    ("teams_available", "map.kpi.teams_available", "bi-people"),
    ("alarms_active", "kpi.alarms_active", "bi-bell"),
)


@callback(
    Output(ids.MAP_DISTRICTS, "data"),
    Output(ids.MAP_LEGEND, "children"),
    Output(ids.MAP_LABELS, "data"),
    Input(ids.MAP_METRIC, "value"),
    Input(ids.MAP_AREA_LEVEL, "value"),
    Input(ids.MAP_REPLAY, "value"),
)
def recolour_areas(metric_key: str | None, level: str | None, replay_minutes: float | None):
    """The themed areas as of now, or as of the slider's moment for the themes that rewind
    (coverage, hazards); the others say in their legend that they show the present."""
    metric = METRICS.get(metric_key or DEFAULT_THEME)
    if metric is None:
        return no_update, no_update, no_update
    if metric.key == "safety_index":
        return _safety_index_areas(replay_minutes)
    level = "grid" if level == "grid" and metric.key in GRID_METRICS else "district"
    res, scope, lang = resources(), current_scope(), current_language()
    shapes: list[DistrictShape] | list[GridShape] = (
        queries.district_shapes(res.engine)
        if level == "district"
        else map_layers.grid_shapes(res.engine, scope)
    )
    at = replay.moment_of(replay_minutes, datetime.now(UTC))
    values, replay_note = _area_values(scope, level, metric, at)
    features, scale = district_features(
        shapes, values, metric, lang, describe=_describer(metric, lang)
    )
    if level == "grid":  # a thousand cells: thin outlines, or the city drowns in lines
        for feature in features["features"]:
            feature["properties"]["grid"] = True
    key = theme_legend(metric, scale, level, lang)
    if replay_note:
        key.children.append(html.Div(t(replay_note, lang), className="legend-note replay-note"))
    return (
        features,
        key,
        area_labels(shapes, features) if level == "district" else None,
    )


def _safety_index_areas(replay_minutes: float | None) -> tuple[dict, html.Div, dict]:
    """The districts coloured by their safety index for the current quarter (the rankings'
    figures under the configuration in force); districts only, and always the present."""
    res, scope, lang = resources(), current_scope(), current_language()
    now = datetime.now(UTC)
    config = active_config(res.engine)
    ranking = rankings.district_ranking(res.engine, scope, current_quarter(now), config, now)
    shapes = queries.district_shapes(res.engine)
    features, _scale = district_features(
        shapes,
        index_values(ranking),
        safety_index_metric(config),
        lang,
        describe=lambda value: index_text(value, config, band_names(lang)),
    )
    add_ranks(features, ranking, lang, whole_city=scope.district is None)
    key = index_legend_box(ranking, config, lang)
    if replay_minutes:
        key.children.append(html.Div(t("replay.areas_now", lang), className="legend-note"))
    return features, key, area_labels(shapes, features)


def index_values(ranking: DistrictRanking) -> dict[str, dict[str, float]]:
    """The ranking as the choropleth reads areas: each district's index (a district without
    one is drawn as no data)."""
    return {
        row.code: {"safety_index": row.score.index}
        for row in ranking.rows
        if row.score.index is not None
    }


def band_names(lang: str) -> dict[str, str]:
    return {band: t(f"index_band.{band}", lang) for band in BANDS}


def add_ranks(features: dict, ranking: DistrictRanking, lang: str, whole_city: bool) -> None:
    """Each ranked district's tooltip gets its rank (among how many, when the user sees the
    whole city: a district officer's one row keeps the city's rank) and its change since the
    previous period."""
    rows = {row.code: row for row in ranking.rows}
    ranked = sum(1 for row in ranking.rows if row.rank is not None)
    for feature in features["features"]:
        row = rows.get(feature["properties"]["code"])
        if row is None or row.rank is None:
            continue
        rank = t("index_map.rank", lang).format(rank=row.rank)
        lines = [f"{rank} / {ranked}" if whole_city else rank]
        if row.change is not None:
            lines.append(t("index_map.change", lang).format(change=change_text(row.change)))
        feature["properties"]["rank"] = row.rank
        feature["properties"]["tooltip"] += "<br>" + " · ".join(lines)


def index_legend_box(ranking: DistrictRanking, config: ScoringConfig, lang: str) -> html.Div:
    """The four bands with their bounds from the configuration, the period and version the
    figures were computed for, and the way to the rankings."""
    rows = band_legend_rows(config)
    labels = [f"{t(f'index_band.{band}', lang)}  {bounds}" for band, _colour, bounds in rows]
    box = legend(
        t("metric.safety_index", lang),
        [colour for _band, colour, _bounds in rows],
        labels,
        t("map.legend.none", lang),
    )
    period = ranking.period.label
    return html.Div(
        [
            box,
            html.Div(
                t("index_map.period", lang).format(period=period, version=ranking.version),
                className="legend-note",
                **{"data-version": ranking.version},
            ),
            html.Div(t("index_map.rule", lang), className="legend-note"),
            html.Div(t("index_map.click", lang), className="legend-note"),
            html.A(
                t("index_map.open", lang),
                href=f"/rankings?period={quote(period)}",
                className="legend-note legend-link",
            ),
        ],
        **{"data-theme": "safety_index"},
    )


@callback(
    Output(ids.MAP_DETAIL, "is_open", allow_duplicate=True),
    Output(ids.MAP_DETAIL_BODY, "children", allow_duplicate=True),
    Input(ids.MAP_DISTRICTS, "clickData"),
    State(ids.MAP_METRIC, "value"),
    prevent_initial_call=True,
)
def district_detail(feature: dict | None, metric_key: str | None):
    """In the safety-index theme, a district's click opens its figures in the detail panel,
    with the way to its drill-down on /rankings; other themes keep clicks for the overlays."""
    code = ((feature or {}).get("properties") or {}).get("code")
    if metric_key != "safety_index" or not isinstance(code, str):
        return no_update, no_update
    res, scope, lang = resources(), current_scope(), current_language()
    now = datetime.now(UTC)
    config = active_config(res.engine)
    ranking = rankings.district_ranking(res.engine, scope, current_quarter(now), config, now)
    row = next((row for row in ranking.rows if row.code == code), None)
    if row is None:  # outside the scope: the panel stays as it is
        return no_update, no_update
    return True, index_detail(row, ranking, lang)


def index_detail(row: DistrictScoreRow, ranking: DistrictRanking, lang: str) -> html.Div:
    """A district's index, band, rank and change, its components and deductions."""
    score = row.score
    name = row.name_zh if lang == "zh" else row.name_en
    shown = "—" if score.index is None else f"{score.index:.1f}"
    band = t(f"index_band.{score.band}", lang) if score.band else "—"
    rank = "—" if row.rank is None else t("index_map.rank", lang).format(rank=row.rank)
    change = "" if row.change is None else change_text(row.change)
    components = [
        html.Tr(
            [
                html.Td(t(f"rk.component.{c.name}", lang)),
                html.Td(f"{c.rate.numerator:g} / {c.rate.denominator:,}", className="num"),
                html.Td(f"{c.weight:g}", className="num"),
                html.Td("—" if c.points is None else f"{c.points:.1f}", className="num"),
            ]
        )
        for c in score.components
    ]
    deductions = [
        html.Tr(
            [
                html.Td(t(f"rk.deduction.{d.name}", lang)),
                html.Td(f"{d.count:,}", className="num"),
                html.Td(""),
                html.Td(f"−{d.points:.1f}" if d.points else "0", className="num"),
            ]
        )
        for d in score.deductions
    ]
    head = [f"index_detail.{column}" for column in ("part", "counts", "weight", "points")]
    return html.Div(
        [
            html.H5(f"{name} · {shown} · {band}"),
            html.Div(f"{rank} {change}".strip(), className="mb-2"),
            html.Table(
                [
                    html.Thead(html.Tr([html.Th(t(key, lang)) for key in head])),
                    html.Tbody(components + deductions),
                ],
                className="table table-sm table-dark detail-table",
            ),
            html.Div(
                t("index_map.period", lang).format(
                    period=ranking.period.label, version=ranking.version
                ),
                className="text-secondary small",
            ),
            html.A(
                t("index_map.open", lang),
                href=f"/rankings?period={quote(ranking.period.label)}&district={quote(row.code)}",
                className="btn btn-sm btn-outline-info mt-2",
            ),
        ],
        **{"data-district": row.code},
    )


def _area_values(
    scope: Scope, level: str, metric: Metric, at: datetime | None
) -> tuple[queries.AreaValues, str]:
    """The areas' values now, or at the replayed moment `at`, and the legend's replay note key
    (none when live)."""
    res = resources()
    if at is not None and metric.key in replay.REWINDING_THEMES:
        values = replay.areas_at(res.engine, scope, level, at, res.settings.time_zone)
        return values, "replay.areas_at"
    periods = city_periods(datetime.now(UTC), res.settings.time_zone)
    # Overdue cylinders depend on the day and are counted when read: only for their theme.
    today = periods.today if metric.key == "cylinders_overdue" else None
    values = map_layers.area_values(
        res.engine, scope, level, periods.now, periods.quarter_start, today=today
    )
    return values, "" if at is None else "replay.areas_now"


def _describer(metric: Metric, lang: str):
    return lambda value: value_text(value, metric.decimals, metric.suffix)


def theme_legend(metric: Metric, scale: Legend, level: str, lang: str) -> html.Div:
    title = t(f"metric.{metric.key}", lang)
    labels = [label + metric.suffix for label in scale.labels()]
    box = legend(title, list(scale.colors), labels, t("map.legend.none", lang))
    note = t("coverage.note", lang) if metric.key == "coverage" else ""
    if metric.key not in GRID_METRICS and level == "district":
        note = f"{note} {t('metric.district_only', lang)}".strip()
    return html.Div([box, html.Div(note, className="legend-note")], **{"data-theme": metric.key})


def area_labels(shapes: list[DistrictShape], features: dict) -> dict:
    """Each district's value (and name, for districts large enough to hold it) at its centre;
    assets/map.js hides the names of small central districts at city zoom, where they crowd."""
    labels = []
    for shape, feature in zip(shapes, features["features"], strict=True):
        properties = feature["properties"]
        labels.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [shape.centroid_lon, shape.centroid_lat],
                },
                "properties": {
                    "name": properties["name"],
                    "shown": "" if properties["value"] is None else properties["shown"],
                    "small": (shape.area_km2 or 0) < SMALL_DISTRICT_KM2,
                },
            }
        )
    return {"type": "FeatureCollection", "features": labels}


@callback(
    Output(ids.MAP_COUNTS, "children"),
    Output(ids.MAP_UPDATED, "children"),
    Input(ids.MAP, "id"),
    Input(ids.MAP_COUNTS_TICK, "data"),
    Input(ids.LIVE_RESYNC, "data"),
    State(ids.MAP_REPLAY, "value"),
)
def refresh_counts(_map_id: str, _tick: object, _resync: object, replay_minutes: int | None):
    """The live KPI strip; live events ask again at most every 2 s (assets/map.js)."""
    if replay_minutes:  # the time slider shows the past: callbacks/one_map_replay.py
        return no_update, no_update
    res, scope, lang = resources(), current_scope(), current_language()
    periods = city_periods(datetime.now(UTC), res.settings.time_zone)
    kpis = map_layers.current_kpis(res.engine, scope, periods.now, periods.day_start)
    now = datetime.now(UTC).astimezone(ZoneInfo(res.settings.time_zone))
    return (
        kpi_strip(kpis, lang),
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


def scope_label(scope: Scope, lang: str) -> str:
    """Says so when the user sees a slice of the city, so no one mistakes it for the whole."""
    if scope.district is not None:
        return f"{t('scope.district', lang)} · "
    if scope.enterprise_id is not None:
        return f"{t('scope.enterprise', lang)} · "
    return ""


def kpi_strip(kpis: LiveKpis, lang: str) -> dbc.Row:
    """An enterprise sees its own fillings, deliveries and hazards; no emergency cards."""
    counts = kpis.by_name()
    cards = [kpi_card(label, counts[key], icon, lang) for key, label, icon in KPIS if key in counts]
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
    acks, escalates = allowed(user, Action.ACKNOWLEDGE_ALARM), allowed(user, Action.ESCALATE_ALARM)
    rows = [alarm_row(alarm, lang, acks, escalates) for alarm in alarms]
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
    alarm_id = ctx.triggered_id["alarm"]
    result = commands.acknowledge_alarm(resources().engine, user, alarm_id)
    if isinstance(result, Refused):
        return refusal_text(result, lang)
    return f"{t('alarms.done', lang)} {alarm_id}"


@callback(
    Output(ids.ALARM_FEEDBACK, "children", allow_duplicate=True),
    Input({"type": ids.ALARM_ESCALATE, "alarm": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def escalate(clicks: list[int | None]):
    """Open an incident at an alarm's place (channel "sensor") and link to it."""
    if not ctx.triggered_id or not any(clicks):
        return no_update
    user, lang = current_user(), current_language()
    assert user is not None
    result = commands.escalate_alarm(resources().engine, user, ctx.triggered_id["alarm"])
    if isinstance(result, Refused):
        return refusal_text(result, lang)
    return html.A(
        [t("alarms.escalated", lang), " →"],
        href=f"/incident/{quote(result.subject, safe='')}",
        className="alarm-escalated",
    )


def alarm_row(alarm: ActiveAlarm, lang: str, may_act: bool, may_escalate: bool = False) -> html.Div:
    place = alarm.name_zh if lang == "zh" else alarm.name_en
    time_shown = alarm.raised_at.astimezone(ZoneInfo(resources().settings.time_zone))
    kind = t_or(f"alarm_kind.{alarm.kind}", alarm.kind, lang)
    text = f"{time_shown:%H:%M} {place or ''} {kind}"
    if alarm.value is not None:
        text += f" {alarm.value:g}"
    action: list = []
    if alarm.status == "acknowledged":
        action = [
            html.Span(
                f"{t('alarms.acked_by', lang)} {alarm.acknowledged_by}",
                className="text-secondary small",
            )
        ]
    elif may_act:
        action = [
            dbc.Button(
                t("alarms.ack", lang),
                id={"type": ids.ALARM_ACK, "alarm": alarm.id},
                size="sm",
                color="warning",
                outline=True,
                className="py-0",
            )
        ]
    if may_escalate:
        action.append(
            dbc.Button(
                html.I(className="bi bi-fire"),
                id={"type": ids.ALARM_ESCALATE, "alarm": alarm.id},
                size="sm",
                color="danger",
                outline=True,
                className="py-0 ms-1",
                title=t("alarms.escalate", lang),
            )
        )
    return html.Div(
        [
            html.Span(t(f"alarm.{alarm.level}", lang), className=f"alarm-level {alarm.level}"),
            html.Span(text, className="alarm-text", title=text),
            *action,
        ],
        className="alarm-row",
    )
