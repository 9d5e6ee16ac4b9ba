"""The incident board's behaviour: the list (rebuilt on load, on live events about incidents
and teams, and every 30 s), and the new-incident form (open, locate, check, report).

The response clocks tick in the browser (assets/incidents.js), so the list is rebuilt only when
something happened, never to move a clock on."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import ALL, Input, Output, State, clientside_callback, ctx, html, no_update

from dashboard import ids
from dashboard.auth import current_user
from dashboard.components import kpi_card
from dashboard.domain.events import Bounds
from dashboard.domain.incident_form import (
    FIELDS,
    parse_coordinates,
    validate_incident_form,
)
from dashboard.domain.roles import Scope
from dashboard.guard import page_callback
from dashboard.i18n import current_language, refusal_text, t, t_or
from dashboard.resources import resources
from data_access import commands
from data_access.commands import Refused
from data_access.queries import incident_board as board
from data_access.queries import places

callback = page_callback("incidents")

COUNTS = (
    ("active", "board.count.active", "bi-fire"),
    ("breaching", "board.count.breaching", "bi-alarm"),
    ("no_team", "board.count.no_team", "bi-person-exclamation"),
)
COLUMNS = (
    "board.col.severity",
    "board.col.kind",
    "board.col.place",
    "board.col.channel",
    "board.col.status",
    "board.col.reported",
    "board.col.clock",
    "board.col.to_dispatch",
    "board.col.teams",
    "",
)
CLOSED_COLUMNS = (
    "board.col.severity",
    "board.col.kind",
    "board.col.place",
    "board.col.reported",
    "board.col.closed",
    "board.col.on_scene",
    "",
)
# Inputs whose control shows red when its field is wrong (the radios and map only get the line).
INVALID_CONTROLS = {
    "kind": ids.FORM_KIND,
    "channel": ids.FORM_CHANNEL,
    "location": ids.FORM_COORDS,
    "address": ids.FORM_ADDRESS,
    "description": ids.FORM_DESCRIPTION,
}


# --- the board --------------------------------------------------------------------------------

clientside_callback(
    'function(live){return window.gascc.incidents.liveTick(live, "board");}',
    Output(ids.BOARD_TICK, "data"),
    Input(ids.LIVE_EVENTS, "data"),
    prevent_initial_call=True,
)


@callback(
    Output(ids.BOARD_LIST, "children"),
    Output(ids.BOARD_COUNTS, "children"),
    Output(ids.BOARD_CLOSED, "children"),
    Output(ids.BOARD_UPDATED, "children"),
    Input(ids.BOARD_LIST, "id"),
    Input(ids.BOARD_TICK, "data"),
    Input(ids.BOARD_REFRESH, "n_intervals"),
    Input(ids.LIVE_RESYNC, "data"),
    Input(ids.FORM_DONE, "data"),
)
def refresh_board(_id: str, _tick: object, _n: object, _resync: object, _done: object):
    user, lang, res = current_user(), current_language(), resources()
    assert user is not None  # the login guard runs before any callback
    now = datetime.now(UTC)
    zone = ZoneInfo(res.settings.time_zone)
    active = board.active_incidents(res.engine, user.scope, now)
    counts = board.board_counts(res.engine, user.scope, now)
    closed = board.recently_closed(res.engine, user.scope, now)
    updated = f"{t('board.updated', lang)} {now.astimezone(zone):%H:%M:%S}"
    return (
        incident_table(active, counts.active, now, zone, lang),
        count_strip(counts, lang),
        closed_section(closed, zone, lang),
        _scope_note(user.scope, lang) + updated,
    )


def _scope_note(scope: Scope, lang: str) -> str:
    """Says so when the user sees one district, so no one mistakes it for the whole city."""
    return f"{t('scope.district', lang)} · " if scope.district is not None else ""


def count_strip(counts: board.BoardCounts, lang: str) -> dbc.Row:
    cards = []
    for key, label, icon in COUNTS:
        count = getattr(counts, key)
        card = kpi_card(label, count, icon, lang)
        if key != "active" and count:
            card.className += " alarm"  # late or unattended: red while there is any
        cards.append(card)
    return dbc.Row(cards, className="g-2 flex-nowrap")


def incident_table(
    rows: list[board.BoardIncident], total: int, now: datetime, zone: ZoneInfo, lang: str
) -> html.Div:
    if not rows:
        return html.Div(
            [
                html.I(className="bi bi-check2-circle board-empty-icon"),
                html.Div(t("board.none", lang), className="board-empty-title"),
                html.Div(t("board.none.hint", lang), className="text-secondary"),
            ],
            className="board-empty",
        )
    more = []
    if total > len(rows):
        text = t("board.more", lang).format(shown=len(rows), total=total)
        more = [html.Div(text, className="board-more")]
    return html.Div(
        [
            html.Table(
                [
                    html.Thead(html.Tr([html.Th(t(c, lang) if c else "") for c in COLUMNS])),
                    html.Tbody([incident_row(row, now, zone, lang) for row in rows]),
                ],
                className="table table-sm board-table",
            ),
            *more,
        ]
    )


def incident_row(row: board.BoardIncident, now: datetime, zone: ZoneInfo, lang: str) -> html.Tr:
    late = {"data-breach": "1"} if row.breach else {}
    return html.Tr(
        [
            html.Td(severity_badge(row.severity, lang)),
            html.Td(t_or(f"incident_kind.{row.kind}", row.kind, lang), className="nowrap"),
            html.Td(place_cell(row, lang), className="board-place"),
            html.Td(t_or(f"channel.{row.channel}", row.channel, lang)),
            html.Td(
                t_or(f"incident_status.{row.status}", row.status, lang),
                className=f"board-status status-{row.status}",
            ),
            html.Td(clock_time(row.reported_at, now, zone), className="nowrap"),
            html.Td(response_clock(row)),
            html.Td(to_dispatch(row, lang), className="nowrap"),
            html.Td(str(row.teams), className="board-teams"),
            html.Td(open_link(row.id, lang)),
        ],
        className="board-row breach" if row.breach else "board-row",
        **{"data-incident": row.id, "data-severity": str(row.severity)},
        **late,
    )


def severity_badge(severity: int, lang: str) -> html.Span:
    return html.Span(
        [html.B(str(severity)), " ", t_or(f"severity.{severity}", str(severity), lang)],
        className=f"severity-badge sev-{severity}",
    )


def place_cell(row: board.BoardIncident, lang: str) -> list:
    district = _district_name(row.district, lang)
    return [
        html.Div(row.address, className="board-address", title=row.address),
        html.Div(district, className="board-district"),
    ]


def _district_name(code: str | None, lang: str) -> str:
    if code is None:
        return ""
    try:
        return resources().city.district(code).name(lang)
    except KeyError:  # a district the city pack no longer has
        return code


def clock_time(when: datetime, now: datetime, zone: ZoneInfo) -> str:
    """HH:MM in the city's zone; with the date when it was not within the last day."""
    shown = when.astimezone(zone)
    return f"{shown:%H:%M}" if now - when < timedelta(hours=20) else f"{shown:%m-%d %H:%M}"


def _ms(when: datetime | None) -> int | str:
    return int(when.timestamp() * 1000) if when is not None else ""


def response_clock(row: board.BoardIncident) -> html.Span:
    """Ticks in the browser every second (assets/incidents.js); the server only places it."""
    return html.Span(
        className="response-clock",
        **{"data-reported": _ms(row.reported_at), "data-onscene": _ms(row.on_scene_at)},
    )


def minutes_text(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    return f"{seconds // 60}:{seconds % 60:02d}"


def to_dispatch(row: board.BoardIncident, lang: str) -> str | html.Span:
    if row.dispatched_at is None:
        return html.Span(t("board.not_dispatched", lang), className="board-waiting")
    return minutes_text(row.dispatched_at - row.reported_at)


def open_link(incident_id: str, lang: str) -> html.A:
    return html.A(
        [t("board.open", lang), html.I(className="bi bi-chevron-right ms-1")],
        href=f"/incident/{quote(incident_id, safe='')}",
        className="btn btn-sm btn-outline-info board-open",
    )


def closed_section(rows: list[board.BoardIncident], zone: ZoneInfo, lang: str) -> list:
    summary = html.Summary(f"{t('board.closed', lang)} ({len(rows)})")
    if not rows:
        return [summary, html.Div(t("board.closed.none", lang), className="text-secondary p-2")]
    body = [
        html.Tr(
            [
                html.Td(severity_badge(row.severity, lang)),
                html.Td(t_or(f"incident_kind.{row.kind}", row.kind, lang)),
                html.Td(place_cell(row, lang), className="board-place"),
                html.Td(f"{row.reported_at.astimezone(zone):%H:%M}"),
                html.Td(f"{row.closed_at.astimezone(zone):%H:%M}"),
                html.Td(
                    minutes_text(row.on_scene_at - row.reported_at)
                    if row.on_scene_at is not None
                    else t("board.not_on_scene", lang)
                ),
                html.Td(open_link(row.id, lang)),
            ],
            **{"data-incident": row.id},
        )
        for row in rows
    ]
    head = html.Thead(html.Tr([html.Th(t(c, lang) if c else "") for c in CLOSED_COLUMNS]))
    return [
        summary,
        html.Table([head, html.Tbody(body)], className="table table-sm board-table closed"),
    ]


# --- the new-incident form --------------------------------------------------------------------


@callback(
    Output(ids.FORM_MODAL, "is_open"),
    Input(ids.BOARD_NEW, "n_clicks"),
    Input(ids.FORM_CANCEL, "n_clicks"),
    prevent_initial_call=True,
)
def open_or_close_form(_new: int | None, _cancel: int | None) -> bool:
    return ctx.triggered_id == ids.BOARD_NEW


@callback(
    Output(ids.FORM_MAP_DISTRICTS, "data"),
    Input(ids.FORM_MODAL, "is_open"),
    State(ids.FORM_MAP_DISTRICTS, "data"),
    prevent_initial_call=True,
)
def draw_districts(is_open: bool, drawn: dict | None):
    """The bundled district outlines, sent once, when the form first opens."""
    if not is_open or drawn:
        return no_update
    features = [
        {
            "type": "Feature",
            "geometry": district.geometry,
            "properties": {"code": district.code, "name": district.name(current_language())},
        }
        for district in resources().city.districts
    ]
    return {"type": "FeatureCollection", "features": features}


# A point picked on the map or from the registry clears the complaint about the point before
# (typing does not: a submit right after typing must not race with the clearing).
LOCATION_ERROR_CLEARED = (
    Output({"type": ids.FORM_ERROR, "field": "location"}, "children", allow_duplicate=True),
    Output(ids.FORM_COORDS, "invalid", allow_duplicate=True),
)


@callback(
    Output(ids.FORM_COORDS, "value"),
    *LOCATION_ERROR_CLEARED,
    Input(ids.FORM_MAP, "clickData"),
    prevent_initial_call=True,
)
def place_clicked_point(click: dict | None):
    point = _clicked(click)
    if point is None:
        return no_update, no_update, no_update
    return coordinates_text(*point), "", False


def _clicked(click: dict | None) -> tuple[float, float] | None:
    """dash-leaflet's click position, {"lat", "lng"} or [lat, lng]."""
    latlng = (click or {}).get("latlng")
    if isinstance(latlng, dict) and "lat" in latlng and "lng" in latlng:
        return float(latlng["lat"]), float(latlng["lng"])
    if isinstance(latlng, list | tuple) and len(latlng) == 2:
        return float(latlng[0]), float(latlng[1])
    return None


def coordinates_text(lat: float, lon: float) -> str:
    return f"{lat:.6f}, {lon:.6f}"


@callback(Output(ids.FORM_MARKER, "children"), Input(ids.FORM_COORDS, "value"))
def show_marker(text: str | None) -> list:
    """The point the form holds, whichever way it came (click, typing, a chosen place)."""
    point = parse_coordinates(text or "")
    if point is None:
        return []
    return [
        dl.CircleMarker(
            center=list(point),
            radius=9,
            color="#fff",
            weight=2,
            fillColor="#ff3b30",
            fillOpacity=0.9,
            className="form-marker",
        )
    ]


@callback(
    Output(ids.FORM_PLACE_RESULTS, "children"),
    Output(ids.FORM_PLACES, "data"),
    Input(ids.FORM_PLACE_QUERY, "value"),
    prevent_initial_call=True,
)
def find_places(text: str | None):
    user, lang = current_user(), current_language()
    assert user is not None
    if not (text or "").strip():
        return [], []
    found = places.search_places(resources().engine, text or "", user.scope)
    if not found:
        return html.Div(t("form.place.none", lang), className="text-secondary small mt-1"), []
    buttons = [
        html.Button(
            [
                html.Span(t(f"form.place.{place.kind}", lang), className="place-kind"),
                html.Span(place.label, className="place-name"),
                html.Span(place.address, className="place-address"),
            ],
            id={"type": ids.FORM_PLACE, "index": index},
            type="button",
            className="place-result",
        )
        for index, place in enumerate(found)
    ]
    return buttons, [asdict(place) for place in found]  # the form's store: plain JSON


@callback(
    Output(ids.FORM_COORDS, "value", allow_duplicate=True),
    Output(ids.FORM_ADDRESS, "value"),
    Output(ids.FORM_PLACE_RESULTS, "children", allow_duplicate=True),
    *LOCATION_ERROR_CLEARED,
    Input({"type": ids.FORM_PLACE, "index": ALL}, "n_clicks"),
    State(ids.FORM_PLACES, "data"),
    prevent_initial_call=True,
)
def choose_place(clicks: list[int | None], found: list[dict] | None):
    """A chosen place fills the coordinates and the address (which the officer may refine)."""
    if not ctx.triggered_id or not any(clicks) or not found:
        return (no_update,) * 5
    index = ctx.triggered_id["index"]
    if not 0 <= index < len(found):
        return (no_update,) * 5
    place = found[index]
    chosen = html.Div(
        [html.I(className="bi bi-geo-alt-fill me-1"), place["address"]],
        className="place-chosen",
    )
    return coordinates_text(place["lat"], place["lon"]), place["address"], chosen, "", False


# Emptied after a successful report, ready for the next call (the channel stays as it was).
CLEARED = {
    ids.FORM_KIND: "",
    ids.FORM_SEVERITY: None,
    ids.FORM_COORDS: "",
    ids.FORM_ADDRESS: "",
    ids.FORM_DESCRIPTION: "",
    ids.FORM_PLACE_QUERY: "",
}
CLEARED_OUTPUTS = [Output(control, "value", allow_duplicate=True) for control in CLEARED]
ERROR_OUTPUTS = [Output({"type": ids.FORM_ERROR, "field": name}, "children") for name in FIELDS]
INVALID_OUTPUTS = [Output(control, "invalid") for control in INVALID_CONTROLS.values()]


@callback(
    *ERROR_OUTPUTS,
    *INVALID_OUTPUTS,
    Output(ids.FORM_MESSAGE, "children"),
    Output(ids.FORM_MODAL, "is_open", allow_duplicate=True),
    Output(ids.FORM_DONE, "data"),
    Output(ids.BOARD_NOTICE, "children"),
    *CLEARED_OUTPUTS,
    Input(ids.FORM_SUBMIT, "n_clicks"),
    State(ids.FORM_KIND, "value"),
    State(ids.FORM_SEVERITY, "value"),
    State(ids.FORM_CHANNEL, "value"),
    State(ids.FORM_COORDS, "value"),
    State(ids.FORM_ADDRESS, "value"),
    State(ids.FORM_DESCRIPTION, "value"),
    prevent_initial_call=True,
)
def submit_form(_clicks, kind, severity, channel, coordinates, address, description):
    """Check every field and say what is wrong under each; nothing typed is lost on error.
    A good report goes into the event log as the signed-in officer's action (the command
    refuses a role that may not report, and a district officer's point outside the district)."""
    user, lang, res = current_user(), current_language(), resources()
    assert user is not None
    form = {
        "kind": kind,
        "severity": severity,
        "channel": channel,
        "coordinates": coordinates,
        "address": address,
        "description": description,
    }
    (south, west), (north, east) = res.city.bounds
    draft, errors = validate_incident_form(form, Bounds(south, west, north, east))
    if draft is None:
        messages = {field: _error_text(key, user.scope, lang) for field, key in errors.items()}
        return _form_answer(messages, html.Span(t("form.fix", lang), className="text-danger"))
    result = commands.report_incident(res.engine, user, draft)
    if isinstance(result, Refused) and result.field == "location":
        # a district officer's point outside their district: said under the location field
        message = _error_text("form.error.outside_district", user.scope, lang)
        return _form_answer(
            {"location": message}, html.Span(t("form.fix", lang), className="text-danger")
        )
    if isinstance(result, Refused):
        return _form_answer({}, html.Span(refusal_text(result, lang), className="text-danger"))
    return _form_answer({}, "", done=result.subject, notice=reported_notice(result.subject, lang))


def _error_text(key: str, scope: Scope, lang: str) -> str:
    district = _district_name(scope.district, lang) if scope.district else ""
    return t(key, lang).format(district=district)


def _form_answer(
    errors: dict[str, str], message: Any, *, done: str | None = None, notice: Any = no_update
) -> tuple:
    """Every field's error line (empty when right) and red frame, the form's message, and on
    success: close, tell the board, and empty the form for the next report."""
    success = done is not None
    return (
        *(errors.get(name, "") for name in FIELDS),
        *(name in errors for name in INVALID_CONTROLS),
        message,
        False if success else no_update,
        done if success else no_update,
        notice,
        *(value if success else no_update for value in CLEARED.values()),
    )


def reported_notice(incident_id: str, lang: str) -> html.Div:
    alert = dbc.Alert(
        [
            html.I(className="bi bi-check-circle-fill me-2"),
            t("board.reported", lang).format(id=incident_id),
            html.A(
                [t("board.go_to", lang), html.I(className="bi bi-chevron-right ms-1")],
                href=f"/incident/{quote(incident_id, safe='')}",
                className="alert-link ms-2",
            ),
        ],
        color="success",
        dismissable=True,
        className="board-notice",
    )
    return html.Div(alert, **{"data-incident": incident_id})
