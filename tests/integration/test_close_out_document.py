"""The close-out report reads as an official document (issue 14, items 5 and 6): an incident
made by the desk's own commands, a field app's update with a stored photo, the notifier's
in-app delivery, the closing; then one of its teams sent on to a later incident.

The report page, its PDF (text extracted with pypdf) and the incident page name people,
sources, channels and teams in words, link the photo where the incident page does, name the
street office, and show each team's status on THIS incident, not on the later one.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select

from dashboard.domain.events import Event, IncidentUpdate, TeamStatus
from dashboard.domain.incident_form import IncidentDraft
from dashboard.domain.roles import CITYWIDE, system_user
from data_access import commands
from data_access.commands import Done
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import NotificationRequest, Team, TeamState
from data_access.queries import incident_view as view
from data_access.queries.incident_report import incident_report
from tests.conftest import sign_in
from tests.integration.test_incident_report import render_report
from tests.support import IN_WUCHANG, desk_user

PHOTO = "sha256:" + "ab" * 32
DUTY = desk_user("duty")
# Raw codes a reader must never meet in the report: channels, actors, team ids.
RAW_CODES = re.compile(r"\bin_app\b|user:|source:|\bfield-app\b|TEAM-\d+|\bunknown\b")


def done(result: object) -> str:
    assert isinstance(result, Done), result
    return result.subject


def free_teams(engine: Engine, count: int) -> list[str]:
    with engine.connect() as connection:
        busy = select(TeamState.team_id).where(TeamState.status != "available")
        query = select(Team.id).where(Team.id.not_in(busy)).order_by(Team.id).limit(count)
        return list(connection.scalars(query))


def report(engine: Engine, description: str) -> str:
    draft = IncidentDraft(
        kind="leak",
        severity=3,
        channel="hotline_96511",
        lat=IN_WUCHANG[0],
        lon=IN_WUCHANG[1],
        address="武昌区中山路 1 号",  # no street in it: the street office by district
        description=description,
    )
    return done(commands.report_incident(engine, DUTY, draft))


def from_field_app(engine: Engine, data: object) -> None:
    event = Event.of(data, id=f"field-app-{uuid.uuid4().hex}", occurred_at=datetime.now(UTC))
    [outcome] = append_events(engine, [Incoming("field-app", event, actor="field-app")])
    assert isinstance(outcome, Accepted), outcome


def deliver_in_app(engine: Engine, incident_id: str) -> None:
    """What the notifier records for the dispatch's request on the in-app channel, with the
    recipients its directory names (dashboard/notifier.py)."""
    from dashboard.citypack import load_city_pack
    from dashboard.notifier import Directory
    from data_access.queries.notifications import incident_notice

    with engine.connect() as connection:
        request = connection.execute(
            select(NotificationRequest.id, NotificationRequest.levels).where(
                NotificationRequest.incident_id == incident_id
            )
        ).first()
    assert request is not None
    notice = incident_notice(engine, incident_id)
    assert notice is not None
    recipients = Directory(engine, load_city_pack("wuhan")).recipients(notice, request.levels)
    worker = system_user("notifier")
    names = [recipients[level] for level in request.levels]
    result = commands.record_notification(
        engine, worker, request.id, incident_id, request.levels, names, "in_app",
        delivered=True, attempts=1,
    )  # fmt: skip
    done(result)


def closed_incident_and_a_later_one(engine: Engine) -> tuple[str, str, str, str]:
    """Incident A handled end to end and closed; then A's first team sent to B and on scene
    there. Returns (A, B, the team sent on, the other team)."""
    first, second = free_teams(engine, 2)
    a = report(engine, "居民报告厨房燃气味浓")
    done(commands.dispatch_teams(engine, DUTY, a, [first, second], 12))
    deliver_in_app(engine, a)
    done(commands.report_team_status(engine, DUTY, a, first, "en_route"))
    from_field_app(engine, TeamStatus(team_id=second, status="en_route", incident_id=a))
    done(commands.report_team_status(engine, DUTY, a, first, "on_scene"))
    from_field_app(engine, TeamStatus(team_id=second, status="on_scene", incident_id=a))
    update = IncidentUpdate(
        incident_id=a, author="duty", text="阀门已关闭", status="contained", photos=[PHOTO]
    )
    from_field_app(engine, update)  # a source's claim to be "duty" is not the duty officer
    done(commands.close_incident(engine, DUTY, a, "泄漏已处置，无人员伤亡", 0))
    b = report(engine, "另一处燃气泄漏")
    done(commands.dispatch_teams(engine, DUTY, b, [first], 10))
    done(commands.report_team_status(engine, DUTY, b, first, "on_scene"))
    return a, b, first, second


@pytest.fixture
def app_engine(demo_app) -> Engine:
    return demo_app.server.config["GASCC_ENGINE"]


def team_name(engine: Engine, team_id: str) -> str:
    with engine.connect() as connection:
        name = connection.scalar(select(Team.name).where(Team.id == team_id))
    assert name is not None
    return name


# --- the query, on SQLite and PostgreSQL ------------------------------------------------------


def test_each_team_keeps_its_status_on_the_closed_incident(city):
    from dashboard.demo import ensure_demo_users

    ensure_demo_users(city)
    a, b, sent_on, other = closed_incident_and_a_later_one(city)
    now = datetime.now(UTC)
    closed = incident_report(city, a, CITYWIDE, now)
    assert closed is not None
    here = {team.team_id: team.status_here for team in closed.teams}
    # Both teams headed back when A closed; the first is on scene at B now, not at A.
    assert here == {sent_on: "returning", other: "returning"}
    sent = {team.team_id: team for team in view.dispatched_teams(city, a)}
    assert sent[sent_on].status == "on_scene" and sent[sent_on].now_on == b
    assert sent[sent_on].status_here == "returning"
    later = incident_report(city, b, CITYWIDE, now)
    assert later is not None
    assert [(t.team_id, t.status_here) for t in later.teams] == [(sent_on, "on_scene")]
    # The names the report needs: the duty officer by display name, the teams by name.
    assert closed.names["duty"] == "值班员 王敏"
    assert closed.names[sent_on] == team_name(city, sent_on)


# --- the page and the PDF ---------------------------------------------------------------------


def pdf_text(client, incident_id: str) -> str:
    response = client.get(f"/reports/{incident_id}.pdf")
    assert response.status_code == 200
    reader = PdfReader(BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return squash(text)


def squash(text: str) -> str:
    """Text without the breaks a PDF's table cells add: Chinese wraps anywhere (no space
    between its words), English at spaces."""
    return re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text).replace("\n", " ")


def pdf_links(client, incident_id: str) -> list[str]:
    reader = PdfReader(BytesIO(client.get(f"/reports/{incident_id}.pdf").data))
    return [
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object()
    ]


def test_the_report_names_people_sources_channels_and_teams(client, app_engine):
    a, _b, sent_on, _other = closed_incident_and_a_later_one(app_engine)
    sign_in(client, "duty")
    page = render_report(client, a)
    text = pdf_text(client, a)
    for shown in (squash(page), text):
        assert RAW_CODES.search(shown) is None, RAW_CODES.search(shown)
        assert "值班员王敏" in shown  # who closed it, who sent the teams
        assert "外勤App" in shown  # the field app's update and team status, as a source
        assert "站内通知" in shown  # the channel
        assert squash(team_name(app_engine, sent_on)) in shown
        assert "所在街道办事处（武昌区）" in shown  # the street office, not "unknown"
        assert "返回中" in shown
    assert '"结案人"' in page and "值班员 王敏" in page


def test_the_report_in_english_uses_english_words(client, app_engine):
    a, *_ = closed_incident_and_a_later_one(app_engine)
    sign_in(client, "duty")
    client.get("/lang/en")
    page = render_report(client, a)
    text = pdf_text(client, a)
    for shown in (squash(page), text):
        assert RAW_CODES.search(shown) is None, RAW_CODES.search(shown)
        assert "In-app" in shown and "Field app" in shown and "值班员王敏" in shown


def test_the_photo_links_where_the_incident_page_shows_it(client, app_engine):
    a, *_ = closed_incident_and_a_later_one(app_engine)
    sign_in(client, "duty")
    page = render_report(client, a)
    path = f"/photos/{PHOTO.removeprefix('sha256:')}.svg"
    assert f'"href": "{path}"' in page and '"href": "sha256:' not in page
    links = pdf_links(client, a)
    assert links == [f"http://localhost{path}"]  # absolute: a PDF leaves the browser


def test_the_incident_page_shows_each_teams_status_on_this_incident(client, app_engine):
    from callbacks.incident import dispatched_list

    a, *_ = closed_incident_and_a_later_one(app_engine)
    with client.application.app_context():
        table = str(dispatched_list(view.dispatched_teams(app_engine, a), "zh", acts=False))
    assert "data-status='returning'" in table and "on_scene" not in table


def test_an_old_unknown_street_recipient_is_named_by_district(client, app_engine):
    """Notifications logged before the notifier named the street office said "unknown"."""
    a = report(app_engine, "旧记录")
    done(commands.dispatch_teams(app_engine, DUTY, a, free_teams(app_engine, 1), 8))
    with app_engine.connect() as connection:
        request = connection.execute(
            select(NotificationRequest.id, NotificationRequest.levels).where(
                NotificationRequest.incident_id == a
            )
        ).first()
    assert request is not None
    names = ["武汉市应急管理办公室", "武昌区燃气管理办公室", "unknown", "unknown"]
    result = commands.record_notification(
        app_engine, system_user("notifier"), request.id, a, request.levels, names, "in_app",
        delivered=True, attempts=1,
    )  # fmt: skip
    done(result)
    sign_in(client, "duty")
    page = render_report(client, a)
    assert "所在街道办事处（武昌区）" in page and "未能确定" in page and "unknown" not in page
