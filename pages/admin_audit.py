"""系统管理 · 审计日志 Administration: the audit trail. The event log filtered by actor (a user
or an ingest source), object id, event types and a time range (in the city's time zone), newest
first, a page at a time (server-side, by sequence number: the log has millions of rows), and
exported to CSV or Excel up to a stated cap. Built by callbacks/admin_audit.py."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.audit_export import EXPORT_CAP
from dashboard.auth import current_user
from dashboard.components import notice
from dashboard.domain.events import LOGGED_EVENT_TYPES
from dashboard.domain.policy import page_roles
from dashboard.i18n import current_language, t
from dashboard.resources import resources
from pages.admin_users import admin_tabs, page_header

dash.register_page(
    __name__,
    path="/admin/audit",
    name="Audit trail",
    title="审计日志 · Audit trail",
    label="admin.tab.audit",
    icon="bi-journal-text",
    order=32,
    roles=page_roles("admin_audit"),
    in_menu=False,  # reached from the administration tabs
)


def layout(**_query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    zone = resources().settings.time_zone
    return html.Div(
        [
            admin_tabs("/admin/audit", lang),
            page_header(
                "admin.audit.title",
                "admin.audit.subtitle",
                lang,
                html.Div(
                    t("admin.audit.tz", lang).format(zone=zone), className="small text-secondary"
                ),
            ),
            filters(lang),
            html.Div(
                [
                    html.Div(
                        [
                            dbc.Button(
                                [
                                    html.I(className="bi bi-filetype-csv me-1"),
                                    t("admin.audit.csv", lang),
                                ],
                                id=ids.ADMIN_AUDIT_CSV,
                                color="secondary",
                                outline=True,
                                size="sm",
                            ),
                            dbc.Button(
                                [
                                    html.I(className="bi bi-file-earmark-excel me-1"),
                                    t("admin.audit.xlsx", lang),
                                ],
                                id=ids.ADMIN_AUDIT_XLSX,
                                color="secondary",
                                outline=True,
                                size="sm",
                            ),
                        ],
                        className="d-flex gap-2",
                    ),
                    html.Div(
                        t("admin.audit.cap", lang).format(cap=f"{EXPORT_CAP:,}"),
                        className="small text-secondary",
                    ),
                    html.Div(
                        [
                            dbc.Spinner(size="sm", spinner_class_name="me-2"),
                            t("admin.audit.preparing", lang),
                        ],
                        id=ids.ADMIN_AUDIT_PREPARING,
                        hidden=True,
                        className="small text-info",
                    ),
                    html.Div(id=ids.ADMIN_AUDIT_EXPORT_STATUS, className="small"),
                    dcc.Download(id=ids.ADMIN_AUDIT_DOWNLOAD),
                ],
                className="d-flex flex-wrap align-items-center gap-3 mb-2",
            ),
            html.Div(id=ids.ADMIN_AUDIT_LIST, className="admin-list"),
            pager(lang),
            dcc.Store(id=ids.ADMIN_AUDIT_PAGES, data=[None]),
        ],
        className="admin-page container-fluid py-3",
    )


def filters(lang: str) -> dbc.Card:
    types = [{"label": kind, "value": kind} for kind in sorted(LOGGED_EVENT_TYPES)]
    return dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    _field(
                        "admin.audit.actor",
                        dbc.Input(id=ids.ADMIN_AUDIT_ACTOR, maxLength=64, debounce=True),
                        lang,
                        lg=2,
                        md=4,
                    ),
                    _field(
                        "admin.audit.subject",
                        dbc.Input(
                            id=ids.ADMIN_AUDIT_SUBJECT,
                            maxLength=128,
                            debounce=True,
                            placeholder=t("admin.audit.subject_hint", lang),
                        ),
                        lang,
                        lg=2,
                        md=4,
                    ),
                    _field(
                        "admin.audit.types",
                        dcc.Dropdown(
                            id=ids.ADMIN_AUDIT_TYPES,
                            options=types,
                            multi=True,
                            placeholder=t("admin.audit.all_types", lang),
                            className="admin-dropdown",
                        ),
                        lang,
                        lg=3,
                        md=4,
                    ),
                    _field(
                        "admin.audit.since",
                        dbc.Input(id=ids.ADMIN_AUDIT_SINCE, type="datetime-local", debounce=True),
                        lang,
                        lg=2,
                        md=4,
                    ),
                    _field(
                        "admin.audit.until",
                        dbc.Input(id=ids.ADMIN_AUDIT_UNTIL, type="datetime-local", debounce=True),
                        lang,
                        lg=2,
                        md=4,
                    ),
                    dbc.Col(
                        dbc.Button(
                            [html.I(className="bi bi-search me-1"), t("admin.audit.search", lang)],
                            id=ids.ADMIN_AUDIT_SEARCH,
                            color="info",
                            className="w-100 text-nowrap",
                        ),
                        lg=1,
                        md=4,
                        className="d-flex align-items-end",
                    ),
                ],
                className="g-2",
            )
        ),
        className="mb-2 admin-card",
    )


def _field(label_key: str, control: object, lang: str, **width: int) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(
                t(label_key, lang), html_for=getattr(control, "id", None), className="small mb-1"
            ),
            control,
        ],
        **width,
    )


def pager(lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-chevron-left me-1"), t("admin.audit.newer", lang)],
                id=ids.ADMIN_AUDIT_NEWER,
                color="secondary",
                outline=True,
                size="sm",
                disabled=True,
            ),
            html.Span(id=ids.ADMIN_AUDIT_PAGE_LABEL, className="small text-secondary"),
            dbc.Button(
                [t("admin.audit.older", lang), html.I(className="bi bi-chevron-right ms-1")],
                id=ids.ADMIN_AUDIT_OLDER,
                color="secondary",
                outline=True,
                size="sm",
                disabled=True,
            ),
        ],
        className="d-flex align-items-center justify-content-center gap-3 my-2",
    )
