"""The enterprise list's behaviour: the page of enterprises for the filters (the URL follows
them), paging, and the exports to CSV and Excel."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from dash import Input, Output, State, ctx, dcc, html

from dashboard import ids
from dashboard.auth import current_scope
from dashboard.enterprise_export import EXPORT_CAP, list_to_csv, list_to_xlsx
from dashboard.guard import page_callback
from dashboard.i18n import current_language, t
from dashboard.list_filters import page_after
from dashboard.resources import resources
from dashboard.url_sync import url_follows
from data_access.queries import accounts
from data_access.queries import enterprise_file as queries
from pages.enterprises import ALL

callback = page_callback("enterprises")

CONTROLS = (
    ids.EL_TEXT,
    ids.EL_DISTRICT,
    ids.EL_KIND,
    ids.EL_SUSPENDED,
    ids.EL_OPEN_HAZARDS,
    ids.EL_OPEN_DETENTIONS,
)
URL_NAMES = ("q", "district", "kind", "suspended", "hazards", "detentions")
MAX_TEXT = 100


def wanted_of(values: tuple[Any, ...], page: int) -> queries.EnterpriseFilter:
    """The list's filter from the controls' values (in CONTROLS' order)."""
    text, district, kind, suspended, hazards, detained = values
    return queries.EnterpriseFilter(
        text=str(text).strip()[:MAX_TEXT] or None if text else None,
        district=None if district in (None, "", ALL) else district,
        kind=None if kind in (None, "", ALL) else kind,
        suspended=bool(suspended),
        open_hazards=bool(hazards),
        open_detentions=bool(detained),
        page=page,
    )


def query_string(values: tuple[Any, ...], page: int) -> str:
    """The filters as the URL shows them: only what differs from the defaults."""
    pairs = {}
    for name, value in zip(URL_NAMES, values, strict=True):
        if isinstance(value, bool) or value is None:
            if value:
                pairs[name] = "1"
        elif str(value).strip() not in ("", ALL):
            pairs[name] = str(value).strip()[:MAX_TEXT]
    if page > 1:
        pairs["page"] = str(page)
    return urlencode(pairs)


@callback(
    Output(ids.EL_LIST, "children"),
    Output(ids.EL_TOTAL, "children"),
    Output(ids.EL_PAGE_LABEL, "children"),
    Output(ids.EL_PREV, "disabled"),
    Output(ids.EL_NEXT, "disabled"),
    Output(ids.EL_PAGE, "data"),
    Output(ids.EL_QUERY, "data"),
    *(Input(control, "value") for control in CONTROLS),
    Input(ids.EL_PREV, "n_clicks"),
    Input(ids.EL_NEXT, "n_clicks"),
    State(ids.EL_PAGE, "data"),
)
def show_list(*args: Any) -> Any:
    values, page = args[: len(CONTROLS)], args[-1]
    lang, res = current_language(), resources()
    page = page_after(ctx.triggered_id, page if isinstance(page, int) else 1, ids.EL_PREV,
                      ids.EL_NEXT)  # fmt: skip
    found = queries.enterprise_list(
        res.engine, current_scope(), wanted_of(values, page), datetime.now(UTC)
    )
    names = accounts.district_names(res.engine, lang)
    return (
        enterprise_table(found.rows, names, lang),
        t("el.total", lang).format(n=f"{found.total:,}"),
        t("el.page", lang).format(page=found.page, pages=found.pages),
        found.page <= 1,
        found.page >= found.pages,
        found.page,
        query_string(values, found.page),
    )


url_follows("/enterprises", ids.EL_QUERY)


COLUMNS = (
    "el.col.name",
    "el.col.kind",
    "el.col.district",
    "el.col.licence",
    "el.col.sites",
    "el.col.workers",
    "el.col.cylinders",
    "el.col.open_hazards",
    "el.col.open_detentions",
    "el.col.open_complaints",
    "el.col.points",
)
NUMERIC = ("sites", "workers", "cylinders", "open_hazards", "open_detentions", "open_complaints")
HEAD_CLASS = {**{name: "text-end" for name in NUMERIC}, "points": "el-points-cell"}


def enterprise_table(rows: list[queries.EnterpriseRow], names: dict[str, str], lang: str) -> Any:
    if not rows:
        return html.Div(t("el.none", lang), className="text-secondary py-3")
    head = html.Thead(
        html.Tr([html.Th(t(key, lang), className=HEAD_CLASS.get(key[7:], "")) for key in COLUMNS])
    )
    body = html.Tbody([enterprise_row(row, names, lang) for row in rows])
    return html.Div(
        html.Table([head, body], className="table table-sm table-hover align-middle el-table"),
        className="table-responsive",
    )


def _number(value: int, warn: bool = False) -> html.Td:
    shown = f"{value:,}" if value else "·"
    return html.Td(shown, className="text-end" + (" el-warn" if warn and value else ""))


def points_cell(points: int, suspended: bool, others: int, lang: str) -> html.Td:
    parts: list[Any] = [html.Span(str(points), className="el-points")]
    if suspended:
        parts.append(html.Span(t("ef.suspended", lang), className="ef-suspended ms-1"))
    if others:
        parts.append(
            html.Div(
                t("el.suspended_subjects", lang).format(n=others), className="el-note text-warning"
            )
        )
    return html.Td(parts, className="text-nowrap el-points-cell")


def enterprise_row(row: queries.EnterpriseRow, names: dict[str, str], lang: str) -> html.Tr:
    return html.Tr(
        [
            html.Td(
                [
                    dcc.Link(row.name, href=f"/enterprise/{quote(row.id, safe='')}"),
                    html.Div(row.id, className="el-note"),
                ],
                className="el-name",
            ),
            html.Td(t(f"enterprise_kind.{row.kind}", lang), className="text-nowrap"),
            html.Td(names.get(row.district, row.district), className="text-nowrap"),
            html.Td(row.licence_no or "—", className="text-nowrap el-licence"),
            _number(row.sites),
            _number(row.workers),
            _number(row.cylinders),
            _number(row.open_hazards, warn=True),
            _number(row.open_detentions, warn=True),
            _number(row.open_complaints, warn=True),
            points_cell(row.points, row.suspended, row.suspended_subjects, lang),
        ],
        className="el-suspended-row" if row.suspended else "",
        **{"data-enterprise": row.id, "data-suspended": str(row.suspended).lower()},
    )


@callback(
    Output(ids.EL_DOWNLOAD, "data"),
    Output(ids.EL_EXPORT_STATUS, "children"),
    Input(ids.EL_CSV, "n_clicks"),
    Input(ids.EL_XLSX, "n_clicks"),
    *(State(control, "value") for control in CONTROLS),
    running=[
        (Output(ids.EL_CSV, "disabled"), True, False),
        (Output(ids.EL_XLSX, "disabled"), True, False),
    ],
    prevent_initial_call=True,
)
def export(_csv: object, _xlsx: object, *values: Any) -> Any:
    lang, res = current_language(), resources()
    zone = ZoneInfo(res.settings.time_zone)
    rows = queries.enterprise_rows(
        res.engine, current_scope(), wanted_of(values, 1), datetime.now(UTC), EXPORT_CAP
    )
    excel = ctx.triggered_id == ids.EL_XLSX
    content = (list_to_xlsx if excel else list_to_csv)(
        rows, accounts.district_names(res.engine, lang), lang
    )
    stamp = datetime.now(zone).strftime("%Y%m%d-%H%M%S")
    capped = len(rows) >= EXPORT_CAP
    said = html.Span(
        t("el.exported_capped" if capped else "el.exported", lang).format(n=f"{len(rows):,}"),
        className="text-warning" if capped else "text-success",
    )
    return dcc.send_bytes(content, f"enterprises-{stamp}.{'xlsx' if excel else 'csv'}"), said
