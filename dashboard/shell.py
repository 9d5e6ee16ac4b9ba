"""The frame around every page: navigation built from the page registry, language, user."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import request

from dashboard import ids
from dashboard.auth import csrf_token, current_user
from dashboard.components import cylinder_search
from dashboard.domain.roles import ROLE_LABELS, Role, User
from dashboard.i18n import current_language, t
from dashboard.resources import resources

LIVE_STATES = ("connecting", "live", "stale", "offline")


def shell_layout() -> html.Div:
    user = current_user()
    if user is None:  # Dash may build the layout while validating, outside a signed-in request
        return html.Div(dash.page_container)
    lang = current_language()
    if _on_the_wall():
        return screen_frame(lang)
    return html.Div(
        [
            navbar(user, lang),
            html.Main(dash.page_container, className="page-main"),
            busy_notice(),
            dcc.Store(id=ids.LIVE_EVENTS),
            dcc.Store(id=ids.LIVE_RESYNC),
        ],
        className=f"app-shell lang-{lang}",
        lang="zh-CN" if lang == "zh" else "en",
    )


SCREEN_PATH = "/screen"


def _on_the_wall() -> bool:
    """Whether this layout is for the big screen. Dash asks for the layout from the page it
    loaded (/_dash-layout), so the Referer names that page; the screen page is always loaded
    afresh (its menu link reloads), never reached by in-app navigation."""
    referer = request.headers.get("Referer", "") if request else ""
    return urlsplit(referer).path.rstrip("/") == SCREEN_PATH


def screen_frame(lang: str) -> html.Div:
    """The wall's frame: no navigation, no menu; the live channel and its indicator stay."""
    live = (
        live_indicator(lang)
        if resources().settings.live_enabled
        else html.Span(id=ids.LIVE_STATUS, hidden=True, **{"data-state": "off"})
    )
    return html.Div(
        [
            html.Main(dash.page_container, className="screen-main"),
            live,
            busy_notice(),
            dcc.Store(id=ids.LIVE_EVENTS),
            dcc.Store(id=ids.LIVE_RESYNC),
        ],
        className=f"app-shell screen-shell lang-{lang}",
        lang="zh-CN" if lang == "zh" else "en",
    )


def busy_notice() -> dbc.Alert:
    """Where "busy, try again" appears when an action met a locked database (filled by
    dashboard.web_security.callback_failed, for any callback)."""
    return dbc.Alert(
        id=ids.BUSY_NOTICE,
        is_open=False,
        color="warning",
        dismissable=True,
        duration=8000,
        className="position-fixed top-0 start-50 translate-middle-x mt-5 shadow",
        style={"zIndex": 2000},
    )


def visible_pages(user: User) -> list[dict]:
    """Pages of the registry this user's role may open, in menu order. A page may narrow who
    sees it in the menu (`menu_roles`) and link to a path of the user's own (`menu_path`, with
    {enterprise_id}: an enterprise user's own file)."""
    return [
        _menu_page(page, user)
        for page in dash.page_registry.values()
        if user.role.value in page.get("roles", ())
        and user.role.value in page.get("menu_roles", page.get("roles", ()))
        and page.get("in_menu", True)
    ]


def _menu_page(page: dict, user: User) -> dict:
    if "menu_path" not in page:
        return page
    own = quote(user.enterprise_id or "", safe="")
    return {**page, "relative_path": page["menu_path"].format(enterprise_id=own)}


def navbar(user: User, lang: str) -> dbc.Navbar:
    return dbc.Navbar(
        dbc.Container(
            [
                html.A(
                    [
                        html.I(className="bi bi-shield-fill-check text-info me-2"),
                        html.Span(t("app.title", lang), className="brand-text"),
                    ],
                    href="/",
                    title=t("app.title", lang),
                    className="navbar-brand fw-semibold",
                ),
                dbc.Nav(menu_entries(user, lang), navbar=True, className="me-auto"),
                *([] if user.role is Role.SCREEN else [cylinder_search(lang)]),
                _user_menu(user, lang),
            ],
            fluid=True,
        ),
        id=ids.NAVBAR,
        color="dark",
        dark=True,
        className="app-navbar border-bottom border-secondary-subtle py-1",
    )


def menu_entries(user: User, lang: str) -> list:
    """One link per menu page, in menu order; the pages of a `menu_group` share one dropdown,
    placed where the group's first page would be (the supervision pages are many, and the bar
    must hold on one line at 1366 px)."""
    entries: list = []
    groups: dict[str, list[dict]] = {}
    for page in visible_pages(user):
        group = page.get("menu_group")
        if group is None:
            entries.append(_page_link(page, lang))
        elif group not in groups:
            groups[group] = [page]
            entries.append(group)
        else:
            groups[group].append(page)
    return [
        _group_menu(entry, groups[entry], lang) if isinstance(entry, str) else entry
        for entry in entries
    ]


def _page_link(page: dict, lang: str) -> dbc.NavLink:
    return dbc.NavLink(
        [html.I(className=f"bi {page.get('icon', 'bi-square')} me-1"), t(page["label"], lang)],
        href=page["relative_path"],
        className="text-nowrap",
        active="exact",
        external_link=page.get("full_reload", False),
    )


def _group_menu(group: str, pages: list[dict], lang: str) -> dbc.DropdownMenu:
    items = [
        dbc.DropdownMenuItem(
            [html.I(className=f"bi {page.get('icon', 'bi-square')} me-2"), t(page["label"], lang)],
            href=page["relative_path"],
        )
        for page in pages
    ]
    icon, component_id = MENU_GROUPS[group]
    return dbc.DropdownMenu(
        items,
        label=[html.I(className=f"bi {icon} me-1"), t(f"menu.{group}", lang)],
        nav=True,
        in_navbar=True,
        menu_variant="dark",
        className="text-nowrap",
        id=component_id,
    )


# A page's `menu_group` -> the group's icon and its dropdown's id.
MENU_GROUPS = {"supervision": ("bi-clipboard2-check", ids.MENU_SUPERVISION)}


def live_indicator(lang: str) -> html.Span:
    """Live, stale or offline: a wall screen must never show old data without saying so."""
    labels = {f"data-label-{state}": t(f"live.{state}", lang) for state in LIVE_STATES}
    return html.Span(
        [html.Span(className="live-dot"), html.Span(t("live.name", lang), className="live-text")],
        id=ids.LIVE_STATUS,
        className="live-status me-3",
        title=t("live.connecting", lang),
        **{"data-state": "connecting", **labels},
    )


def _user_menu(user: User, lang: str) -> html.Div:
    role = ROLE_LABELS[user.role][0 if lang == "zh" else 1]
    other = "en" if lang == "zh" else "zh"
    here = request.headers.get("Referer", "/") if request else "/"
    # With live off the indicator is an empty "off" marker: assets/live.js then stays idle.
    live = [
        live_indicator(lang)
        if resources().settings.live_enabled
        else html.Span(id=ids.LIVE_STATUS, hidden=True, **{"data-state": "off"})
    ]
    return html.Div(
        [
            *live,
            html.Span(
                [html.I(className="bi bi-person-circle me-1"), user.display_name],
                className="text-light me-2",
            ),
            dbc.Badge(role, color="secondary", className="me-3"),
            html.A(
                t("lang.switch", lang),
                href=f"/lang/{other}?next={_path_of(here)}",
                className="btn btn-sm btn-outline-info me-2",
                id=ids.LANG_SWITCH,
            ),
            # Signing out changes state: a POST with the session's CSRF token, not a link
            html.Form(
                [
                    dcc.Input(type="hidden", name="csrf", value=csrf_token()),
                    html.Button(
                        [html.I(className="bi bi-box-arrow-right me-1"), t("logout", lang)],
                        type="submit",
                        className="btn btn-sm btn-outline-secondary",
                        id=ids.LOGOUT,
                    ),
                ],
                action="/logout",
                method="POST",
                className="m-0",
            ),
            dcc.Location(id=ids.SHELL_LOCATION, refresh=False),
        ],
        className="d-flex align-items-center",
    )


def _path_of(url: str) -> str:
    from urllib.parse import quote, urlsplit

    parts = urlsplit(url)
    return quote(parts.path or "/", safe="/")
