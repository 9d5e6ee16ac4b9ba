"""投诉督办 The complaint queue (seed 002 art. 6): every complaint in the user's scope with its
channel, category, district, enterprise, who holds it, the time left or how late (超时), how often
it was escalated (督办) and its status; filtered by status, channel, category, district,
enterprise, late and the period received in, every filter in the URL; paged on the server;
timeliness (及时率) and satisfaction (满意度) per district and enterprise for the period; exported
to CSV or Excel. An enterprise sees the complaints naming it, a district officer their district's.
Built by callbacks/complaints.py."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_scope, current_user
from dashboard.complaint_view import category_label
from dashboard.components import filter_card, filter_select, notice
from dashboard.domain.complaints import CHANNELS, STATUSES
from dashboard.domain.policy import page_roles
from dashboard.i18n import current_language, t
from dashboard.list_filters import page_of
from dashboard.resources import resources
from data_access.queries import accounts, complaint_board
from data_access.queries.complaint_board import OPEN

dash.register_page(
    __name__,
    path="/complaints",
    name="Complaints",
    title="投诉督办 · Complaints",
    label="page.complaints",
    icon="bi-telephone-inbound",
    order=19,
    menu_group="supervision",
    roles=page_roles("complaints"),
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
                    html.H1(t("cq.title", lang), className="cq-title"),
                    html.Div(t("cq.subtitle", lang), className="text-secondary small"),
                ],
                className="mb-2",
            ),
            filters(lang, query),
            html.Div(id=ids.CQ_COUNTS, className="cq-counts"),
            exports(lang),
            html.Div(id=ids.CQ_LIST, className="cq-list"),
            pager(lang),
            html.Div(id=ids.CQ_STATS, className="cq-stats mt-3"),
            dcc.Store(id=ids.CQ_PAGE, data=page_of(query)),
            dcc.Store(id=ids.CQ_QUERY),
            dcc.Interval(id=ids.CQ_REFRESH, interval=REFRESH_MS),
        ],
        className="cq-page container-fluid py-3",
    )


def _dropdown(
    control_id: str, options: list[dict[str, str]], value: str | None, lang: str
) -> dcc.Dropdown:
    return dcc.Dropdown(
        id=control_id,
        options=options,
        value=value or None,
        placeholder=t("cq.all", lang),
        className="cq-dropdown",
    )


def filters(lang: str, query: dict[str, str]) -> dbc.Card:
    engine, scope = resources().engine, current_scope()
    zh = lang == "zh"
    every = {"label": t("cq.all", lang), "value": ALL}
    whole_city = [] if scope.district else [{"label": t("cq.all_districts", lang), "value": ALL}]
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
    categories = [
        {"label": category_label(c, lang), "value": c}
        for c in complaint_board.categories(engine, scope)
    ]
    statuses = [{"label": t("cq.open", lang), "value": OPEN}, every] + [
        {"label": t(f"complaint_status.{status}", lang), "value": status} for status in STATUSES
    ]
    channels = [every] + [
        {"label": t(f"complaint_channel.{channel}", lang), "value": channel} for channel in CHANNELS
    ]
    fields: list[tuple[str, Any, int]] = [
        ("cq.filter.status", filter_select(ids.CQ_STATUS, statuses, query.get("status")), 1),
        ("cq.filter.channel", filter_select(ids.CQ_CHANNEL, channels, query.get("channel")), 2),
        (
            "cq.filter.category",
            _dropdown(ids.CQ_CATEGORY, categories, query.get("category"), lang),
            2,
        ),
        ("cq.filter.district", filter_select(ids.CQ_DISTRICT, districts, query.get("district")), 2),
        (
            "cq.filter.enterprise",
            _dropdown(ids.CQ_ENTERPRISE, enterprises, query.get("enterprise"), lang),
            2,
        ),
        ("cq.filter.since", dbc.Input(id=ids.CQ_SINCE, type="date", value=query.get("since")), 1),
        ("cq.filter.until", dbc.Input(id=ids.CQ_UNTIL, type="date", value=query.get("until")), 1),
    ]
    late = dbc.Checkbox(
        id=ids.CQ_LATE, label=t("cq.filter.late", lang), value=query.get("late") == "1"
    )
    late_column = dbc.Col(late, xl=1, lg=3, md=4, sm=6, className="d-flex align-items-end pb-2")
    return filter_card(fields, lang, "cq-filters", [late_column])


def exports(lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-filetype-csv me-1"), t("cq.csv", lang)],
                id=ids.CQ_CSV, color="secondary", outline=True, size="sm",
            ),
            dbc.Button(
                [html.I(className="bi bi-file-earmark-excel me-1"), t("cq.xlsx", lang)],
                id=ids.CQ_XLSX, color="secondary", outline=True, size="sm",
            ),
            html.Span(id=ids.CQ_EXPORT_STATUS, className="small"),
            dcc.Download(id=ids.CQ_DOWNLOAD),
        ],
        className="d-flex flex-wrap align-items-center gap-2 my-2",
    )  # fmt: skip


def pager(lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-chevron-left me-1"), t("cq.prev", lang)],
                id=ids.CQ_PREV, color="secondary", outline=True, size="sm", disabled=True,
            ),
            html.Span(id=ids.CQ_PAGE_LABEL, className="small text-secondary"),
            dbc.Button(
                [t("cq.next", lang), html.I(className="bi bi-chevron-right ms-1")],
                id=ids.CQ_NEXT, color="secondary", outline=True, size="sm", disabled=True,
            ),
        ],
        className="d-flex align-items-center justify-content-center gap-3 my-2",
    )  # fmt: skip
