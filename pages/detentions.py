"""在线扣瓶 Online detention: the queue of detentions in the user's scope (an enterprise: its own,
its recall queue, with a notice of what awaits its recall), filtered by status, enterprise,
district and lateness, paged on the server, every filter in the URL, exported to CSV or Excel;
the detain form (`/detentions?code=<code>` opens it for that cylinder) for the gas offices; the
form of a row's step (recall to a site of the enterprise's, release, scrap). Built by
callbacks/detentions.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_scope, current_user
from dashboard.components import filter_card, filter_select, notice
from dashboard.domain.detentions import STATUSES, default_recall_by
from dashboard.domain.policy import Action, allowed, page_roles
from dashboard.domain.roles import Role
from dashboard.i18n import current_language, t
from dashboard.list_filters import page_of
from dashboard.resources import resources
from data_access.queries import accounts
from data_access.queries import detentions as queries

dash.register_page(
    __name__,
    path="/detentions",
    name="Detentions",
    title="在线扣瓶 · Detentions",
    label="page.detentions",
    icon="bi-lock",
    order=18,
    menu_group="supervision",
    roles=page_roles("detentions"),
    in_menu=True,
)

REFRESH_MS = 60_000
ALL = "all"  # a select's "no filter"


def layout(**query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    enterprise = user.role is Role.ENTERPRISE
    may_detain = allowed(user, Action.DETAIN_CYLINDER)
    subtitle = "dt.subtitle.enterprise" if enterprise else "dt.subtitle"
    return html.Div(
        [
            html.Div(
                [
                    html.H1(t("dt.title", lang), className="dt-title"),
                    html.Div(t(subtitle, lang), className="text-secondary small"),
                ],
                className="mb-2",
            ),
            html.Div(id=ids.DT_NOTICE),
            _no_detain(lang, query.get("code")) if not may_detain else html.Div(),
            # hidden from who may not detain (its ids stay: the queue's callbacks read them)
            detain_form(lang, query.get("code", ""), hidden=not may_detain),
            filters(lang, query),
            html.Div(id=ids.DT_COUNTS, className="dt-counts"),
            exports(lang),
            html.Div(id=ids.DT_ACTION_FEEDBACK),
            html.Div(id=ids.DT_LIST, className="dt-list"),
            pager(lang),
            step_form(lang),
            dcc.Store(id=ids.DT_PAGE, data=page_of(query)),
            dcc.Store(id=ids.DT_QUERY),
            dcc.Store(id=ids.DT_TICK, data=0),
            dcc.Interval(id=ids.DT_REFRESH, interval=REFRESH_MS),
        ],
        className="dt-page container-fluid py-3",
    )  # fmt: skip


def _no_detain(lang: str, code: str | None) -> html.Div:
    """Who may not detain sees why, when a link asked for the form."""
    if not code:
        return html.Div()
    return html.Div(t("refused.role.detain_cylinder", lang), className="alert alert-info py-2")


def detain_form(lang: str, code: str, hidden: bool = False) -> dbc.Card:
    """The detain form: the code (from the URL), its enterprise from the registry (shown by the
    callback as the code changes), the reason and the recall deadline (pre-filled)."""
    recall_by = default_recall_by(datetime.now(UTC)).isoformat()
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(
                    [html.I(className="bi bi-lock-fill me-2"), t("dt.detain.title", lang)],
                    className="h6 mb-2",
                ),
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                dbc.Label(t("dt.detain.code", lang), html_for=ids.DT_CODE,
                                          className="small mb-1"),
                                dbc.Input(id=ids.DT_CODE, value=code, debounce=True,
                                          placeholder="CYL-…", maxLength=64),
                                html.Div(t("dt.detain.hint", lang),
                                         className="form-text small"),
                            ],
                            xl=3, lg=4, md=6,
                        ),
                        dbc.Col(html.Div(id=ids.DT_OWNER, className="dt-owner"), xl=3, lg=4,
                                md=6),
                        dbc.Col(
                            [
                                dbc.Label(t("dt.detain.reason", lang), html_for=ids.DT_REASON,
                                          className="small mb-1"),
                                dbc.Textarea(id=ids.DT_REASON, rows=2, maxLength=2000),
                            ],
                            xl=3, lg=4, md=6,
                        ),
                        dbc.Col(
                            [
                                dbc.Label(t("dt.detain.recall_by", lang),
                                          html_for=ids.DT_RECALL_BY, className="small mb-1"),
                                dbc.Input(id=ids.DT_RECALL_BY, type="date", value=recall_by),
                                dbc.Button(
                                    [html.I(className="bi bi-lock me-1"),
                                     t("dt.detain.submit", lang)],
                                    id=ids.DT_DETAIN, color="danger", size="sm",
                                    className="mt-2",
                                ),
                            ],
                            xl=3, lg=4, md=6,
                        ),
                    ],
                    className="g-2",
                ),
                html.Div(id=ids.DT_DETAIN_FEEDBACK, className="mt-2"),
            ]
        ),
        className="mb-2 dt-detain",
        style={"display": "none"} if hidden else None,
    )  # fmt: skip


def filters(lang: str, query: dict[str, str]) -> dbc.Card:
    engine, scope = resources().engine, current_scope()
    zh = lang == "zh"
    every = {"label": t("dt.all", lang), "value": ALL}
    whole_city = [] if scope.district else [{"label": t("dt.all_districts", lang), "value": ALL}]
    districts = whole_city + [
        {"label": name_zh if zh else name_en, "value": code}
        for code, name_zh, name_en in accounts.districts(engine)
        if scope.district in (None, code)
    ]
    enterprises = [every] + [
        {"label": name, "value": enterprise_id}
        for enterprise_id, name in queries.enterprises_with_detentions(engine, scope)
    ]
    statuses = [{"label": t("dt.open", lang), "value": queries.OPEN}, every] + [
        {"label": t(f"dt_status.{status}", lang), "value": status} for status in STATUSES
    ]
    fields: list[tuple[str, Any, int]] = [
        ("dt.filter.status", filter_select(ids.DT_STATUS, statuses, query.get("status")), 2),
        (
            "dt.filter.enterprise",
            dcc.Dropdown(
                id=ids.DT_ENTERPRISE,
                options=enterprises,
                value=query.get("enterprise") or ALL,
                clearable=False,
                className="dt-dropdown",
            ),
            3,
        ),
        ("dt.filter.district", filter_select(ids.DT_DISTRICT, districts, query.get("district")), 2),
    ]
    late = dbc.Checkbox(
        id=ids.DT_LATE, label=t("dt.filter.late", lang), value=query.get("late") == "1"
    )
    late_column = dbc.Col(late, xl=2, lg=3, md=4, sm=6, className="d-flex align-items-end pb-2")
    return filter_card(fields, lang, "dt-filters", [late_column])


def exports(lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-filetype-csv me-1"), t("dt.csv", lang)],
                id=ids.DT_CSV, color="secondary", outline=True, size="sm",
            ),
            dbc.Button(
                [html.I(className="bi bi-file-earmark-excel me-1"), t("dt.xlsx", lang)],
                id=ids.DT_XLSX, color="secondary", outline=True, size="sm",
            ),
            html.Span(id=ids.DT_EXPORT_STATUS, className="small"),
            dcc.Download(id=ids.DT_DOWNLOAD),
        ],
        className="d-flex flex-wrap align-items-center gap-2 my-2",
    )  # fmt: skip


def pager(lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-chevron-left me-1"), t("dt.prev", lang)],
                id=ids.DT_PREV, color="secondary", outline=True, size="sm", disabled=True,
            ),
            html.Span(id=ids.DT_PAGE_LABEL, className="small text-secondary"),
            dbc.Button(
                [t("dt.next", lang), html.I(className="bi bi-chevron-right ms-1")],
                id=ids.DT_NEXT, color="secondary", outline=True, size="sm", disabled=True,
            ),
        ],
        className="d-flex align-items-center justify-content-center gap-3 my-2",
    )  # fmt: skip


def step_form(lang: str) -> dbc.Modal:
    """A row's step: the recall's site picker (the enterprise's own sites) and a note; the
    confirm button (its id names the step and the detention) is put in by the callback."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(id=ids.DT_MODAL_TITLE)),
            dbc.ModalBody(
                [
                    html.Div(
                        [
                            dbc.Label(t("dt.site", lang), html_for=ids.DT_SITE,
                                      className="small mb-1"),
                            dbc.Select(id=ids.DT_SITE, options=[], value="",
                                       placeholder=t("dt.site.pick", lang)),
                        ],
                        id=ids.DT_SITE_ROW, className="mb-2",
                    ),
                    dbc.Label(t("dt.note", lang), id=ids.DT_NOTE_LABEL, html_for=ids.DT_NOTE,
                              className="small mb-1"),
                    dbc.Textarea(id=ids.DT_NOTE, rows=3, maxLength=2000),
                ]
            ),
            dbc.ModalFooter(
                [
                    dbc.Button(t("dt.cancel", lang), id=ids.DT_MODAL_CANCEL, color="secondary",
                               outline=True, size="sm"),
                    html.Div(id=ids.DT_MODAL_ACTIONS),
                ]
            ),
        ],
        id=ids.DT_MODAL, is_open=False, centered=True,
    )  # fmt: skip
