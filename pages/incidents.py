"""应急事件处置 The incident board: every active incident in the user's scope, the most severe and
the longest waiting first, with live response clocks; the last day's closed ones folded below;
and, for those who may dispatch, the "new incident" form (a modal with a small map).

The list itself is built by callbacks/incidents.py, on load, on live events about incidents
and teams, and every 30 s as a fallback."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace

from dashboard import ids
from dashboard.auth import current_user
from dashboard.components import notice
from dashboard.domain.incident_form import CHANNELS, KINDS, SEVERITIES
from dashboard.domain.policy import Action, allowed, page_roles
from dashboard.i18n import current_language, t
from dashboard.resources import resources
from dashboard.tiles import tile_layers

dash.register_page(
    __name__,
    path="/incidents",
    name="Incidents",
    title="应急事件 · Incidents",
    label="page.incidents",
    icon="bi-exclamation-octagon",
    order=10,
    roles=page_roles("incidents"),
    in_menu=True,
)

map_js = Namespace("gascc", "map")
REFRESH_MS = 30_000  # the fallback; live events refresh the board within a second


def layout(**_query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    return html.Div(
        [
            board_header(lang, allowed(user, Action.REPORT_INCIDENT)),
            html.Div(id=ids.BOARD_NOTICE),
            html.Div(id=ids.BOARD_LIST, className="board-list"),
            html.Details(id=ids.BOARD_CLOSED, className="board-closed"),
            dcc.Store(id=ids.BOARD_TICK),
            dcc.Store(id=ids.FORM_DONE),
            dcc.Interval(id=ids.BOARD_REFRESH, interval=REFRESH_MS),
            *([incident_form(lang)] if allowed(user, Action.REPORT_INCIDENT) else []),
        ],
        id=ids.BOARD,
        className="incident-board",
    )


def board_header(lang: str, may_report: bool) -> html.Div:
    new_button = dbc.Button(
        [html.I(className="bi bi-plus-circle me-1"), t("form.new", lang)],
        id=ids.BOARD_NEW,
        color="danger",
        className="board-new",
    )
    return html.Div(
        [
            html.Div(
                [
                    html.H1(t("board.title", lang), className="board-title"),
                    html.Div(t("inc.target", lang), className="board-target"),
                    html.Div(id=ids.BOARD_UPDATED, className="board-updated"),
                ],
                className="board-heading",
            ),
            html.Div(id=ids.BOARD_COUNTS, className="board-counts"),
            *([new_button] if may_report else []),
        ],
        className="board-header",
    )


# --- the new-incident form ------------------------------------------------------------------


def incident_form(lang: str) -> dbc.Modal:
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(t("form.title", lang))),
            dbc.ModalBody(
                dbc.Row(
                    [
                        dbc.Col(what_fields(lang), lg=5),
                        dbc.Col(where_fields(lang), lg=7),
                    ],
                    className="g-3",
                )
            ),
            dbc.ModalFooter(
                [
                    html.Div(id=ids.FORM_MESSAGE, className="form-message me-auto"),
                    dbc.Button(t("form.cancel", lang), id=ids.FORM_CANCEL, color="secondary"),
                    dbc.Button(
                        [html.I(className="bi bi-send me-1"), t("form.submit", lang)],
                        id=ids.FORM_SUBMIT,
                        color="danger",
                    ),
                ]
            ),
            dcc.Store(id=ids.FORM_PLACES),
        ],
        id=ids.FORM_MODAL,
        is_open=False,
        size="xl",
        backdrop="static",  # a stray click must not throw away a half-written report
        scrollable=True,
        className="incident-form",
    )


def field(field_name: str, label_key: str, control, lang: str, html_for: str) -> html.Div:
    """A labelled control with its own error line underneath (filled by the submit callback)."""
    return html.Div(
        [
            dbc.Label(t(label_key, lang), html_for=html_for, className="mb-1"),
            control,
            dbc.FormFeedback(
                id={"type": ids.FORM_ERROR, "field": field_name},
                type="invalid",
                className="d-block",  # shown whatever the control (radios, the map)
            ),
        ],
        className="mb-3",
        **{"data-field": field_name},
    )


def what_fields(lang: str) -> list:
    kinds = [{"label": t(f"incident_kind.{kind}", lang), "value": kind} for kind in KINDS]
    severities = [
        {
            "label": html.Span(
                [html.B(f"{level} "), t(f"severity.{level}", lang)],
                className=f"severity-choice sev-{level}",
            ),
            "value": level,
        }
        for level in SEVERITIES
    ]
    channels = [{"label": t(f"channel.{c}", lang), "value": c} for c in CHANNELS]
    return [
        field(
            "kind",
            "form.kind",
            dbc.Select(
                id=ids.FORM_KIND, options=kinds, value="", placeholder=t("form.choose", lang)
            ),
            lang,
            ids.FORM_KIND,
        ),
        field(
            "severity",
            "form.severity",
            dbc.RadioItems(id=ids.FORM_SEVERITY, options=severities, value=None, inline=True),
            lang,
            ids.FORM_SEVERITY,
        ),
        field(
            "channel",
            "form.channel",
            dbc.Select(id=ids.FORM_CHANNEL, options=channels, value=CHANNELS[0]),
            lang,
            ids.FORM_CHANNEL,
        ),
        field(
            "address",
            "form.address",
            dbc.Input(id=ids.FORM_ADDRESS, maxLength=300),
            lang,
            ids.FORM_ADDRESS,
        ),
        field(
            "description",
            "form.description",
            dbc.Textarea(id=ids.FORM_DESCRIPTION, rows=5, maxLength=2000),
            lang,
            ids.FORM_DESCRIPTION,
        ),
    ]


def where_fields(lang: str) -> list:
    coords = dbc.Input(
        id=ids.FORM_COORDS,
        placeholder="30.59, 114.30",
        debounce=True,  # sent on Enter or leaving the field, so a quick submit still has it
        autocomplete="off",
    )
    search = dbc.Input(
        id=ids.FORM_PLACE_QUERY,
        type="search",
        placeholder=t("form.place.placeholder", lang),
        debounce=300,
        autocomplete="off",
    )
    return [
        dbc.Label(t("form.location", lang), className="mb-0"),
        html.Div(t("form.location.help", lang), className="form-text mt-0 mb-1"),
        location_map(lang),
        field("location", "form.coords", coords, lang, ids.FORM_COORDS),
        html.Div(
            [
                dbc.Label(t("form.place", lang), html_for=ids.FORM_PLACE_QUERY, className="mb-1"),
                search,
                html.Div(id=ids.FORM_PLACE_RESULTS, className="place-results"),
            ]
        ),
    ]


def location_map(lang: str) -> dl.Map:
    """Click to place the incident; the district outlines show where the city is, with or
    without tiles."""
    res = resources()
    (south, west), (north, east) = res.city.bounds
    return dl.Map(
        [
            *tile_layers(res.settings, lang),
            dl.GeoJSON(
                id=ids.FORM_MAP_DISTRICTS,
                style=map_js("districtStyle"),
                interactive=False,  # a click on a district is a click on the map
                zoomToBounds=False,
            ),
            dl.LayerGroup(id=ids.FORM_MARKER),
        ],
        id=ids.FORM_MAP,
        bounds=[[south, west], [north, east]],
        trackViewport=False,
        zoomSnap=0.25,
        attributionControl=bool(res.settings.tile_url),
        className="form-map",
    )
