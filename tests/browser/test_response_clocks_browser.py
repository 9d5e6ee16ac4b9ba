"""The incident rules as a browser shows them, on one fresh demo city for this module:

- an incident whose first team is on its way (en route) is open: the One Map shows its response
  clock and counts it among the active incidents;
- the 20-minute target's edge (dashboard/domain/response.py) on the board, the One Map and the
  wall: with the browser's clock fixed (Playwright's clock API), an incident reported exactly
  20:00 ago is in time, one reported 20:01 ago is late.

The incidents go in through the demo's gateway (the real write path) before the pages open, so
the pages load them from the server rather than from the live channel.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from data_access.db import make_engine
from data_access.models import Team
from tests.browser.conftest import ingest_token, own_demo, send, sign_in
from tests.browser.test_one_map_browser import kpi_value, wait_for_kpi, wait_for_map
from tests.support import IN_JIANGAN, IN_WUCHANG, DemoProcess, incident

pytestmark = pytest.mark.browser

TYPES = "incident.reported,incident.dispatched,team.status"
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def desk(
    tmp_path_factory: pytest.TempPathFactory, demo_database_template: Path
) -> Iterator[DemoProcess]:
    """The demo on a fresh copy of the seeded city: no other test's incidents on its screens."""
    with own_demo(tmp_path_factory, demo_database_template, "clocks") as demo:
        yield demo


def reported(incident_id: str, where: tuple[float, float], at: datetime) -> dict:
    event = incident(incident_id, *where)
    event["occurred_at"] = at.isoformat()
    return event


def epoch_ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def a_team(desk: DemoProcess) -> str:
    engine = make_engine(f"sqlite:///{desk.data_dir / 'gascc.sqlite3'}")
    try:
        with engine.connect() as connection:
            return connection.scalar(select(Team.id).order_by(Team.id).limit(1))
    finally:
        engine.dispose()


def test_an_incident_whose_team_is_on_its_way_shows_on_the_one_map(desk, new_tab) -> None:
    first = new_tab()
    sign_in(first, desk.url, "duty")
    wait_for_map(first)
    before = kpi_value(first.page, "kpi.incidents_open")

    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)
    team = a_team(desk)
    events = [
        reported("EN-ROUTE", IN_WUCHANG, at),
        {
            "id": "EN-ROUTE-sent",
            "type": "incident.dispatched",
            "occurred_at": (at + timedelta(minutes=1)).isoformat(),
            "data": {"incident_id": "EN-ROUTE", "team_ids": [team], "by": "duty", "eta_minutes": 8},
        },
        {
            "id": "EN-ROUTE-off",
            "type": "team.status",
            "occurred_at": (at + timedelta(minutes=2)).isoformat(),
            "data": {"team_id": team, "status": "en_route", "incident_id": "EN-ROUTE"},
        },
    ]
    ack = send(desk, ingest_token(desk, TYPES), events)
    assert len(ack["accepted"]) == 3, ack

    # A new tab: the map's incidents come from the server, not from the live channel.
    tab = new_tab()
    sign_in(tab, desk.url, "duty")
    wait_for_map(tab)
    page = tab.page
    wait_for_kpi(page, "kpi.incidents_open", before + 1)
    # its response clock runs (no team on scene yet); a redraw may briefly hold two
    clock = f".clock-tip .incident-clock[data-reported='{epoch_ms(at)}']"
    page.wait_for_selector(clock, state="attached", timeout=WAIT_MS)
    assert first.console_errors == [] and tab.console_errors == []


# (incident, seconds since its report, the board's and the wall's clock, late?)
EDGE = (
    ("AT-20-00", 1200.0, "20:00", False),
    ("AT-20-00.5", 1200.5, "20:00", False),  # still 20:00 on the clock: in time
    ("AT-20-01", 1201.0, "20:01", True),
)


def test_twenty_minutes_is_in_time_and_twenty_and_a_second_late_on_every_screen(
    desk, new_tab
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    places = (IN_JIANGAN, IN_WUCHANG, (30.60, 114.27))  # apart, so each has its own marker
    events = [
        reported(incident_id, where, now - timedelta(seconds=seconds))
        for (incident_id, seconds, _, _), where in zip(EDGE, places, strict=True)
    ]
    ack = send(desk, ingest_token(desk, TYPES), events)
    assert ack["accepted"] == [incident_id for incident_id, *_ in EDGE], ack

    tab = new_tab()
    page = tab.page
    page.clock.set_fixed_time(now)  # Date.now() in the page: `now`, however long the test takes
    sign_in(tab, desk.url, "duty")
    wait_for_map(tab)
    assert page.evaluate("window.gascc.rules()") == {"responseTargetS": 1200}

    def classes(selector: str) -> list[str]:
        return (page.locator(selector).first.get_attribute("class") or "").split()

    def shows(selector: str, text: str) -> None:
        """Wait until the page's own ticking has drawn `text` (the server drew its own first)."""
        page.wait_for_function(
            "([selector, text]) => document.querySelector(selector)?.textContent === text",
            arg=[selector, text],
            timeout=WAIT_MS,
        )

    # The board: minutes:seconds, red ("breach") once late.
    page.goto(f"{desk.url}/incidents")
    for incident_id, _, clock, late in EDGE:
        selector = f"tr[data-incident='{incident_id}'] .response-clock"
        shows(selector, clock)
        assert ("breach" in classes(selector)) is late, incident_id

    # The One Map: whole minutes on the clock (20′ for all), red only once late.
    page.goto(f"{desk.url}/")
    wait_for_map(tab)
    for incident_id, seconds, _, late in EDGE:
        at = epoch_ms(now - timedelta(seconds=seconds))
        selector = f".incident-clock[data-reported='{at}']"
        shows(selector, "20′")
        tip = page.locator(selector).first.evaluate("e => e.closest('.leaflet-tooltip').className")
        assert ("breach" in tip.split()) is late, incident_id

    # The wall: the server draws the clocks, the page counts them on from the report.
    page.goto(f"{desk.url}/screen")
    for incident_id, _, clock, late in EDGE:
        selector = f"[data-incident='{incident_id}'] .clock.running"
        shows(selector, clock)
        assert ("late" in classes(selector)) is late, incident_id
    assert tab.console_errors == []
