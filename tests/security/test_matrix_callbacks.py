"""Callbacks x principals: every callback Dash declares (read from /_dash-dependencies, never
listed by hand), fired through each of its inputs with well-formed values, as every principal.

- no session (none, expired, revoked): 401, nothing runs;
- a role the callback's page does not admit (PAGE_ROLES): 204 (PreventUpdate), no data;
- an admitted role: an answer, never a server error;
- a district officer of A sending B's incidents, teams, alarms or places to each state-changing
  callback: refused, nothing appended to the log (and the same request about A's objects does
  append: the crafted requests are right, only the objects were not).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from dashboard.domain.policy import ACTION_ROLES, PAGE_ROLES, Action
from dashboard.domain.roles import Role
from data_access.models import Site
from tests.security.conftest import (
    DISTRICT_B,
    NO_SESSION,
    PAGES_ROUTER,
    PRINCIPALS,
    ROLE_LOGINS,
    Values,
    World,
    callback_request,
    dependencies,
    events_by,
    plausible,
    served_function,
)
from tests.unit.test_one_way_in import STATE_CHANGING

OFFICER = "district_officer"


def server_callbacks(world: World) -> list[tuple[dict[str, Any], Any]]:
    """(dependency, function) of every callback that runs on the server."""
    found = [(d, served_function(world, d)) for d in dependencies(world)]
    return [(d, f) for d, f in found if d.get("clientside_function") is None]


def page_of(function: Any) -> str | None:
    return getattr(function, "page", None)


def state_changing(world: World) -> list[tuple[dict[str, Any], Any]]:
    """The callbacks that call a command (tests/unit/test_one_way_in.py keeps that list whole)."""
    changing = set(STATE_CHANGING)
    found = [
        (d, f)
        for d, f in server_callbacks(world)
        if (f.__module__.removeprefix("callbacks."), f.__name__) in changing
    ]
    assert len(found) == len(changing), "a state-changing callback is not registered"
    return found


def post_each_input(client: Any, dependency: dict[str, Any], values: Values) -> list[Any]:
    return [
        client.post("/_dash-update-component", json=callback_request(dependency, n, values))
        for n in range(len(dependency["inputs"]))
    ]


def name_of(dependency: dict[str, Any], function: Any) -> str:
    if function is None:
        return dependency["output"][:60]
    return f"{function.__module__}.{function.__name__}"


# --- out-of-scope objects (before the matrix below changes the world) ---------------------------


@pytest.mark.parametrize("variant", ["B's objects", "A's incident, B's teams"])
def test_a_district_officer_acting_on_another_districts_objects_is_refused_and_records_nothing(
    world, variant
):
    values = plausible(world, district=DISTRICT_B)
    if variant != "B's objects":  # the officer's own incident, another district's team
        values.by_prop["incident-id.data"] = world.incident_a
    client, actor = world.client(OFFICER), ROLE_LOGINS[Role.DISTRICT_OFFICER]
    failures = []
    for dependency, function in state_changing(world):
        bodies = [callback_request(dependency, n, values) for n in range(len(dependency["inputs"]))]
        # A's incident with B's team: only requests that carry the team say anything
        bodies = [b for b in bodies if world.team_b in json.dumps(b) or variant == "B's objects"]
        before = events_by(world.engine, actor)
        answers = [client.post("/_dash-update-component", json=body) for body in bodies]
        if any(a.status_code not in (200, 204) for a in answers):
            failures.append((name_of(dependency, function), [a.status_code for a in answers]))
        if events_by(world.engine, actor) != before:
            failures.append((name_of(dependency, function), "appended to the log"))
    assert not failures, failures


def test_the_same_requests_about_the_officers_own_district_are_taken(world):
    """The positive control: every state-changing callback whose action a district officer
    may take, fired through each of its inputs about district A's objects, records something."""
    client, actor = world.client(OFFICER), ROLE_LOGINS[Role.DISTRICT_OFFICER]
    silent = []
    for dependency, function in state_changing(world):
        if Role.DISTRICT_OFFICER not in ACTION_ROLES[COMMAND_ACTIONS[command_of(function)]]:
            continue  # administration: the roles test below shows the officer is refused
        before = events_by(world.engine, actor)
        post_each_input(client, dependency, plausible(world))
        if events_by(world.engine, actor) == before:
            silent.append(name_of(dependency, function))
    assert not silent, f"took no action about A's objects: {silent}"


# The action each state-changing callback's command takes (a new command fails the test below
# until it is named here).
COMMAND_ACTIONS = {
    "acknowledge_alarm": Action.ACKNOWLEDGE_ALARM,
    "escalate_alarm": Action.ESCALATE_ALARM,
    "report_incident": Action.REPORT_INCIDENT,
    "dispatch_teams": Action.DISPATCH,
    "report_team_status": Action.REPORT_TEAM_STATUS,
    "post_incident_update": Action.POST_INCIDENT_UPDATE,
    "request_notification": Action.NOTIFY,
    "close_incident": Action.CLOSE_INCIDENT,
    "create_user": Action.ADMINISTER,
    "change_user": Action.ADMINISTER,
    "reset_password": Action.ADMINISTER,
    "deactivate_user": Action.ADMINISTER,
    "create_token": Action.ADMINISTER,
    "revoke_token": Action.ADMINISTER,
    "change_scoring": Action.CHANGE_SCORING,
    "move_hazard": Action.ASSIGN_HAZARD,  # the step the plausible values ask for
    "issue_task": Action.ISSUE_TASK,
    "complete_task": Action.COMPLETE_TASK,
    "cancel_task": Action.CANCEL_TASK,
    "detain_cylinder": Action.DETAIN_CYLINDER,
    "record_recall": Action.RECALL_CYLINDER,
    "release_cylinder": Action.CLOSE_DETENTION,
    "scrap_cylinder": Action.CLOSE_DETENTION,
    "assign_complaint": Action.ASSIGN_COMPLAINT,
    "reply_complaint": Action.REPLY_COMPLAINT,
    "close_complaint": Action.CLOSE_COMPLAINT,
    "escalate_complaint": Action.ESCALATE_COMPLAINT,
    "turn_complaint_into_hazard": Action.COMPLAINT_TO_HAZARD,
    "turn_complaint_into_incident": Action.COMPLAINT_TO_INCIDENT,
}


def command_of(function: Any) -> str:
    return STATE_CHANGING[(function.__module__.removeprefix("callbacks."), function.__name__)]


@pytest.mark.parametrize("role", list(ROLE_LOGINS), ids=str)
def test_a_role_that_may_not_take_an_action_records_nothing_through_its_callback(world, role):
    """The screen account (or a leader, an enterprise, a supervisor) trying to act: whether its
    page admits the role or not, the command refuses, and the log holds nothing of it."""
    assert set(COMMAND_ACTIONS) == set(STATE_CHANGING.values())
    client, actor, acted = world.client(role.value), ROLE_LOGINS[role], []
    for dependency, function in state_changing(world):
        command = command_of(function)
        if role in ACTION_ROLES[COMMAND_ACTIONS[command]]:
            continue
        before = events_by(world.engine, actor)
        answers = post_each_input(client, dependency, plausible(world))
        if events_by(world.engine, actor) != before or any(a.status_code >= 500 for a in answers):
            acted.append((name_of(dependency, function), [a.status_code for a in answers]))
    assert not acted, acted


# --- the matrix ---------------------------------------------------------------------------------


def test_every_server_callback_is_guarded_by_its_pages_roles(world):
    """A callback outside page_callback would answer every role (Dash's own page router aside:
    the page layouts it renders refuse by themselves, test_matrix_pages.py)."""
    unguarded = [
        name_of(d, f)
        for d, f in server_callbacks(world)
        if d["output"] != PAGES_ROUTER and page_of(f) not in PAGE_ROLES
    ]
    assert not unguarded


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_each_callback_answers_each_principal_as_its_page_decides(world, principal):
    client, role = world.client(principal), world.role_of(principal)
    values = plausible(world)
    wrong = []
    for dependency, function in server_callbacks(world):
        page = page_of(function)
        for n, answer in enumerate(post_each_input(client, dependency, values)):
            cell = (name_of(dependency, function), dependency["inputs"][n]["id"])
            if principal in NO_SESSION:
                if answer.status_code != 401:
                    wrong.append((*cell, answer.status_code, "expected 401"))
            elif page is not None and role not in PAGE_ROLES[page]:
                if answer.status_code != 204 or answer.data:
                    wrong.append((*cell, answer.status_code, answer.data[:120]))
            elif answer.status_code >= 500:
                wrong.append((*cell, answer.status_code, answer.data[-300:]))
            elif seen := [i for i in outside_ids(world, principal) if i.encode() in answer.data]:
                wrong.append((*cell, "shows objects outside the scope", seen))
    assert not wrong, wrong


def outside_ids(world: World, principal: str) -> list[str]:
    """Ids a principal's answers must never carry: B's objects for the officer of A, enterprise
    Y for X's user."""
    if principal == OFFICER:
        return [world.incident_b, world.alarm_b, world.team_b, world.hazard_b, world.task_b]
    if principal == "enterprise":
        return [
            site_of(world, world.enterprise_y),
            world.incident_b,
            world.incident_a,
            world.hazard_b,
            world.task_b,
        ]
    return []


def site_of(world: World, enterprise: str) -> str:
    query = select(Site.id).where(Site.enterprise_id == enterprise).order_by(Site.id).limit(1)
    with world.engine.connect() as connection:
        return str(connection.scalar(query))


def test_a_citywide_user_sees_the_objects_the_narrow_scopes_must_not(world):
    """The control of the scope cells above: the same requests, as the city's duty officer,
    do carry B's incident and alarm and Y's site, so their absence above means something."""
    client, values, seen = world.client("duty_officer"), plausible(world), b""
    for dependency, _function in server_callbacks(world):
        seen += b"".join(a.data for a in post_each_input(client, dependency, values))
    wanted_ids = (
        world.incident_b,
        world.alarm_b,
        site_of(world, world.enterprise_y),
        world.hazard_b,
        world.task_b,
    )
    for wanted in wanted_ids:
        assert wanted.encode() in seen, wanted
