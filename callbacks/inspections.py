"""The inspection work page's behaviour: this quarter's coverage (KPIs, the map, the table), the
inspection list for the filters (the URL follows them), paging, the detail panel (an inspection's
items and hazards, or an object's history) and the exports to CSV and Excel."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from dash import ALL, Input, Output, State, clientside_callback, ctx, dcc, html, no_update

from dashboard import ids
from dashboard.auth import current_scope
from dashboard.choropleth import METRICS, district_features, value_text
from dashboard.components import legend
from dashboard.domain.periods import city_periods
from dashboard.domain.roles import Scope
from dashboard.guard import page_callback
from dashboard.i18n import current_language, t
from dashboard.inspection_export import (
    COVERAGE_KEYS,
    EXPORT_CAP,
    LIST_KEYS,
    coverage_cells,
    headers,
    list_cells,
    object_text,
    percent,
    to_csv,
    to_xlsx,
)
from dashboard.list_filters import BadDate, day_start, page_after
from dashboard.resources import resources
from data_access.queries import accounts, map_layers
from data_access.queries import inspections as queries
from data_access.queries.one_map import district_shapes
from pages.inspections import ALL as EVERY
from pages.inspections import MAX_TEXT

callback = page_callback("inspections")

COVERAGE = METRICS["coverage"]  # the One Map's metric: the same number gets the same colour
CONTROLS = (
    ids.INSP_DISTRICT,
    ids.INSP_GRID,
    ids.INSP_OBJECT_TYPE,
    ids.INSP_KIND,
    ids.INSP_RESULT,
    ids.INSP_INSPECTOR,
    ids.INSP_TASK,
    ids.INSP_SINCE,
    ids.INSP_UNTIL,
    ids.INSP_SORT,
)
URL_NAMES = ("district", "grid", "type", "kind", "result", "inspector", "task", "since", "until",
             "sort")  # fmt: skip


# --- coverage -------------------------------------------------------------------------------------


def _quarter_start() -> datetime:
    return city_periods(datetime.now(UTC), resources().settings.time_zone).quarter_start


def area_names(level: str, scope: Scope, lang: str) -> dict[str, str]:
    """The names of districts, grid cells or object types, by code."""
    engine = resources().engine
    if level == "type":
        return {kind: t(f"target_type.{kind}", lang) for kind in queries.OBJECT_TYPES}
    if level == "grid":
        zh = lang == "zh"
        return {
            cell.code: cell.name_zh if zh else cell.name_en
            for cell in map_layers.grid_shapes(engine, scope)
        }
    return accounts.district_names(engine, lang)


@callback(
    Output(ids.INSP_KPIS, "children"),
    Output(ids.INSP_COVERAGE, "children"),
    Input(ids.INSP_COVERAGE_LEVEL, "value"),
)
def show_coverage(level: str | None) -> Any:
    level = level if level in queries.COVERAGE_LEVELS else "district"
    res, scope, lang = resources(), current_scope(), current_language()
    quarter_start = _quarter_start()
    by_type = queries.quarter_coverage(res.engine, scope, "type", quarter_start)
    table = (
        by_type
        if level == "type"
        else queries.quarter_coverage(res.engine, scope, level, quarter_start)
    )
    zone = ZoneInfo(res.settings.time_zone)
    return (
        kpis(by_type, scope, quarter_start.astimezone(zone).date(), lang),
        coverage_rows(table, area_names(level, scope, lang), level, lang),
    )


def kpis(by_type: queries.Coverage, scope: Scope, since: date, lang: str) -> html.Div:
    whole = "district" if scope.district else "enterprise" if scope.enterprise_id else "all"
    cards = [kpi(by_type.total, t(f"insp.kpi.{whole}", lang), "all", lang)]
    for row in by_type.rows:
        if row.due or row.inspected:
            label = t("insp.kpi.type", lang).format(type=t(f"target_type.{row.code}", lang))
            cards.append(kpi(row, label, row.code, lang))
    return html.Div(
        [
            *cards,
            html.Div(
                t("insp.since", lang).format(day=since.isoformat()),
                className="small text-secondary align-self-end",
            ),
        ],
        className="d-flex flex-wrap gap-2",
    )


def kpi(row: queries.CoverageRow, label: str, key: str, lang: str) -> html.Div:
    return html.Div(
        [
            html.Div(label, className="insp-kpi-label"),
            html.Div(percent(row.coverage), className="insp-kpi-value"),
            html.Div(
                t("insp.kpi.of", lang).format(inspected=f"{row.inspected:,}", due=f"{row.due:,}"),
                className="insp-kpi-of",
            ),
        ],
        className="insp-kpi",
        **{"data-kpi": key, "data-due": str(row.due), "data-inspected": str(row.inspected)},
    )


def coverage_rows(
    table: queries.Coverage, names: dict[str, str], level: str, lang: str
) -> html.Div:
    if not table.rows and not table.total.due:
        return html.Div(t("insp.coverage.none", lang), className="text-secondary py-2")
    head = html.Thead(html.Tr([html.Th(t(key, lang)) for key in COVERAGE_KEYS]))
    body = [coverage_row(row, names, lang) for row in table.rows]
    total = coverage_row(table.total, {"all": t("insp.coverage.all", lang)}, lang, total=True)
    note = (
        [html.Div(t("insp.grid_has_no_enterprises", lang), className="small text-secondary")]
        if level == "grid"
        else []
    )
    return html.Div(
        [
            html.Div(
                html.Table(
                    [head, html.Tbody(body), html.Tfoot(total)],
                    className="table table-sm table-hover align-middle insp-coverage-table",
                ),
                className="table-responsive insp-coverage-scroll",
            ),
            *note,
        ]
    )


def coverage_row(
    row: queries.CoverageRow, names: dict[str, str], lang: str, total: bool = False
) -> html.Tr:
    share = row.coverage
    colour = COVERAGE.fixed.color_of(None if share is None else share * 100)  # type: ignore[union-attr]
    return html.Tr(
        [
            html.Td(names.get(row.code, row.code), className="fw-semibold" if total else ""),
            html.Td(f"{row.due:,}", className="text-end"),
            html.Td(f"{row.inspected:,}", className="text-end"),
            html.Td(
                [html.Span(className="legend-swatch", style={"background": colour}),
                 percent(share)],
                className="text-end text-nowrap",
            ),
        ],
        **{"data-code": row.code, "data-due": str(row.due), "data-inspected": str(row.inspected)},
    )  # fmt: skip


@callback(
    Output(ids.INSP_AREAS, "data"),
    Output(ids.INSP_LEGEND, "children"),
    Input(ids.INSP_MAP_LEVEL, "value"),
)
def show_map(level: str | None) -> Any:
    """The areas coloured by coverage with the One Map's metric, classes and legend."""
    area: queries.CoverageLevel = "grid" if level == "grid" else "district"
    res, scope, lang = resources(), current_scope(), current_language()
    table = queries.quarter_coverage(res.engine, scope, area, _quarter_start())
    counts = {row.code: {"due": row.due, "inspected": row.inspected} for row in table.rows}
    shapes = (
        district_shapes(res.engine)
        if area == "district"
        else map_layers.grid_shapes(res.engine, scope)
    )
    features, scale = district_features(shapes, counts, COVERAGE, lang, describe=_describe_share)
    if area == "grid":
        for feature in features["features"]:
            feature["properties"]["grid"] = True
    labels = [label + COVERAGE.suffix for label in scale.labels()]
    key = legend(t("metric.coverage", lang), list(scale.colors), labels, t("map.legend.none", lang))
    return features, key


def _describe_share(value: float | None) -> str:
    return value_text(value, COVERAGE.decimals, COVERAGE.suffix)


# --- the inspection list --------------------------------------------------------------------------


def wanted_of(values: tuple[Any, ...], page: int, zone: ZoneInfo) -> queries.InspectionFilter:
    """The list's filter from the controls' values (in CONTROLS' order)."""
    values = tuple(None if value == EVERY else value for value in values)
    district, grid, target_type, kind, result, inspector, task, since, until, sort = values
    return queries.InspectionFilter(
        district=_text(district),
        grid_cell=_text(grid),
        target_type=target_type if target_type in queries.TARGET_TYPES else None,
        kind=kind if kind in queries.KINDS else None,
        result=result if result in queries.RESULTS else None,
        inspector=_text(inspector),
        task_id=_text(task),
        since=day_start(since, zone),
        until=day_start(until, zone, next_day=True),
        sort=sort if sort in queries.SORTS else "newest",
        page=page,
    )


def _text(value: Any) -> str | None:
    return value.strip()[:MAX_TEXT] or None if isinstance(value, str) else None


def query_string(values: tuple[Any, ...], page: int) -> str:
    """The filters as the URL shows them: only what differs from the defaults."""
    pairs = {
        name: value
        for name, value in zip(URL_NAMES, values, strict=True)
        if value not in (None, "", EVERY) and not (name == "sort" and value == "newest")
    }
    if page > 1:
        pairs["page"] = str(page)
    return urlencode(pairs)


@callback(
    Output(ids.INSP_LIST, "children"),
    Output(ids.INSP_PAGE_LABEL, "children"),
    Output(ids.INSP_PREV, "disabled"),
    Output(ids.INSP_NEXT, "disabled"),
    Output(ids.INSP_PAGE, "data"),
    Output(ids.INSP_QUERY, "data"),
    *(Input(control, "value") for control in CONTROLS),
    Input(ids.INSP_PREV, "n_clicks"),
    Input(ids.INSP_NEXT, "n_clicks"),
    State(ids.INSP_PAGE, "data"),
)
def show_list(*args: Any) -> Any:
    values, page = args[: len(CONTROLS)], args[-1]
    lang, res = current_language(), resources()
    zone = ZoneInfo(res.settings.time_zone)
    page = page_after(
        ctx.triggered_id, page if isinstance(page, int) else 1, ids.INSP_PREV, ids.INSP_NEXT
    )
    try:
        wanted = wanted_of(values, page, zone)
    except BadDate as bad:
        message = html.Div(t("insp.bad_date", lang).format(value=bad), className="text-danger")
        return message, "", True, True, no_update, no_update
    found = queries.inspection_list(res.engine, current_scope(), wanted)
    names = accounts.district_names(res.engine, lang)
    label = t("insp.page", lang).format(page=found.page, pages=found.pages)
    return (
        inspection_table(found.rows, names, zone, lang),
        [t("insp.total", lang).format(n=f"{found.total:,}"), " · ", label],
        found.page <= 1,
        found.page >= found.pages,
        found.page,
        query_string(values, found.page),
    )


COLUMNS = (
    "insp.col.time",
    "insp.col.district",
    "insp.col.object",
    "insp.col.kind",
    "insp.col.result",
    "insp.col.failed",
    "insp.col.inspector",
    "insp.col.task",
)


def inspection_table(
    rows: list[queries.InspectionRow], names: dict[str, str], zone: ZoneInfo, lang: str
) -> Any:
    if not rows:
        return html.Div(t("insp.none", lang), className="text-secondary py-3")
    head = html.Thead(html.Tr([html.Th(t(key, lang)) for key in COLUMNS]))
    body = html.Tbody([inspection_row(row, names, zone, lang) for row in rows])
    return html.Div(
        html.Table([head, body], className="table table-sm table-hover align-middle insp-table"),
        className="table-responsive",
    )


def target_key(target_type: str, target_id: str) -> str:
    return f"{target_type}:{target_id}"


def object_button(row: queries.InspectionRow, lang: str) -> html.Button:
    words = object_text(row, lang)
    return html.Button(
        [
            html.Span(t(f"target_type.{row.target_type}", lang), className="insp-type me-1"),
            words or row.target_id,
        ],
        # the inspection in the id too: an object inspected twice shows twice on a page
        id={
            "type": ids.INSP_OBJECT,
            "target": target_key(row.target_type, row.target_id),
            "inspection": row.id,
        },
        className="btn btn-link btn-sm p-0 text-start insp-object",
        title=row.target_id,
    )


def task_link(task_id: str | None) -> Any:
    if not task_id:
        return ""
    return dcc.Link(task_id, href=f"/tasks?task={quote(task_id, safe='')}", className="insp-task")


def result_badge(passed: bool, lang: str) -> html.Span:
    return html.Span(
        t("insp.passed" if passed else "insp.failed", lang),
        className=f"badge {'text-bg-success' if passed else 'text-bg-danger'}",
    )


def inspection_row(
    row: queries.InspectionRow, names: dict[str, str], zone: ZoneInfo, lang: str
) -> html.Tr:
    failed = "—" if row.failed_items is None else f"{row.failed_items}/{row.items}"
    return html.Tr(
        [
            html.Td(
                html.Button(
                    f"{row.occurred_at.astimezone(zone):%Y-%m-%d %H:%M}",
                    id={"type": ids.INSP_OPEN, "inspection": row.id},
                    className="btn btn-link btn-sm p-0 insp-open",
                    title=row.id,
                ),
                className="text-nowrap",
            ),
            html.Td(names.get(row.district, row.district), className="text-nowrap"),
            html.Td(object_button(row, lang)),
            html.Td(t(f"inspection_kind.{row.kind}", lang), className="text-nowrap"),
            html.Td(result_badge(row.passed, lang)),
            html.Td(failed, className="text-end"),
            html.Td(row.inspector_id, className="small"),
            html.Td(task_link(row.task_id), className="small"),
        ],
        className="" if row.passed else "insp-failed",
        **{"data-inspection": row.id, "data-passed": str(row.passed).lower()},
    )


# --- the detail panel -----------------------------------------------------------------------------


@callback(
    Output(ids.INSP_SELECTED, "data"),
    Input({"type": ids.INSP_OPEN, "inspection": ALL}, "n_clicks"),
    Input({"type": ids.INSP_HISTORY_OPEN, "inspection": ALL}, "n_clicks"),
    Input({"type": ids.INSP_OBJECT, "target": ALL, "inspection": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def select(
    _opened: list[int | None], _in_history: list[int | None], _objects: list[int | None]
) -> Any:
    """A click on an inspection or its object picks what the panel shows (looked up in the
    user's scope there, never trusted)."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not (ctx.triggered and ctx.triggered[0].get("value")):
        return no_update  # the list was redrawn: its buttons came back unclicked
    if trigger.get("type") in (ids.INSP_OPEN, ids.INSP_HISTORY_OPEN):
        return {"inspection": str(trigger.get("inspection", ""))[:MAX_TEXT]}
    return {"target": str(trigger.get("target", ""))[: 2 * MAX_TEXT]}


@callback(Output(ids.INSP_DETAIL, "children"), Input(ids.INSP_SELECTED, "data"))
def show_detail(selected: Any) -> Any:
    lang = current_language()
    if not isinstance(selected, dict):
        return _pick(lang)
    if isinstance(selected.get("inspection"), str) and selected["inspection"]:
        return inspection_detail(selected["inspection"][:MAX_TEXT], lang)
    target = selected.get("target")
    if isinstance(target, str) and ":" in target:
        target_type, _, target_id = target.partition(":")
        return object_history(target_type, target_id[:MAX_TEXT], lang)
    return _pick(lang)


def _pick(lang: str) -> html.Div:
    return html.Div(t("insp.detail.pick", lang), className="text-secondary small")


def _not_found(lang: str) -> html.Div:
    return html.Div(t("insp.detail.not_found", lang), className="text-warning")


def inspection_detail(inspection_id: str, lang: str) -> Any:
    res = resources()
    detail = queries.inspection_detail(res.engine, current_scope(), inspection_id)
    if detail is None:
        return _not_found(lang)
    row, zone = detail.row, ZoneInfo(res.settings.time_zone)
    names = accounts.district_names(res.engine, lang)
    facts: list[tuple[str, Any]] = [
        ("insp.detail.when", f"{row.occurred_at.astimezone(zone):%Y-%m-%d %H:%M}"),
        ("insp.col.district", names.get(row.district, row.district)),
        ("insp.col.object", object_button(row, lang)),
        ("insp.col.kind", t(f"inspection_kind.{row.kind}", lang)),
        ("insp.col.result", result_badge(row.passed, lang)),
        ("insp.col.inspector", row.inspector_id),
        ("insp.detail.where", f"{detail.lat:.5f}, {detail.lon:.5f}"),
    ]
    if row.task_id:
        facts.append(("insp.detail.task", task_link(row.task_id)))
    return html.Div(
        [
            html.H3(t("insp.detail.inspection", lang).format(id=row.id), className="insp-detail-h"),
            html.Dl(
                [part for key, value in facts for part in (html.Dt(t(key, lang)), html.Dd(value))],
                className="insp-facts",
            ),
            html.H4(t("insp.detail.items", lang), className="insp-detail-sub"),
            item_table(detail.items, lang),
        ],
        **{"data-detail": "inspection", "data-inspection": row.id},
    )


def item_table(items: list[queries.ItemResult], lang: str) -> Any:
    if not items:
        return html.Div(t("insp.detail.no_items", lang), className="text-secondary small")
    head = html.Thead(
        html.Tr(
            [
                html.Th(t(key, lang))
                for key in ("insp.detail.item", "insp.col.result", "insp.detail.hazard")
            ]
        )
    )
    return html.Table(
        [head, html.Tbody([item_row(item, lang) for item in items])],
        className="table table-sm align-middle insp-items",
    )


def item_row(item: queries.ItemResult, lang: str) -> html.Tr:
    hazard: Any = ""
    if item.hazard is not None:
        hazard = dcc.Link(
            item.hazard.number or item.hazard.id,
            href=f"/hazard/{quote(item.hazard.id, safe='')}",
            className="insp-hazard",
        )
    elif not item.passed:
        hazard = html.Span(t("insp.detail.hazard_hidden", lang), className="text-secondary")
    what = [html.Div(item.item)]
    if item.note:
        what.append(html.Div(item.note, className="small text-secondary"))
    return html.Tr(
        [html.Td(what), html.Td(result_badge(item.passed, lang)), html.Td(hazard)],
        **{"data-passed": str(item.passed).lower()},
    )


def object_history(target_type: str, target_id: str, lang: str) -> Any:
    res = resources()
    history = queries.object_history(res.engine, current_scope(), target_type, target_id)
    if history is None:
        return _not_found(lang)
    zone = ZoneInfo(res.settings.time_zone)
    kind = t(f"target_type.{target_type}", lang) if target_type in queries.TARGET_TYPES else ""
    name = f"{kind} {history.name or target_id}".strip()
    count = t("insp.history.count", lang).format(n=f"{history.total:,}")
    if history.total > len(history.rows):
        count += " · " + t("insp.history.shown", lang).format(n=len(history.rows))
    return html.Div(
        [
            html.H3(t("insp.history.title", lang).format(name=name), className="insp-detail-h"),
            html.Div([count, " · ", target_id], className="small text-secondary mb-2"),
            history_table(history.rows, zone, lang)
            if history.rows
            else html.Div(t("insp.history.none", lang), className="text-secondary"),
        ],
        **{"data-detail": "history", "data-target": target_key(target_type, target_id)},
    )


def history_table(rows: list[queries.InspectionRow], zone: ZoneInfo, lang: str) -> html.Table:
    head = html.Thead(
        html.Tr(
            [
                html.Th(t(key, lang))
                for key in ("insp.col.time", "insp.col.kind", "insp.col.result", "insp.col.failed")
            ]
        )
    )
    body = [
        html.Tr(
            [
                html.Td(
                    html.Button(
                        f"{row.occurred_at.astimezone(zone):%Y-%m-%d %H:%M}",
                        id={"type": ids.INSP_HISTORY_OPEN, "inspection": row.id},
                        className="btn btn-link btn-sm p-0 insp-open",
                    ),
                    className="text-nowrap",
                ),
                html.Td(t(f"inspection_kind.{row.kind}", lang)),
                html.Td(result_badge(row.passed, lang)),
                html.Td("—" if row.failed_items is None else str(row.failed_items)),
            ],
            **{"data-inspection": row.id},
        )
        for row in rows
    ]
    return html.Table(
        [head, html.Tbody(body)], className="table table-sm align-middle insp-history"
    )


# --- exports --------------------------------------------------------------------------------------


@callback(
    Output(ids.INSP_DOWNLOAD, "data"),
    Output(ids.INSP_EXPORT_STATUS, "children"),
    Input(ids.INSP_COVERAGE_CSV, "n_clicks"),
    Input(ids.INSP_COVERAGE_XLSX, "n_clicks"),
    Input(ids.INSP_CSV, "n_clicks"),
    Input(ids.INSP_XLSX, "n_clicks"),
    State(ids.INSP_COVERAGE_LEVEL, "value"),
    *(State(control, "value") for control in CONTROLS),
    prevent_initial_call=True,
)
def export(*args: Any) -> Any:
    level, values = args[4], args[5:]
    trigger = ctx.triggered_id
    lang, res = current_language(), resources()
    zone = ZoneInfo(res.settings.time_zone)
    stamp = datetime.now(zone).strftime("%Y%m%d-%H%M%S")
    excel = trigger in (ids.INSP_COVERAGE_XLSX, ids.INSP_XLSX)
    suffix = "xlsx" if excel else "csv"
    if trigger in (ids.INSP_COVERAGE_CSV, ids.INSP_COVERAGE_XLSX):
        content = coverage_file(level, excel, lang)
        return dcc.send_bytes(content, f"inspection-coverage-{stamp}.{suffix}"), ""
    try:
        wanted = wanted_of(values, 1, zone)
    except BadDate as bad:
        return no_update, html.Span(
            t("insp.bad_date", lang).format(value=bad), className="text-danger"
        )
    rows = queries.inspection_rows(res.engine, current_scope(), wanted, EXPORT_CAP)
    cells = list_cells(rows, accounts.district_names(res.engine, lang), zone, lang)
    header = headers(LIST_KEYS, lang)
    content = (
        to_xlsx(t("page.inspections", lang), header, cells) if excel else to_csv(header, cells)
    )
    capped = len(rows) >= EXPORT_CAP
    said = html.Span(
        t("insp.exported_capped" if capped else "insp.exported", lang).format(n=f"{len(rows):,}"),
        className="text-warning" if capped else "text-success",
    )
    return dcc.send_bytes(content, f"inspections-{stamp}.{suffix}"), said


def coverage_file(level: Any, excel: bool, lang: str) -> bytes:
    """The coverage table as shown (its level), with the whole scope's line last."""
    level = level if level in queries.COVERAGE_LEVELS else "district"
    res, scope = resources(), current_scope()
    table = queries.quarter_coverage(res.engine, scope, level, _quarter_start())
    names = {**area_names(level, scope, lang), "all": t("insp.coverage.all", lang)}
    cells = coverage_cells([*table.rows, table.total], names)
    header = headers(COVERAGE_KEYS, lang)
    if excel:
        return to_xlsx(t("insp.sheet.coverage", lang), header, cells)
    return to_csv(header, cells)


# The URL follows the filters and the detail shown, without a reload (history.replaceState
# tells Dash nothing). Registered last: the server's callbacks of the same inputs come first.
clientside_callback(
    """function (query, selected) {
        if (typeof query !== "string" || window.location.pathname !== "/inspections") {
            return window.dash_clientside.no_update;
        }
        const params = new URLSearchParams(query);
        if (selected && selected.target) { params.set("target", selected.target); }
        else if (selected && selected.inspection) { params.set("inspection", selected.inspection); }
        const search = params.toString();
        const url = "/inspections" + (search ? "?" + search : "");
        if (url !== window.location.pathname + window.location.search) {
            window.history.replaceState(window.history.state, "", url);
        }
        return window.dash_clientside.no_update;
    }""",
    Output(ids.INSP_QUERY, "id"),
    Input(ids.INSP_QUERY, "data"),
    Input(ids.INSP_SELECTED, "data"),
    prevent_initial_call=True,
)
