"""投诉详情 A complaint's page: what the caller said, the cylinder it names (its trace), the
enterprise, who holds it and the time left or how late, its reply and satisfaction, the hazard or
incident it became, its history from the event log, and the steps the user may take now
(callbacks/complaint.py). An enterprise opens only the complaints naming it, a district officer
their district's; any other id reads "not found"."""

from __future__ import annotations

from urllib.parse import unquote

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_scope, current_user
from dashboard.components import notice
from dashboard.domain.policy import page_roles
from dashboard.i18n import current_language, t
from dashboard.resources import resources
from data_access.queries.complaint_board import complaint_detail

dash.register_page(
    __name__,
    path_template="/complaint/<complaint_id>",
    name="Complaint",
    title="投诉详情 · Complaint",
    label="page.complaint",
    icon="bi-telephone-inbound",
    order=17,
    roles=page_roles("complaint"),
    in_menu=False,
)


def layout(complaint_id: str | None = None, **_query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    engine = resources().engine
    found = (
        complaint_detail(engine, current_scope(), unquote(complaint_id)) if complaint_id else None
    )
    if found is None:
        return notice("cpd.not_found", lang)
    return html.Div(
        [
            dcc.Store(id=ids.COMPLAINT_ID, data=found.row.id),
            dcc.Store(id=ids.COMPLAINT_TICK, data=0),
            dcc.Location(id=ids.COMPLAINT_GOTO, refresh="callback-nav"),
            dcc.Link(
                [html.I(className="bi bi-arrow-left me-1"), t("cpd.back", lang)],
                href="/complaints",
                className="small",
            ),
            html.Div(id=ids.COMPLAINT_HEADER, className="complaint-header my-2"),
            html.Div(id=ids.COMPLAINT_FEEDBACK),
            dbc.Row(
                [
                    dbc.Col(html.Div(id=ids.COMPLAINT_FACTS), lg=5),
                    dbc.Col(
                        [
                            html.Div(id=ids.COMPLAINT_ACTIONS, className="mb-3"),
                            dbc.Card(
                                [
                                    dbc.CardHeader(t("cpd.history", lang)),
                                    dbc.CardBody(html.Div(id=ids.COMPLAINT_HISTORY)),
                                ],
                                className="complaint-card",
                            ),
                        ],
                        lg=7,
                    ),
                ],
                className="g-3",
            ),
        ],
        className="complaint-page container-fluid py-3",
    )


STEP_COLORS = {
    "assign": "info",
    "reply": "primary",
    "close": "success",
    "escalate": "danger",
    "to_hazard": "warning",
    "to_incident": "warning",
}


# Each step's button: its pattern id's type and key (the complaint's id is the key's value).
STEP_BUTTONS = {
    "assign": (ids.COMPLAINT_ASSIGN, "cp_assign"),
    "reply": (ids.COMPLAINT_REPLY, "cp_reply"),
    "close": (ids.COMPLAINT_CLOSE, "cp_close"),
    "escalate": (ids.COMPLAINT_ESCALATE, "cp_escalate"),
    "to_hazard": (ids.COMPLAINT_TO_HAZARD, "cp_hazard"),
    "to_incident": (ids.COMPLAINT_TO_INCIDENT, "cp_incident"),
}


def step_button_id(step: str, complaint_id: str) -> dict[str, str]:
    kind, key = STEP_BUTTONS[step]
    return {"type": kind, key: complaint_id}


def action_form(
    complaint_id: str,
    steps: list[str],
    enterprises: list[dict[str, str]],
    enterprise: str | None,
    assign_label: str,
    lang: str,
) -> dbc.Card:
    """The steps the user may take now, with what they carry. Every control is always there
    (the step callback reads them all), shown where it is used."""

    def shown(when: bool) -> dict[str, str]:
        return {} if when else {"display": "none"}

    def label(step: str) -> str:
        return assign_label if step == "assign" else t(f"complaint_step.{step}", lang)

    buttons = [
        dbc.Button(
            label(step),
            id=step_button_id(step, complaint_id),
            color=STEP_COLORS.get(step, "secondary"),
            size="sm",
            className="me-2 mb-1",
        )
        for step in steps
    ]
    choose_enterprise = "assign" in steps and bool(enterprises)
    body = [
        html.Div(
            t("cpd.no_actions", lang), className="text-secondary small", style=shown(not steps)
        ),
        html.Div(
            [
                dbc.Label(
                    t("cpd.pass_to", lang),
                    html_for=ids.COMPLAINT_ENTERPRISE,
                    className="small mb-1",
                ),
                dcc.Dropdown(
                    id=ids.COMPLAINT_ENTERPRISE,
                    options=enterprises,
                    value=enterprise,
                    clearable=False,
                    className="mb-2 cq-dropdown",
                ),
            ],
            style=shown(choose_enterprise),
        ),
        html.Div(
            [
                dbc.Label(t("cpd.note", lang), html_for=ids.COMPLAINT_NOTE, className="small mb-1"),
                dbc.Textarea(id=ids.COMPLAINT_NOTE, maxLength=2000, rows=2, className="mb-2"),
            ],
            style=shown(bool(steps)),
        ),
        html.Div(
            [
                dbc.Label(
                    t("cpd.satisfaction.pick", lang),
                    html_for=ids.COMPLAINT_SATISFACTION,
                    className="small mb-1",
                ),
                dbc.Select(
                    id=ids.COMPLAINT_SATISFACTION,
                    options=[
                        {"label": "★" * n + f" {n}", "value": str(n)} for n in (5, 4, 3, 2, 1)
                    ],
                    value="5",
                    className="mb-2",
                ),
            ],
            style=shown("close" in steps),
        ),
        dbc.Row(
            [
                dbc.Col(
                    [
                        dbc.Label(
                            t("cpd.level", lang),
                            html_for=ids.COMPLAINT_LEVEL,
                            className="small mb-1",
                        ),
                        dbc.Select(
                            id=ids.COMPLAINT_LEVEL,
                            options=[
                                {"label": t(f"hazard_level.{level}", lang), "value": level}
                                for level in ("general", "major")
                            ],
                            value="general",
                        ),
                    ],
                    style=shown("to_hazard" in steps),
                ),
                dbc.Col(
                    [
                        dbc.Label(
                            t("cpd.severity", lang),
                            html_for=ids.COMPLAINT_SEVERITY,
                            className="small mb-1",
                        ),
                        dbc.Select(
                            id=ids.COMPLAINT_SEVERITY,
                            options=[{"label": str(n), "value": str(n)} for n in (1, 2, 3, 4)],
                            value="2",
                        ),
                    ],
                    style=shown("to_incident" in steps),
                ),
            ],
            className="g-2 mb-2",
        ),
        html.Div(buttons),
    ]
    return dbc.Card(
        [dbc.CardHeader(t("cpd.actions", lang)), dbc.CardBody(body)],
        className="complaint-card complaint-actions",
    )
