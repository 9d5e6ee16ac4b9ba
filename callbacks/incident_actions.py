"""The desk's actions in the incident view (pages/incident.py): pick and dispatch teams, record
what a team radios in, post an update, notify the levels, close. Each goes through
data_access.commands with the acting user, refused unless the user may dispatch and sees the
incident."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, html, no_update

from callbacks.incident import rank_for
from dashboard import ids
from dashboard.auth import current_scope, current_user
from dashboard.domain.events import NOTIFY_LEVELS, Rejection
from dashboard.i18n import current_language, t
from dashboard.resources import resources
from data_access import commands
from data_access.eventlog import Accepted, Outcome
from data_access.queries import incident_view as view
from pages.incident import DESK_STATUSES, report_href


def _may_act(incident_id: str) -> tuple[Any, dict[str, Any] | None]:
    user = current_user()
    if user is None or not user.may_dispatch:
        return user, None
    return user, view.incident(resources().engine, incident_id, current_scope())


def _alert(children: Any, color: str, outcome: str, **options: Any) -> html.Div:
    """An alert the tests (and screen readers) can tell apart: done or refused."""
    return html.Div(
        dbc.Alert(children, color=color, dismissable=True, **options),
        className="action-feedback",
        **{"data-outcome": outcome},
    )


def _feedback(outcome: Outcome, done_key: str, lang: str) -> html.Div:
    if isinstance(outcome, Rejection):
        return _alert(
            [html.Strong(t("incident.refused", lang)), " ", outcome.message], "danger", "refused"
        )
    return _alert(t(done_key, lang), "success", "done", duration=8000)


def _denied(lang: str) -> html.Div:
    return _alert(t("incident.denied", lang), "danger", "refused")


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
    lang = current_language()
    if ctx.triggered_id != ids.INCIDENT_DISPATCH:
        return False, no_update
    _user, row = _may_act(incident_id)
    if row is None:
        return True, _denied(lang)
    if not chosen:
        return True, html.Div(t("incident.choose_team", lang), className="text-warning")
    by_id = {c.team.id: c for c in rank_for(row, current_scope())}
    items = [
        html.Li(f"{by_id[team].team.name} · {by_id[team].eta_min:.0f}′")
        for team in chosen
        if team in by_id
    ]
    return True, html.Div(
        [html.Div(t("incident.dispatch_to", lang).format(address=row["address"])), html.Ul(items)]
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
    lang = current_language()
    user, row = _may_act(incident_id)
    if row is None:
        return _denied(lang), False, no_update
    if not chosen:
        return no_update, True, no_update
    res = resources()
    by_id = {c.team.id: c for c in rank_for(row, current_scope())}
    eta = max((by_id[team].eta_min for team in chosen if team in by_id), default=0.0)
    outcome = commands.dispatch_teams(res.engine, incident_id, chosen, user.username, eta)
    if isinstance(outcome, Accepted) and not row["notified"]:
        # The first dispatch informs all four levels at once (seed 000, part 2.3).
        res.notifier.notify(incident_id, list(NOTIFY_LEVELS), user.username)
    return _feedback(outcome, "incident.dispatched_done", lang), False, []


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
    user, row = _may_act(incident_id)
    if row is None:
        return _denied(lang)
    team, status = ctx.triggered_id["team"], ctx.triggered_id["status"]
    outcome = commands.report_team_status(
        resources().engine, team, status, incident_id, user.username
    )
    return _feedback(outcome, "incident.team_status_done", lang)


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
    user, row = _may_act(incident_id)
    if row is None:
        return _denied(lang), no_update
    if not (text or "").strip():
        return _alert(t("incident.update.empty", lang), "warning", "refused"), no_update
    outcome = commands.post_incident_update(
        resources().engine, incident_id, user.username, text or "", _desk_status(status)
    )
    cleared = "" if isinstance(outcome, Accepted) else no_update
    return _feedback(outcome, "incident.update.done", lang), cleared


def _desk_status(value: str | None) -> str | None:
    return value if value in DESK_STATUSES else None


@callback(
    Output(ids.INCIDENT_FEEDBACK, "children", allow_duplicate=True),
    Input(ids.INCIDENT_NOTIFY, "n_clicks"),
    State(ids.INCIDENT_NOTIFY_LEVELS, "value"),
    State(ids.INCIDENT_ID, "data"),
    prevent_initial_call=True,
)
def notify(_n: int | None, levels: list[str], incident_id: str):
    lang = current_language()
    user, row = _may_act(incident_id)
    if row is None:
        return _denied(lang)
    if not levels:
        return _alert(t("incident.notify_choose", lang), "warning", "refused")
    resources().notifier.notify(incident_id, levels, user.username)
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
    user, row = _may_act(incident_id)
    if row is None:
        return False, "", _denied(lang)
    if not (summary or "").strip():
        return True, t("incident.summary_missing", lang), no_update
    try:
        count = None if casualties in (None, "") else int(casualties)
    except (TypeError, ValueError):
        return True, t("incident.casualties_bad", lang), no_update
    if count is not None and count < 0:
        return True, t("incident.casualties_bad", lang), no_update
    outcome = commands.close_incident(
        resources().engine, incident_id, user.username, summary or "", count
    )
    if isinstance(outcome, Rejection):
        return True, outcome.message, no_update
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
