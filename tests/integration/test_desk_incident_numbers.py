"""Incidents opened at the desk are numbered like the simulators' (INC-…), by the city's day
(Asia/Shanghai) and a daily sequence a duty officer can say aloud; unique under concurrency."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from dashboard.domain.events import Event, IncidentReported
from data_access import commands
from data_access.commands import Done
from data_access.eventlog import Accepted, Incoming, append_events
from tests.integration.test_incident_desk import DRAFT
from tests.support import desk_user

CITY_DAY = timedelta(hours=8)  # Asia/Shanghai has no summer time


def _city_date(now: datetime) -> str:
    return f"{now + CITY_DAY:%Y%m%d}"


def _open(engine: Engine) -> str:
    result = commands.report_incident(engine, desk_user(), DRAFT)
    assert isinstance(result, Done), result
    return result.subject


def test_desk_incidents_are_numbered_by_the_citys_day(city: Engine) -> None:
    before = datetime.now(UTC)
    first, second = _open(city), _open(city)
    after = datetime.now(UTC)
    days = {_city_date(before), _city_date(after)}
    match = re.fullmatch(r"INC-(\d{8})-(\d{4})", first)
    assert match and match.group(1) in days, first
    assert second == f"INC-{match.group(1)}-{int(match.group(2)) + 1:04d}"


def test_numbers_continue_after_the_days_highest_and_old_ids_stay_valid(city: Engine) -> None:
    day = _city_date(datetime.now(UTC))
    for incident_id in (f"INC-{day}-0041", "desk-20261202-135403-26944f", "INC-ab3xk-000001"):
        data = IncidentReported(incident_id=incident_id, **DRAFT.as_event_fields())
        event = Event.of(data, id=f"e-{incident_id}", occurred_at=datetime.now(UTC))
        outcomes = append_events(city, [Incoming("test", event)])
        assert all(isinstance(o, Accepted) for o in outcomes), outcomes
    assert _open(city) in (f"INC-{day}-0042", f"INC-{_city_date(datetime.now(UTC))}-0001")


def test_officers_opening_incidents_at_once_get_different_numbers(city: Engine) -> None:
    opened: list[str] = []
    workers = [threading.Thread(target=lambda: opened.append(_open(city))) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(opened) == 6 and len(set(opened)) == 6, opened
