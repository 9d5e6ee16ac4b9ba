"""问题气瓶 The problem cylinders: the rules' findings about cylinders (black, filled past the
inspection or scrap date, out-of-order chain, delivery without a real-name sale, detained but in
use) in the user's scope, filtered by kind, enterprise, district, status and the period found in,
paged on the server, every filter in the URL, exported to CSV or Excel; today's stage funnel per
district and per enterprise; each enterprise's chain completeness for the period. Built by
callbacks/cylinders.py."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_scope, current_user
from dashboard.components import filter_card, filter_select, notice
from dashboard.domain.cylinders import PROBLEM_KINDS
from dashboard.domain.policy import page_roles
from dashboard.i18n import current_language, t
from dashboard.list_filters import page_of
from dashboard.resources import resources
from data_access.queries import accounts
from data_access.queries.problem_cylinders import OPEN

dash.register_page(
    __name__,
    path="/cylinders",
    name="Cylinders",
    title="问题气瓶 · Problem cylinders",
    label="page.cylinders",
    icon="bi-upc-scan",
    order=17,
    menu_group="supervision",
    roles=page_roles("cylinders"),
    in_menu=True,
)

REFRESH_MS = 60_000
ALL = "all"  # a select's "no filter"
RESOLVED = "resolved"


def layout(**query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    return html.Div(
        [
            html.Div(
                [
                    html.H1(t("cp.title", lang), className="cp-title"),
                    html.Div(t("cp.subtitle", lang), className="text-secondary small"),
                ],
                className="mb-2",
            ),
            filters(lang, query),
            dbc.Row(
                [
                    dbc.Col(html.Div(id=ids.CP_FUNNEL, className="cp-box"), xl=7),
                    dbc.Col(html.Div(id=ids.CP_COMPLETENESS, className="cp-box"), xl=5),
                ],
                className="g-2 mb-2",
            ),
            html.Div(id=ids.CP_KINDS, className="cp-kinds"),
            exports(lang),
            html.Div(id=ids.CP_LIST, className="cp-list"),
            pager(lang),
            dcc.Store(id=ids.CP_PAGE, data=page_of(query)),
            dcc.Store(id=ids.CP_QUERY),
            dcc.Interval(id=ids.CP_REFRESH, interval=REFRESH_MS),
        ],
        className="cp-page container-fluid py-3",
    )


def filters(lang: str, query: dict[str, str]) -> dbc.Card:
    engine, scope = resources().engine, current_scope()
    zh = lang == "zh"
    every = {"label": t("cp.all", lang), "value": ALL}
    whole_city = [] if scope.district else [{"label": t("cp.all_districts", lang), "value": ALL}]
    districts = whole_city + [
        {"label": name_zh if zh else name_en, "value": code}
        for code, name_zh, name_en in accounts.districts(engine)
        if scope.district in (None, code)
    ]
    enterprises = [
        {"label": name, "value": enterprise_id}
        for enterprise_id, name in accounts.enterprises(engine)
        if scope.enterprise_id in (None, enterprise_id)
    ]
    kinds = [every] + [{"label": t(f"finding.{k}", lang), "value": k} for k in PROBLEM_KINDS]
    statuses = [
        {"label": t("cp.open", lang), "value": OPEN},
        {"label": t("cp.resolved", lang), "value": RESOLVED},
        every,
    ]
    fields: list[tuple[str, Any, int]] = [
        ("cp.filter.kind", filter_select(ids.CP_KIND, kinds, query.get("kind")), 3),
        (
            "cp.filter.enterprise",
            dcc.Dropdown(
                id=ids.CP_ENTERPRISE,
                options=enterprises,
                value=query.get("enterprise") or None,
                placeholder=t("cp.all", lang),
                className="cp-dropdown",
            ),
            3,
        ),
        ("cp.filter.district", filter_select(ids.CP_DISTRICT, districts, query.get("district")), 2),
        ("cp.filter.status", filter_select(ids.CP_STATUS, statuses, query.get("status")), 1),
        ("cp.filter.since", dbc.Input(id=ids.CP_SINCE, type="date", value=query.get("since")), 1),
        ("cp.filter.until", dbc.Input(id=ids.CP_UNTIL, type="date", value=query.get("until")), 1),
    ]
    return filter_card(fields, lang, "cp-filters")


def exports(lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-filetype-csv me-1"), t("cp.csv", lang)],
                id=ids.CP_CSV,
                color="secondary",
                outline=True,
                size="sm",
            ),
            dbc.Button(
                [html.I(className="bi bi-file-earmark-excel me-1"), t("cp.xlsx", lang)],
                id=ids.CP_XLSX,
                color="secondary",
                outline=True,
                size="sm",
            ),
            html.Span(id=ids.CP_EXPORT_STATUS, className="small"),
            dcc.Download(id=ids.CP_DOWNLOAD),
        ],
        className="d-flex flex-wrap align-items-center gap-2 my-2",
    )


def pager(lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-chevron-left me-1"), t("cp.prev", lang)],
                id=ids.CP_PREV,
                color="secondary",
                outline=True,
                size="sm",
                disabled=True,
            ),
            html.Span(id=ids.CP_PAGE_LABEL, className="small text-secondary"),
            dbc.Button(
                [t("cp.next", lang), html.I(className="bi bi-chevron-right ms-1")],
                id=ids.CP_NEXT,
                color="secondary",
                outline=True,
                size="sm",
                disabled=True,
            ),
        ],
        className="d-flex align-items-center justify-content-center gap-3 my-2",
    )
