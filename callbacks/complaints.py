"""The complaint queue's behaviour: the page of complaints for the filters (the URL follows them),
the counts per status, timeliness and satisfaction per district and enterprise, paging, and the
exports to CSV and Excel."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from dash import Input, Output, State, ctx, dcc, html, no_update

from dashboard import ids
from dashboard.auth import current_scope
from dashboard.complaint_export import EXPORT_CAP, to_csv, to_xlsx
from dashboard.complaint_view import (
    category_label,
    escalation_badge,
    handler_label,
    late,
    percent,
    score,
    status_badge,
    time_left,
)
from dashboard.domain.complaints import Figures
from dashboard.guard import page_callback
from dashboard.i18n import current_language, t
from dashboard.list_filters import BadDate, day_start, page_after
from dashboard.resources import resources
from dashboard.url_sync import url_follows
from data_access.queries import accounts
from data_access.queries import complaint_board as queries
from pages.complaints import ALL

callback = page_callback("complaints")

CONTROLS = (
    ids.CQ_STATUS,
    ids.CQ_CHANNEL,
    ids.CQ_CATEGORY,
    ids.CQ_DISTRICT,
    ids.CQ_ENTERPRISE,
    ids.CQ_SINCE,
    ids.CQ_UNTIL,
    ids.CQ_LATE,
)
URL_NAMES = ("status", "channel", "category", "district", "enterprise", "since", "until", "late")


def wanted_of(values: tuple[Any, ...], page: int, zone: ZoneInfo) -> queries.ComplaintFilter:
    """The queue's filter from the controls' values (in CONTROLS' order)."""
    values = tuple(None if value == ALL else value for value in values)
    status, channel, category, district, enterprise, since, until, late_only = values
    return queries.ComplaintFilter(
        status=status or None,
        channel=channel or None,
        category=category or None,
        district=district or None,
        enterprise_id=enterprise or None,
        late=bool(late_only),
        since=day_start(since, zone),
        until=day_start(until, zone, next_day=True),
        page=page,
    )


def query_string(values: tuple[Any, ...], page: int) -> str:
    """The filters as the URL shows them: only what differs from the defaults."""
    pairs = {}
    for name, value in zip(URL_NAMES, values, strict=True):
        if name == "late":
            value = "1" if value else ""
        if name == "status" and value == queries.OPEN:
            continue
        if value not in (None, "", ALL) or (name == "status" and value == ALL):
            pairs[name] = value  # every status is not the default (open ones)
    if page > 1:
        pairs["page"] = str(page)
    return urlencode(pairs)


@callback(
    Output(ids.CQ_LIST, "children"),
    Output(ids.CQ_COUNTS, "children"),
    Output(ids.CQ_STATS, "children"),
    Output(ids.CQ_PAGE_LABEL, "children"),
    Output(ids.CQ_PREV, "disabled"),
    Output(ids.CQ_NEXT, "disabled"),
    Output(ids.CQ_PAGE, "data"),
    Output(ids.CQ_QUERY, "data"),
    *(Input(control, "value") for control in CONTROLS),
    Input(ids.CQ_PREV, "n_clicks"),
    Input(ids.CQ_NEXT, "n_clicks"),
    Input(ids.CQ_REFRESH, "n_intervals"),
    State(ids.CQ_PAGE, "data"),
)
def show_queue(*args: Any) -> Any:
    values, page = args[: len(CONTROLS)], args[-1]
    lang, res = current_language(), resources()
    zone = ZoneInfo(res.settings.time_zone)
    page = page_after(
        ctx.triggered_id,
        page if isinstance(page, int) else 1,
        ids.CQ_PREV,
        ids.CQ_NEXT,
        stay=(ids.CQ_REFRESH,),
    )
    try:
        wanted = wanted_of(values, page, zone)
    except BadDate as bad:
        message = html.Div(t("cq.bad_date", lang).format(value=bad), className="text-danger")
        return message, no_update, no_update, "", True, True, no_update, no_update
    now, scope = datetime.now(UTC), current_scope()
    queue = queries.complaint_queue(res.engine, scope, wanted, now)
    stats = queries.complaint_stats(res.engine, scope, wanted, now)
    names = accounts.district_names(res.engine, lang)
    label = t("cq.page", lang).format(page=queue.page, pages=queue.pages)
    return (
        complaint_table(queue.rows, names, zone, now, lang),
        status_counts(queue, lang),
        statistics(stats, names, lang),
        [t("cq.total", lang).format(n=f"{queue.total:,}"), " · ", label],
        queue.page <= 1,
        queue.page >= queue.pages,
        queue.page,
        query_string(values, queue.page),
    )


url_follows("/complaints", ids.CQ_QUERY)


def status_counts(queue: queries.ComplaintQueue, lang: str) -> list[html.Span]:
    return [
        html.Span(
            [t(f"complaint_status.{status}", lang), html.B(f"{count:,}", className="ms-1")],
            className=f"cq-chip cq-status-{status}",
            **{"data-status": status, "data-count": str(count)},
        )
        for status, count in queue.by_status.items()
    ]


COLUMNS = (
    "cq.col.id",
    "cq.col.received",
    "cq.col.channel",
    "cq.col.category",
    "cq.col.district",
    "cq.col.enterprise",
    "cq.col.handler",
    "cq.col.left",
    "cq.col.escalations",
    "cq.col.status",
)


def complaint_table(
    rows: list[queries.ComplaintRow],
    names: dict[str, str],
    zone: ZoneInfo,
    now: datetime,
    lang: str,
) -> Any:
    if not rows:
        return html.Div(t("cq.none", lang), className="text-secondary py-3")
    head = html.Thead(html.Tr([html.Th(t(key, lang)) for key in COLUMNS]))
    body = html.Tbody([complaint_row(row, names, zone, now, lang) for row in rows])
    return html.Div(
        html.Table([head, body], className="table table-sm table-hover align-middle cq-table"),
        className="table-responsive",
    )


def complaint_row(
    row: queries.ComplaintRow, names: dict[str, str], zone: ZoneInfo, now: datetime, lang: str
) -> html.Tr:
    is_late = late(row, now)
    return html.Tr(
        [
            html.Td(
                dcc.Link(row.id, href=f"/complaint/{quote(row.id, safe='')}"),
                className="text-nowrap cq-id",
            ),
            html.Td(f"{row.received_at.astimezone(zone):%m-%d %H:%M}", className="text-nowrap"),
            html.Td(t(f"complaint_channel.{row.channel}", lang), className="text-nowrap"),
            html.Td(category_label(row.category, lang), className="cq-category"),
            html.Td(names.get(row.district, row.district), className="text-nowrap"),
            html.Td(row.enterprise or t("cq.no_enterprise", lang), className="cq-enterprise"),
            html.Td(handler_label(row.handler, lang), className="text-nowrap"),
            html.Td(time_left(row, now, lang), className="text-nowrap cq-left"),
            html.Td(escalation_badge(row.escalations, lang)),
            html.Td(status_badge(row.status, lang), className="text-nowrap"),
        ],
        className="cq-late" if is_late else "",
        **{
            "data-complaint": row.id,
            "data-status": row.status,
            "data-late": str(is_late).lower(),
            "data-handler": row.handler or "city",
            "data-escalations": str(row.escalations),
        },
    )


STAT_COLUMNS = (
    "cq.stats.received",
    "cq.stats.closed",
    "cq.stats.timeliness",
    "cq.stats.satisfaction",
    "cq.stats.late",
)


def statistics(
    stats: tuple[Figures, list[queries.GroupFigures], list[queries.GroupFigures]],
    names: dict[str, str],
    lang: str,
) -> Any:
    overall, districts, enterprises = stats
    if not overall.received:
        return html.Div(t("cq.stats.none", lang), className="text-secondary small")
    district_rows = [(names.get(g.key, g.key), g.key, g.figures) for g in districts]
    enterprise_rows = [(g.name or g.key, g.key, g.figures) for g in enterprises]
    return html.Div(
        [
            html.H2(t("cq.stats.title", lang), className="cq-stats-title"),
            dbc_row(
                [
                    stat_table("cq.stats.by_district", "district", district_rows, overall, lang),
                    stat_table("cq.stats.by_enterprise", "enterprise", enterprise_rows, None, lang),
                ]
            ),
        ]
    )


def dbc_row(tables: list[html.Div]) -> html.Div:
    return html.Div(tables, className="cq-stat-tables")


def stat_table(
    title_key: str,
    kind: str,
    rows: list[tuple[str, str, Figures]],
    total: Figures | None,
    lang: str,
) -> html.Div:
    head = html.Thead(
        html.Tr([html.Th(t(title_key, lang))] + [html.Th(t(k, lang)) for k in STAT_COLUMNS])
    )
    body = [stat_row(label, key, figures, kind) for label, key, figures in rows]
    if total is not None and len(rows) > 1:
        body.append(stat_row(t("cq.stats.overall", lang), "", total, "total"))
    return html.Div(
        html.Table([head, html.Tbody(body)], className="table table-sm cq-stat-table"),
        className="table-responsive cq-stat-block",
    )


def stat_row(label: str, key: str, figures: Figures, kind: str) -> html.Tr:
    return html.Tr(
        [
            html.Td(label, className="cq-stat-name"),
            html.Td(f"{figures.received:,}"),
            html.Td(f"{figures.closed:,}"),
            html.Td(percent(figures.timeliness), className="cq-timeliness"),
            html.Td(score(figures.satisfaction), className="cq-satisfaction"),
            html.Td(f"{figures.late:,}", className="cq-late-count" if figures.late else ""),
        ],
        className="cq-stat-total" if kind == "total" else "",
        **{
            f"data-{kind}": key,
            "data-timeliness": percent(figures.timeliness),
            "data-satisfaction": score(figures.satisfaction),
        },
    )


@callback(
    Output(ids.CQ_DOWNLOAD, "data"),
    Output(ids.CQ_EXPORT_STATUS, "children"),
    Input(ids.CQ_CSV, "n_clicks"),
    Input(ids.CQ_XLSX, "n_clicks"),
    *(State(control, "value") for control in CONTROLS),
    running=[
        (Output(ids.CQ_CSV, "disabled"), True, False),
        (Output(ids.CQ_XLSX, "disabled"), True, False),
    ],
    prevent_initial_call=True,
)
def export(_csv: object, _xlsx: object, *values: Any) -> Any:
    lang, res = current_language(), resources()
    zone = ZoneInfo(res.settings.time_zone)
    try:
        wanted = wanted_of(values, 1, zone)
    except BadDate as bad:
        return no_update, html.Span(
            t("cq.bad_date", lang).format(value=bad), className="text-danger"
        )
    now = datetime.now(UTC)
    rows = queries.complaint_rows(res.engine, current_scope(), wanted, now, EXPORT_CAP)
    excel = ctx.triggered_id == ids.CQ_XLSX
    content = (to_xlsx if excel else to_csv)(
        rows, accounts.district_names(res.engine, lang), zone, now, lang
    )
    stamp = datetime.now(zone).strftime("%Y%m%d-%H%M%S")
    capped = len(rows) >= EXPORT_CAP
    said = html.Span(
        t("cq.exported_capped" if capped else "cq.exported", lang).format(n=f"{len(rows):,}"),
        className="text-warning" if capped else "text-success",
    )
    return dcc.send_bytes(content, f"complaints-{stamp}.{'xlsx' if excel else 'csv'}"), said
