"""The incident board's queries, the registry place search and the district officer's reach,
on a seeded city, on SQLite and PostgreSQL. Incidents go through the real event log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from dashboard.domain.events import (
    Bounds,
    Event,
    IncidentClosed,
    IncidentDispatched,
    IncidentReported,
    IncidentUpdate,
    TeamStatus,
)
from dashboard.domain.incident_form import IncidentDraft, validate_incident_form
from dashboard.domain.roles import Role, Scope
from data_access import commands
from data_access.commands import Done, Refused
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import Enterprise, Incident, Site, Team
from data_access.queries import incident_board, places
from data_access.queries.incident_board import BoardCounts
from tests.support import IN_JIANGAN, IN_WUCHANG, desk_user

JIANGAN, WUCHANG = "420102", "420106"
CITYWIDE = Scope()
WUHAN = Bounds(29.971759, 113.696546, 31.363321, 115.076849)


def _append(engine: Engine, data, minutes_ago: float, at: datetime | None = None) -> None:
    when = at or datetime.now(UTC) - timedelta(minutes=minutes_ago)
    event = Event.of(data, id=f"e-{type(data).__name__}-{when.timestamp()}", occurred_at=when)
    [outcome] = append_events(engine, [Incoming("test", event)])
    assert isinstance(outcome, Accepted), outcome


def report(
    engine: Engine,
    incident_id: str,
    where: tuple[float, float],
    severity: int,
    minutes_ago: float = 0,
    at: datetime | None = None,
) -> None:
    data = IncidentReported(
        incident_id=incident_id,
        kind="leak",
        channel="hotline_96511",
        lat=where[0],
        lon=where[1],
        address=f"{incident_id} 号",
        severity=severity,
        description="燃气味",
    )
    _append(engine, data, minutes_ago, at)


def _teams(engine: Engine, count: int) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(Team.id).order_by(Team.id).limit(count)))


@pytest.fixture
def board_city(city: Engine) -> Engine:
    """Five incidents: two severe ones in Jiang'an (one late), a minor one in Wuchang with two
    teams sent (one already back), one closed, one on scene late."""
    report(city, "I-SEV4-NEW", IN_JIANGAN, 4, minutes_ago=5)
    report(city, "I-SEV4-OLD", IN_JIANGAN, 4, minutes_ago=30)
    report(city, "I-SEV1", IN_WUCHANG, 1, minutes_ago=40)
    report(city, "I-CLOSED", IN_WUCHANG, 3, minutes_ago=50)
    report(city, "I-ONSCENE", IN_WUCHANG, 2, minutes_ago=45)
    first, second, third = _teams(city, 3)
    sent = IncidentDispatched(
        incident_id="I-SEV1", team_ids=[first, second], by="duty", eta_minutes=9
    )
    _append(city, sent, minutes_ago=38)
    _append(city, TeamStatus(team_id=second, status="returning", incident_id="I-SEV1"), 20)
    _append(
        city,
        IncidentUpdate(incident_id="I-ONSCENE", author="t", text="到场", status="on_scene"),
        10,
    )
    sent = IncidentDispatched(incident_id="I-CLOSED", team_ids=[third], by="duty", eta_minutes=5)
    _append(city, sent, minutes_ago=48)
    _append(city, IncidentClosed(incident_id="I-CLOSED", by="duty", summary="已处置"), 3)
    return city


def test_the_board_lists_active_incidents_most_severe_then_longest_waiting(board_city) -> None:
    now = datetime.now(UTC)
    rows = incident_board.active_incidents(board_city, CITYWIDE, now)
    assert [row.id for row in rows] == ["I-SEV4-OLD", "I-SEV4-NEW", "I-ONSCENE", "I-SEV1"]
    by_id = {row.id: row for row in rows}
    assert by_id["I-SEV1"].teams == 1  # the team that went back is no longer counted
    assert by_id["I-SEV4-OLD"].teams == 0
    # late: past 20 minutes with nobody on scene; arriving late is no longer "late now"
    assert {row.id for row in rows if row.breach} == {"I-SEV4-OLD", "I-SEV1"}
    assert by_id["I-SEV4-NEW"].district == JIANGAN
    assert by_id["I-SEV1"].dispatched_at is not None
    assert by_id["I-ONSCENE"].on_scene_at is not None


def test_the_counts_cover_active_late_and_unattended_incidents(board_city) -> None:
    counts = incident_board.board_counts(board_city, CITYWIDE, datetime.now(UTC))
    assert counts == BoardCounts(active=4, breaching=2, no_team=3)


def test_rows_and_count_agree_that_a_clock_at_twenty_minutes_is_in_time(city: Engine) -> None:
    """The 20:00 edge (dashboard/domain/response.py) at fixed times: whole seconds from the report,
    20:00 (even 20:00.999) is in time, 20:01 late; each row's flag and the SQL count agree."""
    now = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
    for incident_id, seconds in (("EDGE-1200", 1200), ("EDGE-1200.999", 1200.999)):
        report(city, incident_id, IN_WUCHANG, 2, at=now - timedelta(seconds=seconds))
    report(city, "EDGE-1201", IN_WUCHANG, 2, at=now - timedelta(seconds=1201))

    def late_at(when: datetime) -> tuple[set[str], int]:
        rows = incident_board.active_incidents(city, CITYWIDE, when)
        count = incident_board.board_counts(city, CITYWIDE, when).breaching
        return {row.id for row in rows if row.breach}, count

    assert late_at(now) == ({"EDGE-1201"}, 1)
    one_second_on = {"EDGE-1200", "EDGE-1200.999", "EDGE-1201"}  # every clock shows 20:01 now
    assert late_at(now + timedelta(seconds=1)) == (one_second_on, 3)


def test_a_district_officer_sees_only_their_districts_incidents(board_city) -> None:
    now = datetime.now(UTC)
    jiangan = Scope(district=JIANGAN)
    assert [r.id for r in incident_board.active_incidents(board_city, jiangan, now)] == [
        "I-SEV4-OLD",
        "I-SEV4-NEW",
    ]
    assert incident_board.board_counts(board_city, jiangan, now) == BoardCounts(
        active=2, breaching=1, no_team=2
    )
    assert incident_board.recently_closed(board_city, jiangan, now) == []
    enterprise = Scope(enterprise_id="ENT-0001")
    assert incident_board.active_incidents(board_city, enterprise, now) == []


def test_an_enterprise_sees_nothing_of_the_board_a_district_its_own_closed(board_city) -> None:
    now = datetime.now(UTC)
    enterprise = Scope(enterprise_id="ENT-0001")
    assert incident_board.board_counts(board_city, enterprise, now) == BoardCounts(0, 0, 0)
    assert incident_board.recently_closed(board_city, enterprise, now) == []
    wuchang = incident_board.recently_closed(board_city, Scope(district=WUCHANG), now)
    assert [row.id for row in wuchang] == ["I-CLOSED"]


def test_closed_incidents_leave_the_board_for_the_last_days_list(board_city) -> None:
    now = datetime.now(UTC)
    [closed] = incident_board.recently_closed(board_city, CITYWIDE, now)
    assert closed.id == "I-CLOSED" and closed.closed_at is not None
    assert closed.teams == 1
    assert incident_board.recently_closed(board_city, CITYWIDE, now + timedelta(hours=25)) == []


def test_the_board_limit_keeps_the_most_urgent(board_city) -> None:
    rows = incident_board.active_incidents(board_city, CITYWIDE, datetime.now(UTC), limit=2)
    assert [row.id for row in rows] == ["I-SEV4-OLD", "I-SEV4-NEW"]


def test_an_empty_city_has_an_empty_board(city: Engine) -> None:
    now = datetime.now(UTC)
    assert incident_board.active_incidents(city, CITYWIDE, now) == []
    assert incident_board.board_counts(city, CITYWIDE, now) == BoardCounts(
        active=0, breaching=0, no_team=0
    )


# --- places from the registry -----------------------------------------------------------------


def _first(engine: Engine, query):
    with engine.connect() as connection:
        return connection.execute(query).first()


def test_a_site_is_found_by_part_of_its_name_with_its_coordinates(city: Engine) -> None:
    site = _first(city, select(Site).where(Site.district == JIANGAN).order_by(Site.id))
    found = places.search_places(city, site.name[1:5], CITYWIDE)
    match = next(p for p in found if p.kind == "site" and p.id == site.id)
    assert (match.lat, match.lon) == (site.lat, site.lon)
    assert match.label == site.name
    assert site.name in match.address and "江岸区" in match.address


def test_enterprises_teams_and_customers_are_found_too(city: Engine) -> None:
    enterprise = _first(city, select(Enterprise).where(Enterprise.lat.is_not(None)))
    found = places.search_places(city, enterprise.name, CITYWIDE)
    assert any(p.kind == "enterprise" and p.id == enterprise.id for p in found)
    team = _first(city, select(Team).order_by(Team.id))
    assert any(p.id == team.id for p in places.search_places(city, team.name, CITYWIDE))
    [customer] = places.search_places(city, "C-00000001", CITYWIDE)
    assert customer.kind == "customer" and customer.label == "C-00000001"


def test_the_place_search_stays_in_scope_and_within_its_limit(city: Engine) -> None:
    everywhere = places.search_places(city, "液化气", CITYWIDE, limit=50)
    assert len(everywhere) > 3
    assert len(places.search_places(city, "液化气", CITYWIDE, limit=3)) == 3
    jiangan = places.search_places(city, "液化气", Scope(district=JIANGAN), limit=50)
    with city.connect() as connection:
        districts = {
            row.id: row.district for row in connection.execute(select(Site.id, Site.district))
        }
    assert jiangan and all(districts.get(p.id, JIANGAN) == JIANGAN for p in jiangan)
    assert len(jiangan) < len(everywhere)


def test_an_enterprise_finds_only_its_own_places_and_no_team(city: Engine) -> None:
    own = Scope(enterprise_id="ENT-0007")
    everywhere = places.search_places(city, "液化气", CITYWIDE, limit=50)
    found = places.search_places(city, "液化气", own, limit=50)
    with city.connect() as connection:
        site_owners = dict(connection.execute(select(Site.id, Site.enterprise_id)).all())

    def owner(place: places.Place) -> str:  # by name, only sites and enterprises match
        return place.id if place.kind == "enterprise" else site_owners[place.id]

    assert found and all(owner(p) == "ENT-0007" for p in found)
    assert len(found) < len(everywhere)
    # teams are the authorities' (data_access/scope.py), even an enterprise's own rescue team
    team = _first(city, select(Team).where(Team.owner_id == "ENT-0001").order_by(Team.id))
    assert any(p.id == team.id for p in places.search_places(city, team.name, CITYWIDE))
    mine = places.search_places(city, team.name, Scope(enterprise_id="ENT-0001"))
    assert all(p.kind != "team" for p in mine)


def test_the_place_search_takes_like_wildcards_literally(city: Engine) -> None:
    assert places.search_places(city, "%", CITYWIDE) == []
    assert places.search_places(city, "_", CITYWIDE) == []
    assert places.search_places(city, "   ", CITYWIDE) == []


def test_a_point_is_filed_under_the_district_containing_it(city: Engine) -> None:
    # IN_JIANGAN's nearest district centroid is Wuchang's: containment must win
    assert places.district_of(city, *IN_JIANGAN) == JIANGAN
    assert places.district_of(city, *IN_WUCHANG) == WUCHANG


# --- who may report what ----------------------------------------------------------------------


def _form(where: tuple[float, float]) -> dict:
    return {
        "kind": "odor",
        "severity": 3,
        "channel": "patrol",
        "coordinates": f"{where[0]}, {where[1]}",
        "address": "测试地址",
        "description": "巡查闻到异味",
    }


def _draft(where: tuple[float, float]) -> IncidentDraft:
    draft, errors = validate_incident_form(_form(where), WUHAN)
    assert draft is not None, errors
    return draft


def test_a_district_officer_may_not_report_a_point_outside_their_district(city: Engine) -> None:
    jiangan = desk_user("jiangan", Role.DISTRICT_OFFICER, district=JIANGAN)
    refused = commands.report_incident(city, jiangan, _draft(IN_WUCHANG))
    assert isinstance(refused, Refused)
    assert (refused.reason, refused.field) == ("outside_district", "location")
    assert isinstance(commands.report_incident(city, jiangan, _draft(IN_JIANGAN)), Done)
    assert isinstance(commands.report_incident(city, desk_user(), _draft(IN_WUCHANG)), Done)


def test_a_reported_draft_appears_on_the_board_as_the_officers_action(city: Engine) -> None:
    jiangan = desk_user("jiangan", Role.DISTRICT_OFFICER, district=JIANGAN)
    outcome = commands.report_incident(city, jiangan, _draft(IN_JIANGAN))
    assert isinstance(outcome, Done)
    incident_id = outcome.subject
    [row] = incident_board.active_incidents(city, Scope(district=JIANGAN), datetime.now(UTC))
    assert (row.id, row.kind, row.severity, row.channel) == (
        incident_id,
        "odor",
        3,
        "patrol",
    )
    with city.connect() as connection:
        assert connection.scalar(select(Incident.status).where(Incident.id == incident_id)) == (
            "reported"
        )
