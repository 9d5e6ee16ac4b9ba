"""The audit trail: a page of the filtered log (newest first, paged by sequence number) and its
export to CSV or Excel up to the cap, with the time range read in the city's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dash import Input, Output, State, ctx, dcc, html, no_update

from dashboard import ids
from dashboard.audit_export import EXPORT_CAP, HEADER_KEYS, to_csv, to_xlsx
from dashboard.auth import current_scope
from dashboard.guard import page_callback
from dashboard.i18n import current_language, t
from dashboard.resources import resources
from data_access.queries import audit as queries

callback = page_callback("admin_audit")

FILTERS = (
    State(ids.ADMIN_AUDIT_ACTOR, "value"),
    State(ids.ADMIN_AUDIT_SUBJECT, "value"),
    State(ids.ADMIN_AUDIT_TYPES, "value"),
    State(ids.ADMIN_AUDIT_SINCE, "value"),
    State(ids.ADMIN_AUDIT_UNTIL, "value"),
)


class BadTime(ValueError):
    pass


def wanted_of(
    actor: str | None,
    subject: str | None,
    types: list[str] | None,
    since: str | None,
    until: str | None,
    zone: ZoneInfo,
) -> queries.AuditFilter:
    return queries.AuditFilter(
        actor=(actor or "").strip() or None,
        subject=(subject or "").strip() or None,
        types=tuple(types or ()),
        since=_local_time(since, zone),
        until=_local_time(until, zone),
    )


def _local_time(value: str | None, zone: ZoneInfo) -> datetime | None:
    """A datetime-local input ("2026-12-02T10:30") in the city's zone, as UTC."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=zone).astimezone(UTC)
    except ValueError:
        raise BadTime(value) from None


@callback(
    Output(ids.ADMIN_AUDIT_LIST, "children"),
    Output(ids.ADMIN_AUDIT_PAGE_LABEL, "children"),
    Output(ids.ADMIN_AUDIT_NEWER, "disabled"),
    Output(ids.ADMIN_AUDIT_OLDER, "disabled"),
    Output(ids.ADMIN_AUDIT_PAGES, "data"),
    Input(ids.ADMIN_AUDIT_SEARCH, "n_clicks"),
    Input(ids.ADMIN_AUDIT_NEWER, "n_clicks"),
    Input(ids.ADMIN_AUDIT_OLDER, "n_clicks"),
    Input(ids.ADMIN_AUDIT_ACTOR, "value"),
    Input(ids.ADMIN_AUDIT_SUBJECT, "value"),
    Input(ids.ADMIN_AUDIT_TYPES, "value"),
    Input(ids.ADMIN_AUDIT_SINCE, "value"),
    Input(ids.ADMIN_AUDIT_UNTIL, "value"),
    State(ids.ADMIN_AUDIT_PAGES, "data"),
)
def show_page(
    _search: object,
    _newer: object,
    _older: object,
    actor: str | None,
    subject: str | None,
    types: list[str] | None,
    since: str | None,
    until: str | None,
    pages: Any,
) -> Any:
    lang, res = current_language(), resources()
    zone = ZoneInfo(res.settings.time_zone)
    try:
        wanted = wanted_of(actor, subject, types, since, until, zone)
    except BadTime as bad:
        message = html.Div(
            t("admin.audit.bad_time", lang).format(value=bad), className="text-danger"
        )
        return message, "", True, True, no_update
    cursors = _cursors(pages, ctx.triggered_id)
    page = queries.audit_page(res.engine, current_scope(), wanted, before=cursors[-1])
    label = t("admin.audit.page", lang).format(n=len(cursors), size=queries.PAGE_SIZE)
    state = {"cursors": cursors, "older": page.older}
    return _table(page.rows, zone, lang), label, len(cursors) == 1, page.older is None, state


def _cursors(pages: Any, trigger: object) -> list[int | None]:
    """The `before` of each page up to the one to show: the first page on a new search, one
    more on Older, one fewer on Newer."""
    known = pages if isinstance(pages, dict) else {}
    cursors = [c for c in known.get("cursors", [None]) if c is None or isinstance(c, int)]
    cursors = cursors or [None]
    if trigger == ids.ADMIN_AUDIT_OLDER and isinstance(known.get("older"), int):
        return [*cursors, known["older"]]
    if trigger == ids.ADMIN_AUDIT_NEWER and len(cursors) > 1:
        return cursors[:-1]
    return [None]


VERBATIM = {"data-verbatim": "record"}  # tests/browser/test_visible_text.py reads no words in it


def _table(rows: list[queries.AuditRow], zone: ZoneInfo, lang: str) -> Any:
    if not rows:
        return html.Div(t("admin.audit.none", lang), className="text-secondary py-3")
    head = html.Thead(html.Tr([html.Th(t(key, lang)) for key in HEADER_KEYS]))
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(
                        f"{row.occurred_at.astimezone(zone):%Y-%m-%d %H:%M:%S}",
                        className="text-nowrap",
                    ),
                    # the record as it was written (actor, type, subject, data): the audit is
                    # evidence, so it is shown verbatim, not put into words
                    html.Td(row.actor, className="text-nowrap", **VERBATIM),
                    html.Td(html.Code(row.type), className="text-nowrap", **VERBATIM),
                    html.Td(row.subject or "—", className="text-nowrap", **VERBATIM),
                    html.Td(row.summary, className="admin-summary small", **VERBATIM),
                ],
                **{"data-seq": str(row.seq), "data-type": row.type},
            )
            for row in rows
        ]
    )
    return html.Div(
        html.Table([head, body], className="table table-sm table-hover align-middle admin-table"),
        className="table-responsive",
    )


@callback(
    Output(ids.ADMIN_AUDIT_DOWNLOAD, "data"),
    Output(ids.ADMIN_AUDIT_EXPORT_STATUS, "children"),
    Input(ids.ADMIN_AUDIT_CSV, "n_clicks"),
    Input(ids.ADMIN_AUDIT_XLSX, "n_clicks"),
    *FILTERS,
    running=[
        (Output(ids.ADMIN_AUDIT_CSV, "disabled"), True, False),
        (Output(ids.ADMIN_AUDIT_XLSX, "disabled"), True, False),
        (Output(ids.ADMIN_AUDIT_PREPARING, "hidden"), False, True),
    ],
    prevent_initial_call=True,
)
def export(
    _csv: object,
    _xlsx: object,
    actor: str | None,
    subject: str | None,
    types: list[str] | None,
    since: str | None,
    until: str | None,
) -> Any:
    lang, res = current_language(), resources()
    zone = ZoneInfo(res.settings.time_zone)
    try:
        wanted = wanted_of(actor, subject, types, since, until, zone)
    except BadTime as bad:
        return no_update, html.Span(
            t("admin.audit.bad_time", lang).format(value=bad), className="text-danger"
        )
    rows = queries.audit_rows(res.engine, current_scope(), wanted, EXPORT_CAP)
    header = [t(key, lang) for key in HEADER_KEYS]
    excel = ctx.triggered_id == ids.ADMIN_AUDIT_XLSX
    content, count = (to_xlsx if excel else to_csv)(rows, header, zone)
    stamp = datetime.now(zone).strftime("%Y%m%d-%H%M%S")
    name = f"audit-{stamp}.{'xlsx' if excel else 'csv'}"
    key = "admin.audit.exported_capped" if count >= EXPORT_CAP else "admin.audit.exported"
    said = html.Span(
        t(key, lang).format(n=f"{count:,}"),
        className="text-success" if count < EXPORT_CAP else "text-warning",
    )
    return dcc.send_bytes(content, name), said
