"""Small layout pieces shared by pages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import html

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
