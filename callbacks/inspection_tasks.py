"""The inspection tasks page's behaviour: issuing a task, the list with its filters (the URL
follows them), completing and withdrawing a task, a task's objects with the comparison, and the
exports, all through the task commands and queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.auth import current_scope, current_user
from dashboard.domain.roles import User
from dashboard.domain.tasks import (
    BUILTIN,
    TARGET_TYPES,
    VERDICTS,
    checklist_words,
    is_open,
    may_complete,
    may_withdraw,
)
from dashboard.guard import page_callback
from dashboard.i18n import current_language, refusal_text, t
from dashboard.resources import resources
from dashboard.task_export import objects_to_csv, objects_to_xlsx, tasks_to_csv, tasks_to_xlsx
from data_access import commands
from data_access.queries import accounts
from data_access.queries import inspection_tasks as queries
from pages.inspection_tasks import ALL as EVERY

callback = page_callback("inspection_tasks")
SHOWN_OBJECTS = 300  # the detail's table; the export holds them all


def _zone() -> ZoneInfo:
    return ZoneInfo(resources().settings.time_zone)


def _end_of_day(value: str | None, zone: ZoneInfo) -> datetime | None:
    """A date input's day, due at its end in the city's time zone (None: none or not a date)."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    if day is None:
        return None
    end = datetime.combine(day + timedelta(days=1), time(), zone) - timedelta(seconds=1)
    return end.astimezone(UTC)


def _alert(text: str, color: str) -> html.Div:
    return html.Div(text, className=f"alert alert-{color} py-2 mb-0 tk-alert", role="alert")


# --- issuing --------------------------------------------------------------------------------


@callback(
    Output(ids.TK_FORM_TYPES_HINT, "children"),
    Output(ids.TK_FORM_TYPES, "options"),
    Input(ids.TK_FORM_CHECKLIST, "value"),
)
def campaign_hint(checklist_id: str | None) -> Any:
    """A campaign's checklist sets the objects itself: the form says so."""
    lang = current_language()
    builtin = BUILTIN.get(checklist_id or "")
    campaign = builtin is not None and builtin.targets is not None
    options = [
        {"label": t(f"tk.target.{kind}", lang), "value": kind, "disabled": campaign}
        for kind in TARGET_TYPES
    ]
    return (t("tk.form.types_campaign", lang) if campaign else ""), options


@callback(
    Output(ids.TK_FORM_FEEDBACK, "children"),
    Output(ids.TK_TICK, "data"),
    Input(ids.TK_FORM_ISSUE, "n_clicks"),
    State(ids.TK_FORM_TITLE, "value"),
    State(ids.TK_FORM_CHECKLIST, "value"),
    State(ids.TK_FORM_DISTRICTS, "value"),
    State(ids.TK_FORM_TYPES, "value"),
    State(ids.TK_FORM_DEADLINE, "value"),
    State(ids.TK_FORM_NOTE, "value"),
    State(ids.TK_TICK, "data"),
    prevent_initial_call=True,
)
def issue(
    clicks: int | None,
    title: str | None,
    checklist_id: str | None,
    districts: list[str] | str | None,
    target_types: list[str] | None,
    deadline: str | None,
    note: str | None,
    tick: int | None,
) -> Any:
    if not clicks:
        raise PreventUpdate
    lang, res, user = current_language(), resources(), current_user()
    assert user is not None  # the page guard answered otherwise
    picked = [districts] if isinstance(districts, str) else list(districts or [])
    result = commands.issue_task(
        res.engine,
        user,
        title=title or "",
        checklist_id=checklist_id or "",
        districts=picked,
        target_types=list(target_types or []),
        deadline=_end_of_day(deadline, _zone()),
        note=note,
    )
    if isinstance(result, commands.Refused):
        return _alert(refusal_text(result, lang), "danger"), no_update
    issued = len(result.subject.split(","))
    return _alert(t("tk.issued", lang).format(n=issued), "success"), (tick or 0) + 1


# --- the list -------------------------------------------------------------------------------


def wanted_of(status: str | None, district: str | None, overdue: bool | None) -> queries.TaskFilter:
    return queries.TaskFilter(
        status=None if status in (None, EVERY) else status,
        district=None if district in (None, "", EVERY) else district,
        overdue=bool(overdue),
    )


@callback(
    Output(ids.TK_LIST, "children"),
    Output(ids.TK_TOTAL, "children"),
    Input(ids.TK_STATUS, "value"),
    Input(ids.TK_DISTRICT, "value"),
    Input(ids.TK_OVERDUE, "value"),
    Input(ids.TK_TICK, "data"),
    Input(ids.TK_REFRESH, "n_intervals"),
)
def show_tasks(
    status: str | None, district: str | None, overdue: bool | None, _tick: object, _n: object
) -> Any:
    lang, res, user = current_language(), resources(), current_user()
    assert user is not None
    now = datetime.now(UTC)
    rows = queries.task_list(res.engine, current_scope(), wanted_of(status, district, overdue), now)
    names = accounts.district_names(res.engine, lang)
    return task_table(rows, names, user, lang), t("tk.total", lang).format(n=len(rows))


# The URL follows the filters without a reload (history.replaceState tells Dash nothing).
clientside_callback(
    """function (status, district, overdue) {
        if (window.location.pathname !== "/tasks" || window.location.search.includes("task=")) {
            return window.dash_clientside.no_update;
        }
        const params = new URLSearchParams();
        if (status && status !== "open") { params.set("status", status); }
        if (district && district !== "all") { params.set("district", district); }
        if (overdue) { params.set("overdue", "1"); }
        const query = params.toString();
        const url = "/tasks" + (query ? "?" + query : "");
        if (url !== window.location.pathname + window.location.search) {
            window.history.replaceState(window.history.state, "", url);
        }
        return window.dash_clientside.no_update;
    }""",
    Output(ids.TK_STATUS, "id"),
    Input(ids.TK_STATUS, "value"),
    Input(ids.TK_DISTRICT, "value"),
    Input(ids.TK_OVERDUE, "value"),
    prevent_initial_call=True,
)

COLUMNS = (
    "tk.col.task",
    "tk.col.assignee",
    "tk.col.deadline",
    "tk.col.progress",
    "tk.col.status",
    "tk.col.actions",
)


def task_table(rows: list[queries.TaskRow], names: dict[str, str], user: User, lang: str) -> Any:
    if not rows:
        return html.Div(t("tk.none", lang), className="text-secondary py-3")
    zone = _zone()
    head = html.Thead(html.Tr([html.Th(t(key, lang)) for key in COLUMNS]))
    body = html.Tbody([task_row(row, names, zone, user, lang) for row in rows])
    return html.Div(
        html.Table([head, body], className="table table-sm table-hover align-middle tk-table"),
        className="table-responsive",
    )


def progress_bar(done: int, due: int, lang: str) -> Any:
    if not due:
        return html.Span(t("tk.nothing_due", lang), className="small text-secondary")
    share = min(done / due, 1.0)
    return html.Div(
        [
            dbc.Progress(
                value=round(share * 100),
                color="success" if share >= 1 else "info",
                className="tk-progress",
            ),
            html.Span(f"{done:,}/{due:,} · {share:.0%}", className="small tk-progress-label"),
        ],
        className="tk-progress-cell",
    )


def status_badges(row: queries.TaskRow, lang: str) -> list[Any]:
    color = {"issued": "primary", "completed": "success", "cancelled": "secondary"}[row.status]
    badges = [dbc.Badge(t(f"task_status.{row.status}", lang), color=color, className="me-1")]
    if row.overdue:
        badges.append(dbc.Badge(t("tk.overdue", lang), color="danger", className="tk-overdue"))
    return badges


def task_row(
    row: queries.TaskRow,
    names: dict[str, str],
    zone: ZoneInfo,
    user: User,
    lang: str,
) -> html.Tr:
    checklist, _ = checklist_words(row.checklist_id, row.checklist_title, [], lang)
    title: list[Any] = [
        dcc.Link(row.title, href=f"/tasks?task={quote(row.id, safe='')}", className="tk-name"),
        html.Div(
            [
                dbc.Badge(t("tk.campaign", lang), color="warning", className="me-1")
                if row.campaign
                else None,
                checklist,
            ],
            className="small text-secondary",
        ),
    ]
    if len(row.districts) > 1:
        also = t("tk.also", lang).format(n=len(row.districts))
        title.append(html.Div(also, className="small text-secondary"))
    return html.Tr(
        [
            html.Td(title),
            html.Td(
                [
                    names.get(row.assignee, row.assignee),
                    html.Div(t(f"tk.office.{row.office}", lang), className="small text-secondary"),
                ],
                className="text-nowrap",
            ),
            html.Td(f"{row.deadline.astimezone(zone):%Y-%m-%d}", className="text-nowrap"),
            html.Td(progress_bar(row.done, row.due, lang)),
            html.Td(status_badges(row, lang), className="text-nowrap"),
            html.Td(row_actions(row, user, lang), className="text-nowrap"),
        ],
        className="tk-overdue-row" if row.overdue else "",
        **{
            "data-task": row.id,
            "data-status": row.status,
            "data-overdue": str(row.overdue).lower(),
            "data-done": str(row.done),
            "data-due": str(row.due),
        },
    )


def row_actions(row: queries.TaskRow, user: User, lang: str) -> list[Any]:
    """The buttons of an open task that the user may press: by the rule the commands refuse by
    (dashboard/domain/tasks.py), which still decide."""
    if not is_open(row.status):
        return []
    whose = {"office": row.office, "assignee": row.assignee}
    buttons = []
    if may_complete(user.role, user.district, **whose):
        buttons.append(
            dbc.Button(
                t("tk.complete", lang), id={"type": ids.TK_COMPLETE, "task": row.id},
                color="success", outline=True, size="sm", className="me-1",
            )
        )  # fmt: skip
    if may_withdraw(user.role, user.district, **whose):
        buttons.append(
            dbc.Button(
                t("tk.cancel", lang), id={"type": ids.TK_CANCEL, "withdraw": row.id},
                color="danger", outline=True, size="sm",
            )
        )  # fmt: skip
    return buttons


def _clicked(clicks: list[int | None], key: str) -> str:
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks):
        raise PreventUpdate
    return str(trigger.get(key))


@callback(
    Output(ids.TK_ACTION_FEEDBACK, "children"),
    Output(ids.TK_TICK, "data", allow_duplicate=True),
    Input({"type": ids.TK_COMPLETE, "task": ALL}, "n_clicks"),
    State(ids.TK_REASON, "value"),
    State(ids.TK_TICK, "data"),
    prevent_initial_call=True,
)
def complete(clicks: list[int | None], note: str | None, tick: int | None) -> Any:
    task_id = _clicked(clicks, "task")
    lang, res, user = current_language(), resources(), current_user()
    assert user is not None
    result = commands.complete_task(res.engine, user, task_id, note)
    if isinstance(result, commands.Refused):
        return _alert(refusal_text(result, lang), "danger"), no_update
    return _alert(t("tk.completed_done", lang), "success"), (tick or 0) + 1


@callback(
    Output(ids.TK_ACTION_FEEDBACK, "children", allow_duplicate=True),
    Output(ids.TK_TICK, "data", allow_duplicate=True),
    Input({"type": ids.TK_CANCEL, "withdraw": ALL}, "n_clicks"),
    State(ids.TK_REASON, "value"),
    State(ids.TK_TICK, "data"),
    prevent_initial_call=True,
)
def withdraw(clicks: list[int | None], reason: str | None, tick: int | None) -> Any:
    task_id = _clicked(clicks, "withdraw")
    lang, res, user = current_language(), resources(), current_user()
    assert user is not None
    result = commands.cancel_task(res.engine, user, task_id, reason)
    if isinstance(result, commands.Refused):
        return _alert(refusal_text(result, lang), "danger"), no_update
    return _alert(t("tk.cancelled_done", lang), "success"), (tick or 0) + 1


@callback(
    Output(ids.TK_DOWNLOAD, "data"),
    Output(ids.TK_EXPORT_STATUS, "children"),
    Input(ids.TK_CSV, "n_clicks"),
    Input(ids.TK_XLSX, "n_clicks"),
    State(ids.TK_STATUS, "value"),
    State(ids.TK_DISTRICT, "value"),
    State(ids.TK_OVERDUE, "value"),
    prevent_initial_call=True,
)
def export(
    _csv: object, _xlsx: object, status: str | None, district: str | None, overdue: bool | None
) -> Any:
    lang, res, zone = current_language(), resources(), _zone()
    now = datetime.now(UTC)
    rows = queries.task_list(res.engine, current_scope(), wanted_of(status, district, overdue), now)
    names = accounts.district_names(res.engine, lang)
    excel = ctx.triggered_id == ids.TK_XLSX
    content = (tasks_to_xlsx if excel else tasks_to_csv)(rows, names, zone, now, lang)
    stamp = datetime.now(zone).strftime("%Y%m%d-%H%M%S")
    said = html.Span(t("tk.exported", lang).format(n=f"{len(rows):,}"), className="text-success")
    return dcc.send_bytes(content, f"tasks-{stamp}.{'xlsx' if excel else 'csv'}"), said


# --- one task -------------------------------------------------------------------------------


def _verdict(value: str | None) -> str | None:
    return value if value in VERDICTS else None


@callback(
    Output(ids.TK_DETAIL, "children"),
    Output(ids.TK_OBJECTS, "children"),
    Input(ids.TK_TASK_ID, "data"),
    Input(ids.TK_VERDICT, "value"),
)
def show_task(task_id: str | None, verdict: str | None) -> Any:
    lang, res = current_language(), resources()
    now = datetime.now(UTC)
    found = queries.task_detail(res.engine, current_scope(), task_id or "", now, _verdict(verdict))
    if found is None:
        return html.Div(t("tk.not_found", lang), className="alert alert-warning"), []
    names = accounts.district_names(res.engine, lang)
    return task_header(found, names, _zone(), lang), object_table(found, _zone(), lang)


def login(username: str | None) -> html.Span:
    """A user's login name as recorded: an identifier, not words to translate (a demo login may
    be called after its role); tests/browser/test_visible_text.py reads no words in it."""
    return html.Span(username or "", **{"data-verbatim": "login"})


def task_header(
    found: queries.TaskDetail, names: dict[str, str], zone: ZoneInfo, lang: str
) -> html.Div:
    task = found.task
    checklist, items = checklist_words(
        task.checklist_id, task.checklist_title, list(found.checklist_items), lang
    )
    scope = "、".join(t(f"tk.target.{kind}", lang) for kind in task.target_types)
    start, end = task.issued_at.astimezone(zone), task.deadline.astimezone(zone)
    period = f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"
    listed = html.Ol([html.Li(item) for item in items], className="tk-items")
    facts: list[tuple[str, Any]] = [
        ("tk.col.assignee", names.get(task.assignee, task.assignee)),
        ("tk.col.issuer", [f"{t(f'tk.office.{task.office}', lang)} · ", login(task.issued_by)]),
        ("tk.detail.period", period),
        ("tk.detail.scope", scope),
        ("tk.col.checklist", [checklist, listed]),
    ]
    if task.note:
        facts.append(("tk.detail.note", task.note))
    if task.closed_at is not None:
        closed = [f"{task.closed_at.astimezone(zone):%Y-%m-%d %H:%M} · ", login(task.closed_by)]
        facts.append(("tk.detail.closed", [*closed, html.Div(task.close_note or "")]))
    totals = [
        html.Span(
            [t(f"verdict.{verdict}", lang), html.B(f"{count:,}", className="ms-1")],
            className=f"tk-chip tk-verdict-{verdict}",
            **{"data-verdict": verdict, "data-count": str(count)},
        )
        for verdict, count in found.totals.items()
    ]
    return html.Div(
        [
            html.Div(
                [html.H1(task.title, className="tk-title me-3"), *status_badges(task, lang)],
                className="d-flex flex-wrap align-items-center",
            ),
            html.Div(progress_bar(task.done, task.due, lang), className="tk-detail-progress my-2"),
            html.Dl(
                [part for key, value in facts for part in (html.Dt(t(key, lang)), html.Dd(value))],
                className="tk-facts",
            ),
            html.H2(t("tk.detail.compare", lang), className="h6 mt-3"),
            html.Div(totals, className="tk-totals"),
        ],
        **{"data-task": task.id, "data-done": str(task.done), "data-due": str(task.due)},
    )


OBJECT_COLUMNS = (
    "tk.col.object",
    "tk.col.enterprise",
    "tk.col.result",
    "tk.col.failed",
    "tk.col.self_check",
    "tk.detail.verdict",
)


def _result(passed: bool | None, when: datetime | None, none_key: str, zone: ZoneInfo,
            lang: str) -> Any:  # fmt: skip
    if passed is None or when is None:
        return html.Span(t(none_key, lang), className="text-secondary")
    word = t("tk.passed" if passed else "tk.failed", lang)
    return [
        dbc.Badge(word, color="success" if passed else "danger", className="me-1"),
        html.Span(f"{when.astimezone(zone):%m-%d %H:%M}", className="small text-secondary"),
    ]


def object_table(found: queries.TaskDetail, zone: ZoneInfo, lang: str) -> Any:
    rows = found.objects[:SHOWN_OBJECTS]
    head = html.Thead(html.Tr([html.Th(t(key, lang)) for key in OBJECT_COLUMNS]))
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(
                        [
                            html.Div(row.name or row.target_id),
                            html.Div(
                                t(f"target_type.{row.target_type}", lang)
                                + (f" · {row.target_id}" if row.name else ""),
                                className="small text-secondary",
                            ),
                        ]
                    ),
                    html.Td(row.enterprise or "", className="tk-enterprise"),
                    html.Td(_result(row.passed, row.inspected_at, "tk.not_inspected", zone, lang)),
                    html.Td("；".join(row.failed_items), className="small"),
                    html.Td(
                        _result(
                            row.self_check_passed,
                            row.self_checked_at,
                            "tk.no_self_check",
                            zone,
                            lang,
                        )
                    ),
                    html.Td(
                        t(f"verdict.{row.verdict}", lang),
                        className=f"tk-verdict-cell tk-verdict-{row.verdict}",
                    ),
                ],
                **{
                    "data-target": f"{row.target_type}:{row.target_id}",
                    "data-verdict": row.verdict,
                },
            )
            for row in rows
        ]
    )
    parts: list[Any] = [
        html.Div(
            html.Table([head, body], className="table table-sm align-middle tk-object-table"),
            className="table-responsive",
        )
    ]
    if len(found.objects) > SHOWN_OBJECTS:
        parts.insert(
            0,
            html.Div(
                t("tk.detail.capped", lang).format(n=SHOWN_OBJECTS), className="small text-warning"
            ),
        )
    return parts


@callback(
    Output(ids.TK_DETAIL_DOWNLOAD, "data"),
    Input(ids.TK_DETAIL_CSV, "n_clicks"),
    Input(ids.TK_DETAIL_XLSX, "n_clicks"),
    State(ids.TK_TASK_ID, "data"),
    State(ids.TK_VERDICT, "value"),
    prevent_initial_call=True,
)
def export_objects(_csv: object, _xlsx: object, task_id: str | None, verdict: str | None) -> Any:
    lang, res, zone = current_language(), resources(), _zone()
    now = datetime.now(UTC)
    found = queries.task_detail(res.engine, current_scope(), task_id or "", now, _verdict(verdict))
    if found is None:
        raise PreventUpdate
    excel = ctx.triggered_id == ids.TK_DETAIL_XLSX
    content = (objects_to_xlsx if excel else objects_to_csv)(found, zone, lang)
    stamp = datetime.now(zone).strftime("%Y%m%d-%H%M%S")
    return dcc.send_bytes(content, f"task-{stamp}.{'xlsx' if excel else 'csv'}")
