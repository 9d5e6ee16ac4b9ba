"""Dash's endpoint as an attacker with a session would use it: every state-changing callback,
posted directly by a user who may not take the action, is refused in the user's language and
records nothing; and a page's callbacks answer nobody the page itself refuses."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from dashboard import ids
from dashboard.domain.incident_form import IncidentDraft
from dashboard.domain.roles import Role
from data_access import commands
from data_access.commands import Done
from data_access.models import EventRecord, Team
from tests.conftest import sign_in
from tests.dash_endpoint import answer_text, post_callback
from tests.support import IN_WUCHANG, WUCHANG, desk_user

ADMIN = desk_user("admin", Role.ADMIN)


def engine_of(app) -> Engine:
    return app.server.config["GASCC_ENGINE"]


def log_length(engine: Engine, actor: str) -> int:
    """The events `actor` has recorded (the app's notifier may record its own meanwhile), not
    counting their sign-ins and sign-outs (session.*)."""
    query = (
        select(func.count())
        .select_from(EventRecord)
        .where(EventRecord.actor == actor, EventRecord.type.not_like("session.%"))
    )
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


@pytest.fixture
def sent(demo_app) -> tuple[str, str]:
    """A Wuchang incident with a Wuchang team on its way."""
    engine = engine_of(demo_app)
    draft = IncidentDraft("leak", 2, "patrol", *IN_WUCHANG, "武昌区测试地址", "巡查闻到燃气味")
    incident = commands.report_incident(engine, ADMIN, draft)
    assert isinstance(incident, Done)
    with engine.connect() as connection:
        team = connection.scalar(select(Team.id).where(Team.district == WUCHANG).limit(1))
    assert isinstance(commands.dispatch_teams(engine, ADMIN, incident.subject, [team], 5), Done)
    return incident.subject, team


def desk_actions(incident: str, team: str) -> dict[str, tuple]:
    """Each incident-view action: its trigger, property and the other values it reads."""
    here = {f"{ids.INCIDENT_ID}.data": incident}
    return {
        "dispatch": (
            ids.INCIDENT_DISPATCH_CONFIRM,
            {f"{ids.INCIDENT_PICKED}.data": [team], **here},
        ),
        "team status": (
            {"type": ids.TEAM_STATUS, "team": team, "status": "en_route"},
            here,
        ),
        "update": (
            ids.INCIDENT_UPDATE_POST,
            {f"{ids.INCIDENT_UPDATE_TEXT}.value": "现场已警戒", **here},
        ),
        "notify": (ids.INCIDENT_NOTIFY, {f"{ids.INCIDENT_NOTIFY_LEVELS}.value": ["city"], **here}),
        "close": (
            ids.INCIDENT_CLOSE_CONFIRM,
            {f"{ids.INCIDENT_CLOSE_SUMMARY}.value": "处置完毕", **here},
        ),
    }


@pytest.mark.parametrize(
    ("username", "refusal"),
    [
        ("leader", "您的角色无权"),  # a role that only reads the desk
        ("jiangan", "未找到事件"),  # another district's incident: as if it did not exist
    ],
)
def test_every_desk_action_posted_directly_is_refused_and_records_nothing(
    demo_app, client, sent, username, refusal
):
    sign_in(client, username)
    engine = engine_of(demo_app)
    for action, (trigger, others) in desk_actions(*sent).items():
        before = log_length(engine, username)
        response = post_callback(client, trigger, "n_clicks", 1, others)
        assert response.status_code == 200, (action, response.data[:300])
        assert refusal in answer_text(response), (action, answer_text(response)[:300])
        assert log_length(engine, username) == before, action


def test_the_same_actions_are_taken_for_the_duty_officer(demo_app, client, sent):
    """The positive control: the requests above are right, only the users were not."""
    sign_in(client, "duty")
    engine = engine_of(demo_app)
    actions = desk_actions(*sent)
    for action in ("team status", "update", "notify", "close"):
        trigger, others = actions[action]
        before = log_length(engine, "duty")
        response = post_callback(client, trigger, "n_clicks", 1, others)
        assert response.status_code == 200, (action, response.data[:300])
        assert log_length(engine, "duty") > before, (action, answer_text(response)[:300])


def test_a_new_incident_posted_by_a_reading_role_is_refused(demo_app, client):
    sign_in(client, "leader")
    engine = engine_of(demo_app)
    form = {
        f"{ids.FORM_KIND}.value": "leak",
        f"{ids.FORM_SEVERITY}.value": 2,
        f"{ids.FORM_CHANNEL}.value": "patrol",
        f"{ids.FORM_COORDS}.value": f"{IN_WUCHANG[0]}, {IN_WUCHANG[1]}",
        f"{ids.FORM_ADDRESS}.value": "武昌区测试地址",
        f"{ids.FORM_DESCRIPTION}.value": "巡查闻到燃气味",
    }
    response = post_callback(client, ids.FORM_SUBMIT, "n_clicks", 1, form)
    assert "您的角色不能新建事件" in answer_text(response)
    assert log_length(engine, "leader") == 0
    sign_in(client, "duty")  # the positive control
    post_callback(client, ids.FORM_SUBMIT, "n_clicks", 1, form)
    assert log_length(engine, "duty") == 1


@pytest.mark.parametrize(
    ("username", "trigger", "prop"),
    [
        ("screen", ids.INCIDENT_ID, "data"),  # the incident view
        ("enterprise", ids.INCIDENT_ID, "data"),
        ("screen", ids.BOARD_REFRESH, "n_intervals"),  # the board
        ("screen", ids.NOTIFY_REFRESH, "n_intervals"),  # the notification centre
    ],
)
def test_a_pages_callbacks_answer_nobody_the_page_refuses(client, sent, username, trigger, prop):
    sign_in(client, username)
    value = sent[0] if prop == "data" else 1
    assert post_callback(client, trigger, prop, value).status_code == 204  # no update


def test_the_incident_views_callbacks_answer_the_desk(client, sent):
    sign_in(client, "duty")
    response = post_callback(client, ids.INCIDENT_ID, "data", sent[0])
    assert response.status_code == 200 and sent[1] in answer_text(response)
