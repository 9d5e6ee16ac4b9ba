"""响应时效 Response-time statistics: per district and month, minutes from report to first team
on scene against the 20-minute target, with the city total, a monthly compliance chart and a
district-by-month grid (callbacks/response_times.py fills them for the chosen months).

A district officer sees their own district only (the queries apply the scope)."""

from __future__ import annotations

from datetime import UTC, datetime

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_user
from dashboard.components import notice
from dashboard.domain.policy import page_roles
from dashboard.domain.response import Month, recent_months
from dashboard.i18n import current_language, t
from dashboard.resources import resources

dash.register_page(
    __name__,
    path="/response-times",
    name="Response times",
    title="响应时效 · Response times",
    label="page.response_times",
    icon="bi-stopwatch",
    order=13,
    roles=page_roles("response_times"),
    in_menu=True,
)

DEFAULT_MONTHS = 12  # the last twelve months, this one included
CHOICE_MONTHS = 36  # how far back the month pickers reach


def month_label(month: Month, lang: str) -> str:
    year, number = month.split("-")
    return f"{year}年{int(number)}月" if lang == "zh" else month


def month_choices(lang: str) -> list[dict[str, str]]:
    """The last CHOICE_MONTHS months, newest first."""
    months = recent_months(datetime.now(UTC), resources().settings.time_zone, CHOICE_MONTHS)
    return [{"label": month_label(m, lang), "value": m} for m in reversed(months)]


def layout(**_query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in page_roles("response_times"):
        return notice("forbidden", lang)
    return html.Div(
        [
            header(lang),
            html.Div(id=ids.RT_NOTICE),
            dbc.Row(
                [
                    dbc.Col(panel(t("rt.table.title", lang), html.Div(id=ids.RT_TABLE)), xl=7),
                    dbc.Col(panel(t("rt.chart.title", lang), chart()), xl=5),
                ],
                className="g-3",
            ),
            panel(t("rt.matrix.title", lang), html.Div(id=ids.RT_MATRIX), "mt-3"),
        ],
        className="response-times",
    )


def header(lang: str) -> html.Div:
    choices = month_choices(lang)
    last = choices[0]["value"]
    first = choices[DEFAULT_MONTHS - 1]["value"]
    return html.Div(
        [
            html.Div(
                [
                    html.H1(
                        [html.I(className="bi bi-stopwatch me-2"), t("rt.title", lang)],
                        className="rt-title",
                    ),
                    html.P(t("rt.intro", lang), className="rt-intro"),
                ],
                className="flex-grow-1",
            ),
            html.Div(
                [
                    month_picker(ids.RT_FROM, t("rt.from", lang), choices, first),
                    month_picker(ids.RT_TO, t("rt.to", lang), choices, last),
                    html.Div(id=ids.RT_AS_OF, className="rt-as-of"),
                ],
                className="rt-controls",
            ),
        ],
        className="rt-header",
    )


def month_picker(
    component_id: str, label: str, choices: list[dict[str, str]], value: Month
) -> html.Div:
    return html.Div(
        [
            html.Label(label, htmlFor=component_id, className="form-label rt-label"),
            dcc.Dropdown(
                id=component_id,
                options=choices,
                value=value,
                clearable=False,
                searchable=False,
                className="rt-month",
            ),
        ]
    )


def chart() -> html.Div:
    # A responsive graph fills its parent (Dash sets its height to 100%): the frame sizes it.
    return html.Div(
        dcc.Graph(id=ids.RT_CHART, config={"displayModeBar": False, "responsive": True}),
        className="rt-chart",
    )


def panel(title: str, body, extra_class: str = "") -> html.Section:
    return html.Section(
        [html.H2(title, className="rt-panel-title"), body],
        className=f"rt-panel {extra_class}".strip(),
    )
