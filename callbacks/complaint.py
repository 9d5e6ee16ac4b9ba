"""A complaint's page: its header, facts, history and the steps the user may take, redrawn after
each step; the steps themselves, through the complaint commands. Turning a complaint into a
hazard or an incident opens that object's page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.actors import who
from dashboard.auth import current_scope, current_user
from dashboard.complaint_view import (
    category_label,
    duration,
    escalation_badge,
    handler_label,
    late,
    status_badge,
    time_left,
)
from dashboard.domain.complaints import steps_from, time_limit
from dashboard.domain.policy import Action, allowed
from dashboard.domain.roles import Role, User
from dashboard.guard import page_callback
from dashboard.i18n import current_language, refusal_text, t
from dashboard.resources import resources
from data_access import commands
from data_access.commands.complaints import RULES_ACTOR
from data_access.queries import accounts
from data_access.queries import complaint_board as queries
from pages.complaint import action_form

callback = page_callback("complaint")

STEP_ACTIONS = {
    "assign": Action.ASSIGN_COMPLAINT,
    "reply": Action.REPLY_COMPLAINT,
    "close": Action.CLOSE_COMPLAINT,
    "escalate": Action.ESCALATE_COMPLAINT,
    "to_hazard": Action.COMPLAINT_TO_HAZARD,
    "to_incident": Action.COMPLAINT_TO_INCIDENT,
}
_CITY = (Role.ADMIN, Role.SUPERVISOR, Role.DUTY_OFFICER)


def my_steps(user: User, row: queries.ComplaintRow, converted: bool) -> list[str]:
    """The steps this user may take on the complaint now: its status and holder allow them, the
    role may take them, and the holder is the user's level (the command decides all the same)."""
    handler = row.handler or "city"
    steps = []
    for step in steps_from(row.status, handler, converted):
        if not allowed(user, STEP_ACTIONS[step]):
            continue
        if step == "assign" and user.role not in (
            _CITY if handler == "city" else (Role.ADMIN, Role.DISTRICT_OFFICER)
        ):
            continue
        if step == "reply" and user.role is Role.ENTERPRISE and handler != "enterprise":
            continue
        steps.append(step)
    return steps


def enterprise_choices(row: queries.ComplaintRow) -> list[dict[str, str]]:
    """The enterprises a district office may pass the complaint to: those of its district."""
    return [
        {"label": name, "value": enterprise_id}
        for enterprise_id, name in queries.enterprises_of(resources().engine, row.district)
    ]


@callback(
    Output(ids.COMPLAINT_HEADER, "children"),
    Output(ids.COMPLAINT_FACTS, "children"),
    Output(ids.COMPLAINT_HISTORY, "children"),
    Output(ids.COMPLAINT_ACTIONS, "children"),
    Input(ids.COMPLAINT_TICK, "data"),
    State(ids.COMPLAINT_ID, "data"),
)
def show_complaint(_tick: object, complaint_id: str) -> Any:
    lang, res, user = current_language(), resources(), current_user()
    found = queries.complaint_detail(res.engine, current_scope(), complaint_id)
    if found is None or user is None:
        raise PreventUpdate
    zone = ZoneInfo(res.settings.time_zone)
    row, now = found.row, datetime.now(UTC)
    converted = bool(found.hazard_id or found.incident_id)
    steps = my_steps(user, row, converted)
    handler = row.handler or "city"
    choices = enterprise_choices(row) if "assign" in steps and handler == "district" else []
    target = "district" if handler == "city" else "enterprise"
    assign_label = t(f"complaint_step.assign_{target}", lang)
    return (
        header(row, now, lang),
        facts(found, zone, now, lang),
        history(found, zone, lang),
        action_form(row.id, steps, choices, row.enterprise_id, assign_label, lang),
    )


def header(row: queries.ComplaintRow, now: datetime, lang: str) -> html.Div:
    is_late = late(row, now)
    parts: list[Any] = [
        html.H1(row.id, className="complaint-number me-3"),
        status_badge(row.status, lang),
        html.Span(category_label(row.category, lang), className="complaint-category ms-3"),
    ]
    if is_late:
        parts.append(html.Span(t("cq.late", lang), className="cq-late-badge ms-2"))
    if row.escalations:
        parts.append(html.Span(escalation_badge(row.escalations, lang), className="ms-2"))
    return html.Div(
        parts,
        className="d-flex flex-wrap align-items-center",
        **{"data-status": row.status, "data-handler": row.handler or "city",
           "data-late": str(is_late).lower()},
    )  # fmt: skip


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return "—" if moment is None else f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def facts(found: queries.ComplaintDetail, zone: ZoneInfo, now: datetime, lang: str) -> html.Dl:
    row = found.row
    names = accounts.district_names(resources().engine, lang)
    enterprise: Any = row.enterprise or t("cq.no_enterprise", lang)
    if row.enterprise_id:
        enterprise = dcc.Link(enterprise, href=f"/enterprise/{quote(row.enterprise_id, safe='')}")
    limit = t("cpd.limit", lang).format(d=duration(time_limit(row.category), lang))
    items: list[tuple[str, Any]] = [
        ("cpd.text", html.Div(found.text, className="complaint-text")),
        ("cq.col.channel", t(f"complaint_channel.{row.channel}", lang)),
        ("cq.col.district", names.get(row.district, row.district)),
        ("cpd.enterprise", enterprise),
    ]
    if row.code:
        items.append(("cpd.code", dcc.Link(row.code, href=f"/cylinder/{quote(row.code, safe='')}")))
    items += [
        ("cpd.handler", handler_label(row.handler, lang)),
        ("cpd.received", _when(row.received_at, zone)),
        ("cpd.due", f"{_when(row.due_at, zone)} · {limit} · {time_left(row, now, lang)}"),
    ]
    if found.reply:
        items.append(("cpd.reply", html.Div(found.reply, className="complaint-text")))
    if row.satisfaction is not None:
        items.append(("cpd.satisfaction", "★" * row.satisfaction + f" {row.satisfaction}/5"))
    became = _became(found, lang)
    if became:
        items.append(("cpd.became", became))
    return html.Dl(
        [part for key, value in items for part in (html.Dt(t(key, lang)), html.Dd(value))],
        className="complaint-facts",
    )


def _became(found: queries.ComplaintDetail, lang: str) -> list[Any]:
    links: list[Any] = []
    if found.hazard_id:
        links.append(
            dcc.Link(
                t("cpd.hazard", lang).format(id=found.hazard_id),
                href=f"/hazard/{quote(found.hazard_id, safe='')}",
                className="complaint-became me-2",
            )
        )
    if found.incident_id:
        links.append(
            dcc.Link(
                t("cpd.incident", lang).format(id=found.incident_id),
                href=f"/incident/{quote(found.incident_id, safe='')}",
                className="complaint-became",
            )
        )
    return links


def history(found: queries.ComplaintDetail, zone: ZoneInfo, lang: str) -> html.Ol:
    districts = accounts.district_names(resources().engine, lang)
    return html.Ol(
        [
            history_entry(step, found.row.channel, found.names, districts, zone, lang)
            for step in found.history
        ],
        className="complaint-history",
    )


OFFICE_PREFIX = "GASOFFICE-"  # a district office's staff, as the 96511 platform names them
AGENT_PREFIX = "96511-"  # an agent of the 96511 desk


def actor_label(
    actor: str | None, names: dict[str, str], districts: dict[str, str], lang: str
) -> str:
    """Who took a step, as a person reads it: the rules runner, a district office, a 96511
    agent, or a user or enterprise by name."""
    if actor == RULES_ACTOR:
        return t("cpd.by_rules", lang)
    if actor and actor.startswith(OFFICE_PREFIX):
        code = actor.removeprefix(OFFICE_PREFIX)
        return t("cpd.office_of", lang).format(district=districts.get(code, code))
    if actor and actor.startswith(AGENT_PREFIX):
        return t("cpd.agent", lang).format(n=actor.removeprefix(AGENT_PREFIX))
    return who(actor, lang, names)


def history_entry(
    step: queries.ComplaintStep,
    channel: str,
    names: dict[str, str],
    districts: dict[str, str],
    zone: ZoneInfo,
    lang: str,
) -> html.Li:
    if step.kind == "received":
        actor = t(f"complaint_channel.{channel}", lang)
    else:
        actor = actor_label(step.actor, names, districts, lang)
    head: list[Any] = [
        html.Span(_when(step.occurred_at, zone), className="me-2"),
        html.B(t(f"complaint_history.{step.kind}", lang), className="me-2"),
        html.Span(actor, className="text-secondary"),
    ]
    if step.handler:
        to = handler_label(step.handler, lang)
        if step.handler == "enterprise" and step.enterprise_id:
            to = names.get(step.enterprise_id, step.enterprise_id)
        head.append(html.Span(" · " + t("cpd.history.to", lang).format(to=to)))
    lines: list[Any] = [html.Div(head)]
    if step.note:
        lines.append(html.Div(step.note, className="complaint-note"))
    if step.satisfaction is not None:
        said = t("cpd.history.satisfaction", lang).format(n=step.satisfaction)
        lines.append(html.Div(said, className="small"))
    return html.Li(lines, **{"data-status": step.kind})


STEP_OUTPUTS = (
    Output(ids.COMPLAINT_FEEDBACK, "children", allow_duplicate=True),
    Output(ids.COMPLAINT_TICK, "data", allow_duplicate=True),
    Output(ids.COMPLAINT_GOTO, "href", allow_duplicate=True),
)


def _clicked(clicks: list[int | None], key: str) -> str:
    """The complaint whose button was clicked (its id is the pattern's key)."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks or []) or key not in trigger:
        raise PreventUpdate
    return str(trigger[key])


def _done(result: commands.Result, step: str, tick: int | None, goto: str | None = None) -> Any:
    """The step's answer: a refusal in the user's language, or done (and redrawn, or the page
    of what the complaint became opened)."""
    lang = current_language()
    if isinstance(result, commands.Refused):
        return _alert(refusal_text(result, lang), "danger"), no_update, no_update
    said = _alert(t("cpd.done", lang).format(step=t(f"complaint_step.{step}", lang)), "success")
    if goto is not None:
        return said, no_update, f"{goto}/{quote(result.subject, safe='')}"
    return said, (tick or 0) + 1, no_update


@callback(
    *STEP_OUTPUTS,
    Input({"type": ids.COMPLAINT_ASSIGN, "cp_assign": ALL}, "n_clicks"),
    State(ids.COMPLAINT_ENTERPRISE, "value"),
    State(ids.COMPLAINT_NOTE, "value"),
    State(ids.COMPLAINT_TICK, "data"),
    prevent_initial_call=True,
)
def assign(clicks: list[int | None], enterprise: str | None, note: str | None, tick: Any) -> Any:
    complaint_id = _clicked(clicks, "cp_assign")
    res, user = resources(), current_user()
    assert user is not None  # the page guard answered otherwise
    result = commands.assign_complaint(res.engine, user, complaint_id, enterprise or None, note)
    return _done(result, "assign", tick)


@callback(
    *STEP_OUTPUTS,
    Input({"type": ids.COMPLAINT_REPLY, "cp_reply": ALL}, "n_clicks"),
    State(ids.COMPLAINT_NOTE, "value"),
    State(ids.COMPLAINT_TICK, "data"),
    prevent_initial_call=True,
)
def reply(clicks: list[int | None], note: str | None, tick: Any) -> Any:
    complaint_id = _clicked(clicks, "cp_reply")
    res, user = resources(), current_user()
    assert user is not None
    result = commands.reply_complaint(res.engine, user, complaint_id, note or "")
    return _done(result, "reply", tick)


@callback(
    *STEP_OUTPUTS,
    Input({"type": ids.COMPLAINT_CLOSE, "cp_close": ALL}, "n_clicks"),
    State(ids.COMPLAINT_SATISFACTION, "value"),
    State(ids.COMPLAINT_NOTE, "value"),
    State(ids.COMPLAINT_TICK, "data"),
    prevent_initial_call=True,
)
def close(clicks: list[int | None], score: str | None, note: str | None, tick: Any) -> Any:
    complaint_id = _clicked(clicks, "cp_close")
    res, user = resources(), current_user()
    assert user is not None
    satisfaction = int(score) if str(score or "").isdigit() else 0  # 0: refused, said why
    result = commands.close_complaint(res.engine, user, complaint_id, satisfaction, note)
    return _done(result, "close", tick)


@callback(
    *STEP_OUTPUTS,
    Input({"type": ids.COMPLAINT_ESCALATE, "cp_escalate": ALL}, "n_clicks"),
    State(ids.COMPLAINT_NOTE, "value"),
    State(ids.COMPLAINT_TICK, "data"),
    prevent_initial_call=True,
)
def escalate(clicks: list[int | None], note: str | None, tick: Any) -> Any:
    complaint_id = _clicked(clicks, "cp_escalate")
    res, user = resources(), current_user()
    assert user is not None
    result = commands.escalate_complaint(res.engine, user, complaint_id, note or "")
    return _done(result, "escalate", tick)


@callback(
    *STEP_OUTPUTS,
    Input({"type": ids.COMPLAINT_TO_HAZARD, "cp_hazard": ALL}, "n_clicks"),
    State(ids.COMPLAINT_LEVEL, "value"),
    State(ids.COMPLAINT_NOTE, "value"),
    State(ids.COMPLAINT_TICK, "data"),
    prevent_initial_call=True,
)
def to_hazard(clicks: list[int | None], level: str | None, note: str | None, tick: Any) -> Any:
    complaint_id = _clicked(clicks, "cp_hazard")
    res, user = resources(), current_user()
    assert user is not None
    result = commands.turn_complaint_into_hazard(
        res.engine, user, complaint_id, level or "general", note
    )
    return _done(result, "to_hazard", tick, goto="/hazard")


@callback(
    *STEP_OUTPUTS,
    Input({"type": ids.COMPLAINT_TO_INCIDENT, "cp_incident": ALL}, "n_clicks"),
    State(ids.COMPLAINT_SEVERITY, "value"),
    State(ids.COMPLAINT_NOTE, "value"),
    State(ids.COMPLAINT_TICK, "data"),
    prevent_initial_call=True,
)
def to_incident(clicks: list[int | None], severity: str | None, note: str | None, tick: Any) -> Any:
    complaint_id = _clicked(clicks, "cp_incident")
    res, user = resources(), current_user()
    assert user is not None
    number = int(severity) if str(severity or "").isdigit() else 2
    result = commands.turn_complaint_into_incident(res.engine, user, complaint_id, number, note)
    return _done(result, "to_incident", tick, goto="/incident")


def _alert(text: str, color: str) -> html.Div:
    return html.Div(text, className=f"alert alert-{color} py-2 complaint-alert", role="alert")
