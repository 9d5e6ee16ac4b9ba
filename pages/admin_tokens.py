"""系统管理 · 接入令牌 Administration: ingest tokens. Each data source's credentials: the event
types a token may send, its enterprise binding, when it was created and revoked, when it was
last used and how many events it had accepted and rejected (data_access/token_usage.py). A new
token's secret is shown once, with a copy button, and never again; revoking asks to confirm.
The actions are commands, run by callbacks/admin_tokens.py."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_user
from dashboard.components import notice
from dashboard.domain.events import EVENT_TYPES
from dashboard.domain.policy import page_roles
from dashboard.i18n import current_language, t
from dashboard.resources import resources
from data_access.queries import accounts as queries
from pages.admin_users import admin_tabs, page_header

dash.register_page(
    __name__,
    path="/admin/tokens",
    name="Ingest tokens",
    title="接入令牌 · Ingest tokens",
    label="admin.tab.tokens",
    icon="bi-key",
    order=31,
    roles=page_roles("admin_tokens"),
    in_menu=False,  # reached from the administration tabs
)


def layout(**_query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    return html.Div(
        [
            admin_tabs("/admin/tokens", lang),
            page_header("admin.tokens.title", "admin.tokens.subtitle", lang),
            token_form(lang),
            html.Div(id=ids.ADMIN_TOKEN_SECRET),
            html.Div(id=ids.ADMIN_TOKENS_FEEDBACK),
            html.Div(t("admin.tokens.usage_note", lang), className="small text-secondary mb-1"),
            html.Div(id=ids.ADMIN_TOKENS_LIST, className="admin-list"),
            dcc.Store(id=ids.ADMIN_TOKENS_TICK, data=0),
        ],
        className="admin-page container-fluid py-3",
    )


def token_form(lang: str) -> dbc.Card:
    enterprises = [
        {"label": f"{name} ({ident})", "value": ident}
        for ident, name in queries.enterprises(resources().engine)
    ]
    types = [{"label": kind, "value": kind} for kind in sorted(EVENT_TYPES)]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(t("admin.tokens.new", lang), className="h6 text-info"),
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                dbc.Label(
                                    t("admin.tokens.source", lang), html_for=ids.ADMIN_TOKEN_SOURCE
                                ),
                                dbc.Input(
                                    id=ids.ADMIN_TOKEN_SOURCE,
                                    maxLength=64,
                                    placeholder=t("admin.tokens.source_hint", lang),
                                    autocomplete="off",
                                ),
                            ],
                            lg=2,
                            md=4,
                        ),
                        dbc.Col(
                            [
                                dbc.Label(
                                    t("admin.tokens.types", lang), html_for=ids.ADMIN_TOKEN_TYPES
                                ),
                                dcc.Dropdown(
                                    id=ids.ADMIN_TOKEN_TYPES,
                                    options=types,
                                    multi=True,
                                    className="admin-dropdown",
                                ),
                            ],
                            lg=4,
                            md=8,
                        ),
                        dbc.Col(
                            [
                                dbc.Label(
                                    t("admin.tokens.enterprise", lang),
                                    html_for=ids.ADMIN_TOKEN_ENTERPRISE,
                                ),
                                dcc.Dropdown(
                                    id=ids.ADMIN_TOKEN_ENTERPRISE,
                                    options=enterprises,
                                    className="admin-dropdown",
                                ),
                            ],
                            lg=2,
                            md=4,
                        ),
                        dbc.Col(
                            [
                                dbc.Label(
                                    t("admin.tokens.label", lang), html_for=ids.ADMIN_TOKEN_LABEL
                                ),
                                dbc.Input(id=ids.ADMIN_TOKEN_LABEL, maxLength=200),
                            ],
                            lg=2,
                            md=4,
                        ),
                        dbc.Col(
                            dbc.Button(
                                [
                                    html.I(className="bi bi-key me-1"),
                                    t("admin.tokens.create", lang),
                                ],
                                id=ids.ADMIN_TOKEN_CREATE,
                                color="info",
                                className="w-100 text-nowrap",
                            ),
                            lg=2,
                            md=4,
                            className="d-flex align-items-end",
                        ),
                    ],
                    className="g-2",
                ),
            ]
        ),
        className="mb-3 admin-card",
    )
