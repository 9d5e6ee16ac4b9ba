"""The response-time statistics page's behaviour: for the chosen months, the per-district table
with its total row, the monthly compliance chart and the district-by-month grid."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Input, Output, html

from dashboard import ids
from dashboard.auth import current_user
from dashboard.domain.response import (
    RESPONSE_TARGET_MIN,
    Month,
    ResponseStats,
    months_between,
    recent_months,
)
from dashboard.domain.roles import Scope
from dashboard.guard import page_callback
from dashboard.i18n import current_language, t
from dashboard.resources import resources
from data_access.queries.response_times import ResponseTable, response_table
from pages.response_times import CHOICE_MONTHS, DEFAULT_MONTHS, month_label

callback = page_callback("response_times")

# The app's font stack (assets/app.css): Chinese month names need a CJK font in the chart too.
CHART_FONTS = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"


@callback(
    Output(ids.RT_TABLE, "children"),
    Output(ids.RT_CHART, "figure"),
    Output(ids.RT_MATRIX, "children"),
    Output(ids.RT_NOTICE, "children"),
    Output(ids.RT_AS_OF, "children"),
    Input(ids.RT_FROM, "value"),
    Input(ids.RT_TO, "value"),
)
def show_statistics(first: str | None, last: str | None):
    user = current_user()
    assert user is not None  # the page's roles only (page_callback)
    res, lang = resources(), current_language()
    zone = res.settings.time_zone
    now = datetime.now(UTC)
    months, swapped = chosen_months(first, last, now, zone)
    stats = response_table(res.engine, user.scope, months, now, zone)
    districts = district_rows(user.scope, stats, lang)
    notice = (
        dbc.Alert(t("rt.range_swapped", lang), color="info", className="py-2") if swapped else None
    )
    as_of = f"{t('rt.as_of', lang)} {now.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"
    if stats.total.count == 0:
        notice = dbc.Alert(t("rt.none", lang), color="secondary", className="py-2")
    return (
        district_table(districts, stats, user.scope, lang),
        monthly_chart(stats, lang),
        month_grid(districts, stats, lang),
        notice,
        as_of,
    )


def chosen_months(
    first: str | None, last: str | None, now: datetime, zone: str
) -> tuple[list[Month], bool]:
    """The months to show, oldest first, and whether the two ends came swapped. Anything not
    among the pickers' choices falls back to the default period."""
    choices = recent_months(now, zone, CHOICE_MONTHS)
    if first not in choices or last not in choices:
        first, last = choices[-DEFAULT_MONTHS], choices[-1]
    swapped = first > last
    if swapped:
        first, last = last, first
    return months_between(first, last), swapped


def district_rows(scope: Scope, stats: ResponseTable, lang: str) -> list[tuple[str | None, str]]:
    """(code, name) of each district shown: the city pack's, in its order, or the user's own;
    incidents the projection could not place in a district get a row of their own."""
    city = resources().city
    rows: list[tuple[str | None, str]] = [
        (d.code, d.name(lang))
        for d in city.districts
        if scope.district is None or d.code == scope.district
    ]
    known = {code for code, _ in rows}
    for code in stats.by_district:
        if code not in known:
            name = t("rt.unknown_district", lang) if code is None else code
            rows.append((code, name))
    return rows


# --- the table ------------------------------------------------------------------------------


def minutes_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def share_text(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def share_colour(value: float | None) -> str:
    """Red at 0 %, amber at 50 %, green at 100 %: a reading aid, not a threshold."""
    if value is None:
        return "rgba(0, 0, 0, 0)"
    return f"hsla({value * 120:.0f}, 70%, 42%, 0.85)"


def stats_cells(stats: ResponseStats) -> list[html.Td]:
    share = stats.compliance
    return [
        html.Td(f"{stats.count:,}", className="num"),
        html.Td(minutes_text(stats.median_min), className="num"),
        html.Td(minutes_text(stats.p90_min), className="num"),
        html.Td(
            html.Span(
                share_text(share),
                className="rt-share",
                style={"--share": f"{(share or 0) * 100:.0f}%"},
            ),
            className="num",
            **{"data-compliance": "" if share is None else f"{share:.4f}"},
        ),
        html.Td(
            f"{stats.waiting:,}",
            className="num" + (" rt-waiting" if stats.waiting else ""),
        ),
        html.Td(f"{stats.breaches:,}", className="num" + (" rt-breach" if stats.breaches else "")),
    ]


def district_table(
    districts: list[tuple[str | None, str]], stats: ResponseTable, scope: Scope, lang: str
) -> dbc.Table:
    unit = t("rt.minutes_unit", lang)
    heads = [
        t("rt.district", lang),
        t("rt.count", lang),
        f"{t('rt.median', lang)} ({unit})",
        f"{t('rt.p90', lang)} ({unit})",
        t("rt.compliance", lang),
        t("rt.waiting", lang),
        t("rt.breaches", lang),
    ]
    rows = [
        html.Tr(
            [html.Td(name), *stats_cells(stats.district(code))], **{"data-district": code or ""}
        )
        for code, name in districts
    ]
    total_label = t("rt.city_total" if scope.district is None else "rt.scope_total", lang)
    total = html.Tr(
        [html.Th(total_label), *stats_cells(stats.total)],
        className="rt-total",
        **{"data-district": "total"},
    )
    return dbc.Table(
        [
            html.Thead(
                html.Tr(
                    [html.Th(head, className="num" if n else None) for n, head in enumerate(heads)]
                )
            ),
            html.Tbody(rows),
            html.Tfoot(total),
        ],
        size="sm",
        className="rt-table",
    )


# --- the chart ------------------------------------------------------------------------------


def monthly_chart(stats: ResponseTable, lang: str) -> go.Figure:
    """Compliance per month (bars, left axis) and the median minutes (line, right axis) with
    the 20-minute target drawn on the minutes' axis."""
    labels = list(stats.months)  # "2026-03": short enough for twelve and more under a chart
    per_month = [stats.month(month) for month in stats.months]
    shares = [None if s.compliance is None else s.compliance * 100 for s in per_month]
    medians = [s.median_min for s in per_month]
    figure = go.Figure()
    figure.add_bar(
        x=labels,
        y=shares,
        name=t("rt.chart.compliance", lang),
        marker_color=[share_colour(s.compliance) for s in per_month],
        text=[share_text(s.compliance) for s in per_month],
        textposition="outside",
        customdata=[[s.count, s.breaches] for s in per_month],
        hovertemplate="%{x}: %{y:.0f}% (%{customdata[0]} / %{customdata[1]})<extra></extra>",
    )
    figure.add_scatter(
        x=labels,
        y=medians,
        name=t("rt.chart.median", lang),
        yaxis="y2",
        mode="lines+markers",
        line={"color": "#35c2e8", "width": 2},
        connectgaps=False,
        hovertemplate="%{x}: %{y:.1f}<extra></extra>",
    )
    figure.add_scatter(
        x=labels,
        y=[RESPONSE_TARGET_MIN] * len(labels),
        name=t("rt.chart.target", lang),
        yaxis="y2",
        mode="lines",
        line={"color": "#ff6961", "width": 1.5, "dash": "dash"},
        hoverinfo="skip",
    )
    # Whole 5-minute steps on the minutes' axis, with room above the target and every median.
    highest = max([RESPONSE_TARGET_MIN * 1.5, *(m * 1.15 for m in medians if m is not None)])
    top = math.ceil(highest / 5) * 5
    figure.update_layout(
        template="plotly_dark",
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": CHART_FONTS},
        margin={"l": 48, "r": 48, "t": 36, "b": 40},
        bargap=0.3,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        xaxis={"type": "category"},  # "2026-03" is a month label, not a date to re-tick
        yaxis={"title": t("rt.chart.compliance", lang), "range": [0, 115], "ticksuffix": "%"},
        yaxis2={
            "title": t("rt.chart.median", lang),
            "overlaying": "y",
            "side": "right",
            "range": [0, top],
            "dtick": 5 if top <= 40 else 10,
            "showgrid": False,
        },
    )
    return figure


# --- the district-by-month grid -------------------------------------------------------------


def month_grid(
    districts: list[tuple[str | None, str]], stats: ResponseTable, lang: str
) -> html.Div:
    heads = [html.Th(t("rt.district", lang))] + [
        html.Th(month_label(month, lang), className="num") for month in stats.months
    ]
    rows = [
        html.Tr(
            [html.Td(name)]
            + [grid_cell(name, month, stats.cell(code, month), lang) for month in stats.months],
            **{"data-district": code or ""},
        )
        for code, name in districts
    ]
    totals = html.Tr(
        [html.Th(t("rt.scope_total", lang))]
        + [grid_cell(t("rt.scope_total", lang), m, stats.month(m), lang) for m in stats.months],
        className="rt-total",
    )
    return html.Div(
        html.Table(
            [html.Thead(html.Tr(heads)), html.Tbody(rows), html.Tfoot(totals)],
            className="rt-grid",
        ),
        className="table-responsive",
    )


def grid_cell(district: str, month: Month, stats: ResponseStats, lang: str) -> html.Td:
    share = stats.compliance
    title = t("rt.matrix.cell", lang).format(
        district=district,
        month=month_label(month, lang),
        count=stats.count,
        share=share_text(share),
        breaches=stats.breaches,
    )
    body = (
        [share_text(share), html.Small(f" {stats.count}", className="rt-grid-count")]
        if stats.count
        else "·"
    )
    return html.Td(
        body,
        title=title,
        className="num rt-grid-cell" + ("" if stats.count else " empty"),
        style={"background": share_colour(share)},
    )
