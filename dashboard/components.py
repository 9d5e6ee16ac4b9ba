"""Small layout pieces shared by pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.i18n import t


def local_time(moment: datetime | None, time_zone: str, fmt: str = "%m-%d %H:%M:%S") -> str:
    """A stored UTC moment as the city's clock shows it; a dash when there is none."""
    return "—" if moment is None else moment.astimezone(ZoneInfo(time_zone)).strftime(fmt)


def kpi_card(label_key: str, value: int | float | None, icon: str, lang: str) -> dbc.Col:
    shown = "—" if value is None else f"{value:,.0f}"
    return dbc.Col(
        html.Div(
            [
                html.I(className=f"bi {icon} kpi-icon"),
                html.Div(
                    [
                        html.Div(shown, className="kpi-value"),
                        html.Div(t(label_key, lang), className="kpi-label"),
                    ],
                ),
            ],
            className="kpi-card",
            **{"data-kpi": label_key},
        ),
        className="kpi-col",
    )


def notice(message_key: str, lang: str, color: str = "warning") -> dbc.Alert:
    return dbc.Alert(t(message_key, lang), color=color, className="m-4")


def legend(title: str, colors: list[str], labels: list[str], empty_label: str) -> html.Div:
    rows = [
        html.Div(
            [html.Span(className="legend-swatch", style={"background": color}), label],
            className="legend-row",
        )
        for color, label in zip(colors, labels, strict=False)
    ]
    if not rows:
        rows = [html.Div(empty_label, className="legend-row text-secondary")]
    return html.Div([html.Div(title, className="legend-title"), *rows])


def filter_select(control_id: str, options: list[dict[str, str]], value: str | None) -> dbc.Select:
    """A list filter set to `value` (from the URL) when it is one of its options, else the first."""
    known = {option["value"] for option in options}
    return dbc.Select(
        id=control_id, options=options, value=value if value in known else options[0]["value"]
    )


def filter_card(
    fields: Sequence[tuple[str, Any, int]], lang: str, class_name: str, extra: Sequence[Any] = ()
) -> dbc.Card:
    """A list's filters: each (label key, control, width on a wide screen) under its label, then
    `extra` columns (a checkbox), wrapping on narrower screens."""
    columns = [
        dbc.Col(
            [dbc.Label(t(key, lang), html_for=control.id, className="small mb-1"), control],
            xl=width, lg=3, md=4, sm=6,
        )
        for key, control, width in fields
    ]  # fmt: skip
    row = dbc.Row([*columns, *extra], className="g-2")
    return dbc.Card(dbc.CardBody(row), className=f"mb-2 {class_name}")


def cylinder_search(lang: str) -> html.Div:
    """The cylinder search box (navigation bar): a code or a scanned QR link opens the cylinder's
    trace (callbacks/cylinder.py `search`); a bad input gets a message under the box."""
    return html.Div(
        [
            html.Label(
                t("ct.search.placeholder", lang),
                htmlFor=ids.CYL_SEARCH_TEXT,
                className="visually-hidden",
            ),
            dbc.InputGroup(
                [
                    dbc.Input(
                        id=ids.CYL_SEARCH_TEXT,
                        type="search",
                        placeholder=t("ct.search.placeholder", lang),
                        maxLength=300,
                        autoComplete="off",
                    ),
                    dbc.Button(
                        html.I(className="bi bi-upc-scan"),
                        id=ids.CYL_SEARCH_GO,
                        color="info",
                        outline=True,
                        title=t("ct.search.go", lang),
                    ),
                ],
                size="sm",
            ),
            html.Div(id=ids.CYL_SEARCH_FEEDBACK, className="cyl-search-feedback", role="alert"),
            dcc.Location(id=ids.CYL_SEARCH_URL, refresh="callback-nav"),
        ],
        className="cyl-search me-3",
    )
