"""The detention queue's behaviour: the page of detentions for the filters (the URL follows
them), the enterprise's notice, paging, the exports; the detain form (its enterprise from the
registry as the code changes); each row's step (recall, release, scrap) through its form. Every
action is a command; a refusal is said in the user's language."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.actors import who
from dashboard.auth import current_scope, current_user
from dashboard.detention_export import EXPORT_CAP, to_csv, to_xlsx
from dashboard.domain.detentions import is_late, steps_from, time_left
from dashboard.domain.policy import Action, allowed
from dashboard.domain.roles import Role
from dashboard.guard import page_callback
from dashboard.i18n import current_language, refusal_text, t
from dashboard.list_filters import page_after
from dashboard.notifier import error_in_words
from dashboard.resources import resources
from dashboard.url_sync import url_follows
from data_access import commands
from data_access.queries import accounts
from data_access.queries import detentions as queries
from data_access.queries.incident_view import actor_keys, actor_names_for
from pages.detentions import ALL as EVERY

callback = page_callback("detentions")

CONTROLS = (ids.DT_STATUS, ids.DT_ENTERPRISE, ids.DT_DISTRICT, ids.DT_LATE)
URL_NAMES = ("status", "enterprise", "district", "late")
# Which action each step is (for the buttons shown; the command decides).
STEP_ACTIONS = {
    "recall": Action.RECALL_CYLINDER,
    "release": Action.CLOSE_DETENTION,
    "scrap": Action.CLOSE_DETENTION,
}
STEP_BUTTONS = {"recall": ids.DT_RECALL, "release": ids.DT_RELEASE, "scrap": ids.DT_SCRAP}
STEP_COLORS = {"recall": "primary", "release": "success", "scrap": "danger"}


def wanted_of(values: tuple[Any, ...], page: int) -> queries.DetentionFilter:
    status, enterprise, district, late = (None if v == EVERY else v for v in values)
    return queries.DetentionFilter(
        status=status or None,
        enterprise_id=enterprise or None,
        district=district or None,
        late=bool(late),
        page=page,
    )


def query_string(values: tuple[Any, ...], page: int, code: str | None) -> str:
    """The filters as the URL shows them: only what differs from the defaults."""
    pairs = {}
    for name, value in zip(URL_NAMES, values, strict=True):
        if name == "late":
            value = "1" if value else ""
        if name == "status" and value == queries.OPEN:
            continue
        if value not in (None, "", EVERY) or (name == "status" and value == EVERY):
            pairs[name] = value
    if page > 1:
        pairs["page"] = str(page)
    if code:
        pairs["code"] = code
    return urlencode(pairs)


@callback(
    Output(ids.DT_LIST, "children"),
    Output(ids.DT_COUNTS, "children"),
    Output(ids.DT_NOTICE, "children"),
    Output(ids.DT_PAGE_LABEL, "children"),
    Output(ids.DT_PREV, "disabled"),
    Output(ids.DT_NEXT, "disabled"),
    Output(ids.DT_PAGE, "data"),
    Output(ids.DT_QUERY, "data"),
    *(Input(control, "value") for control in CONTROLS),
    Input(ids.DT_PREV, "n_clicks"),
    Input(ids.DT_NEXT, "n_clicks"),
    Input(ids.DT_REFRESH, "n_intervals"),
    Input(ids.DT_TICK, "data"),
    State(ids.DT_PAGE, "data"),
    State(ids.DT_CODE, "value"),
)
def show_queue(*args: Any) -> Any:
    values, page, code = args[: len(CONTROLS)], args[-2], args[-1]
    lang, res, user, scope = current_language(), resources(), current_user(), current_scope()
    assert user is not None  # the page guard answered otherwise
    zone = ZoneInfo(res.settings.time_zone)
    page = page_after(
        ctx.triggered_id,
        page if isinstance(page, int) else 1,
        ids.DT_PREV,
        ids.DT_NEXT,
        stay=(ids.DT_REFRESH, ids.DT_TICK),
    )
    now = datetime.now(UTC)
    board = queries.detention_board(res.engine, scope, wanted_of(values, page), now)
    names = accounts.district_names(res.engine, lang)
    people = actor_names_for(res.engine, actor_keys(row.detained_by for row in board.rows))
    steps = {step for step, action in STEP_ACTIONS.items() if allowed(user, action)}
    label = t("dt.page", lang).format(page=board.page, pages=board.pages)
    return (
        detention_table(board.rows, names, people, zone, now, lang, steps),
        status_counts(board, lang),
        enterprise_notice(user.role, lang, now),
        [t("dt.total", lang).format(n=f"{board.total:,}"), " · ", label],
        board.page <= 1,
        board.page >= board.pages,
        board.page,
        query_string(values, board.page, code if isinstance(code, str) else None),
    )


url_follows("/detentions", ids.DT_QUERY)


def enterprise_notice(role: Role, lang: str, now: datetime) -> Any:
    """An enterprise is told what awaits its recall, and sees the detention notices the
    notifier delivered to it, or failed to (its in-app view of them: enterprises have no
    notification centre)."""
    if role is not Role.ENTERPRISE:
        return None
    res = resources()
    told = queries.notice_outcomes(res.engine, current_scope())
    return [
        awaiting_banner(lang, now),
        notices_told(told, ZoneInfo(res.settings.time_zone), lang),
    ]


def notices_told(told: list[queries.NoticeOutcome], zone: ZoneInfo, lang: str) -> Any:
    """Each channel's outcome of the newest notices: when, which cylinder, why, delivered or
    failed (with the failure in the user's language)."""
    if not told:
        return None
    items = []
    for notice in told:
        ok = notice.outcome == "delivered"
        line: list[Any] = [
            html.Span(f"{notice.at.astimezone(zone):%m-%d %H:%M}", className="text-muted me-2"),
            html.Span(notice.code, className="me-2 font-monospace"),
            html.Span(t(f"dt.told.reason.{notice.reason}", lang), className="me-2"),
            html.Span(t(f"notify.channel.{notice.channel}", lang), className="me-2"),
            html.Span(
                t(f"notify.outcome.{notice.outcome}", lang),
                className=f"badge {'text-bg-success' if ok else 'text-bg-danger'}",
            ),
        ]
        if not ok:
            words, detail = error_in_words(notice.error or "", lang)
            attempts = t("dt.told.attempts", lang).format(n=notice.attempts)
            why = " · ".join(part for part in (words, detail, attempts) if part)
            line.append(html.Span(why, className="ms-2 small text-danger"))
        items.append(html.Li(line, **{"data-outcome": notice.outcome}))
    return html.Div(
        [html.Div(t("dt.told", lang), className="fw-semibold small mb-1"), html.Ul(items)],
        className="dt-told small mb-2",
    )


def awaiting_banner(lang: str, now: datetime) -> html.Div:
    """What awaits the enterprise's recall, late ones first in the words."""
    waiting, late = queries.awaiting_recall(resources().engine, current_scope(), now)
    if not waiting:
        return html.Div(t("dt.notice_none", lang), className="alert alert-success py-2 dt-notice")
    return html.Div(
        [
            html.I(className="bi bi-bell-fill me-2"),
            t("dt.notice" if late else "dt.notice.in_time", lang).format(n=waiting, late=late),
        ],
        className=f"alert {'alert-danger' if late else 'alert-warning'} py-2 dt-notice",
        role="alert",
        **{"data-waiting": str(waiting), "data-late": str(late)},
    )


def status_counts(board: queries.DetentionBoard, lang: str) -> list[html.Span]:
    chips = [
        html.Span(
            [t(f"dt_status.{status}", lang), html.B(f"{count:,}", className="ms-1")],
            className=f"dt-chip dt-status-{status}",
            **{"data-status": status, "data-count": str(count)},
        )
        for status, count in board.by_status.items()
    ]
    chips.append(
        html.Span(
            t("dt.late_count", lang).format(n=f"{board.late:,}"),
            className="dt-chip dt-chip-late" if board.late else "dt-chip",
            **{"data-status": "late", "data-count": str(board.late)},
        )
    )
    return chips


COLUMNS = (
    "dt.col.code",
    "dt.col.enterprise",
    "dt.col.district",
    "dt.col.reason",
    "dt.col.detained",
    "dt.col.recall_by",
    "dt.col.left",
    "dt.col.status",
    "dt.col.site",
    "dt.col.actions",
)


def detention_table(
    rows: list[queries.DetentionRow],
    names: dict[str, str],
    people: dict[str, str],
    zone: ZoneInfo,
    now: datetime,
    lang: str,
    steps: set[str],
) -> Any:
    if not rows:
        return html.Div(t("dt.none", lang), className="text-secondary py-3")
    head = html.Thead(html.Tr([html.Th(t(key, lang)) for key in COLUMNS]))
    body = html.Tbody([detention_row(row, names, people, zone, now, lang, steps) for row in rows])
    return html.Div(
        html.Table([head, body], className="table table-sm table-hover align-middle dt-table"),
        className="table-responsive",
    )


def detention_row(
    row: queries.DetentionRow,
    names: dict[str, str],
    people: dict[str, str],
    zone: ZoneInfo,
    now: datetime,
    lang: str,
    steps: set[str],
) -> html.Tr:
    late = is_late(row.status, row.recall_by, now)
    district = names.get(row.district or "", row.district or "—")
    return html.Tr(
        [
            html.Td(
                dcc.Link(row.code, href=f"/cylinder/{quote(row.code, safe='')}"),
                className="text-nowrap dt-code",
            ),
            html.Td(row.enterprise, className="dt-enterprise"),
            html.Td(district, className="text-nowrap"),
            html.Td(row.reason, className="dt-reason"),
            html.Td(
                [
                    f"{row.detained_at.astimezone(zone):%Y-%m-%d %H:%M}",
                    html.Div(who(row.detained_by, lang, people), className="dt-by"),
                ],
                className="text-nowrap",
            ),
            html.Td(row.recall_by.isoformat(), className="text-nowrap"),
            html.Td(left_cell(row, zone, now, lang), className="text-nowrap dt-left"),
            html.Td(status_badges(row, late, lang), className="text-nowrap"),
            html.Td(row.recalled_site or "—", className="dt-site"),
            html.Td(step_buttons(row, steps, lang), className="text-nowrap"),
        ],
        className="dt-late" if late else "",
        **{
            "data-detention": row.id,
            "data-code": row.code,
            "data-status": row.status,
            "data-late": str(late).lower(),
            "data-escalated": str(row.escalated_at is not None).lower(),
        },
    )


def left_cell(row: queries.DetentionRow, zone: ZoneInfo, now: datetime, lang: str) -> str:
    if row.closed_at is not None:
        return t("dt.closed_on", lang).format(when=f"{row.closed_at.astimezone(zone):%m-%d}")
    if row.recalled_at is not None:
        return t("dt.recalled_on", lang).format(when=f"{row.recalled_at.astimezone(zone):%m-%d}")
    gap = time_left(row.recall_by, now)
    seconds = abs(gap.total_seconds())
    words = (
        t("dt.days", lang).format(n=int(seconds // 86400))
        if seconds >= 86400
        else t("dt.hours", lang).format(n=int(seconds // 3600))
    )
    return t("dt.left" if gap.total_seconds() >= 0 else "dt.late_by", lang).format(t=words)


def status_badges(row: queries.DetentionRow, late: bool, lang: str) -> list[html.Span]:
    badges = [
        html.Span(t(f"dt_status.{row.status}", lang), className=f"dt-status dt-status-{row.status}")
    ]
    if late:
        badges.append(html.Span(t("dt.late", lang), className="dt-late-badge ms-1"))
    if row.escalated_at is not None:
        badges.append(
            html.Span(
                [html.I(className="bi bi-megaphone-fill me-1"), t("dt.escalated", lang)],
                className="dt-escalated ms-1",
            )
        )
    return badges


def step_buttons(row: queries.DetentionRow, steps: set[str], lang: str) -> list[Any]:
    buttons: list[Any] = [
        _button(
            t(f"dt.step.{step}", lang),
            {"type": ids.DT_OPEN, "detention": row.id, "step": step},
            STEP_COLORS[step],
        )
        for step in steps_from(row.status)
        if step in steps
    ]
    if not buttons and row.status in ("detained", "recalled"):  # whose move it is
        waiting = "dt.waiting.enterprise" if row.status == "detained" else "dt.waiting.office"
        buttons.append(html.Span(t(waiting, lang), className="small text-secondary"))
    return buttons


def _button(label: str, component_id: dict[str, str], color: str) -> html.Button:
    return html.Button(
        label, id=component_id, className=f"btn btn-sm btn-outline-{color} me-1", n_clicks=0
    )


# --- the detain form ----------------------------------------------------------------------------


@callback(
    Output(ids.DT_OWNER, "children"),
    Output(ids.DT_REASON, "value"),
    Input(ids.DT_CODE, "value"),
    State(ids.DT_REASON, "value"),
)
def show_owner(code: str | None, reason: str | None) -> Any:
    """The enterprise that answers for the cylinder (from the registry, never typed in) and its
    open findings, which also propose the reason."""
    code = (code or "").strip()
    if not code:
        return None, no_update
    lang, res, scope = current_language(), resources(), current_scope()
    owner = queries.cylinder_owner(res.engine, scope, code)
    if owner is None:
        said = t("dt.detain.unknown", lang).format(code=code)
        return html.Div(said, className="text-warning small"), no_update
    names = accounts.district_names(res.engine, lang)
    name = owner.enterprise_name
    if not owner.registered:
        name = t("dt.detain.unregistered", lang).format(name=name)
    found = queries.open_findings(res.engine, scope, code)
    kinds = [t(f"finding.{kind}", lang) for kind, _ in found]
    open_id = queries.open_detention_id(res.engine, scope, code)
    facts: list[Any] = [
        html.Div(t("dt.detain.enterprise", lang), className="small text-secondary"),
        html.Div(name, className="fw-semibold dt-owner-name"),
        html.Div(names.get(owner.district or "", owner.district or ""), className="small"),
        html.Div(
            [
                html.Span(t("dt.detain.findings", lang) + "：", className="text-secondary"),
                "、".join(dict.fromkeys(kinds)) or t("dt.detain.no_findings", lang),
            ],
            className="small",
        ),
    ]
    if open_id is not None:
        facts.append(
            html.Div(t("dt.detain.open", lang) + t("dt_status.detained", lang),
                     className="small text-danger")
        )  # fmt: skip
    proposed = "；".join(dict.fromkeys(kinds)) if kinds and not (reason or "").strip() else None
    return facts, proposed if proposed else no_update


@callback(
    Output(ids.DT_DETAIN_FEEDBACK, "children"),
    Output(ids.DT_TICK, "data"),
    Input(ids.DT_DETAIN, "n_clicks"),
    State(ids.DT_CODE, "value"),
    State(ids.DT_REASON, "value"),
    State(ids.DT_RECALL_BY, "value"),
    State(ids.DT_TICK, "data"),
    prevent_initial_call=True,
)
def detain(
    clicks: int | None, code: str | None, reason: str | None, recall_by: str | None, tick: Any
) -> Any:
    if not clicks:
        raise PreventUpdate
    lang, res, user = current_language(), resources(), current_user()
    assert user is not None  # the page guard answered otherwise
    day = _day(recall_by)
    if recall_by and day is None:
        return _alert(t("dt.detain.bad_date", lang), "danger"), no_update
    code = (code or "").strip()
    result = commands.detain_cylinder(res.engine, user, code, reason=reason, recall_by=day)
    if isinstance(result, commands.Refused):
        return _alert(refusal_text(result, lang), "danger"), no_update
    return _alert(t("dt.done.detain", lang).format(code=code), "success"), _bump(tick)


# --- a row's step -------------------------------------------------------------------------------


@callback(
    Output(ids.DT_MODAL, "is_open"),
    Output(ids.DT_MODAL_TITLE, "children"),
    Output(ids.DT_SITE_ROW, "style"),
    Output(ids.DT_SITE, "options"),
    Output(ids.DT_SITE, "value"),
    Output(ids.DT_NOTE, "value"),
    Output(ids.DT_NOTE_LABEL, "children"),
    Output(ids.DT_MODAL_ACTIONS, "children"),
    Input({"type": ids.DT_OPEN, "detention": ALL, "step": ALL}, "n_clicks"),
    Input(ids.DT_MODAL_CANCEL, "n_clicks"),
    prevent_initial_call=True,
)
def open_step(clicks: list[int | None], _cancel: int | None) -> Any:
    """The form of the step a row's button asks for: for a recall, the enterprise's own sites."""
    trigger = ctx.triggered_id
    closed = (False, *(no_update,) * 7)
    if trigger == ids.DT_MODAL_CANCEL:
        return closed
    if not isinstance(trigger, dict) or not any(clicks):
        raise PreventUpdate
    lang, res, scope = current_language(), resources(), current_scope()
    step = str(trigger.get("step"))
    if step not in STEP_BUTTONS:
        raise PreventUpdate
    row = queries.detention(res.engine, scope, str(trigger.get("detention")))
    if row is None:
        return closed
    sites = []
    if step == "recall":
        own = queries.own_sites(res.engine, scope, row.enterprise_id)
        sites = [{"label": name, "value": site_id} for site_id, name in own]
    confirm = html.Button(
        [html.I(className="bi bi-check2 me-1"), t(f"dt.step.{step}", lang)],
        id={"type": STEP_BUTTONS[step], step: row.id},
        className=f"btn btn-sm btn-{STEP_COLORS[step]}",
        n_clicks=0,
    )
    return (
        True,
        t(f"dt.step.title.{step}", lang).format(code=row.code),
        {} if step == "recall" else {"display": "none"},
        sites,
        sites[0]["value"] if len(sites) == 1 else "",  # the one site, else the user picks
        "",
        t("dt.note.scrap" if step == "scrap" else "dt.note", lang),
        confirm,
    )


def _step_done(result: Any, step: str, lang: str, tick: Any) -> Any:
    """(feedback, tick, modal open): a refusal keeps the form open to correct it."""
    if isinstance(result, commands.Refused):
        return _alert(refusal_text(result, lang), "danger"), no_update, True
    return _alert(t(f"dt.done.{step}", lang), "success"), _bump(tick), False


def _clicked(clicks: list[int | None], key: str) -> str:
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks):
        raise PreventUpdate
    return str(trigger.get(key))


STEP_OUTPUTS = (
    Output(ids.DT_ACTION_FEEDBACK, "children"),
    Output(ids.DT_TICK, "data", allow_duplicate=True),
    Output(ids.DT_MODAL, "is_open", allow_duplicate=True),
)


@callback(
    *STEP_OUTPUTS,
    Input({"type": ids.DT_RECALL, "recall": ALL}, "n_clicks"),
    State(ids.DT_SITE, "value"),
    State(ids.DT_NOTE, "value"),
    State(ids.DT_TICK, "data"),
    prevent_initial_call=True,
)
def recall(clicks: list[int | None], site: str | None, note: str | None, tick: Any) -> Any:
    detention_id = _clicked(clicks, "recall")
    lang, res, user = current_language(), resources(), current_user()
    assert user is not None  # the page guard answered otherwise
    result = commands.record_recall(res.engine, user, detention_id, site or "", note=note)
    return _step_done(result, "recall", lang, tick)


@callback(
    *STEP_OUTPUTS,
    Input({"type": ids.DT_RELEASE, "release": ALL}, "n_clicks"),
    State(ids.DT_NOTE, "value"),
    State(ids.DT_TICK, "data"),
    prevent_initial_call=True,
)
def release(clicks: list[int | None], note: str | None, tick: Any) -> Any:
    detention_id = _clicked(clicks, "release")
    lang, res, user = current_language(), resources(), current_user()
    assert user is not None  # the page guard answered otherwise
    result = commands.release_cylinder(res.engine, user, detention_id, note=note)
    return _step_done(result, "release", lang, tick)


@callback(
    *STEP_OUTPUTS,
    Input({"type": ids.DT_SCRAP, "scrap": ALL}, "n_clicks"),
    State(ids.DT_NOTE, "value"),
    State(ids.DT_TICK, "data"),
    prevent_initial_call=True,
)
def scrap(clicks: list[int | None], note: str | None, tick: Any) -> Any:
    detention_id = _clicked(clicks, "scrap")
    lang, res, user = current_language(), resources(), current_user()
    assert user is not None  # the page guard answered otherwise
    result = commands.scrap_cylinder(res.engine, user, detention_id, note=note)
    return _step_done(result, "scrap", lang, tick)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _bump(tick: Any) -> int:
    return (tick if isinstance(tick, int) else 0) + 1


def _alert(text: str, color: str) -> html.Div:
    return html.Div(text, className=f"alert alert-{color} py-2 dt-alert", role="alert")


# --- the exports -------------------------------------------------------------------------------


@callback(
    Output(ids.DT_DOWNLOAD, "data"),
    Output(ids.DT_EXPORT_STATUS, "children"),
    Input(ids.DT_CSV, "n_clicks"),
    Input(ids.DT_XLSX, "n_clicks"),
    *(State(control, "value") for control in CONTROLS),
    running=[
        (Output(ids.DT_CSV, "disabled"), True, False),
        (Output(ids.DT_XLSX, "disabled"), True, False),
    ],
    prevent_initial_call=True,
)
def export(_csv: object, _xlsx: object, *values: Any) -> Any:
    lang, res = current_language(), resources()
    zone = ZoneInfo(res.settings.time_zone)
    now = datetime.now(UTC)
    rows = queries.detention_rows(
        res.engine, current_scope(), wanted_of(values, 1), now, EXPORT_CAP
    )
    excel = ctx.triggered_id == ids.DT_XLSX
    content = (to_xlsx if excel else to_csv)(
        rows, accounts.district_names(res.engine, lang), zone, now, lang
    )
    stamp = datetime.now(zone).strftime("%Y%m%d-%H%M%S")
    capped = len(rows) >= EXPORT_CAP
    said = html.Span(
        t("dt.exported_capped" if capped else "dt.exported", lang).format(n=f"{len(rows):,}"),
        className="text-warning" if capped else "text-success",
    )
    return dcc.send_bytes(content, f"detentions-{stamp}.{'xlsx' if excel else 'csv'}"), said
