"""隐患详情 A hazard's page: its number, where it is on a small map, what it came from, who must
rectify it and who supervises, its due date and the time left, its whole history with actors,
notes and photos, and the steps of the loop the user may take now (callbacks/hazard.py)."""

from __future__ import annotations

from urllib.parse import unquote

import dash
import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_scope, current_user
from dashboard.components import notice
from dashboard.domain.policy import page_roles
from dashboard.i18n import current_language, t
from dashboard.photo_store import MAX_BYTES
from dashboard.resources import resources
from dashboard.tiles import tile_layers
from data_access.queries.hazard_board import hazard_detail

dash.register_page(
    __name__,
    path_template="/hazard/<hazard_id>",
    name="Hazard",
    title="隐患详情 · Hazard",
    label="page.hazard",
    icon="bi-cone-striped",
    order=15,
    roles=page_roles("hazard"),
    in_menu=False,
)


def layout(hazard_id: str | None = None, **_query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    engine = resources().engine
    found = hazard_detail(engine, current_scope(), unquote(hazard_id)) if hazard_id else None
    if found is None:
        return notice("hz.not_found", lang)
    return html.Div(
        [
            dcc.Store(id=ids.HAZARD_ID, data=found.row.id),
            dcc.Store(id=ids.HAZARD_TICK, data=0),
            dcc.Store(id=ids.HAZARD_PHOTO_REFS, data=[]),
            dcc.Link(
                [html.I(className="bi bi-arrow-left me-1"), t("hz.back", lang)],
                href="/hazards",
                className="small",
            ),
            html.Div(id=ids.HAZARD_HEADER, className="hazard-header my-2"),
            html.Div(id=ids.HAZARD_FEEDBACK),
            dbc.Row(
                [
                    dbc.Col(
                        [hazard_map(found.lat, found.lon, lang), html.Div(id=ids.HAZARD_FACTS)],
                        lg=5,
                    ),
                    dbc.Col(
                        [
                            html.Div(id=ids.HAZARD_ACTIONS, className="mb-3"),
                            dbc.Card(
                                [
                                    dbc.CardHeader(t("hz.history", lang)),
                                    dbc.CardBody(html.Div(id=ids.HAZARD_HISTORY)),
                                ],
                                className="hazard-card",
                            ),
                        ],
                        lg=7,
                    ),
                ],
                className="g-3",
            ),
        ],
        className="hazard-page container-fluid py-3",
    )


def hazard_map(lat: float, lon: float, lang: str) -> dl.Map:
    settings = resources().settings
    return dl.Map(
        [
            *tile_layers(settings, lang),
            dl.CircleMarker(center=[lat, lon], radius=9, color="#ff6b4a", fillOpacity=0.8),
            dl.ScaleControl(position="bottomleft", imperial=False),
        ],
        center=[lat, lon],
        zoom=15,
        attributionControl=bool(settings.tile_url),
        className="hazard-map mb-3",
    )


def action_form(steps: list[str], lang: str) -> dbc.Card:
    """The steps the user may take now, with what they carry (a note, photos, a due date).
    Every control is always there (the step callback reads them all), shown where it is used."""

    def shown(when: bool) -> dict[str, str]:
        return {} if when else {"display": "none"}

    buttons = [
        dbc.Button(
            t(f"hazard_step.{step}", lang),
            id={"type": ids.HAZARD_STEP, "step": step},
            color=STEP_COLORS.get(step, "secondary"),
            size="sm",
            className="me-2 mb-1",
        )
        for step in steps
    ]
    body = [
        html.Div(
            t("hz.no_actions", lang), className="text-secondary small", style=shown(not steps)
        ),
        html.Div(
            [
                dbc.Label(t("hz.note", lang), html_for=ids.HAZARD_NOTE, className="small mb-1"),
                dbc.Textarea(id=ids.HAZARD_NOTE, maxLength=2000, rows=2, className="mb-2"),
            ],
            style=shown(bool(steps)),
        ),
        html.Div(
            [
                dbc.Label(t("hz.photos", lang), className="small mb-1"),
                dcc.Upload(
                    html.Div([html.I(className="bi bi-camera me-2"), t("hz.photos.add", lang)]),
                    id=ids.HAZARD_PHOTOS,
                    multiple=True,
                    accept="image/jpeg,image/png",
                    max_size=MAX_BYTES,
                    className="hazard-upload mb-1",
                ),
                html.Div(id=ids.HAZARD_PHOTO_LIST, className="hazard-photo-list mb-2"),
            ],
            style=shown("rectified" in steps),
        ),
        html.Div(
            [
                dbc.Label(t("hz.new_due", lang), html_for=ids.HAZARD_DUE, className="small mb-1"),
                dbc.Input(id=ids.HAZARD_DUE, type="date", className="mb-2"),
            ],
            style=shown("redate" in steps),
        ),
        html.Div(buttons),
    ]
    return dbc.Card(
        [dbc.CardHeader(t("hz.actions", lang)), dbc.CardBody(body)],
        className="hazard-card hazard-actions",
    )


STEP_COLORS = {
    "close": "success",
    "verify": "success",
    "rectified": "primary",
    "start": "primary",
    "reject": "warning",
    "assign": "info",
    "redate": "secondary",
}
