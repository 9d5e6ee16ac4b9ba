"""The rankings page's behaviour: for the chosen period and version, the district ranking (table,
chart, trend), the drill-down (a district's components, a count's objects), the enterprise
scores, lists, overdue inspections and 12-point totals, the URL that follows it all, and the
exports (dashboard/rankings_report.py, rankings_export.py, rankings_pdf.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.auth import current_scope
from dashboard.domain.scoring import (
    BAND_COLOURS,
    ComponentScore,
    DeductionScore,
    DistrictIndex,
    Period,
    Rate,
    ScoringConfig,
    local_day,
)
from dashboard.domain.violations import SUSPENSION_POINTS
from dashboard.guard import page_callback
from dashboard.i18n import TEXT, current_language, t
from dashboard.rankings_export import workbook_bytes
from dashboard.rankings_pdf import briefing_pdf
from dashboard.rankings_report import build_report
from dashboard.resources import resources
from dashboard.url_sync import url_follows
from data_access.queries import accounts, rankings, scoring_config
from data_access.queries.rankings import (
    CountObject,
    DistrictRanking,
    DistrictScoreRow,
    EnterpriseRanking,
    EnterpriseScoreRow,
    PointsRow,
)
from pages.rankings import (
    ALL as ALL_KINDS,
)
from pages.rankings import (
    CUSTOM,
    MEASURES,
    TABS,
    chosen_period,
    period_text,
    quarter_label,
    version_badge,
)

callback = page_callback("rankings")

# The app's font stack (assets/app.css): Chinese district names need a CJK font in the charts.
CHART_FONTS = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"
PERIOD_INPUTS = (
    Input(ids.RK_PERIOD, "value"),
    Input(ids.RK_FROM, "value"),
    Input(ids.RK_TO, "value"),
    Input(ids.RK_VERSION_PICK, "value"),
)
POINTS_SHOWN = 200  # the 12-point table's rows (highest first; the workbook has them all)


# --- what the controls choose -------------------------------------------------------------


def config_for(version: str | None) -> tuple[ScoringConfig, bool]:
    """The configuration to compute under, and whether the version asked for was unknown (then
    the one in force stands in)."""
    engine = resources().engine
    if version:
        config = scoring_config.config_of_version(engine, version)
        if config is not None:
            return config, False
    return scoring_config.active_config(engine), bool(version)


def period_and_config(
    choice: str | None, first: str | None, last: str | None, version: str | None
) -> tuple[Period, ScoringConfig, list[str]]:
    """The period and configuration the controls choose, with the notices' text keys."""
    period, bad_range = chosen_period(choice, first, last, datetime.now(UTC))
    config, unknown = config_for(version)
    notices = (["rk.bad_range"] if bad_range else []) + (["rk.unknown_version"] if unknown else [])
    return period, config, notices


def notices_of(keys: list[str], version: str | None, lang: str) -> list[dbc.Alert]:
    return [
        dbc.Alert(t(key, lang).format(v=version), color="info", className="py-2 mb-2")
        for key in keys
    ]


# --- the district ranking -----------------------------------------------------------------


@callback(
    Output(ids.RK_RANGE_BOX, "style"),
    Output(ids.RK_VERSION_BOX, "children"),
    Output(ids.RK_NOTICE, "children"),
    Output(ids.RK_CHART, "figure"),
    Output(ids.RK_TREND, "figure"),
    *PERIOD_INPUTS,
)
def show_districts(choice: str | None, first: str | None, last: str | None, version: str | None):
    res, lang, scope, now = resources(), current_language(), current_scope(), datetime.now(UTC)
    period, config, notices = period_and_config(choice, first, last, version)
    ranking = rankings.district_ranking(res.engine, scope, period, config, now)
    trend = rankings.district_trend(res.engine, scope, period, config, now)
    return (
        None if choice == CUSTOM else {"display": "none"},
        version_badge(ranking.version, lang),
        notices_of(notices, version, lang),
        ranking_chart(ranking, lang),
        trend_chart(ranking, trend, lang),
    )


@callback(
    Output(ids.RK_TABLE, "children"),
    *PERIOD_INPUTS,
    Input(ids.RK_DRILL, "data"),
)
def show_table(
    choice: str | None, first: str | None, last: str | None, version: str | None, drill: Any
):
    """The ranking table, its open district marked (the ranking itself is cached)."""
    res, lang, scope, now = resources(), current_language(), current_scope(), datetime.now(UTC)
    period, config, _ = period_and_config(choice, first, last, version)
    ranking = rankings.district_ranking(res.engine, scope, period, config, now)
    selected = drill.get("district") if isinstance(drill, dict) else None
    return ranking_table(ranking, scope.district is None, selected, lang)


def name_of(row: DistrictScoreRow, lang: str) -> str:
    return row.name_zh if lang == "zh" else row.name_en


def number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def band_chip(band: str | None, lang: str) -> html.Span:
    if band is None:
        return html.Span(t("rk.no_index", lang), className="rk-band rk-band-none")
    return html.Span(
        t(f"rk.band.{band}", lang),
        className=f"rk-band rk-band-{band}",
        style={"background": BAND_COLOURS[band]},
    )


def change_cell(row: DistrictScoreRow, lang: str) -> html.Td:
    """The change since the previous period with an arrow (and the rank moved, in its title)."""
    change = row.change
    if change is None:
        text = "—" if row.score.index is None else t("rk.new", lang)
        return html.Td(text, className="num rk-change")
    arrow, tone = ("▲", "up") if change > 0 else ("▼", "down") if change < 0 else ("＝", "same")
    title = None
    if row.previous_rank is not None:
        title = f"{number(row.previous)} · #{row.previous_rank}"
    return html.Td(
        [html.Span(arrow, className="rk-arrow"), f" {change:+.1f}"],
        className=f"num rk-change rk-{tone}",
        title=title,
        **{"data-change": f"{change:.2f}"},
    )


def district_button(code: str, label: str) -> html.Button:
    return html.Button(
        label, id={"type": ids.RK_OPEN_DISTRICT, "district": code}, className="rk-link", n_clicks=0
    )


def ranking_table(
    ranking: DistrictRanking, citywide: bool, selected: str | None, lang: str
) -> html.Div:
    components = [c.name for c in ranking.rows[0].score.components] if ranking.rows else []
    heads = [
        html.Th(t("rk.col.rank", lang), className="num"),
        html.Th(t("rk.col.district", lang)),
        html.Th(t("rk.col.index", lang), className="num"),
        html.Th(t("rk.col.band", lang)),
        html.Th(t("rk.col.change", lang), className="num"),
        *(
            html.Th(
                t(f"rk.short.{name}", lang),
                className="num rk-comp",
                title=t(f"rk.component.{name}", lang),
            )
            for name in components
        ),
        html.Th(t("rk.deductions", lang), className="num"),
    ]
    rows = [ranking_row(row, row.code == selected, lang) for row in ranking.rows]
    foot = []
    if ranking.city_index is not None and citywide:
        foot = [
            html.Tr(
                [
                    html.Td(),
                    html.Th(t("rk.city_index", lang)),
                    html.Th(number(ranking.city_index), className="num"),
                    html.Td(colSpan=len(heads) - 3),
                ],
                className="rk-total",
            )
        ]
    if not rows:
        return html.Div(t("rk.none", lang), className="rk-empty")
    caption = t("rk.previous", lang).format(p=period_text(ranking.previous_period, lang))
    return html.Div(
        [
            html.Table(
                [html.Thead(html.Tr(heads)), html.Tbody(rows), html.Tfoot(foot)],
                className="rk-table",
            ),
            html.Div(caption, className="rk-caption"),
        ],
        className="table-responsive",
    )


def ranking_row(row: DistrictScoreRow, selected: bool, lang: str) -> html.Tr:
    score = row.score
    deducted = sum(d.points for d in score.deductions)
    return html.Tr(
        [
            html.Td("—" if row.rank is None else str(row.rank), className="num rk-rank"),
            html.Td(district_button(row.code, name_of(row, lang))),
            html.Td(number(score.index), className="num rk-index"),
            html.Td(band_chip(score.band, lang)),
            change_cell(row, lang),
            *(html.Td(number(c.points), className="num rk-comp") for c in score.components),
            html.Td(f"−{deducted:.1f}" if deducted else "0", className="num"),
        ],
        className="rk-selected" if selected else None,
        **{
            "data-district": row.code,
            "data-rank": "" if row.rank is None else str(row.rank),
            "data-index": "" if score.index is None else f"{score.index:.2f}",
            "data-band": score.band or "",
        },
    )


# The columns holding numbers, whose heads align with them.
NUMERIC = frozenset(
    {
        "rk.col.rank",
        "rk.col.rate",
        "rk.col.weight",
        "rk.col.points",
        "rk.col.count",
        "rk.col.deducted",
        "rk.col.score",
        "rk.col.traceability",
        "rk.col.risk",
        "rk.col.last_inspection",
        "rk.col.days_over",
        "rk.col.total_points",
        "rk.col.violations",
    }
)


def thead(keys: Sequence[str], lang: str) -> html.Thead:
    return html.Thead(
        html.Tr(
            [html.Th(t(key, lang), className="num" if key in NUMERIC else None) for key in keys]
        )
    )


def chart_layout(figure: go.Figure, **extra: Any) -> go.Figure:
    figure.update_layout(
        template="plotly_dark",
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": CHART_FONTS},
        **extra,
    )
    return figure


def ranking_chart(ranking: DistrictRanking, lang: str) -> go.Figure:
    """Horizontal bars, best on top, coloured by band; a click opens the district."""
    rows = [row for row in ranking.rows if row.score.index is not None]
    figure = go.Figure()
    figure.add_bar(
        y=[name_of(row, lang) for row in rows],
        x=[row.score.index for row in rows],
        orientation="h",
        marker_color=[BAND_COLOURS.get(row.score.band or "", "#607d8b") for row in rows],
        text=[number(row.score.index) for row in rows],
        textposition="outside",
        customdata=[row.code for row in rows],
        hovertemplate="%{y}: %{x:.2f}<extra></extra>",
    )
    return chart_layout(
        figure,
        margin={"l": 8, "r": 24, "t": 8, "b": 32},
        bargap=0.25,
        xaxis={"range": [0, 108], "title": t("rk.chart.index", lang)},
        yaxis={"autorange": "reversed", "automargin": True, "type": "category"},
        showlegend=False,
    )


def trend_chart(ranking: DistrictRanking, trend: dict, lang: str) -> go.Figure:
    figure = go.Figure()
    for row in ranking.rows:
        points = trend.get(row.code) or []
        figure.add_scatter(
            x=[quarter_label(p.period.label, lang) for p in points],
            y=[p.index for p in points],
            name=name_of(row, lang),
            mode="lines+markers",
            connectgaps=False,
            hovertemplate=f"{name_of(row, lang)} %{{x}}: %{{y:.1f}}<extra></extra>",
        )
    return chart_layout(
        figure,
        margin={"l": 48, "r": 16, "t": 8, "b": 40},
        xaxis={"type": "category", "title": t("rk.chart.quarter", lang)},
        yaxis={"title": t("rk.chart.index", lang), "rangemode": "tozero"},
        legend={"font": {"size": 11}},
    )


# --- the drill-down -----------------------------------------------------------------------


@callback(
    Output(ids.RK_DRILL, "data"),
    Input({"type": ids.RK_OPEN_DISTRICT, "district": ALL}, "n_clicks"),
    Input({"type": ids.RK_OPEN_MEASURE, "measure": ALL}, "n_clicks"),
    Input({"type": ids.RK_PAGE_TO, "page": ALL}, "n_clicks"),
    Input(ids.RK_CHART, "clickData"),
    State(ids.RK_DRILL, "data"),
    prevent_initial_call=True,
)
def drill_to(_districts: Any, _measures: Any, _pages: Any, click: Any, drill: Any):
    """A click on a district, a component or a pager button moves the drill-down; buttons
    appearing (n_clicks 0) move nothing."""
    state = dict(drill) if isinstance(drill, dict) else {}
    trigger = ctx.triggered_id
    if trigger == ids.RK_CHART:
        code = chart_district(click)
        if code is None:
            raise PreventUpdate
        return {"district": code, "measure": None, "page": 1}
    if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    if trigger["type"] == ids.RK_OPEN_DISTRICT:
        district = trigger.get("district")
        if not isinstance(district, str):
            raise PreventUpdate
        return {"district": district or None, "measure": None, "page": 1}
    if trigger["type"] == ids.RK_OPEN_MEASURE:
        measure = trigger.get("measure") if trigger.get("measure") in MEASURES else None
        return {**state, "measure": measure, "page": 1}
    page = trigger.get("page")
    if not isinstance(page, int):  # a forged request: the pager only sends numbers
        raise PreventUpdate
    return {**state, "page": max(1, page)}


def chart_district(click: Any) -> str | None:
    try:
        code = click["points"][0]["customdata"]
    except (KeyError, IndexError, TypeError):
        return None
    return code if isinstance(code, str) else None


@callback(
    Output(ids.RK_DRILL_VIEW, "children"),
    Input(ids.RK_DRILL, "data"),
    *PERIOD_INPUTS,
)
def show_drill(
    drill: Any, choice: str | None, first: str | None, last: str | None, version: str | None
):
    lang = current_language()
    state = drill if isinstance(drill, dict) else {}
    district, measure = state.get("district"), state.get("measure")
    if not district:
        return html.Div(t("rk.drill.hint", lang), className="rk-hint")
    res, scope, now = resources(), current_scope(), datetime.now(UTC)
    period, config, _ = period_and_config(choice, first, last, version)
    ranking = rankings.district_ranking(res.engine, scope, period, config, now)
    row = next((r for r in ranking.rows if r.code == district), None)
    if row is None:  # out of scope, or no such district: as if it did not exist
        return html.Div(t("rk.none", lang), className="rk-empty")
    if measure not in MEASURES:
        return district_view(row, lang)
    page = state.get("page") if isinstance(state.get("page"), int) else 1
    objects = rankings.count_objects(res.engine, scope, period, now, district, measure, page)
    return measure_view(row, measure, objects, lang)


def district_view(row: DistrictScoreRow, lang: str) -> html.Div:
    score = row.score
    name = name_of(row, lang)
    if score.index is None:
        head = t("rk.district_head_none", lang).format(d=name)
    else:
        head = t("rk.district_head", lang).format(d=name, i=number(score.index), r=row.rank)
    return html.Div(
        [
            html.Div(
                [
                    back_button(ids.RK_OPEN_DISTRICT, "district", t("rk.back_ranking", lang)),
                    html.H3([head, " ", band_chip(score.band, lang)], className="rk-drill-title"),
                ],
                className="rk-drill-head",
            ),
            html.H4(t("rk.components", lang), className="rk-sub"),
            components_table(score, lang),
            html.H4(t("rk.deductions", lang), className="rk-sub"),
            deductions_table(score.deductions, lang),
        ],
        className="rk-drill",
        **{"data-level": "district", "data-district": row.code},
    )


def back_button(kind: str, key: str, label: str) -> html.Button:
    return html.Button(
        [html.I(className="bi bi-arrow-left me-1"), label],
        id={"type": kind, key: ""},
        className="btn btn-sm btn-outline-secondary rk-back",
        n_clicks=0,
    )


def count_text(value: float) -> str:
    """A numerator may be weighted (complaints by satisfaction): 3 or 2.6, not 3.0."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def rate_text(rate: Rate, lang: str) -> str:
    share = "—" if rate.value is None else f"{rate.value * 100:.1f}%"
    counts = t("rk.rate_of", lang).format(n=count_text(rate.numerator), d=f"{rate.denominator:,}")
    return f"{share} ({counts})"


def measure_button(name: str, label: Any) -> html.Button:
    return html.Button(
        label,
        id={"type": ids.RK_OPEN_MEASURE, "measure": name},
        className="rk-link",
        n_clicks=0,
    )


def components_table(score: DistrictIndex, lang: str) -> html.Table:
    heads = ["rk.col.component", "rk.col.rate", "rk.col.weight", "rk.col.points"]
    rows = [component_row(c, lang) for c in score.components]
    return html.Table(
        [thead(heads, lang), html.Tbody(rows)],
        className="rk-table rk-drill-table",
    )


def component_row(component: ComponentScore, lang: str) -> html.Tr:
    if component.weight <= 0:
        points: Any = html.Span(t("rk.weight_zero", lang), className="rk-muted")
    elif component.points is None:
        points = html.Span(t("rk.not_applying", lang), className="rk-muted")
    else:
        points = number(component.points, 2)
    return html.Tr(
        [
            html.Td(measure_button(component.name, t(f"rk.component.{component.name}", lang))),
            html.Td(rate_text(component.rate, lang), className="num"),
            html.Td(f"{component.weight:g}", className="num"),
            html.Td(points, className="num"),
        ],
        **{"data-measure": component.name, "data-denominator": str(component.rate.denominator)},
    )


def deductions_table(deductions: Sequence[DeductionScore], lang: str) -> html.Table:
    heads = ["rk.col.deduction", "rk.col.count", "rk.col.deducted"]
    rows = [
        html.Tr(
            [
                html.Td(measure_button(d.name, t(f"rk.deduction.{d.name}", lang))),
                html.Td(f"{d.count:,}", className="num"),
                html.Td(
                    [
                        f"−{d.points:.1f}" if d.points else "0",
                        *(
                            [html.Span(t("rk.capped", lang), className="rk-tag ms-1")]
                            if d.capped
                            else []
                        ),
                    ],
                    className="num",
                ),
            ],
            **{"data-measure": d.name},
        )
        for d in deductions
    ]
    return html.Table(
        [thead(heads, lang), html.Tbody(rows)],
        className="rk-table rk-drill-table",
    )


def measure_view(
    row: DistrictScoreRow, measure: str, objects: rankings.CountObjects, lang: str
) -> html.Div:
    name = name_of(row, lang)
    component = next((c for c in row.score.components if c.name == measure), None)
    deduction = next((d for d in row.score.deductions if d.name == measure), None)
    if component is not None:
        label = t(f"rk.component.{measure}", lang)
        rate = component.rate
        share = "—" if rate.value is None else f"{rate.value * 100:.1f}%"
        summary = t("rk.measure_counts", lang).format(
            n=count_text(rate.numerator), d=f"{rate.denominator:,}", r=share
        )
    else:
        label = t(f"rk.deduction.{measure}", lang)
        summary = t("rk.deduction_counts", lang).format(n=deduction.count if deduction else 0)
    return html.Div(
        [
            html.Div(
                [
                    back_button(
                        ids.RK_OPEN_MEASURE, "measure", t("rk.back_district", lang).format(d=name)
                    ),
                    html.H3(
                        t("rk.measure_head", lang).format(d=name, m=label),
                        className="rk-drill-title",
                    ),
                ],
                className="rk-drill-head",
            ),
            html.P(summary, className="rk-summary"),
            html.H4(t("rk.objects", lang).format(n=f"{objects.total:,}"), className="rk-sub"),
            objects_table(objects.rows, lang),
            pager(objects, lang),
        ],
        className="rk-drill",
        **{"data-level": "measure", "data-district": row.code, "data-measure": measure},
    )


def objects_table(rows: Sequence[CountObject], lang: str) -> html.Div:
    if not rows:
        return html.Div(t("rk.no_objects", lang), className="rk-empty")
    res = resources()
    zone = ZoneInfo(res.settings.time_zone)
    enterprises = dict(accounts.enterprises(res.engine))
    heads = [
        ("rk.col.kind", ""),
        ("rk.col.object", ""),
        ("rk.col.enterprise", ""),
        ("rk.col.when", "num"),
        ("rk.col.counted", "num"),
    ]
    body = [object_row(row, zone, enterprises, lang) for row in rows]
    return html.Div(
        html.Table(
            [
                html.Thead(html.Tr([html.Th(t(h, lang), className=c or None) for h, c in heads])),
                html.Tbody(body),
            ],
            className="rk-table rk-objects",
        ),
        className="table-responsive",
    )


def object_row(row: CountObject, zone: ZoneInfo, enterprises: dict[str, str], lang: str) -> html.Tr:
    enterprise = enterprises.get(row.enterprise_id, "—") if row.enterprise_id else "—"
    text = row.label
    when = row.at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if row.at else "—"
    if row.kind == "tally":  # a day's deliveries of one enterprise (its name beside): the day
        text = when = row.id.partition("/")[0]
    label: Any = dcc.Link(text, href=row.href) if row.href else text
    return html.Tr(
        [
            html.Td(kind_text(row.kind, lang)),
            html.Td(label, className="rk-object"),
            html.Td(enterprise),
            html.Td(when, className="num"),
            html.Td(counted_cell(row, lang), className="num"),
        ],
        **{"data-object": row.id, "data-kind": row.kind, "data-counted": str(row.counted).lower()},
    )


def counted_cell(row: CountObject, lang: str) -> Any:
    """In the numerator or not; a day's tally: how many of how many."""
    if row.numerator is not None and row.denominator is not None:
        return t("rk.rate_of", lang).format(n=count_text(row.numerator), d=f"{row.denominator:,}")
    if row.counted:
        return html.Span("✓", className="rk-yes", title=t("rk.yes", lang))
    return html.Span("✗", className="rk-no", title=t("rk.no", lang))


def kind_text(kind: str, lang: str) -> str:
    key = f"rk.object.{kind}"
    return t(key, lang) if key in TEXT else kind


def pager(objects: rankings.CountObjects, lang: str) -> html.Div:
    pages = max(1, -(-objects.total // rankings.OBJECTS_PAGE))
    if pages <= 1:
        return html.Div()
    page = objects.page

    def to(target: int, key: str, disabled: bool) -> html.Button:
        return html.Button(
            t(key, lang),
            id={"type": ids.RK_PAGE_TO, "page": target},
            className="btn btn-sm btn-outline-secondary",
            disabled=disabled,
            n_clicks=0,
        )

    return html.Div(
        [
            to(max(1, page - 1), "rk.prev", page <= 1),
            html.Span(t("rk.page_of", lang).format(p=page, n=pages), className="rk-page-label"),
            to(min(pages, page + 1), "rk.next", page >= pages),
        ],
        className="rk-pager",
    )


# --- the enterprises ----------------------------------------------------------------------


@callback(
    Output(ids.RK_ENTERPRISES, "children"),
    Output(ids.RK_LISTS, "children"),
    Output(ids.RK_OVERDUE, "children"),
    Output(ids.RK_POINTS, "children"),
    *PERIOD_INPUTS,
    Input(ids.RK_KIND, "value"),
)
def show_enterprises(
    choice: str | None, first: str | None, last: str | None, version: str | None, kind: str | None
):
    res, lang, scope, now = resources(), current_language(), current_scope(), datetime.now(UTC)
    period, config, _ = period_and_config(choice, first, last, version)
    every = rankings.enterprise_ranking(res.engine, scope, period, config, now)
    shown = every
    if kind and kind != ALL_KINDS:
        shown = rankings.enterprise_ranking(res.engine, scope, period, config, now, kind=kind)
    names = accounts.district_names(res.engine, lang)
    today = min(local_day(now), period.end - timedelta(days=1))
    year = (period.end - timedelta(days=1)).year
    points = rankings.points_totals(res.engine, scope, year)
    return (
        enterprise_table(shown, names, lang),
        lists_view(every, lang),
        overdue_table(every, today, lang),
        points_view(points, year, lang),
    )


def colour_chip(colour: str, lang: str) -> html.Span:
    return html.Span(
        t(f"rk.band.{colour}", lang),
        className=f"rk-band rk-band-{colour}",
        style={"background": BAND_COLOURS.get(colour, "#607d8b")},
    )


def flag(text_key: str, tone: str, lang: str) -> html.Span:
    return html.Span(t(text_key, lang), className=f"rk-tag rk-tag-{tone}")


def enterprise_link(row: EnterpriseScoreRow) -> dcc.Link:
    return dcc.Link(row.name or row.id, href=f"/enterprise/{row.id}")


def last_text(day: date | None, lang: str) -> str:
    return t("rk.never", lang) if day is None else day.isoformat()


def enterprise_table(ranking: EnterpriseRanking, names: dict[str, str], lang: str) -> html.Div:
    if not ranking.rows:
        return html.Div(t("rk.none", lang), className="rk-empty")
    heads = [
        "rk.col.rank",
        "rk.col.enterprise",
        "rk.col.kind",
        "rk.col.district",
        "rk.col.score",
        "rk.col.traceability",
        "rk.col.risk",
        "rk.col.colour",
        "rk.col.frequency",
        "rk.col.last_inspection",
        "rk.col.lists",
    ]
    return html.Div(
        html.Table(
            [
                thead(heads, lang),
                html.Tbody([enterprise_row(row, names, lang) for row in ranking.rows]),
            ],
            className="rk-table rk-enterprise-table",
        ),
        className="table-responsive",
    )


def enterprise_row(row: EnterpriseScoreRow, names: dict[str, str], lang: str) -> html.Tr:
    score = row.score
    trace: list[Any] = [number(score.traceability)]
    if score.flagged:
        trace.append(flag("rk.flagged", "warn", lang))
    last: list[Any] = [last_text(score.last_inspection, lang)]
    if score.inspection_overdue:
        last.append(flag("rk.overdue", "bad", lang))
    marks: list[Any] = []
    if score.suspended:
        marks.append(flag("rk.suspended", "bad", lang))
    if row.on_red_list:
        marks.append(flag("rk.on_red", "good", lang))
    if row.on_black_list:
        marks.append(flag("rk.on_black", "dark", lang))
    kind_key = f"enterprise_kind.{row.kind}"
    return html.Tr(
        [
            html.Td("—" if row.rank is None else str(row.rank), className="num"),
            html.Td(enterprise_link(row)),
            html.Td(t(kind_key, lang) if kind_key in TEXT else row.kind),
            html.Td(names.get(row.district or "", row.district or "—")),
            html.Td(number(score.score), className="num"),
            html.Td(trace, className="num"),
            html.Td(f"{score.risk_points:g}", className="num"),
            html.Td(colour_chip(score.colour, lang)),
            html.Td(t("rk.every_days", lang).format(n=score.frequency_days)),
            html.Td(last, className="num"),
            html.Td(marks or "—"),
        ],
        **{
            "data-enterprise": row.id,
            "data-colour": score.colour,
            "data-overdue": str(score.inspection_overdue).lower(),
            "data-suspended": str(score.suspended).lower(),
        },
    )


def lists_view(ranking: EnterpriseRanking, lang: str) -> dbc.Row:
    by_id = {row.id: row for row in ranking.rows}

    def one(title_key: str, keys: Sequence[str], tone: str) -> dbc.Col:
        items = [
            html.Li(
                [
                    enterprise_link(by_id[key]) if key in by_id else key,
                    html.Span(
                        number(by_id[key].score.score) if key in by_id else "—",
                        className="rk-list-score",
                    ),
                    *(
                        [flag("rk.suspended", "bad", lang)]
                        if key in by_id and by_id[key].score.suspended
                        else []
                    ),
                ],
                **{"data-enterprise": key},
            )
            for key in keys
        ]
        body = html.Ol(items, className="rk-list") if items else html.Div(t("rk.none", lang))
        return dbc.Col(
            html.Section(
                [html.H2(t(title_key, lang), className=f"rk-panel-title rk-{tone}"), body],
                className=f"rk-panel rk-list-{tone}",
            ),
            lg=6,
        )

    return dbc.Row(
        [
            one("rk.red_list", ranking.lists.red, "red"),
            one("rk.black_list", ranking.lists.black, "black"),
        ],
        className="g-3 pt-3",
    )


def overdue_table(ranking: EnterpriseRanking, today: date, lang: str) -> html.Div:
    by_id = {row.id: row for row in ranking.rows}
    rows = [by_id[key] for key in ranking.overdue if key in by_id]
    if not rows:
        return html.Div(t("rk.none", lang), className="rk-empty")
    heads = [
        "rk.col.enterprise",
        "rk.col.colour",
        "rk.col.frequency",
        "rk.col.last_inspection",
        "rk.col.days_over",
    ]
    body = []
    for row in rows:
        last = row.score.last_inspection
        over = "—" if last is None else str(max(0, (today - last).days - row.score.frequency_days))
        body.append(
            html.Tr(
                [
                    html.Td(enterprise_link(row)),
                    html.Td(colour_chip(row.score.colour, lang)),
                    html.Td(t("rk.every_days", lang).format(n=row.score.frequency_days)),
                    html.Td(last_text(last, lang), className="num"),
                    html.Td(over, className="num"),
                ],
                **{"data-enterprise": row.id},
            )
        )
    return html.Div(
        html.Table(
            [thead(heads, lang), html.Tbody(body)],
            className="rk-table",
        ),
        className="table-responsive",
    )


def subject_link(row: PointsRow) -> Any:
    if row.subject_type == "enterprise":
        return dcc.Link(row.name or row.subject_id, href=f"/enterprise/{row.subject_id}")
    if row.enterprise_id:
        return dcc.Link(row.name or row.subject_id, href=f"/enterprise/{row.enterprise_id}")
    return row.name or row.subject_id


def points_view(points: Sequence[PointsRow], year: int, lang: str) -> html.Section:
    shown = [row for row in points if row.points > 0][:POINTS_SHOWN]
    heads = [
        "rk.col.subject",
        "rk.col.name",
        "rk.col.total_points",
        "rk.col.violations",
        "rk.col.suspended",
    ]
    body = [
        html.Tr(
            [
                html.Td(t(f"rk.subject.{row.subject_type}", lang)),
                html.Td(subject_link(row)),
                html.Td(str(row.points), className="num"),
                html.Td(str(row.violations), className="num"),
                html.Td(flag("rk.suspended", "bad", lang) if row.suspended else "—"),
            ],
            className="rk-suspended" if row.suspended else None,
            **{
                "data-subject": f"{row.subject_type}:{row.subject_id}",
                "data-suspended": str(row.suspended).lower(),
            },
        )
        for row in shown
    ]
    table: Any = html.Div(t("rk.none", lang), className="rk-empty")
    if body:
        table = html.Div(
            html.Table(
                [thead(heads, lang), html.Tbody(body)],
                className="rk-table",
            ),
            className="table-responsive",
        )
    return html.Section(
        [
            html.H2(
                t("rk.points_year", lang).format(y=year, n=SUSPENSION_POINTS),
                className="rk-panel-title",
            ),
            table,
        ],
        className="rk-panel mt-3",
    )


# --- the URL ------------------------------------------------------------------------------


@callback(
    Output(ids.RK_QUERY, "data"),
    *PERIOD_INPUTS,
    Input(ids.RK_TABS, "active_tab"),
    Input(ids.RK_KIND, "value"),
    Input(ids.RK_DRILL, "data"),
)
def follow(
    choice: str | None,
    first: str | None,
    last: str | None,
    version: str | None,
    tab: str | None,
    kind: str | None,
    drill: Any,
) -> str:
    """The page's state as the URL shows it: only what differs from the defaults."""
    period, _, _ = period_and_config(choice, first, last, None)
    active = scoring_config.active_config(resources().engine).version
    state = drill if isinstance(drill, dict) else {}
    pairs = {
        "period": period.label,
        "version": version if version and version != active else None,
        "tab": tab if tab in TABS and tab != TABS[0] else None,
        "kind": kind if kind and kind != ALL_KINDS else None,
        "district": state.get("district"),
        "measure": state.get("measure") if state.get("district") else None,
        "page": str(state["page"])
        if state.get("measure") and isinstance(state.get("page"), int) and state["page"] > 1
        else None,
    }
    return urlencode({key: value for key, value in pairs.items() if value})


url_follows("/rankings", ids.RK_QUERY)


# --- the exports --------------------------------------------------------------------------


@callback(
    Output(ids.RK_DOWNLOAD, "data"),
    Output(ids.RK_EXPORT_STATUS, "children"),
    Input(ids.RK_XLSX, "n_clicks"),
    Input(ids.RK_PDF, "n_clicks"),
    State(ids.RK_PERIOD, "value"),
    State(ids.RK_FROM, "value"),
    State(ids.RK_TO, "value"),
    State(ids.RK_VERSION_PICK, "value"),
    prevent_initial_call=True,
)
def export(
    _xlsx: Any,
    _pdf: Any,
    choice: str | None,
    first: str | None,
    last: str | None,
    version: str | None,
):
    if ctx.triggered_id not in (ids.RK_XLSX, ids.RK_PDF):
        raise PreventUpdate
    lang = current_language()
    pdf = ctx.triggered_id == ids.RK_PDF
    data, filename = export_bytes(pdf, choice, first, last, version, lang)
    return dcc.send_bytes(data, filename), t("rk.export.done", lang).format(f=filename)


def export_bytes(
    pdf: bool,
    choice: str | None,
    first: str | None,
    last: str | None,
    version: str | None,
    lang: str,
) -> tuple[bytes, str]:
    """The workbook or the briefing for the page's period and version, and its file name."""
    res, scope, now = resources(), current_scope(), datetime.now(UTC)
    period, config, _ = period_and_config(choice, first, last, version)
    report = build_report(
        res.engine,
        scope,
        period,
        config,
        now,
        city_zh=res.city.name_zh,
        city_en=res.city.name_en,
        time_zone=res.settings.time_zone,
    )
    if pdf:
        data, stem, suffix = briefing_pdf(report, lang), "rankings-briefing", "pdf"
    else:
        data, stem, suffix = workbook_bytes(report, lang), "rankings", "xlsx"
    return data, f"{stem}-{period.label}-{config.version}.{suffix}"
