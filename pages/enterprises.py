"""企业 The enterprise list (一企一档): every enterprise in the user's scope, searched by name, id
or licence number and filtered by district, kind, suspension (12 points this year), open hazards
and open detentions; each with its counts; paged on the server; every filter in the URL; exported
to CSV or Excel. Each enterprise opens its file (/enterprise/<id>). Built by
callbacks/enterprises.py."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_scope, current_user
from dashboard.components import filter_card, filter_select, notice
from dashboard.domain.enterprises import KINDS
from dashboard.domain.policy import page_roles
from dashboard.i18n import current_language, t
from dashboard.list_filters import page_of
from dashboard.resources import resources
from data_access.queries import accounts

dash.register_page(
    __name__,
    path="/enterprises",
    name="Enterprises",
    title="企业 · Enterprises",
    label="page.enterprises",
    icon="bi-buildings",
    order=20,
    menu_group="supervision",
    roles=page_roles("enterprises"),
    in_menu=True,
)

ALL = "all"  # a select's "no filter"
FLAGS = (
    (ids.EL_SUSPENDED, "suspended", "el.filter.suspended"),
    (ids.EL_OPEN_HAZARDS, "hazards", "el.filter.open_hazards"),
    (ids.EL_OPEN_DETENTIONS, "detentions", "el.filter.open_detentions"),
)


def layout(**query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    return html.Div(
        [
            html.Div(
                [
                    html.H1(t("el.title", lang), className="el-title"),
                    html.Div(t("el.subtitle", lang), className="text-secondary small"),
                ],
                className="mb-2",
            ),
            filters(lang, query),
            html.Div(
                [html.Span(id=ids.EL_TOTAL, className="small text-secondary me-2"), exports(lang)],
                className="d-flex flex-wrap align-items-center gap-2",
            ),
            html.Div(id=ids.EL_LIST, className="el-list"),
            pager(lang),
            dcc.Store(id=ids.EL_PAGE, data=page_of(query)),
            dcc.Store(id=ids.EL_QUERY),
        ],
        className="el-page container-fluid py-3",
    )


def filters(lang: str, query: dict[str, str]) -> dbc.Card:
    scope = current_scope()
    zh = lang == "zh"
    # A district officer sees one district: "whole city" would promise what the scope withholds.
    whole_city = [] if scope.district else [{"label": t("el.all_districts", lang), "value": ALL}]
    districts = whole_city + [
        {"label": name_zh if zh else name_en, "value": code}
        for code, name_zh, name_en in accounts.districts(resources().engine)
        if scope.district in (None, code)
    ]
    kinds = [{"label": t("el.all", lang), "value": ALL}] + [
        {"label": t(f"enterprise_kind.{kind}", lang), "value": kind} for kind in KINDS
    ]
    search = dbc.Input(
        id=ids.EL_TEXT,
        type="search",
        value=query.get("q", "")[:100],
        placeholder=t("el.filter.text_hint", lang),
        debounce=True,
        maxLength=100,
    )
    fields: list[tuple[str, Any, int]] = [
        ("el.filter.text", search, 3),
        ("el.filter.district", filter_select(ids.EL_DISTRICT, districts, query.get("district")), 2),
        ("el.filter.kind", filter_select(ids.EL_KIND, kinds, query.get("kind")), 2),
    ]
    flags = [
        dbc.Col(
            dbc.Checkbox(id=control, label=t(key, lang), value=query.get(name) == "1"),
            xl="auto", lg=3, md=4, sm=6, className="d-flex align-items-end pb-2",
        )
        for control, name, key in FLAGS
    ]  # fmt: skip
    return filter_card(fields, lang, "el-filters", flags)


def exports(lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-filetype-csv me-1"), t("el.csv", lang)],
                id=ids.EL_CSV, color="secondary", outline=True, size="sm",
            ),
            dbc.Button(
                [html.I(className="bi bi-file-earmark-excel me-1"), t("el.xlsx", lang)],
                id=ids.EL_XLSX, color="secondary", outline=True, size="sm",
            ),
            html.Span(id=ids.EL_EXPORT_STATUS, className="small"),
            dcc.Download(id=ids.EL_DOWNLOAD),
        ],
        className="d-flex flex-wrap align-items-center gap-2 my-2",
    )  # fmt: skip


def pager(lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-chevron-left me-1"), t("el.prev", lang)],
                id=ids.EL_PREV, color="secondary", outline=True, size="sm", disabled=True,
            ),
            html.Span(id=ids.EL_PAGE_LABEL, className="small text-secondary"),
            dbc.Button(
                [t("el.next", lang), html.I(className="bi bi-chevron-right ms-1")],
                id=ids.EL_NEXT, color="secondary", outline=True, size="sm", disabled=True,
            ),
        ],
        className="d-flex align-items-center justify-content-center gap-3 my-2",
    )  # fmt: skip
