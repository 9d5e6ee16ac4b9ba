"""Users and roles: the list, and the form's four actions (create, change role or scope, reset
the password, deactivate), each one command. A refusal stays in the form with its text in the
user's language; a success closes the form, says what was done and reloads the list."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from dashboard import ids
from dashboard.auth import current_user, hash_password
from dashboard.domain.passwords import generated_password, password_problem
from dashboard.domain.roles import Role
from dashboard.guard import page_callback
from dashboard.i18n import current_language, refusal_text, t
from dashboard.resources import resources
from data_access import commands
from data_access.commands import Refused
from data_access.queries import accounts as queries
from pages.admin_users import ALL_ROLES, NO_DISTRICT, role_label

callback = page_callback("admin_users")

COLUMNS = (
    "admin.col.username",
    "admin.col.display_name",
    "admin.col.role",
    "admin.col.scope",
    "admin.col.status",
    "admin.col.created",
    "admin.col.actions",
)
SHOWN, HIDDEN = False, True  # a part's `hidden`


@callback(
    Output(ids.ADMIN_USERS_LIST, "children"),
    Input(ids.ADMIN_USERS_ROLE_FILTER, "value"),
    Input(ids.ADMIN_USERS_TICK, "data"),
)
def list_users(role: str | None, _tick: object) -> Any:
    lang, res = current_language(), resources()
    rows = queries.accounts(res.engine, None if role in (None, "", ALL_ROLES) else role)
    if not rows:
        return html.Div(t("admin.users.none", lang), className="text-secondary")
    zone = ZoneInfo(res.settings.time_zone)
    districts = {code: (zh, en) for code, zh, en in queries.districts(res.engine)}
    bound = any(row.enterprise_id for row in rows)
    enterprises = dict(queries.enterprises(res.engine)) if bound else {}
    return html.Div(
        [
            html.Div(
                t("admin.users.count", lang).format(n=len(rows)),
                className="small text-secondary mb-1",
            ),
            html.Table(
                [
                    html.Thead(html.Tr([html.Th(t(column, lang)) for column in COLUMNS])),
                    html.Tbody(
                        [_user_row(row, districts, enterprises, zone, lang) for row in rows]
                    ),
                ],
                className="table table-sm table-hover align-middle admin-table",
            ),
        ]
    )


def _user_row(
    row: queries.Account, districts: dict, enterprises: dict[str, str], zone: ZoneInfo, lang: str
) -> html.Tr:
    scope: Any
    if row.district:
        names = districts.get(row.district, (row.district, row.district))
        scope = names[0 if lang == "zh" else 1]
    elif row.enterprise_id:
        # the enterprise by name; its id beside it, small, for the administrator's records
        scope = [
            enterprises.get(row.enterprise_id, row.enterprise_id),
            html.Small(row.enterprise_id, className="text-secondary ms-1"),
        ]
    else:
        scope = t("admin.scope.city", lang)
    status = (
        dbc.Badge(t("admin.active", lang), color="success")
        if row.active
        else dbc.Badge(t("admin.inactive", lang), color="secondary")
    )
    edit = dbc.Button(
        [html.I(className="bi bi-pencil-square me-1"), t("admin.edit", lang)],
        id={"type": ids.ADMIN_USER_EDIT, "user": row.username},
        size="sm",
        color="secondary",
        outline=True,
        className="text-nowrap",
    )
    return html.Tr(
        [
            html.Td(row.username, className="fw-semibold", **{"data-verbatim": "login"}),
            html.Td(row.display_name),
            html.Td(role_label(row.role, lang)),
            html.Td(scope),
            html.Td(status),
            html.Td(f"{row.created_at.astimezone(zone):%Y-%m-%d %H:%M}", className="text-nowrap"),
            html.Td(edit),
        ],
        className="" if row.active else "text-secondary",
        **{"data-username": row.username, "data-active": str(row.active).lower()},
    )


@callback(
    Output(ids.ADMIN_USER_FORM, "is_open"),
    Output(ids.ADMIN_USER_FORM_TITLE, "children"),
    Output(ids.ADMIN_USER_PICKED, "data"),
    Output(ids.ADMIN_USER_USERNAME, "value"),
    Output(ids.ADMIN_USER_USERNAME, "disabled"),
    Output(ids.ADMIN_USER_DISPLAY, "value"),
    Output(ids.ADMIN_USER_ROLE, "value"),
    Output(ids.ADMIN_USER_DISTRICT, "value"),
    Output(ids.ADMIN_USER_ENTERPRISE, "value"),
    Output(ids.ADMIN_USER_PASSWORD, "value"),
    Output(ids.ADMIN_USER_GENERATE, "value"),
    Output(ids.ADMIN_USER_PASSWORD_LABEL, "children"),
    Output(ids.ADMIN_USER_CREATE_PART, "hidden"),
    Output(ids.ADMIN_USER_SAVE_PART, "hidden"),
    Output(ids.ADMIN_USER_RESET_PART, "hidden"),
    Output(ids.ADMIN_USER_DEACTIVATE_PART, "hidden"),
    Output(ids.ADMIN_USER_DEACTIVATE, "message"),
    Output(ids.ADMIN_USER_FORM_FEEDBACK, "children"),
    Input(ids.ADMIN_USER_NEW, "n_clicks"),
    Input({"type": ids.ADMIN_USER_EDIT, "user": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def open_form(_new: object, _edits: object) -> Any:
    """The form, empty for a new account, or filled in with the picked one."""
    lang = current_language()
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        return (no_update,) * 18  # an edit button drawn anew, not clicked
    picked = ctx.triggered_id
    if picked == ids.ADMIN_USER_NEW:
        return (
            True, t("admin.form.new_title", lang), None, "", False, "",
            Role.DUTY_OFFICER.value, NO_DISTRICT, None, "", False, t("admin.form.password", lang),
            SHOWN, HIDDEN, HIDDEN, HIDDEN, "", None,
        )  # fmt: skip
    username = picked["user"]
    found = [a for a in queries.accounts(resources().engine) if a.username == username]
    if not found:
        return (no_update,) * 18
    account = found[0]
    confirm = t("admin.form.deactivate_confirm", lang).format(username=username)
    return (
        True, t("admin.form.edit_title", lang).format(username=username), username, username,
        True, account.display_name, account.role, account.district or NO_DISTRICT,
        account.enterprise_id,
        "", False, t("admin.form.new_password", lang), HIDDEN, SHOWN, SHOWN,
        HIDDEN if not account.active else SHOWN, confirm, None,
    )  # fmt: skip


ACTION_OUTPUTS = (
    Output(ids.ADMIN_USER_FORM_FEEDBACK, "children", allow_duplicate=True),
    Output(ids.ADMIN_USERS_FEEDBACK, "children", allow_duplicate=True),
    Output(ids.ADMIN_USERS_TICK, "data", allow_duplicate=True),
    Output(ids.ADMIN_USER_FORM, "is_open", allow_duplicate=True),
)


@callback(
    *ACTION_OUTPUTS,
    Input(ids.ADMIN_USER_CREATE, "n_clicks"),
    State(ids.ADMIN_USER_USERNAME, "value"),
    State(ids.ADMIN_USER_DISPLAY, "value"),
    State(ids.ADMIN_USER_ROLE, "value"),
    State(ids.ADMIN_USER_DISTRICT, "value"),
    State(ids.ADMIN_USER_ENTERPRISE, "value"),
    State(ids.ADMIN_USER_PASSWORD, "value"),
    State(ids.ADMIN_USER_GENERATE, "value"),
    State(ids.ADMIN_USERS_TICK, "data"),
    prevent_initial_call=True,
)
def create_account(
    _n: object,
    username: str | None,
    display_name: str | None,
    role: str | None,
    district: str | None,
    enterprise: str | None,
    password: str | None,
    generate: bool | None,
    tick: int | None,
) -> Any:
    lang, user = current_language(), current_user()
    chosen = generated_password() if generate else (password or "")
    problem = password_problem(chosen)
    if problem is not None or user is None:
        return _refused(problem, lang)
    result = commands.create_user(
        resources().engine,
        user,
        (username or "").strip(),
        hash_password(chosen),
        _role(role),
        display_name=(display_name or "").strip() or None,
        district=_district(district),
        enterprise_id=enterprise or None,
    )
    if isinstance(result, Refused):
        return _refused(result, lang)
    said = t("admin.done.created", lang).format(username=result.subject)
    return _done(said, tick, chosen if generate else None, lang)


@callback(
    *ACTION_OUTPUTS,
    Input(ids.ADMIN_USER_SAVE, "n_clicks"),
    State(ids.ADMIN_USER_PICKED, "data"),
    State(ids.ADMIN_USER_DISPLAY, "value"),
    State(ids.ADMIN_USER_ROLE, "value"),
    State(ids.ADMIN_USER_DISTRICT, "value"),
    State(ids.ADMIN_USER_ENTERPRISE, "value"),
    State(ids.ADMIN_USERS_TICK, "data"),
    prevent_initial_call=True,
)
def save_account(
    _n: object,
    username: str | None,
    display_name: str | None,
    role: str | None,
    district: str | None,
    enterprise: str | None,
    tick: int | None,
) -> Any:
    lang, user = current_language(), current_user()
    if not username or user is None:
        return (no_update,) * 4
    result = commands.change_user(
        resources().engine,
        user,
        username,
        _role(role),
        district=_district(district),
        enterprise_id=enterprise or None,
        display_name=(display_name or "").strip() or None,
    )
    if isinstance(result, Refused):
        return _refused(result, lang)
    key = "admin.done.changed" if result.seq is not None else "admin.done.unchanged"
    return _done(t(key, lang).format(username=username), tick, None, lang)


@callback(
    *ACTION_OUTPUTS,
    Input(ids.ADMIN_USER_RESET, "n_clicks"),
    State(ids.ADMIN_USER_PICKED, "data"),
    State(ids.ADMIN_USER_PASSWORD, "value"),
    State(ids.ADMIN_USER_GENERATE, "value"),
    State(ids.ADMIN_USERS_TICK, "data"),
    prevent_initial_call=True,
)
def reset_account_password(
    _n: object, username: str | None, password: str | None, generate: bool | None, tick: int | None
) -> Any:
    lang, user = current_language(), current_user()
    if not username or user is None:
        return (no_update,) * 4
    chosen = generated_password() if generate else (password or "")
    problem = password_problem(chosen)
    if problem is not None:
        return _refused(problem, lang)
    result = commands.reset_password(resources().engine, user, username, hash_password(chosen))
    if isinstance(result, Refused):
        return _refused(result, lang)
    said = t("admin.done.reset", lang).format(username=username)
    return _done(said, tick, chosen if generate else None, lang)


@callback(
    *ACTION_OUTPUTS,
    Input(ids.ADMIN_USER_DEACTIVATE, "submit_n_clicks"),
    State(ids.ADMIN_USER_PICKED, "data"),
    State(ids.ADMIN_USERS_TICK, "data"),
    prevent_initial_call=True,
)
def deactivate_account(_n: object, username: str | None, tick: int | None) -> Any:
    lang, user = current_language(), current_user()
    if not username or user is None:
        return (no_update,) * 4
    result = commands.deactivate_user(resources().engine, user, username)
    if isinstance(result, Refused):
        return _refused(result, lang)
    key = "admin.done.deactivated" if result.seq is not None else "admin.done.already_inactive"
    return _done(t(key, lang).format(username=username), tick, None, lang)


# --- answers --------------------------------------------------------------------------------


def _district(value: str | None) -> str | None:
    return None if value in (None, "", NO_DISTRICT) else value


def _role(value: str | None) -> Role:
    """The form's role; an unknown value falls to the least powerful (the command checks)."""
    return Role(value) if value in Role._value2member_map_ else Role.SCREEN


def _refused(refused: Refused | None, lang: str) -> tuple:
    """The refusal in the form, which stays open; nothing else changes."""
    text = refusal_text(refused, lang) if refused is not None else t("forbidden", lang)
    alert = html.Div(
        dbc.Alert(
            [html.I(className="bi bi-exclamation-octagon me-2"), text],
            color="danger",
            className="py-2 admin-refusal",
        ),
        **{"data-field": refused.field if refused is not None else ""},
    )
    return alert, no_update, no_update, no_update


def _done(said: str, tick: int | None, generated: str | None, lang: str) -> tuple:
    """Say what was done above the list (with a generated password, this once), close the form
    and reload the list."""
    parts: list[Any] = [html.I(className="bi bi-check-circle me-2"), said]
    if generated is not None:
        parts += [
            html.Div(t("admin.generated", lang), className="mt-2"),
            html.Div(
                [
                    html.Code(generated, id=ids.ADMIN_GENERATED_PASSWORD, className="fs-5 me-2"),
                    dcc.Clipboard(target_id=ids.ADMIN_GENERATED_PASSWORD, className="d-inline"),
                ],
                className="d-flex align-items-center",
            ),
        ]
    alert = dbc.Alert(parts, color="success", dismissable=True, className="py-2 admin-done")
    return None, alert, (tick or 0) + 1, False
