"""通知中心 The notification centre: every notification of an incident to the four levels (city,
district, street, enterprise) over each channel (webhook, SMS, in-app) and what became of it,
newest first with failures on top in red, their attempts and error; a count of the last 24
hours' failures above. A district officer sees their district's; enterprises have no access.

The list is built by callbacks/notifications.py, on load, on live `incident.notified` events
and every 30 s as a fallback."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_user
from dashboard.components import notice
from dashboard.domain.policy import page_roles
from dashboard.domain.roles import Scope
from dashboard.i18n import current_language, t, t_or
from dashboard.resources import resources
from data_access.queries import notifications as queries

dash.register_page(
    __name__,
    path="/notifications",
    name="Notifications",
    title="通知中心 · Notifications",
    label="page.notifications",
    icon="bi-bell",
    order=14,
    roles=page_roles("notifications"),
    in_menu=True,
)

REFRESH_MS = 30_000  # the fallback; live events refresh the list within a second
KNOWN_CHANNELS = ("in_app", "webhook", "sms")


def layout(**_query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    return html.Div(
        [
            header(lang),
            filters(user.scope, lang),
            html.Div(id=ids.NOTIFY_LIST, className="notify-list"),
            dcc.Store(id=ids.NOTIFY_TICK),
            dcc.Interval(id=ids.NOTIFY_REFRESH, interval=REFRESH_MS),
        ],
        className="notify-centre container-fluid py-3",
    )


def header(lang: str) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.H1(
                        [html.I(className="bi bi-bell me-2"), t("notify.title", lang)],
                        className="h4 mb-1",
                    ),
                    html.Div(t("notify.subtitle", lang), className="text-secondary small"),
                    html.Div(id=ids.NOTIFY_UPDATED, className="text-secondary small"),
                ],
                className="me-auto",
            ),
            html.Div(id=ids.NOTIFY_SUMMARY, className="notify-summary"),
        ],
        className="d-flex align-items-center gap-3 mb-3",
    )


def filters(scope: Scope, lang: str) -> html.Div:
    res = resources()
    # The configured channels, and any others that ever carried a notification in scope.
    names = dict.fromkeys([*KNOWN_CHANNELS, *res.notifier.channel_names])
    names.update(dict.fromkeys(queries.channels(res.engine, scope)))
    options = [{"label": t("notify.channel.all", lang), "value": "all"}] + [
        {"label": t_or(f"notify.channel.{name}", name, lang), "value": name} for name in names
    ]
    return html.Div(
        [
            dbc.Switch(
                id=ids.NOTIFY_FAILED_ONLY,
                label=t("notify.failed_only", lang),
                value=False,
                className="mb-0",
            ),
            html.Div(
                [
                    dbc.Label(
                        t("notify.channel", lang), html_for=ids.NOTIFY_CHANNEL, className="mb-0"
                    ),
                    dbc.Select(
                        id=ids.NOTIFY_CHANNEL,
                        options=options,
                        value="all",
                        size="sm",
                        style={"minWidth": "11rem"},
                    ),
                ],
                className="d-flex align-items-center gap-2",
            ),
        ],
        className="notify-filters d-flex flex-wrap align-items-center gap-4 mb-3",
    )
