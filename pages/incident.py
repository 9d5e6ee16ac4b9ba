"""事件处置 The incident view: the map around one incident, the teams ranked by arrival time to
dispatch, the teams sent, the live timeline with the desk's own updates, what is registered at the
address, the nearest depots and experts, notifications, and closing (callbacks/incident.py)."""

from __future__ import annotations

from urllib.parse import quote, unquote

import dash
import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_scope, current_user
from dashboard.components import notice
from dashboard.domain.dispatch import DESK_UPDATE_STATUSES
from dashboard.domain.events import NOTIFY_LEVELS
from dashboard.domain.policy import Action, allowed, page_roles
from dashboard.i18n import current_language, t
from dashboard.resources import resources
from dashboard.tiles import tile_layers
from data_access.queries.incident_view import incident

dash.register_page(
    __name__,
    path_template="/incident/<incident_id>",
    name="Incident",
    title="事件处置 · Incident",
    label="page.incident",
    icon="bi-fire",
    order=11,
    roles=page_roles("incident"),
    in_menu=False,
)

REFRESH_MS = 30_000  # the fallback; live events refresh the view within a second
NO_STATUS = "-"  # the update form's "status unchanged"


def layout(incident_id: str | None = None, **_query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    engine = resources().engine
    found = incident(engine, unquote(incident_id), current_scope()) if incident_id else None
    if found is None:
        return notice("incident.not_found", lang)
    acts = allowed(user, Action.DISPATCH)  # buttons shown; each action's command decides
    return html.Div(
        [
            dcc.Store(id=ids.INCIDENT_ID, data=found.id),
            dcc.Store(id=ids.INCIDENT_TICK),
            dcc.Interval(id=ids.INCIDENT_REFRESH, interval=REFRESH_MS),
            html.Div(
                [
                    html.Div(id=ids.INCIDENT_HEADER, className="incident-header flex-grow-1"),
                    actions(found.id, lang, acts),
                ],
                className="d-flex align-items-start gap-3 flex-wrap",
            ),
            html.Div(id=ids.INCIDENT_FEEDBACK, className="incident-feedback"),
            dbc.Row(
                [
                    dbc.Col(
                        [incident_map(lang, found.lat, found.lon), around_panel(lang)],
                        lg=7,
                        className="mb-3",
                    ),
                    dbc.Col(
                        [
                            dispatch_panel(lang, acts),
                            dispatched_panel(lang),
                            timeline_panel(lang, acts),
                            notify_panel(lang, acts),
                        ],
                        lg=5,
                    ),
                ],
                className="g-3",
            ),
            dispatch_modal(lang),
            close_modal(lang),
        ],
        className="incident-view",
        **{"data-incident": found.id},
    )


def report_href(incident_id: str) -> str:
    return f"/report/{quote(incident_id, safe='')}"


def actions(incident_id: str, lang: str, acts: bool) -> html.Div:
    buttons: list = [
        dbc.Button(
            [html.I(className="bi bi-file-earmark-text me-1"), t("incident.report", lang)],
            href=report_href(incident_id),
            color="secondary",
            outline=True,
            size="sm",
            id=ids.INCIDENT_ACTIONS,
        )
    ]
    if acts:
        buttons.append(
            dbc.Button(
                [html.I(className="bi bi-check2-circle me-1"), t("incident.close", lang)],
                id=ids.INCIDENT_CLOSE,
                color="success",
                size="sm",
            )
        )
    return html.Div(buttons, className="d-flex gap-2 incident-actions")


def panel(title_key: str, body: list, lang: str, extra: object = None) -> dbc.Card:
    header = [html.Span(t(title_key, lang), className="fw-semibold")]
    if extra is not None:
        header.append(extra)
    return dbc.Card(
        [
            dbc.CardHeader(header, className="d-flex justify-content-between align-items-center"),
            dbc.CardBody(body),
        ],
        className="incident-panel mb-3",
    )


def incident_map(lang: str, lat: float, lon: float) -> dl.Map:
    res = resources()
    layers = [
        *tile_layers(res.settings, lang),
        dl.LayerGroup(id=ids.INCIDENT_MAP_AROUND),
        dl.LayerGroup(id=ids.INCIDENT_MAP_TEAMS),
        dl.ScaleControl(position="bottomleft", imperial=False),
    ]
    return dl.Map(
        layers,
        id=ids.INCIDENT_MAP,
        center=[lat, lon],
        zoom=13,
        attributionControl=bool(res.settings.tile_url),
        className="incident-map mb-3",
    )


def around_panel(lang: str) -> dbc.Card:
    return panel("incident.around", [html.Div(id=ids.INCIDENT_AROUND)], lang)


def dispatch_panel(lang: str, acts: bool) -> dbc.Card:
    button = dbc.Button(
        [html.I(className="bi bi-send-fill me-1"), t("incident.dispatch", lang)],
        id=ids.INCIDENT_DISPATCH,
        color="danger",
        size="sm",
        disabled=not acts,
    )
    body = [
        html.Div(t("incident.ranking_hint", lang), className="small text-secondary mb-2"),
        dcc.Store(id=ids.INCIDENT_PICKED, data=[]),
        html.Div(id=ids.INCIDENT_RANKING, className="team-ranking"),
        html.Div(id=ids.INCIDENT_RANKING_NOTE, className="small text-secondary mt-2"),
    ]
    return panel("incident.teams", body, lang, button if acts else None)


def dispatched_panel(lang: str) -> dbc.Card:
    return panel("incident.dispatched", [html.Div(id=ids.INCIDENT_DISPATCHED)], lang)


def timeline_panel(lang: str, acts: bool) -> dbc.Card:
    body: list = [html.Div(id=ids.INCIDENT_TIMELINE, className="incident-timeline")]
    if acts:
        body.append(update_form(lang))
    return panel("incident.timeline", body, lang)


def update_form(lang: str) -> html.Div:
    statuses = [{"label": t("incident.update.no_status", lang), "value": NO_STATUS}] + [
        {"label": t(f"incident_status.{s}", lang), "value": s} for s in DESK_UPDATE_STATUSES
    ]
    return html.Div(
        [
            dbc.Textarea(
                id=ids.INCIDENT_UPDATE_TEXT,
                placeholder=t("incident.update.placeholder", lang),
                rows=2,
                maxLength=4000,
                className="mb-2",
            ),
            html.Div(
                [
                    dbc.Select(
                        id=ids.INCIDENT_UPDATE_STATUS,
                        options=statuses,
                        value=NO_STATUS,
                        size="sm",
                        className="w-auto me-2",
                    ),
                    dbc.Button(
                        t("incident.update.post", lang),
                        id=ids.INCIDENT_UPDATE_POST,
                        size="sm",
                        color="info",
                    ),
                ],
                className="d-flex",
            ),
        ],
        className="mt-3 border-top border-secondary-subtle pt-3",
    )


def notify_panel(lang: str, acts: bool) -> dbc.Card:
    body: list = [html.Div(id=ids.INCIDENT_NOTIFICATIONS)]
    if acts:
        body.append(
            html.Div(
                [
                    dcc.Checklist(
                        id=ids.INCIDENT_NOTIFY_LEVELS,
                        options=[
                            {"label": t(f"notify.level.{level}", lang), "value": level}
                            for level in NOTIFY_LEVELS
                        ],
                        value=list(NOTIFY_LEVELS),
                        inline=True,
                        inputClassName="form-check-input me-1",
                        labelClassName="me-3",
                    ),
                    dbc.Button(
                        [html.I(className="bi bi-megaphone me-1"), t("incident.notify", lang)],
                        id=ids.INCIDENT_NOTIFY,
                        size="sm",
                        color="warning",
                        outline=True,
                    ),
                ],
                className="d-flex align-items-center flex-wrap mt-2",
            )
        )
    return panel("incident.notifications", body, lang)


def dispatch_modal(lang: str) -> dbc.Modal:
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(t("incident.dispatch_confirm", lang))),
            dbc.ModalBody(id=ids.INCIDENT_DISPATCH_SUMMARY),
            dbc.ModalFooter(
                [
                    dbc.Button(
                        t("cancel", lang), id=ids.INCIDENT_DISPATCH_CANCEL, color="secondary"
                    ),
                    dbc.Button(
                        [html.I(className="bi bi-send-fill me-1"), t("incident.dispatch", lang)],
                        id=ids.INCIDENT_DISPATCH_CONFIRM,
                        color="danger",
                    ),
                ]
            ),
        ],
        id=ids.INCIDENT_DISPATCH_MODAL,
        is_open=False,
        centered=True,
    )


def close_modal(lang: str) -> dbc.Modal:
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(t("incident.close_title", lang))),
            dbc.ModalBody(
                [
                    dbc.Label(
                        t("incident.close_summary", lang), html_for=ids.INCIDENT_CLOSE_SUMMARY
                    ),
                    dbc.Textarea(id=ids.INCIDENT_CLOSE_SUMMARY, rows=4, maxLength=4000),
                    html.Div(id=ids.INCIDENT_CLOSE_ERROR, className="text-danger small mt-1"),
                    dbc.Label(
                        t("incident.casualties", lang),
                        html_for=ids.INCIDENT_CLOSE_CASUALTIES,
                        className="mt-2",
                    ),
                    dbc.Input(
                        id=ids.INCIDENT_CLOSE_CASUALTIES, type="number", min=0, step=1, value=0
                    ),
                ]
            ),
            dbc.ModalFooter(
                [
                    dbc.Button(t("cancel", lang), id=ids.INCIDENT_CLOSE_CANCEL, color="secondary"),
                    dbc.Button(
                        t("incident.close", lang), id=ids.INCIDENT_CLOSE_CONFIRM, color="success"
                    ),
                ]
            ),
        ],
        id=ids.INCIDENT_CLOSE_MODAL,
        is_open=False,
        centered=True,
    )
