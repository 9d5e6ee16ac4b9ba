"""隐患管理 The hazard board: every hazard in the user's scope, filtered by district, grid cell,
enterprise, category, level, source, status, escalation, overdue and the period reported in;
counts per status and per district on top; sorted and paged on the server; every filter in the
URL, so a link shows the same list to whoever may see it; exported to CSV or Excel. Built by
callbacks/hazards.py."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_scope, current_user
from dashboard.components import filter_card, filter_select, notice
from dashboard.domain.hazards import ORIGINS, STATUSES
from dashboard.domain.policy import page_roles
from dashboard.i18n import current_language, t
from dashboard.list_filters import page_of
from dashboard.resources import resources
from data_access.queries import accounts, hazard_board
from data_access.queries.hazard_board import OPEN, SORTS

dash.register_page(
    __name__,
    path="/hazards",
    name="Hazards",
    title="隐患管理 · Hazards",
    label="page.hazards",
    icon="bi-cone-striped",
    order=14,
    menu_group="supervision",
    roles=page_roles("hazards"),
    in_menu=True,
)

REFRESH_MS = 60_000
ALL = "all"  # a select's "no filter"


def layout(**query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    return html.Div(
        [
            html.Div(
                [
                    html.H1(t("hz.title", lang), className="hz-title"),
                    html.Div(t("hz.subtitle", lang), className="text-secondary small"),
                ],
                className="mb-2",
            ),
            filters(lang, query),
            html.Div(id=ids.HZ_COUNTS, className="hz-counts"),
            html.Div(id=ids.HZ_DISTRICTS, className="hz-districts"),
            exports(lang),
            html.Div(id=ids.HZ_LIST, className="hz-list"),
            pager(lang),
            dcc.Store(id=ids.HZ_PAGE, data=page_of(query)),
            dcc.Store(id=ids.HZ_QUERY),
            dcc.Interval(id=ids.HZ_REFRESH, interval=REFRESH_MS),
        ],
        className="hz-page container-fluid py-3",
    )


def _dropdown(
    control_id: str, options: list[dict[str, str]], value: str | None, lang: str
) -> dcc.Dropdown:
    """A searchable filter (many options), set to `value` (from the URL) if given."""
    return dcc.Dropdown(
        id=control_id,
        options=options,
        value=value or None,
        placeholder=t("hz.all", lang),
        className="hz-dropdown",
    )


def filters(lang: str, query: dict[str, str]) -> dbc.Card:
    engine, scope = resources().engine, current_scope()
    zh = lang == "zh"
    every = {"label": t("hz.all", lang), "value": ALL}
    # A district officer sees one district: "whole city" would promise what the scope withholds.
    whole_city = [] if scope.district else [{"label": t("hz.all_districts", lang), "value": ALL}]
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
    categories = [{"label": c, "value": c} for c in hazard_board.categories(engine, scope)]
    cells = [
        {"label": label, "value": code}
        for code, label in hazard_board.grid_cells(engine, scope, lang)
    ]
    origins = [every] + [
        {"label": t(f"hazard_origin.{origin}", lang), "value": origin} for origin in ORIGINS
    ]
    levels = [every] + [
        {"label": t(f"hazard_level.{level}", lang), "value": level}
        for level in ("general", "major")
    ]
    statuses = [{"label": t("hz.open", lang), "value": OPEN}, every] + [
        {"label": t(f"hazard_status.{status}", lang), "value": status} for status in STATUSES
    ]
    escalations = [every] + [
        {"label": t(f"hz.escalation.{key}", lang), "value": key}
        for key in ("any", "district", "city")
    ]
    sorts = [{"label": t(f"hz.sort.{key}", lang), "value": key} for key in SORTS]
    fields: list[tuple[str, Any, int]] = [
        ("hz.filter.district", filter_select(ids.HZ_DISTRICT, districts, query.get("district")), 2),
        ("hz.filter.grid", _dropdown(ids.HZ_GRID, cells, query.get("grid"), lang), 2),
        (
            "hz.filter.enterprise",
            _dropdown(ids.HZ_ENTERPRISE, enterprises, query.get("enterprise"), lang),
            2,
        ),
        (
            "hz.filter.category",
            _dropdown(ids.HZ_CATEGORY, categories, query.get("category"), lang),
            2,
        ),
        ("hz.filter.level", filter_select(ids.HZ_LEVEL, levels, query.get("level")), 1),
        ("hz.filter.origin", filter_select(ids.HZ_ORIGIN, origins, query.get("origin")), 1),
        ("hz.filter.status", filter_select(ids.HZ_STATUS, statuses, query.get("status")), 1),
        (
            "hz.filter.escalation",
            filter_select(ids.HZ_ESCALATION, escalations, query.get("escalation")),
            1,
        ),
        ("hz.filter.since", dbc.Input(id=ids.HZ_SINCE, type="date", value=query.get("since")), 1),
        ("hz.filter.until", dbc.Input(id=ids.HZ_UNTIL, type="date", value=query.get("until")), 1),
        ("hz.filter.sort", filter_select(ids.HZ_SORT, sorts, query.get("sort")), 2),
    ]
    overdue = dbc.Checkbox(
        id=ids.HZ_OVERDUE, label=t("hz.filter.overdue", lang), value=query.get("overdue") == "1"
    )
    overdue_column = dbc.Col(
        overdue, xl=1, lg=3, md=4, sm=6, className="d-flex align-items-end pb-2"
    )
    return filter_card(fields, lang, "hz-filters", [overdue_column])


def exports(lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-filetype-csv me-1"), t("hz.csv", lang)],
                id=ids.HZ_CSV, color="secondary", outline=True, size="sm",
            ),
            dbc.Button(
                [html.I(className="bi bi-file-earmark-excel me-1"), t("hz.xlsx", lang)],
                id=ids.HZ_XLSX, color="secondary", outline=True, size="sm",
            ),
            html.Span(id=ids.HZ_EXPORT_STATUS, className="small"),
            dcc.Download(id=ids.HZ_DOWNLOAD),
        ],
        className="d-flex flex-wrap align-items-center gap-2 my-2",
    )  # fmt: skip


def pager(lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-chevron-left me-1"), t("hz.prev", lang)],
                id=ids.HZ_PREV, color="secondary", outline=True, size="sm", disabled=True,
            ),
            html.Span(id=ids.HZ_PAGE_LABEL, className="small text-secondary"),
            dbc.Button(
                [t("hz.next", lang), html.I(className="bi bi-chevron-right ms-1")],
                id=ids.HZ_NEXT, color="secondary", outline=True, size="sm", disabled=True,
            ),
        ],
        className="d-flex align-items-center justify-content-center gap-3 my-2",
    )  # fmt: skip
