"""排名考核 Rankings for leadership: the district safety index (table, chart, change since the
previous period, the trend over four quarters) with a drill-down from a district's score to its
components, the counts behind a rate and the objects behind a count; the enterprise scores by
kind, the quarter's red and black lists, the enterprises overdue an inspection and the 12-point
totals; exports to Excel and a PDF briefing. The models are dashboard/domain/scoring.py, the
counts data_access/queries/rankings.py; callbacks/rankings.py fills the page.

The period, the version, the tab and the drill-down's level are in the URL
(`/rankings?period=2026Q4&district=420102&measure=hazard_closure`), so a link shows the same
figures to whoever may see them. A district officer sees their own district only: the queries
apply the scope (docs/rankings.md, "The page")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from sqlalchemy import Engine

from dashboard import ids
from dashboard.auth import current_user
from dashboard.components import notice
from dashboard.domain.enterprises import KINDS
from dashboard.domain.policy import page_roles
from dashboard.domain.scoring import (
    COMPONENTS,
    DEDUCTIONS,
    Period,
    current_quarter,
    last_quarters,
    load_config_file,
    local_day,
    parse_period,
)
from dashboard.i18n import current_language, t
from dashboard.resources import resources
from data_access.queries import scoring_config

dash.register_page(
    __name__,
    path="/rankings",
    name="Rankings",
    title="排名考核 · Rankings",
    label="page.rankings",
    icon="bi-trophy",
    order=21,
    roles=page_roles("rankings"),
    in_menu=True,
)

CUSTOM = "custom"  # the period picker's "a date range" choice
ALL = "all"  # the kind filter's "every kind"
CHOICE_QUARTERS = 8  # the last two years' quarters in the picker
TABS = ("districts", "enterprises", "lists", "overdue", "points")
MEASURES = COMPONENTS + DEDUCTIONS


@dataclass(frozen=True)
class Wanted:
    """What the page shows, from its URL or its controls: the period (a quarter's label, or
    CUSTOM with the first and last day), the version asked for ("" = the one in force), the tab,
    the kind filter and the drill-down's level."""

    choice: str
    first: str | None
    last: str | None
    version: str
    tab: str
    kind: str
    district: str | None
    measure: str | None
    page: int


def wanted_of(query: Mapping[str, str], now: datetime) -> Wanted:
    """The URL's query read leniently: anything unknown falls back to the default."""
    text = query.get("period") or ""
    choice, first, last = current_quarter(now).label, None, None
    try:
        period = parse_period(text) if text else None
    except ValueError:
        period = None
    if period is not None and period.is_quarter:
        choice = period.label
    elif period is not None:
        choice = CUSTOM
        first, last = period.start.isoformat(), (period.end - timedelta(days=1)).isoformat()
    tab = query.get("tab") or TABS[0]
    kind = query.get("kind") or ALL
    measure = query.get("measure") or None
    district = query.get("district") or None
    return Wanted(
        choice=choice,
        first=first,
        last=last,
        version=query.get("version") or "",
        tab=tab if tab in TABS else TABS[0],
        kind=kind if kind in KINDS else ALL,
        district=district,
        measure=measure if district and measure in MEASURES else None,
        page=_page_number(query.get("page")),
    )


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


def chosen_period(
    choice: str | None, first: str | None, last: str | None, now: datetime
) -> tuple[Period, bool]:
    """The period the controls choose, and whether a custom range was unusable (then the
    current quarter stands in)."""
    if choice and choice != CUSTOM:
        try:
            return parse_period(choice), False
        except ValueError:
            return current_quarter(now), False
    try:
        return parse_period(f"{first}..{last}"), False
    except ValueError:
        return current_quarter(now), True


def period_choices(now: datetime, lang: str, also: str | None = None) -> list[dict[str, str]]:
    """The last two years' quarters, newest first (and an older one the URL named), then a
    custom range."""
    quarters = [q.label for q in reversed(last_quarters(current_quarter(now), CHOICE_QUARTERS))]
    if also and also != CUSTOM and also not in quarters:
        quarters.append(also)
    return [{"label": quarter_label(q, lang), "value": q} for q in quarters] + [
        {"label": t("rk.custom", lang), "value": CUSTOM}
    ]


def quarter_label(label: str, lang: str) -> str:
    """The quarter "2026Q4" as leadership reads it: 2026年第4季度 / 2026 Q4."""
    if lang == "zh" and len(label) == 6 and label[4] == "Q":
        return f"{label[:4]}年第{label[5]}季度"
    return label.replace("Q", " Q") if len(label) == 6 else label


def period_text(period: Period, lang: str) -> str:
    if period.is_quarter:
        return quarter_label(period.label, lang)
    last = period.end - timedelta(days=1)
    return f"{period.start.isoformat()} – {last.isoformat()}"


def version_choices(engine: Engine, lang: str) -> list[dict[str, str]]:
    """Every version the figures can be computed under: the one in force first, then the
    recorded ones newest first, and the shipped file's."""
    active = scoring_config.active_config(engine).version
    shipped = load_config_file().version
    names = [active] + [row.version for row in scoring_config.versions(engine)] + [shipped]
    choices: list[dict[str, str]] = []
    for name in dict.fromkeys(names):
        key = "rk.version_active" if name == active else "rk.version_shipped"
        label = t(key, lang).format(v=name) if name in (active, shipped) else name
        choices.append({"label": label, "value": name})
    return choices


def layout(**query: str) -> html.Div:
    user, lang = current_user(), current_language()
    if user is None or user.role.value not in page_roles("rankings"):
        return notice("forbidden", lang)
    wanted = wanted_of(query, datetime.now(UTC))
    drill = {"district": wanted.district, "measure": wanted.measure, "page": wanted.page}
    return html.Div(
        [
            header(wanted, lang),
            html.Div(id=ids.RK_NOTICE),
            dbc.Tabs(
                [
                    dbc.Tab(districts_tab(lang), label=t("rk.tab.districts", lang), tab_id=TABS[0]),
                    dbc.Tab(
                        enterprises_tab(wanted, lang),
                        label=t("rk.tab.enterprises", lang),
                        tab_id=TABS[1],
                    ),
                    dbc.Tab(
                        html.Div(id=ids.RK_LISTS, className="rk-lists"),
                        label=t("rk.tab.lists", lang),
                        tab_id=TABS[2],
                    ),
                    dbc.Tab(
                        panel(t("rk.overdue_list", lang), html.Div(id=ids.RK_OVERDUE)),
                        label=t("rk.tab.overdue", lang),
                        tab_id=TABS[3],
                    ),
                    dbc.Tab(
                        html.Div(id=ids.RK_POINTS), label=t("rk.tab.points", lang), tab_id=TABS[4]
                    ),
                ],
                id=ids.RK_TABS,
                active_tab=wanted.tab,
                className="rk-tabs mt-2",
            ),
            dcc.Store(id=ids.RK_DRILL, data=drill),
            dcc.Store(id=ids.RK_QUERY),
            dcc.Download(id=ids.RK_DOWNLOAD),
        ],
        className="rk-page container-fluid py-3",
    )


def header(wanted: Wanted, lang: str) -> html.Div:
    engine = resources().engine
    now = datetime.now(UTC)
    versions = version_choices(engine, lang)
    version = wanted.version if wanted.version in {v["value"] for v in versions} else ""
    return html.Div(
        [
            html.Div(
                [
                    html.H1(
                        [html.I(className="bi bi-trophy me-2"), t("rk.title", lang)],
                        className="rk-title",
                    ),
                    html.P(t("rk.subtitle", lang), className="rk-intro"),
                ],
                className="rk-heading",
            ),
            html.Div(
                [
                    control(
                        t("rk.period", lang),
                        ids.RK_PERIOD,
                        dcc.Dropdown(
                            id=ids.RK_PERIOD,
                            options=period_choices(now, lang, wanted.choice),
                            value=wanted.choice,
                            clearable=False,
                            searchable=False,
                            className="rk-select",
                        ),
                    ),
                    range_box(wanted, lang),
                    control(
                        t("rk.version_pick", lang),
                        ids.RK_VERSION_PICK,
                        dcc.Dropdown(
                            id=ids.RK_VERSION_PICK,
                            options=versions,
                            value=version or versions[0]["value"],
                            clearable=False,
                            searchable=False,
                            className="rk-select",
                        ),
                    ),
                    html.Div(
                        version_badge(version or versions[0]["value"], lang),
                        id=ids.RK_VERSION_BOX,
                        className="rk-version-box",
                    ),
                    exports(lang),
                ],
                className="rk-controls",
            ),
        ],
        className="rk-header",
    )


def control(label: str, control_id: str, body) -> html.Div:
    return html.Div(
        [html.Label(label, htmlFor=control_id, className="form-label rk-label"), body],
        className="rk-control",
    )


def range_box(wanted: Wanted, lang: str) -> html.Div:
    today = local_day(datetime.now(UTC)).isoformat()  # the city's today, not the server's
    return html.Div(
        [
            html.Label(t("rk.range", lang), htmlFor=ids.RK_FROM, className="form-label rk-label"),
            html.Div(
                [
                    dbc.Input(id=ids.RK_FROM, type="date", value=wanted.first, max=today),
                    html.Span("–", className="rk-range-dash"),
                    dbc.Input(id=ids.RK_TO, type="date", value=wanted.last, max=today),
                ],
                className="rk-range",
            ),
        ],
        id=ids.RK_RANGE_BOX,
        className="rk-control",
        style=None if wanted.choice == CUSTOM else {"display": "none"},
    )


def version_badge(version: str, lang: str) -> html.Span:
    """The version the figures on the page were computed with (a browser test reads it)."""
    return html.Span(
        [html.I(className="bi bi-sliders me-1"), t("rk.computed_with", lang).format(v=version)],
        id=ids.RK_VERSION,
        className="rk-version",
        **{"data-version": version},
    )


def exports(lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Button(
                [
                    html.I(className="bi bi-file-earmark-spreadsheet me-1"),
                    t("rk.export.xlsx", lang),
                ],
                id=ids.RK_XLSX,
                color="secondary",
                size="sm",
                outline=True,
            ),
            dbc.Button(
                [html.I(className="bi bi-file-earmark-pdf me-1"), t("rk.export.pdf", lang)],
                id=ids.RK_PDF,
                color="secondary",
                size="sm",
                outline=True,
            ),
            html.Span(id=ids.RK_EXPORT_STATUS, className="rk-export-status"),
        ],
        className="rk-exports",
    )


def districts_tab(lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(panel(t("rk.ranking", lang), html.Div(id=ids.RK_TABLE)), xxl=7),
                    dbc.Col(panel(t("rk.chart", lang), graph(ids.RK_CHART, "rk-chart")), xxl=5),
                ],
                className="g-3",
            ),
            panel(t("rk.drill", lang), html.Div(id=ids.RK_DRILL_VIEW), "mt-3 rk-drill-panel"),
            panel(t("rk.trend", lang), graph(ids.RK_TREND, "rk-trend"), "mt-3"),
        ],
        className="pt-3",
    )


def enterprises_tab(wanted: Wanted, lang: str) -> html.Div:
    kinds = [{"label": t("rk.kind.all", lang), "value": ALL}] + [
        {"label": t(f"enterprise_kind.{kind}", lang), "value": kind} for kind in KINDS
    ]
    picker = control(
        t("rk.kind", lang),
        ids.RK_KIND,
        dcc.Dropdown(
            id=ids.RK_KIND,
            options=kinds,
            value=wanted.kind,
            clearable=False,
            searchable=False,
            className="rk-select",
        ),
    )
    return html.Div(
        [
            html.Div(picker, className="rk-controls mb-2"),
            panel(t("rk.enterprise_ranking", lang), html.Div(id=ids.RK_ENTERPRISES)),
        ],
        className="pt-3",
    )


def graph(component_id: str, frame: str) -> html.Div:
    # A responsive graph fills its parent (Dash sets its height to 100%): the frame sizes it.
    return html.Div(
        dcc.Graph(id=component_id, config={"displayModeBar": False, "responsive": True}),
        className=frame,
    )


def panel(title: str, body, extra_class: str = "") -> html.Section:
    return html.Section(
        [html.H2(title, className="rk-panel-title"), body],
        className=f"rk-panel {extra_class}".strip(),
    )
