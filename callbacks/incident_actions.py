"""The desk's actions in the incident view (pages/incident.py): pick and dispatch teams, record
what a team radios in, post an update, notify the levels, close. Each click becomes one command
(data_access.commands) with the signed-in user; the command decides whether the user may, and a
refusal is shown in the user's language."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, html, no_update

from callbacks.incident import rank_for
from dashboard import ids
from dashboard.auth import current_user
from dashboard.domain.roles import User
from dashboard.guard import page_callback
from dashboard.i18n import current_language, refusal_text, t
from dashboard.resources import resources
from data_access import commands
from data_access.commands import Refused, Result
from data_access.queries import incident_view as view
from pages.incident import NO_STATUS, report_href

callback = page_callback("incident")


def _user() -> User:
    user = current_user()
    assert user is not None  # the login guard runs before any callback
    return user


def _alert(children: Any, color: str, outcome: str, **options: Any) -> html.Div:
    """An alert the tests (and screen readers) can tell apart: done or refused."""
    return html.Div(
        dbc.Alert(children, color=color, dismissable=True, **options),
        className="action-feedback",
        **{"data-outcome": outcome},
    )


def _feedback(result: Result, done_key: str, lang: str) -> html.Div:
    if isinstance(result, Refused):
        return _refused(result, lang)
    return _alert(t(done_key, lang), "success", "done", duration=8000)


def _refused(refused: Refused, lang: str) -> html.Div:
    text = [html.Strong(t("incident.refused", lang)), " ", refusal_text(refused, lang)]
    return _alert(text, "danger", "refused")


@callback(
    Output(ids.INCIDENT_DISPATCH_MODAL, "is_open"),
    Output(ids.INCIDENT_DISPATCH_SUMMARY, "children"),
    Input(ids.INCIDENT_DISPATCH, "n_clicks"),
    Input(ids.INCIDENT_DISPATCH_CANCEL, "n_clicks"),
    State(ids.INCIDENT_PICKED, "data"),
    State(ids.INCIDENT_ID, "data"),
    prevent_initial_call=True,
)
def confirm_dispatch(_open: int | None, _cancel: int | None, chosen: list[str], incident_id: str):
    """The confirmation: where to, and each chosen team's arrival time (read only: sending is
    the dispatch command's, which decides whether this user may)."""
    lang = current_language()
    if ctx.triggered_id != ids.INCIDENT_DISPATCH:
        return False, no_update
    user = _user()
    row = view.incident(resources().engine, incident_id, user.scope)
    if row is None:
        return True, html.Div(t("incident.not_found", lang), className="text-warning")
    if not chosen:
        return True, html.Div(t("incident.choose_team", lang), className="text-warning")
    by_id = {c.team.id: c for c in rank_for(row, user.scope)}
    items = [
        html.Li(f"{by_id[team].team.name} · {by_id[team].eta_min:.0f}′")
        for team in chosen
        if team in by_id
    ]
    return True, html.Div(
        [html.Div(t("incident.dispatch_to", lang).format(address=row.address)), html.Ul(items)]
    )


@callback(
    Output(ids.INCIDENT_FEEDBACK, "children", allow_duplicate=True),
    Output(ids.INCIDENT_DISPATCH_MODAL, "is_open", allow_duplicate=True),
    Output(ids.INCIDENT_PICKED, "data", allow_duplicate=True),
    Input(ids.INCIDENT_DISPATCH_CONFIRM, "n_clicks"),
    State(ids.INCIDENT_PICKED, "data"),
    State(ids.INCIDENT_ID, "data"),
    prevent_initial_call=True,
)
def dispatch(_n: int | None, chosen: list[str], incident_id: str):
    """Send the chosen teams; the first dispatch also has the four levels notified (the
    command records the request, the notifier delivers it)."""
    lang, user, res = current_language(), _user(), resources()
    row = view.incident(res.engine, incident_id, user.scope)
    ranked = {c.team.id: c for c in rank_for(row, user.scope)} if row is not None else {}
    eta = max((ranked[team].eta_min for team in chosen or () if team in ranked), default=0.0)
    result = commands.dispatch_teams(res.engine, user, incident_id, chosen or [], eta)
    return _feedback(result, "incident.dispatched_done", lang), False, []


@callback(
    Output(ids.INCIDENT_FEEDBACK, "children", allow_duplicate=True),
    Input({"type": ids.TEAM_STATUS, "team": ALL, "status": ALL}, "n_clicks"),
    State(ids.INCIDENT_ID, "data"),
    prevent_initial_call=True,
)
def radio_team_status(clicks: list[int | None], incident_id: str):
    lang = current_language()
    if not ctx.triggered_id or not any(clicks) or not ctx.triggered[0].get("value"):
        return no_update
    team, status = ctx.triggered_id["team"], ctx.triggered_id["status"]
    result = commands.report_team_status(resources().engine, _user(), incident_id, team, status)
    return _feedback(result, "incident.team_status_done", lang)


@callback(
    Output(ids.INCIDENT_FEEDBACK, "children", allow_duplicate=True),
    Output(ids.INCIDENT_UPDATE_TEXT, "value"),
    Input(ids.INCIDENT_UPDATE_POST, "n_clicks"),
    State(ids.INCIDENT_UPDATE_TEXT, "value"),
    State(ids.INCIDENT_UPDATE_STATUS, "value"),
    State(ids.INCIDENT_ID, "data"),
    prevent_initial_call=True,
)
def post_update(_n: int | None, text: str | None, status: str | None, incident_id: str):
    lang = current_language()
    if not (text or "").strip():
        return _alert(t("incident.update.empty", lang), "warning", "refused"), no_update
    moved_to = None if status in (None, "", NO_STATUS) else status
    result = commands.post_incident_update(
        resources().engine, _user(), incident_id, text or "", moved_to
    )
    cleared = "" if isinstance(result, commands.Done) else no_update
    return _feedback(result, "incident.update.done", lang), cleared


@callback(
    Output(ids.INCIDENT_FEEDBACK, "children", allow_duplicate=True),
    Input(ids.INCIDENT_NOTIFY, "n_clicks"),
    State(ids.INCIDENT_NOTIFY_LEVELS, "value"),
    State(ids.INCIDENT_ID, "data"),
    prevent_initial_call=True,
)
def notify(_n: int | None, levels: list[str], incident_id: str):
    lang = current_language()
    if not levels:
        return _alert(t("incident.notify_choose", lang), "warning", "refused")
    result = commands.request_notification(resources().engine, _user(), incident_id, levels)
    if isinstance(result, Refused):
        return _refused(result, lang)
    return _alert(t("incident.notify_sent", lang), "info", "done", duration=8000)


@callback(
    Output(ids.INCIDENT_CLOSE_MODAL, "is_open"),
    Output(ids.INCIDENT_CLOSE_ERROR, "children"),
    Output(ids.INCIDENT_FEEDBACK, "children", allow_duplicate=True),
    Input(ids.INCIDENT_CLOSE, "n_clicks"),
    Input(ids.INCIDENT_CLOSE_CANCEL, "n_clicks"),
    Input(ids.INCIDENT_CLOSE_CONFIRM, "n_clicks"),
    State(ids.INCIDENT_CLOSE_SUMMARY, "value"),
    State(ids.INCIDENT_CLOSE_CASUALTIES, "value"),
    State(ids.INCIDENT_ID, "data"),
    prevent_initial_call=True,
)
def close(_open, _cancel, _confirm, summary: str | None, casualties: Any, incident_id: str):
    lang = current_language()
    if ctx.triggered_id == ids.INCIDENT_CLOSE:
        return True, "", no_update
    if ctx.triggered_id == ids.INCIDENT_CLOSE_CANCEL:
        return False, "", no_update
    if not (summary or "").strip():
        return True, t("incident.summary_missing", lang), no_update
    try:
        count = None if casualties in (None, "") else int(casualties)
    except (TypeError, ValueError):
        return True, t("incident.casualties_bad", lang), no_update
    result = commands.close_incident(resources().engine, _user(), incident_id, summary or "", count)
    if isinstance(result, Refused):
        return True, refusal_text(result, lang), no_update
    report = html.A(t("incident.report", lang), href=report_href(incident_id), className="ms-2")
    done = _alert([t("incident.closed_done", lang), report], "success", "done")
    return False, "", done


@callback(
    Output(ids.INCIDENT_PICKED, "data"),
    Input({"type": ids.TEAM_PICK, "team": ALL}, "value"),
    State({"type": ids.TEAM_PICK, "team": ALL}, "id"),
    prevent_initial_call=True,
)
def pick_teams(values: list[bool | None], boxes: list[dict[str, str]]) -> list[str]:
    return [box["team"] for box, on in zip(boxes, values, strict=True) if on]
