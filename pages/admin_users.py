"""系统管理 · 用户与角色 Administration: users and roles. The list of accounts (screen accounts
too, filtered by role), a form to create one, and for each account a form to change its role or
scope, reset its password (typed, or generated and shown once) and deactivate it.

Every action is a command (data_access/commands/admin.py) run by callbacks/admin_users.py; a
refusal comes back in the user's language, naming the field."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_user
from dashboard.components import notice
from dashboard.domain.policy import page_roles
from dashboard.domain.roles import ROLE_LABELS, Role
from dashboard.i18n import current_language, t
from dashboard.resources import resources
from data_access.queries import accounts as queries

dash.register_page(
    __name__,
    path="/admin/users",
    name="Administration",
    title="系统管理 · Administration",
    label="page.admin",
    icon="bi-gear",
    order=30,
    roles=page_roles("admin_users"),
    in_menu=True,  # the one menu entry of administration; the pages link to each other
)

ALL_ROLES = "all"  # the role filter's "every role"
NO_DISTRICT = "none"  # the district select's "no district" (a select shows "" as blank)
TABS = (
    ("admin.tab.users", "/admin/users", "bi-people"),
    ("admin.tab.tokens", "/admin/tokens", "bi-key"),
    ("admin.tab.audit", "/admin/audit", "bi-journal-text"),
    ("admin.tab.scoring", "/admin/scoring", "bi-sliders"),
)


def admin_tabs(here: str, lang: str) -> dbc.Nav:
    """The administration pages, as tabs above each of them."""
    return dbc.Nav(
        [
            dbc.NavItem(
                dbc.NavLink(
                    [html.I(className=f"bi {icon} me-1"), t(key, lang)],
                    href=path,
                    active=path == here,
                )
            )
            for key, path, icon in TABS
        ],
        pills=True,
        id=ids.ADMIN_TABS,
        className="admin-tabs mb-3",
    )


def page_header(title_key: str, subtitle_key: str, lang: str, *extra: object) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.H1(t(title_key, lang), className="h4 mb-1"),
                    html.Div(t(subtitle_key, lang), className="text-secondary small"),
                ],
                className="me-auto",
            ),
            *extra,
        ],
        className="d-flex flex-wrap align-items-center gap-3 mb-3",
    )


def role_label(role: str, lang: str) -> str:
    labels = ROLE_LABELS.get(Role(role)) if role in Role._value2member_map_ else None
    return labels[0 if lang == "zh" else 1] if labels else role


def layout(**_query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    role_options = [{"label": t("admin.users.all_roles", lang), "value": ALL_ROLES}] + [
        {"label": role_label(role.value, lang), "value": role.value} for role in Role
    ]
    return html.Div(
        [
            admin_tabs("/admin/users", lang),
            page_header(
                "admin.users.title",
                "admin.users.subtitle",
                lang,
                html.Div(
                    [
                        dbc.Label(
                            t("admin.users.role_filter", lang),
                            html_for=ids.ADMIN_USERS_ROLE_FILTER,
                            className="mb-0 text-nowrap",
                        ),
                        dbc.Select(
                            id=ids.ADMIN_USERS_ROLE_FILTER,
                            options=role_options,
                            value=ALL_ROLES,
                            size="sm",
                            style={"minWidth": "10rem"},
                        ),
                        dbc.Button(
                            [
                                html.I(className="bi bi-person-plus me-1"),
                                t("admin.users.new", lang),
                            ],
                            id=ids.ADMIN_USER_NEW,
                            color="info",
                            size="sm",
                            className="text-nowrap",
                        ),
                    ],
                    className="d-flex align-items-center gap-2",
                ),
            ),
            html.Div(id=ids.ADMIN_USERS_FEEDBACK),
            html.Div(id=ids.ADMIN_USERS_LIST, className="admin-list"),
            user_form(lang),
            dcc.Store(id=ids.ADMIN_USERS_TICK, data=0),
            dcc.Store(id=ids.ADMIN_USER_PICKED),
        ],
        className="admin-page container-fluid py-3",
    )


def user_form(lang: str) -> dbc.Modal:
    """One modal for both: creating (username and password) and managing a picked account."""
    res = resources()
    name = 1 if lang == "zh" else 2
    district_options = [{"label": t("admin.form.none", lang), "value": NO_DISTRICT}] + [
        {"label": f"{row[name]} ({row[0]})", "value": row[0]}
        for row in queries.districts(res.engine)
    ]
    enterprise_options = [
        {"label": f"{name_} ({ident})", "value": ident}
        for ident, name_ in queries.enterprises(res.engine)
    ]
    role_options = [{"label": role_label(role.value, lang), "value": role.value} for role in Role]
    field = "mb-2"
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(id=ids.ADMIN_USER_FORM_TITLE)),
            dbc.ModalBody(
                [
                    html.Div(id=ids.ADMIN_USER_FORM_FEEDBACK),
                    html.H2(t("admin.form.section_account", lang), className="h6 text-info"),
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    dbc.Label(
                                        t("admin.form.username", lang),
                                        html_for=ids.ADMIN_USER_USERNAME,
                                    ),
                                    dbc.Input(
                                        id=ids.ADMIN_USER_USERNAME, maxLength=64, autocomplete="off"
                                    ),
                                ],
                                md=6,
                                className=field,
                            ),
                            dbc.Col(
                                [
                                    dbc.Label(
                                        t("admin.form.display_name", lang),
                                        html_for=ids.ADMIN_USER_DISPLAY,
                                    ),
                                    dbc.Input(
                                        id=ids.ADMIN_USER_DISPLAY,
                                        maxLength=100,
                                        placeholder=t("admin.form.display_hint", lang),
                                    ),
                                ],
                                md=6,
                                className=field,
                            ),
                        ]
                    ),
                    html.H2(t("admin.form.section_role", lang), className="h6 text-info mt-2"),
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    dbc.Label(
                                        t("admin.form.role", lang), html_for=ids.ADMIN_USER_ROLE
                                    ),
                                    dbc.Select(
                                        id=ids.ADMIN_USER_ROLE,
                                        options=role_options,
                                        value=Role.DUTY_OFFICER.value,
                                    ),
                                ],
                                md=4,
                                className=field,
                            ),
                            dbc.Col(
                                [
                                    dbc.Label(
                                        t("admin.form.district", lang),
                                        html_for=ids.ADMIN_USER_DISTRICT,
                                    ),
                                    dbc.Select(
                                        id=ids.ADMIN_USER_DISTRICT,
                                        options=district_options,
                                        value="",
                                    ),
                                ],
                                md=4,
                                className=field,
                            ),
                            dbc.Col(
                                [
                                    dbc.Label(
                                        t("admin.form.enterprise", lang),
                                        html_for=ids.ADMIN_USER_ENTERPRISE,
                                    ),
                                    dcc.Dropdown(
                                        id=ids.ADMIN_USER_ENTERPRISE,
                                        options=enterprise_options,
                                        placeholder=t("admin.form.none", lang),
                                        className="admin-dropdown",
                                    ),
                                ],
                                md=4,
                                className=field,
                            ),
                        ]
                    ),
                    html.Div(
                        dbc.Button(
                            t("admin.form.save", lang),
                            id=ids.ADMIN_USER_SAVE,
                            color="info",
                            size="sm",
                            className="mb-2",
                        ),
                        id=ids.ADMIN_USER_SAVE_PART,
                    ),
                    html.H2(
                        t("admin.form.section_password", lang),
                        className="h6 text-info mt-2",
                    ),
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    dbc.Label(
                                        id=ids.ADMIN_USER_PASSWORD_LABEL,
                                        html_for=ids.ADMIN_USER_PASSWORD,
                                    ),
                                    dbc.Input(
                                        id=ids.ADMIN_USER_PASSWORD,
                                        type="password",
                                        autocomplete="new-password",
                                        maxLength=200,
                                    ),
                                    dbc.FormText(t("admin.form.password_hint", lang)),
                                ],
                                md=8,
                                className=field,
                            ),
                            dbc.Col(
                                dbc.Switch(
                                    id=ids.ADMIN_USER_GENERATE,
                                    label=t("admin.form.generate", lang),
                                    value=False,
                                ),
                                md=4,
                                className="d-flex align-items-center",
                            ),
                        ]
                    ),
                    html.Div(
                        dbc.Button(
                            t("admin.form.reset", lang),
                            id=ids.ADMIN_USER_RESET,
                            color="warning",
                            size="sm",
                            outline=True,
                        ),
                        id=ids.ADMIN_USER_RESET_PART,
                    ),
                ]
            ),
            dbc.ModalFooter(
                [
                    html.Div(
                        dcc.ConfirmDialogProvider(
                            dbc.Button(
                                [
                                    html.I(className="bi bi-person-x me-1"),
                                    t("admin.form.deactivate", lang),
                                ],
                                color="danger",
                                outline=True,
                                size="sm",
                            ),
                            id=ids.ADMIN_USER_DEACTIVATE,
                            message="",
                        ),
                        id=ids.ADMIN_USER_DEACTIVATE_PART,
                    ),
                    html.Div(
                        dbc.Button(
                            t("admin.form.create", lang), id=ids.ADMIN_USER_CREATE, color="info"
                        ),
                        id=ids.ADMIN_USER_CREATE_PART,
                        className="ms-auto",
                    ),
                ],
                className="d-flex",
            ),
        ],
        id=ids.ADMIN_USER_FORM,
        is_open=False,
        size="lg",
        scrollable=True,
    )
