"""The problem cylinders' behaviour (pages/cylinders.py): the page of findings for the filters
(the URL follows them), the counts per kind, paging, today's stage funnel, the chain
completeness for the period, and the exports to CSV and Excel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from dash import Input, Output, State, ctx, dcc, html, no_update

from callbacks.cylinder import resolution_text
from callbacks.one_map_detail import finding_text
from dashboard import ids
from dashboard.auth import current_scope
from dashboard.cylinder_export import EXPORT_CAP, to_csv, to_xlsx
from dashboard.domain.cylinders import COMPLETENESS_PERIOD, PROBLEM_KINDS, STAGES
from dashboard.guard import page_callback
from dashboard.i18n import current_language, t
from dashboard.list_filters import BadDate, day_start, page_after
from dashboard.resources import resources
from dashboard.url_sync import url_follows
from data_access.queries import accounts
from data_access.queries import problem_cylinders as queries
from pages.cylinders import ALL

callback = page_callback("cylinders")

CONTROLS = (
    ids.CP_KIND,
    ids.CP_ENTERPRISE,
    ids.CP_DISTRICT,
    ids.CP_STATUS,
    ids.CP_SINCE,
    ids.CP_UNTIL,
)
URL_NAMES = ("kind", "enterprise", "district", "status", "since", "until")


def wanted_of(values: tuple[Any, ...], page: int, zone: ZoneInfo) -> queries.ProblemFilter:
    """The list's filter from the controls' values (in CONTROLS' order)."""
    kind, enterprise, district, status, since, until = values
    return queries.ProblemFilter(
        kind=kind if kind in PROBLEM_KINDS else None,
        enterprise_id=enterprise or None,
        district=None if district in (None, "", ALL) else district,
        status=None if status == ALL else (status or queries.OPEN),
        since=day_start(since, zone),
        until=day_start(until, zone, next_day=True),
        page=page,
    )


def query_string(values: tuple[Any, ...], page: int) -> str:
    """The filters as the URL shows them: only what differs from the defaults."""
    pairs = {}
    for name, value in zip(URL_NAMES, values, strict=True):
        if name == "status" and value == queries.OPEN:
            continue
        if value not in (None, "") and (value != ALL or name == "status"):
            pairs[name] = value
    if page > 1:
        pairs["page"] = str(page)
    return urlencode(pairs)


def period_of(
    wanted: queries.ProblemFilter, zone: ZoneInfo, now: datetime
) -> tuple[datetime, datetime]:
    """The completeness's period: the filters' dates, else the last COMPLETENESS_PERIOD."""
    tomorrow = day_start((now.astimezone(zone) + timedelta(days=1)).date().isoformat(), zone)
    assert tomorrow is not None
    until = wanted.until or tomorrow
    since = wanted.since or until - COMPLETENESS_PERIOD
    return since, until


@callback(
    Output(ids.CP_LIST, "children"),
    Output(ids.CP_KINDS, "children"),
    Output(ids.CP_PAGE_LABEL, "children"),
    Output(ids.CP_PREV, "disabled"),
    Output(ids.CP_NEXT, "disabled"),
    Output(ids.CP_PAGE, "data"),
    Output(ids.CP_QUERY, "data"),
    Output(ids.CP_COMPLETENESS, "children"),
    *(Input(control, "value") for control in CONTROLS),
    Input(ids.CP_PREV, "n_clicks"),
    Input(ids.CP_NEXT, "n_clicks"),
    Input(ids.CP_REFRESH, "n_intervals"),
    State(ids.CP_PAGE, "data"),
)
def show_list(*args: Any) -> Any:
    values, page = args[: len(CONTROLS)], args[-1]
    lang, res = current_language(), resources()
    zone = ZoneInfo(res.settings.time_zone)
    page = page_after(
        ctx.triggered_id,
        page if isinstance(page, int) else 1,
        ids.CP_PREV,
        ids.CP_NEXT,
        stay=(ids.CP_REFRESH,),
    )
    try:
        wanted = wanted_of(values, page, zone)
    except BadDate as bad:
        message = html.Div(t("cp.bad_date", lang).format(value=bad), className="text-danger")
        return message, no_update, "", True, True, no_update, no_update, no_update
    scope = current_scope()
    found = queries.problem_list(res.engine, scope, wanted)
    names = accounts.district_names(res.engine, lang)
    since, until = period_of(wanted, zone, datetime.now(UTC))
    completeness = queries.chain_completeness(res.engine, scope, since, until)
    label = t("cp.page", lang).format(page=found.page, pages=found.pages)
    return (
        problem_table(found.rows, names, zone, lang),
        kind_counts(found, lang),
        [t("cp.total", lang).format(n=f"{found.total:,}"), " · ", label],
        found.page <= 1,
        found.page >= found.pages,
        found.page,
        query_string(values, found.page),
        completeness_card(completeness, since, until, zone, lang),
    )


url_follows("/cylinders", ids.CP_QUERY)


def kind_counts(found: queries.ProblemList, lang: str) -> list[html.Span]:
    return [
        html.Span(
            [t(f"finding.{kind}", lang), html.B(f"{count:,}", className="ms-1")],
            className=f"hz-chip cp-kind-{kind}",
            **{"data-kind": kind, "data-count": str(count)},
        )
        for kind, count in found.by_kind.items()
    ]


COLUMNS = (
    "cp.col.code",
    "cp.col.kind",
    "cp.col.detail",
    "cp.col.enterprise",
    "cp.col.district",
    "cp.col.found",
    "cp.col.status",
)


def problem_table(
    rows: list[queries.ProblemRow], names: dict[str, str], zone: ZoneInfo, lang: str
) -> Any:
    if not rows:
        return html.Div(t("cp.none", lang), className="text-secondary py-3")
    head = html.Thead(html.Tr([html.Th(t(key, lang)) for key in COLUMNS]))
    body = html.Tbody([problem_row(row, names, zone, lang) for row in rows])
    return html.Div(
        html.Table([head, body], className="table table-sm table-hover align-middle cp-table"),
        className="table-responsive",
    )


def problem_row(row: queries.ProblemRow, names: dict[str, str], zone: ZoneInfo, lang: str) -> Any:
    if row.resolved:
        when = f"{row.resolved_at.astimezone(zone):%m-%d %H:%M}" if row.resolved_at else "—"
        status: Any = html.Span(
            t("ct.finding.resolved", lang).format(
                when=when, how=resolution_text(row.resolution, lang)
            ),
            className="cyl-resolved small",
        )
    else:
        status = html.Span(t("ct.finding.open", lang), className="cyl-late")
    return html.Tr(
        [
            html.Td(
                dcc.Link(row.code, href=f"/cylinder/{quote(row.code, safe='')}"),
                className="text-nowrap cp-code",
            ),
            html.Td(t(f"finding.{row.kind}", lang), className="text-nowrap"),
            html.Td(finding_text(row.detail, lang), className="cp-detail"),
            html.Td(row.enterprise or row.enterprise_id or "—", className="cp-enterprise"),
            html.Td(names.get(row.district or "", row.district or "—"), className="text-nowrap"),
            html.Td(f"{row.occurred_at.astimezone(zone):%Y-%m-%d %H:%M}", className="text-nowrap"),
            html.Td(status),
        ],
        **{
            "data-finding": str(row.id),
            "data-kind": row.kind,
            "data-code": row.code,
            "data-resolved": str(row.resolved).lower(),
        },
    )


@callback(
    Output(ids.CP_FUNNEL, "children"),
    Input(ids.CP_REFRESH, "n_intervals"),
)
def show_funnel(_tick: object) -> Any:
    lang, res = current_language(), resources()
    zone = ZoneInfo(res.settings.time_zone)
    today = day_start(datetime.now(zone).date().isoformat(), zone)
    assert today is not None
    funnel = queries.stage_funnel(res.engine, current_scope(), today)
    names = accounts.district_names(res.engine, lang)
    sections = [
        ("cp.funnel.district", funnel.by_district, names),
        ("cp.funnel.enterprise", funnel.by_enterprise, funnel.enterprise_names),
    ]
    body: list[Any] = []
    for key, counts, labels in sections:
        if counts:
            body += [
                html.H3(t(key, lang), className="cp-subtitle"),
                funnel_table(counts, labels, lang),
            ]
    if not body:
        body = [html.Div(t("cp.funnel.none", lang), className="text-secondary")]
    return _card("cp.funnel", body, lang, "cp-funnel")


def funnel_table(counts: dict[str, dict[str, int]], labels: dict[str, str], lang: str) -> Any:
    head = html.Thead(html.Tr([html.Th("")] + [html.Th(t(f"stage.{s}", lang)) for s in STAGES]))
    totals = {stage: sum(row[stage] for row in counts.values()) for stage in STAGES}
    rows = [
        html.Tr(
            [html.Th(labels.get(key, key), className="cp-name")]
            + [html.Td(f"{row[stage]:,}", className="text-end") for stage in STAGES],
            **{"data-key": key},
        )
        for key, row in counts.items()
    ]
    if len(rows) > 1:
        rows.append(
            html.Tr(
                [html.Th(t("cp.col.total", lang))]
                + [html.Td(html.B(f"{totals[stage]:,}"), className="text-end") for stage in STAGES],
                className="cp-total",
            )
        )
    return html.Div(
        html.Table([head, html.Tbody(rows)], className="table table-sm cp-funnel-table"),
        className="table-responsive",
    )


def completeness_card(
    rows: list[queries.Completeness], since: datetime, until: datetime, zone: ZoneInfo, lang: str
) -> Any:
    period = t("cp.period", lang).format(
        since=f"{since.astimezone(zone):%Y-%m-%d}",
        until=f"{(until - timedelta(seconds=1)).astimezone(zone):%Y-%m-%d}",
    )
    notes = [
        html.Div(period, className="small"),
        html.Div(t("cp.completeness.note", lang), className="small text-secondary mb-2"),
    ]
    if not rows:
        return _card(
            "cp.completeness",
            [*notes, html.Div(t("cp.completeness.none", lang))],
            lang,
            "cp-completeness",
        )
    keys = (
        "cp.col.enterprise",
        "cp.col.deliveries",
        "cp.col.real_name",
        "cp.col.photos",
        "cp.col.complete",
        "cp.col.share",
    )
    head = html.Thead(html.Tr([html.Th(t(key, lang)) for key in keys]))
    body = html.Tbody([completeness_row(row) for row in rows])
    table = html.Div(
        html.Table([head, body], className="table table-sm cp-completeness-table"),
        className="table-responsive",
    )
    return _card("cp.completeness", [*notes, table], lang, "cp-completeness")


def completeness_row(row: queries.Completeness) -> html.Tr:
    share = row.share
    level = "low" if share is not None and share < 0.8 else "ok"
    return html.Tr(
        [
            html.Td(row.enterprise, className="cp-name"),
            html.Td(f"{row.deliveries:,}", className="text-end"),
            html.Td(f"{row.sold_real_name:,}", className="text-end"),
            html.Td(f"{row.checked_photos:,}", className="text-end"),
            html.Td(f"{row.complete:,}", className="text-end"),
            html.Td(
                "—" if share is None else f"{share * 100:.1f} %",
                className=f"text-end cp-share cp-share-{level}",
            ),
        ],
        **{
            "data-enterprise": row.enterprise_id,
            "data-share": "" if share is None else f"{share:.4f}",
        },
    )


def _card(title_key: str, body: list[Any], lang: str, class_name: str) -> Any:
    return html.Div(
        [html.H2(t(title_key, lang), className="cp-card-title"), *body],
        className=f"cp-card {class_name}",
    )


@callback(
    Output(ids.CP_DOWNLOAD, "data"),
    Output(ids.CP_EXPORT_STATUS, "children"),
    Input(ids.CP_CSV, "n_clicks"),
    Input(ids.CP_XLSX, "n_clicks"),
    *(State(control, "value") for control in CONTROLS),
    running=[
        (Output(ids.CP_CSV, "disabled"), True, False),
        (Output(ids.CP_XLSX, "disabled"), True, False),
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
            t("cp.bad_date", lang).format(value=bad), className="text-danger"
        )
    rows = queries.problem_rows(res.engine, current_scope(), wanted, EXPORT_CAP)
    excel = ctx.triggered_id == ids.CP_XLSX
    names = accounts.district_names(res.engine, lang)
    content = (to_xlsx if excel else to_csv)(rows, names, zone, lang, finding_text)
    stamp = datetime.now(zone).strftime("%Y%m%d-%H%M%S")
    capped = len(rows) >= EXPORT_CAP
    said = html.Span(
        t("cp.exported_capped" if capped else "cp.exported", lang).format(n=f"{len(rows):,}"),
        className="text-warning" if capped else "text-success",
    )
    return dcc.send_bytes(content, f"problem-cylinders-{stamp}.{'xlsx' if excel else 'csv'}"), said
