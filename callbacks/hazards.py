"""The hazard board's behaviour: the page of hazards for the filters (the URL follows them),
the counts, paging, and the exports to CSV and Excel."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from dash import Input, Output, State, ctx, dcc, html, no_update

from dashboard import ids
from dashboard.auth import current_scope
from dashboard.domain.hazards import is_overdue
from dashboard.guard import page_callback
from dashboard.hazard_export import EXPORT_CAP, to_csv, to_xlsx
from dashboard.hazard_view import level_badge, status_badges, time_left
from dashboard.i18n import current_language, t
from dashboard.list_filters import BadDate, day_start, page_after
from dashboard.resources import resources
from dashboard.url_sync import url_follows
from data_access.queries import accounts
from data_access.queries import hazard_board as queries
from pages.hazards import ALL

callback = page_callback("hazards")

CONTROLS = (
    ids.HZ_DISTRICT,
    ids.HZ_GRID,
    ids.HZ_ENTERPRISE,
    ids.HZ_CATEGORY,
    ids.HZ_LEVEL,
    ids.HZ_ORIGIN,
    ids.HZ_STATUS,
    ids.HZ_ESCALATION,
    ids.HZ_SINCE,
    ids.HZ_UNTIL,
    ids.HZ_OVERDUE,
    ids.HZ_SORT,
)
URL_NAMES = ("district", "grid", "enterprise", "category", "level", "origin", "status",
             "escalation", "since", "until", "overdue", "sort")  # fmt: skip


def wanted_of(values: tuple[Any, ...], page: int, zone: ZoneInfo) -> queries.HazardFilter:
    """The board's filter from the controls' values (in CONTROLS' order)."""
    values = tuple(None if value == ALL else value for value in values)
    (district, grid, enterprise, category, level, origin,
     status, escalation, since, until, overdue, sort) = values  # fmt: skip
    return queries.HazardFilter(
        district=district or None,
        grid_cell=grid or None,
        enterprise_id=enterprise or None,
        category=category or None,
        level=level or None,
        origin=origin or None,
        status=status or None,
        escalation=escalation or None,
        since=day_start(since, zone),
        until=day_start(until, zone, next_day=True),
        overdue=bool(overdue),
        sort=sort if sort in queries.SORTS else "due",
        page=page,
    )


def query_string(values: tuple[Any, ...], page: int) -> str:
    """The filters as the URL shows them: only what differs from the defaults."""
    pairs = {}
    for name, value in zip(URL_NAMES, values, strict=True):
        if name == "overdue":
            value = "1" if value else ""
        if name == "status" and value == queries.OPEN:
            continue
        if name == "sort" and value == "due":
            continue
        if value not in (None, "", ALL) or (name == "status" and value == ALL):
            pairs[name] = value  # every status is not the default (open ones)
    if page > 1:
        pairs["page"] = str(page)
    return urlencode(pairs)


@callback(
    Output(ids.HZ_LIST, "children"),
    Output(ids.HZ_COUNTS, "children"),
    Output(ids.HZ_DISTRICTS, "children"),
    Output(ids.HZ_PAGE_LABEL, "children"),
    Output(ids.HZ_PREV, "disabled"),
    Output(ids.HZ_NEXT, "disabled"),
    Output(ids.HZ_PAGE, "data"),
    Output(ids.HZ_QUERY, "data"),
    *(Input(control, "value") for control in CONTROLS),
    Input(ids.HZ_PREV, "n_clicks"),
    Input(ids.HZ_NEXT, "n_clicks"),
    Input(ids.HZ_REFRESH, "n_intervals"),
    State(ids.HZ_PAGE, "data"),
)
def show_board(*args: Any) -> Any:
    values, page = args[: len(CONTROLS)], args[-1]
    lang, res = current_language(), resources()
    zone = ZoneInfo(res.settings.time_zone)
    page = page_after(
        ctx.triggered_id,
        page if isinstance(page, int) else 1,
        ids.HZ_PREV,
        ids.HZ_NEXT,
        stay=(ids.HZ_REFRESH,),
    )
    try:
        wanted = wanted_of(values, page, zone)
    except BadDate as bad:
        message = html.Div(t("hz.bad_date", lang).format(value=bad), className="text-danger")
        return message, no_update, no_update, "", True, True, no_update, no_update
    now = datetime.now(UTC)
    board = queries.hazard_board(res.engine, current_scope(), wanted, now)
    names = accounts.district_names(res.engine, lang)
    label = t("hz.page", lang).format(page=board.page, pages=board.pages)
    return (
        hazard_table(board.rows, names, zone, now, lang),
        status_counts(board, lang),
        district_counts(board, names, lang),
        [t("hz.total", lang).format(n=f"{board.total:,}"), " · ", label],
        board.page <= 1,
        board.page >= board.pages,
        board.page,
        query_string(values, board.page),
    )


url_follows("/hazards", ids.HZ_QUERY)


def status_counts(board: queries.HazardBoard, lang: str) -> list[html.Span]:
    return [
        html.Span(
            [t(f"hazard_status.{status}", lang), html.B(f"{count:,}", className="ms-1")],
            className=f"hz-chip hz-status-{status}",
            **{"data-status": status, "data-count": str(count)},
        )
        for status, count in board.by_status.items()
    ]


def district_counts(board: queries.HazardBoard, names: dict[str, str], lang: str) -> list[Any]:
    if len(board.by_district) <= 1:
        return []
    ranked = sorted(board.by_district.items(), key=lambda item: (-item[1], item[0]))
    return [html.Span(t("hz.by_district", lang), className="small text-secondary me-1")] + [
        html.Span(
            [names.get(code, code), html.B(f"{count:,}", className="ms-1")],
            className="hz-chip hz-district",
            **{"data-district": code, "data-count": str(count)},
        )
        for code, count in ranked
    ]


COLUMNS = (
    "hz.col.number",
    "hz.col.district",
    "hz.col.enterprise",
    "hz.col.category_origin",
    "hz.col.level",
    "hz.col.status",
    "hz.col.reported",
    "hz.col.due",
    "hz.col.left",
)


def hazard_table(
    rows: list[queries.HazardRow], names: dict[str, str], zone: ZoneInfo, now: datetime, lang: str
) -> Any:
    if not rows:
        return html.Div(t("hz.none", lang), className="text-secondary py-3")
    head = html.Thead(html.Tr([html.Th(t(key, lang)) for key in COLUMNS]))
    body = html.Tbody([hazard_row(row, names, zone, now, lang) for row in rows])
    return html.Div(
        html.Table([head, body], className="table table-sm table-hover align-middle hz-table"),
        className="table-responsive",
    )


def hazard_row(
    row: queries.HazardRow, names: dict[str, str], zone: ZoneInfo, now: datetime, lang: str
) -> html.Tr:
    overdue = is_overdue(row.status, row.due_at, now)
    return html.Tr(
        [
            html.Td(
                dcc.Link(row.number or row.id, href=f"/hazard/{quote(row.id, safe='')}"),
                className="text-nowrap hz-number",
            ),
            html.Td(names.get(row.district, row.district), className="text-nowrap"),
            html.Td(row.enterprise or t("hz.no_enterprise", lang), className="hz-enterprise"),
            html.Td(
                [
                    row.category,
                    html.Div(t(f"hazard_origin.{row.origin}", lang), className="hz-origin"),
                ],
                className="hz-category",
            ),
            html.Td(level_badge(row.level, lang)),
            html.Td(status_badges(row.status, row.escalation, lang), className="text-nowrap"),
            html.Td(f"{row.reported_at.astimezone(zone):%Y-%m-%d %H:%M}", className="text-nowrap"),
            html.Td(f"{row.due_at.astimezone(zone):%Y-%m-%d %H:%M}", className="text-nowrap"),
            html.Td(time_left(row, zone, now, lang), className="text-nowrap"),
        ],
        className="hz-overdue" if overdue else "",
        **{
            "data-hazard": row.id,
            "data-status": row.status,
            "data-overdue": str(overdue).lower(),
            "data-escalation": row.escalation or "",
        },
    )


@callback(
    Output(ids.HZ_DOWNLOAD, "data"),
    Output(ids.HZ_EXPORT_STATUS, "children"),
    Input(ids.HZ_CSV, "n_clicks"),
    Input(ids.HZ_XLSX, "n_clicks"),
    *(State(control, "value") for control in CONTROLS),
    running=[
        (Output(ids.HZ_CSV, "disabled"), True, False),
        (Output(ids.HZ_XLSX, "disabled"), True, False),
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
            t("hz.bad_date", lang).format(value=bad), className="text-danger"
        )
    now = datetime.now(UTC)
    rows = queries.hazard_rows(res.engine, current_scope(), wanted, now, EXPORT_CAP)
    excel = ctx.triggered_id == ids.HZ_XLSX
    content = (to_xlsx if excel else to_csv)(
        rows, accounts.district_names(res.engine, lang), zone, now, lang
    )
    stamp = datetime.now(zone).strftime("%Y%m%d-%H%M%S")
    capped = len(rows) >= EXPORT_CAP
    said = html.Span(
        t("hz.exported_capped" if capped else "hz.exported", lang).format(n=f"{len(rows):,}"),
        className="text-warning" if capped else "text-success",
    )
    return dcc.send_bytes(content, f"hazards-{stamp}.{'xlsx' if excel else 'csv'}"), said
