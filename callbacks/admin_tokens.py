"""Ingest tokens: the list with usage figures, creating a token (its secret shown this once)
and revoking one after a confirmation, each one command."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from dashboard import ids
from dashboard.auth import current_user
from dashboard.guard import page_callback
from dashboard.i18n import current_language, refusal_text, t
from dashboard.resources import resources
from data_access import commands
from data_access.commands import Refused
from data_access.queries import accounts as queries

callback = page_callback("admin_tokens")

COLUMNS = (
    "admin.col.id",
    "admin.col.source",
    "admin.col.types",
    "admin.col.enterprise",
    "admin.col.label",
    "admin.col.created",
    "admin.col.revoked",
    "admin.col.last_used",
    "admin.col.accepted",
    "admin.col.rejected",
    "admin.col.actions",
)
TYPES_SHOWN = 3  # event types listed in a row; the rest in its tooltip


@callback(Output(ids.ADMIN_TOKENS_LIST, "children"), Input(ids.ADMIN_TOKENS_TICK, "data"))
def list_tokens(_tick: object) -> Any:
    lang, res = current_language(), resources()
    rows = queries.token_usage(res.engine)
    if not rows:
        return html.Div(t("admin.tokens.none", lang), className="text-secondary")
    zone = ZoneInfo(res.settings.time_zone)
    active = sum(1 for row in rows if row.revoked_at is None)
    return html.Div(
        [
            html.Div(
                t("admin.tokens.count", lang).format(n=len(rows), active=active),
                className="small text-secondary mb-1",
            ),
            html.Div(
                html.Table(
                    [
                        html.Thead(html.Tr([html.Th(t(column, lang)) for column in COLUMNS])),
                        html.Tbody([_token_row(row, zone, lang) for row in rows]),
                    ],
                    className="table table-sm table-hover align-middle admin-table",
                ),
                className="table-responsive",
            ),
        ]
    )


def _when(moment: datetime | None, zone: ZoneInfo, empty: str = "—") -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}" if moment is not None else empty


def _token_row(row: queries.TokenUsage, zone: ZoneInfo, lang: str) -> html.Tr:
    revoked = row.revoked_at is not None
    shown = ", ".join(row.types[:TYPES_SHOWN])
    if len(row.types) > TYPES_SHOWN:
        shown += f" +{len(row.types) - TYPES_SHOWN}"
    action: Any = (
        dbc.Badge(t("admin.inactive", lang), color="secondary")
        if revoked
        else dcc.ConfirmDialogProvider(
            dbc.Button(
                [html.I(className="bi bi-x-circle me-1"), t("admin.tokens.revoke", lang)],
                color="danger",
                outline=True,
                size="sm",
                className="text-nowrap",
            ),
            id={"type": ids.ADMIN_TOKEN_REVOKE, "token": row.id},
            message=t("admin.tokens.revoke_confirm", lang).format(id=row.id, source=row.source),
        )
    )
    return html.Tr(
        [
            html.Td(f"#{row.id}"),
            html.Td(row.source, className="fw-semibold", **{"data-verbatim": "source"}),
            html.Td(shown, title=", ".join(row.types), className="admin-types small"),
            html.Td(row.enterprise or "—"),
            html.Td(row.label or "", className="admin-label"),
            html.Td(_when(row.created_at, zone), className="text-nowrap"),
            html.Td(_when(row.revoked_at, zone), className="text-nowrap"),
            html.Td(
                _when(row.last_used_at, zone, t("admin.tokens.never", lang)),
                className="text-nowrap",
            ),
            html.Td(f"{row.accepted:,}", className="text-end"),
            html.Td(
                f"{row.rejected:,}",
                className="text-end" + (" text-warning" if row.rejected else ""),
            ),
            html.Td(action),
        ],
        className="text-secondary" if revoked else "",
        **{"data-token": str(row.id), "data-revoked": str(revoked).lower()},
    )


@callback(
    Output(ids.ADMIN_TOKEN_SECRET, "children"),
    Output(ids.ADMIN_TOKENS_FEEDBACK, "children", allow_duplicate=True),
    Output(ids.ADMIN_TOKENS_TICK, "data", allow_duplicate=True),
    Input(ids.ADMIN_TOKEN_CREATE, "n_clicks"),
    State(ids.ADMIN_TOKEN_SOURCE, "value"),
    State(ids.ADMIN_TOKEN_TYPES, "value"),
    State(ids.ADMIN_TOKEN_ENTERPRISE, "value"),
    State(ids.ADMIN_TOKEN_LABEL, "value"),
    State(ids.ADMIN_TOKENS_TICK, "data"),
    prevent_initial_call=True,
)
def create_source_token(
    _n: object,
    source: str | None,
    types: list[str] | None,
    enterprise: str | None,
    label: str | None,
    tick: int | None,
) -> Any:
    lang, user = current_language(), current_user()
    if user is None:
        return no_update, no_update, no_update
    result = commands.create_token(
        resources().engine,
        user,
        (source or "").strip(),
        types or [],
        label=(label or "").strip() or None,
        enterprise=enterprise or None,
    )
    if isinstance(result, Refused):
        return None, _refusal(result, lang), no_update
    secret = dbc.Alert(
        [
            html.Div(
                t("admin.tokens.secret", lang).format(id=result.token_id, source=source),
                className="fw-semibold",
            ),
            html.Div(
                [
                    html.Code(result.token, id=ids.ADMIN_TOKEN_SECRET_TEXT, className="fs-6 me-2"),
                    dcc.Clipboard(
                        target_id=ids.ADMIN_TOKEN_SECRET_TEXT,
                        title=t("admin.tokens.copy", lang),
                        className="d-inline",
                    ),
                ],
                className="d-flex align-items-center my-1 admin-secret",
            ),
            html.Div(t("admin.tokens.secret_hint", lang), className="small"),
        ],
        color="success",
        dismissable=True,
    )
    return secret, None, (tick or 0) + 1


@callback(
    Output(ids.ADMIN_TOKENS_FEEDBACK, "children", allow_duplicate=True),
    Output(ids.ADMIN_TOKENS_TICK, "data", allow_duplicate=True),
    Input({"type": ids.ADMIN_TOKEN_REVOKE, "token": ALL}, "submit_n_clicks"),
    State(ids.ADMIN_TOKENS_TICK, "data"),
    prevent_initial_call=True,
)
def revoke_source_token(_confirmed: object, tick: int | None) -> Any:
    lang, user = current_language(), current_user()
    if not ctx.triggered or not ctx.triggered[0]["value"] or user is None:
        return no_update, no_update  # a button drawn anew, not confirmed
    token_id = ctx.triggered_id["token"]
    if not isinstance(token_id, int):
        return no_update, no_update
    result = commands.revoke_token(resources().engine, user, token_id)
    if isinstance(result, Refused):
        return _refusal(result, lang), no_update
    key = "admin.tokens.revoked" if result.seq is not None else "admin.tokens.already_revoked"
    said = dbc.Alert(t(key, lang).format(id=token_id), color="success", dismissable=True)
    return said, (tick or 0) + 1


def _refusal(refused: Refused, lang: str) -> html.Div:
    return html.Div(
        dbc.Alert(
            [html.I(className="bi bi-exclamation-octagon me-2"), refusal_text(refused, lang)],
            color="danger",
            className="py-2 admin-refusal",
        ),
        **{"data-field": refused.field},
    )
