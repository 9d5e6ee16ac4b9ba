"""The big screen's behaviour: what changes with live events (KPIs, map, incidents), and what
the fallback interval refreshes (rankings, cylinders). Rotation, the clock and the watchdog run
in the browser (assets/screen.js), so they keep going when the server does not answer."""

from __future__ import annotations

import html as html_text
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import dash_leaflet as dl
from dash import ClientsideFunction, Input, Output, clientside_callback, html

from dashboard import ids
from dashboard.auth import current_user
from dashboard.choropleth import (
    METRICS,
    SMALL_DISTRICT_KM2,
    band_legend_rows,
    change_text,
    district_features,
    value_text,
)
from dashboard.components import legend
from dashboard.domain.periods import Periods, city_periods
from dashboard.domain.response import response_late
from dashboard.domain.roles import Scope
from dashboard.domain.scoring import BAND_COLOURS, ComponentScore, ScoringConfig
from dashboard.guard import page_callback
from dashboard.i18n import current_language, t, t_or
from dashboard.resources import resources
from data_access.queries import one_map as map_queries
from data_access.queries import screen as queries
from data_access.queries.map_layers import LiveKpis
from data_access.queries.one_map import DistrictShape, MovingPoint
from data_access.queries.rankings import DistrictScoreRow
from data_access.queries.scoring_config import active_config
from data_access.queries.screen import ActiveIncident, ChainRow

callback = page_callback("screen")

HAZARDS = METRICS["hazards_open"]  # the One Map's theme: one count, one legend
KPIS = (
    ("alarms_active", "kpi.alarms_active", "bi-bell-fill", "alarm"),
    ("hazards_open", "kpi.hazards_open", "bi-cone-striped", ""),
    ("hazards_overdue", "kpi.hazards_overdue", "bi-exclamation-octagon-fill", "alarm"),
    ("incidents_open", "kpi.incidents_open", "bi-fire", "alarm"),
    ("teams_available", "kpi.teams_available", "bi-truck", "good"),
    ("fillings_today", "kpi.fillings_today", "bi-fuel-pump", ""),
    ("deliveries_today", "kpi.deliveries_today", "bi-box-seam", ""),
)


def _viewer() -> tuple[Scope, str, ZoneInfo]:
    user = current_user()
    assert user is not None  # the login guard runs before any callback
    return user.scope, current_language(), ZoneInfo(resources().settings.time_zone)


def _periods(now: datetime) -> Periods:
    return city_periods(now, resources().settings.time_zone)


@callback(
    Output(ids.SCREEN_KPIS, "children"),
    Output(ids.SCREEN_INCIDENTS, "children"),
    Output(ids.SCREEN_POINTS, "data"),
    Output(ids.SCREEN_UPDATED, "children"),
    Output(ids.SCREEN_UPDATED, "data-at"),
    Input(ids.SCREEN_REFRESH, "n_intervals"),
    Input(ids.SCREEN_TICK, "data"),
    Input(ids.LIVE_RESYNC, "data"),
)
def refresh_live(_n: int | None, _tick: object, _resync: object):
    """What live events change: the KPI band, the incident clocks, the moving points."""
    scope, lang, zone = _viewer()
    engine, now = resources().engine, datetime.now(UTC)
    live = queries.wall_live(engine, scope, now, _periods(now).day_start)
    return (
        kpi_band(live.kpis, lang),
        incident_board(live.incidents, now, zone, lang, live.incidents_open),
        point_features(live.points, lang),
        f"{t('screen.updated', lang)} {now.astimezone(zone):%H:%M:%S}",
        int(now.timestamp() * 1000),
    )


@callback(
    Output(ids.SCREEN_DISTRICTS, "data"),
    Output(ids.SCREEN_LABELS, "children"),
    Output(ids.SCREEN_LEGEND, "children"),
    Output(ids.SCREEN_RANKINGS, "children"),
    Output(ids.SCREEN_CYLINDERS, "children"),
    Input(ids.SCREEN_REFRESH, "n_intervals"),
    Input(ids.LIVE_RESYNC, "data"),
)
def refresh_slow(_n: int | None, _resync: object):
    """The district views: the hazard map, the safety ranking, the cylinder chain."""
    scope, lang, _zone = _viewer()
    res, now = resources(), datetime.now(UTC)
    shapes = map_queries.district_shapes(res.engine)
    if scope.district is not None:  # the wall of one district draws that district alone
        shapes = [shape for shape in shapes if shape.code == scope.district]
    periods = _periods(now)
    config = active_config(res.engine)
    views = queries.wall_districts(res.engine, scope, now, periods.day_start, config)
    features, scale = district_features(shapes, views.counts, HAZARDS, lang)
    key = legend(
        t("kpi.hazards_open", lang), list(scale.colors), scale.labels(), t("map.legend.none", lang)
    )
    return (
        features,
        district_labels(shapes, features),
        [key, central_list(shapes, features, lang)],
        ranking_panel(views.ranking, config, lang),
        cylinder_table(views.chain, lang),
    )


clientside_callback(
    ClientsideFunction(namespace="gascc_screen", function_name="throttle"),
    Output(ids.SCREEN_TICK, "data"),
    Input(ids.LIVE_EVENTS, "data"),
    prevent_initial_call=True,
)


# --- pieces ---------------------------------------------------------------------------------


def kpi_band(kpis: LiveKpis | None, lang: str) -> list[html.Div]:
    """The wall's big numbers (none for an enterprise, screen.kpis)."""
    counts = {} if kpis is None else kpis.by_name()
    return [
        html.Div(
            [
                html.I(className=f"bi {icon} screen-kpi-icon"),
                html.Div(f"{counts[key]:,}", className="screen-kpi-value"),
                html.Div(t(label, lang), className="screen-kpi-label"),
            ],
            # "alarm" numbers turn red when not zero: the wall's eye goes there first
            className=f"screen-kpi {tone if counts[key] else ''}".strip(),
            **{"data-kpi": key},
        )
        for key, label, icon, tone in KPIS
        if key in counts
    ]


def clock_text(delta: timedelta) -> str:
    """Minutes and seconds, as assets/screen.js counts them on."""
    seconds = max(0, int(delta.total_seconds()))
    return f"{seconds // 60}:{seconds % 60:02d}"


def incident_board(
    rows: list[ActiveIncident], now: datetime, zone: ZoneInfo, lang: str, total: int | None = None
) -> html.Div:
    """The most urgent open incidents, and how many more are open than the rows hold."""
    if not rows:
        return html.Div(t("inc.none", lang), className="screen-empty")
    head = html.Tr(
        [
            html.Th(t("inc.kind", lang)),
            html.Th(t("inc.place", lang)),
            html.Th(t("inc.reported", lang)),
            html.Th(t("inc.dispatched", lang)),
            html.Th(t("inc.on_scene", lang)),
            html.Th(t("inc.elapsed", lang), className="num"),
        ]
    )
    return html.Div(
        [
            html.Table(
                [html.Thead(head), html.Tbody([incident_row(r, now, zone, lang) for r in rows])],
                className="screen-table screen-incidents",
            ),
            *more_incidents(len(rows), total, lang),
            html.Div(t("inc.target", lang), className="screen-note"),
        ]
    )


def more_incidents(shown: int, total: int | None, lang: str) -> list[html.Div]:
    """ "+11 more open incidents" under the table, so the wall never passes for the whole list."""
    hidden = (total or 0) - shown
    if hidden <= 0:
        return []
    return [
        html.Div(
            t("inc.more", lang).format(hidden=hidden, total=total),
            className="screen-more",
            **{"data-hidden": str(hidden)},
        )
    ]


def incident_row(row: ActiveIncident, now: datetime, zone: ZoneInfo, lang: str) -> html.Tr:
    """One incident and its response clock; late without a team on scene is red (a breach)."""
    reported = row.reported_at
    on_scene = row.on_scene_at
    breach = response_late(reported, on_scene, now)
    place = row.name_zh if lang == "zh" else row.name_en
    kind = t_or(f"incident_kind.{row.kind}", row.kind, lang)

    def at(moment: datetime | None, missing: str) -> html.Td:
        shown = f"{moment.astimezone(zone):%H:%M}" if moment else t(missing, lang)
        return html.Td(shown, className="" if moment else "muted")

    clock = (
        html.Td(
            clock_text(on_scene - reported),
            className="num clock " + ("late" if breach else "ok"),
        )
        if on_scene
        else html.Td(
            clock_text(now - reported),
            className="num clock running " + ("late" if breach else ""),
            # assets/screen.js counts this on every second, from the report time
            **{"data-since": str(int(reported.timestamp() * 1000))},
        )
    )
    return html.Tr(
        [
            html.Td([html.Span(f"{row.severity}", className=f"sev sev-{row.severity}"), kind]),
            html.Td(
                [html.Span(place or "", className="place"), row.address],
                className="addr",
                title=row.address,
            ),
            at(reported, "inc.waiting"),
            at(row.dispatched_at, "inc.not_dispatched"),
            at(on_scene, "inc.waiting"),
            clock,
        ],
        className="breach" if breach else "",
        **{"data-incident": row.id},
    )


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


# The components the wall shows beside the index: the three a supervisor is asked about first.
WALL_COMPONENTS = (
    ("inspection_coverage", "wall_rank.coverage"),
    ("on_time_rectification", "wall_rank.rectification"),
    ("emergency_response", "wall_rank.response"),
)


def ranking_panel(views: queries.WallRanking | None, config: ScoringConfig, lang: str) -> html.Div:
    """The districts best first: rank, index on a bar in its band's colour, the band, the
    change since the previous quarter, three components, deductions and hazards under
    supervision; a note with the period, the version and the bands' bounds."""
    if views is None or not views.ranking.rows:
        return html.Div(t("wall_rank.none", lang), className="screen-empty")
    ranking = views.ranking
    head = html.Tr(
        [
            html.Th(t("wall_rank.rank", lang), className="num"),
            html.Th(t("wall_rank.district", lang)),
            html.Th(t("wall_rank.index", lang)),
            html.Th(t("wall_rank.band", lang)),
            html.Th(t("wall_rank.change", lang), className="num"),
            *(html.Th(t(label, lang), className="num") for _, label in WALL_COMPONENTS),
            html.Th(t("wall_rank.deductions", lang), className="num"),
            html.Th(t("rank.hazards_escalated", lang), className="num"),
        ]
    )
    body = [ranking_row(row, views.escalated.get(row.code, 0), lang) for row in ranking.rows]
    bands = " · ".join(
        f"{t(f'index_band.{band}', lang)} {bounds}" for band, _c, bounds in band_legend_rows(config)
    )
    city = "—" if ranking.city_index is None else f"{ranking.city_index:.1f}"
    note = t("wall_rank.note", lang).format(
        period=ranking.period.label, version=ranking.version, city=city, bands=bands
    )
    return html.Div(
        [
            html.Table(
                [html.Thead(head), html.Tbody(body)], className="screen-table screen-ranking"
            ),
            html.Div(note, className="screen-note", **{"data-version": ranking.version}),
        ]
    )


def ranking_row(row: DistrictScoreRow, escalated: int, lang: str) -> html.Tr:
    score = row.score
    components = {component.name: component for component in score.components}
    deducted = sum(deduction.points for deduction in score.deductions)
    return html.Tr(
        [
            html.Td("—" if row.rank is None else str(row.rank), className="num rank"),
            html.Td(row.name_zh if lang == "zh" else row.name_en),
            html.Td(index_bar(score.index, score.band)),
            html.Td(band_chip(score.band, lang)),
            change_cell(row.change, row.previous, lang),
            *(
                html.Td(percent(_applying(components[name])), className="num")
                for name, _ in WALL_COMPONENTS
            ),
            html.Td(
                f"−{deducted:.1f}" if deducted else "0",
                className="num " + ("late" if deducted else ""),
            ),
            html.Td(
                f"{escalated:,}",
                className="num " + ("late" if escalated else ""),
                **{"data-escalated": str(escalated)},
            ),
        ],
        **{
            "data-district": row.code,
            "data-rank": "" if row.rank is None else str(row.rank),
            "data-index": "" if score.index is None else f"{score.index:.2f}",
            "data-band": score.band or "",
        },
    )


def _applying(component: ComponentScore) -> float | None:
    """A component's rate, or None where it does not count (no denominator, or weight 0)."""
    return None if component.points is None else component.rate.value


def index_bar(index: float | None, band: str | None) -> html.Div:
    colour = BAND_COLOURS.get(band or "", "#2b4a66")
    return html.Div(
        [
            html.Div(
                html.Div(
                    className="fill",
                    style={"width": f"{index or 0:.1f}%", "background": colour},
                ),
                className="bar",
            ),
            html.B("—" if index is None else f"{index:.1f}"),
        ],
        className="index-bar",
    )


def band_chip(band: str | None, lang: str) -> html.Span:
    if band is None:
        return html.Span("—", className="muted")
    return html.Span(
        t(f"index_band.{band}", lang),
        className=f"band-chip band-{band}",
        style={"background": BAND_COLOURS[band]},
    )


def change_cell(change: float | None, previous: float | None, lang: str) -> html.Td:
    """↑ +2.3 in green, ↓ −1.1 in red, → 0.0; "new" when there was no previous index."""
    if change is None:
        shown = t("wall_rank.new", lang) if previous is None else "—"
        return html.Td(shown, className="num muted")
    tone = "up" if change > 0 else "down" if change < 0 else "flat"
    return html.Td(change_text(change), className=f"num change {tone}")


CYLINDER_COLUMNS = (
    ("fillings", "cyl.fillings"),
    ("deliveries", "cyl.deliveries"),
    ("checks", "cyl.checks"),
    ("pass_rate", "cyl.pass_rate"),
    ("photos", "cyl.photos"),
    ("black_cylinders", "cyl.black"),
    ("overdue_fillings", "cyl.overdue"),
)


def cylinder_cells(row: ChainRow) -> list[html.Td]:
    checks = row.checks
    shown = {
        "fillings": f"{row.fillings:,}",
        "deliveries": f"{row.deliveries:,}",
        "checks": f"{row.checks:,}",
        "pass_rate": percent(row.checks_passed / checks if checks else None),
        "photos": percent(row.checks_photos / checks if checks else None),
        "black_cylinders": f"{row.black_cylinders:,}",
        "overdue_fillings": f"{row.overdue_fillings:,}",
    }
    alarming = {"black_cylinders": row.black_cylinders, "overdue_fillings": row.overdue_fillings}
    return [
        html.Td(shown[key], className="num " + ("late" if alarming.get(key) else ""))
        for key, _ in CYLINDER_COLUMNS
    ]


def cylinder_table(rows: list[ChainRow], lang: str) -> html.Div:
    head = html.Tr(
        [html.Th(t("rank.district", lang))]
        + [html.Th(t(label, lang), className="num") for _, label in CYLINDER_COLUMNS]
    )
    total = ChainRow(
        code="",
        name_zh="",
        name_en="",
        fillings=sum(row.fillings for row in rows),
        deliveries=sum(row.deliveries for row in rows),
        checks=sum(row.checks for row in rows),
        checks_passed=sum(row.checks_passed for row in rows),
        checks_photos=sum(row.checks_photos for row in rows),
        black_cylinders=sum(row.black_cylinders for row in rows),
        overdue_fillings=sum(row.overdue_fillings for row in rows),
    )
    body = [
        html.Tr(
            [html.Td(row.name_zh if lang == "zh" else row.name_en), *cylinder_cells(row)],
            **{"data-district": row.code},
        )
        for row in rows
    ]
    if len(rows) > 1:
        body.append(
            html.Tr([html.Td(t("cyl.total", lang)), *cylinder_cells(total)], className="total")
        )
    return html.Div(
        [
            html.Table([html.Thead(head), html.Tbody(body)], className="screen-table"),
            html.Div(t("cyl.note", lang), className="screen-note"),
        ]
    )


def district_labels(shapes: list[DistrictShape], features: dict) -> list[dl.DivMarker]:
    """Each district's name and open hazards at its centre, large enough for the room. The
    seven small central districts get a compact number badge only (their names and numbers
    would cover each other): central_list names them beside the map."""
    labels = []
    for shape, feature in zip(shapes, features["features"], strict=True):
        value = feature["properties"]["value"]
        shown = "" if value is None else f"<b>{value_text(value, 0)}</b>"
        small = _small(shape)
        name = "" if small else f"<span>{feature['properties']['name']}</span>"
        size = [44, 30] if small else [160, 56]
        labels.append(
            dl.DivMarker(
                position=[shape.centroid_lat, shape.centroid_lon],
                iconOptions={
                    "className": "screen-district-label" + (" small" if small else ""),
                    "html": f"{name}{shown}",
                    "iconSize": size,
                    "iconAnchor": [size[0] // 2, size[1] // 2],
                },
                interactive=False,
                # above the live points and every other marker: a label is never hidden
                zIndexOffset=10_000,
            )
        )
    return labels


def _small(shape: DistrictShape) -> bool:
    return (shape.area_km2 or SMALL_DISTRICT_KM2) < SMALL_DISTRICT_KM2


def central_list(shapes: list[DistrictShape], features: dict, lang: str) -> html.Div | None:
    """The small central districts by name with their counts, most first: on the map they show
    a number only, and a wall has no mouse to hover for the name."""
    rows = [
        (feature["properties"]["value"], feature["properties"]["name"], shape.code)
        for shape, feature in zip(shapes, features["features"], strict=True)
        if _small(shape) and feature["properties"]["value"] is not None
    ]
    if len(rows) < 2:
        return None
    rows.sort(key=lambda row: (-row[0], row[2]))
    return html.Div(
        [
            html.Div(t("screen.central", lang), className="legend-title"),
            *(
                html.Div(
                    [html.Span(html_text.unescape(name)), html.B(value_text(value, 0))],
                    className="screen-central-row",
                    **{"data-district": code},
                )
                for value, name, code in rows
            ),
        ],
        className="screen-central",
    )


def point_features(points: list[MovingPoint], lang: str) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f"{p.kind}:{p.id}",
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": {
                    "kind": p.kind,
                    "state": p.state,
                    "tooltip": html_text.escape(f"{t('screen.map.' + p.kind, lang)} {p.id}"),
                },
            }
            for p in points
        ],
    }
