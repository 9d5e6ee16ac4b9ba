"""What the wall's panels say, as a person in the room reads them: the open-hazards map counts
zero as 0 with whole-number classes, and the incident panel says how many incidents it leaves out
and colours each severity as the board does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dashboard import ids
from tests.browser.conftest import ingest_token, own_demo, send, sign_in
from tests.support import DemoProcess, incident

pytestmark = pytest.mark.browser

ROWS = 10  # the incident panel's rows (queries.screen.active_incidents)
SENT = ROWS + 2


@pytest.fixture(scope="module")
def demo_server(
    tmp_path_factory: pytest.TempPathFactory, demo_database_template: Path
) -> Iterator[DemoProcess]:
    with own_demo(tmp_path_factory, demo_database_template, "screen-panels") as demo:
        yield demo


def incidents(count: int) -> list[dict]:
    """`count` incidents close together in central Wuhan, severities 1 to 4 in turn."""
    events = []
    for n in range(count):
        event = incident(f"P-INC-{n}", 30.55 + n * 0.002, 114.31 + n * 0.002)
        event["data"]["severity"] = 1 + n % 4
        event["occurred_at"] = datetime.now(UTC).isoformat()
        events.append(event)
    return events


def test_the_wall_shows_zero_hazards_as_0_and_says_how_many_incidents_it_leaves_out(
    demo_server, new_tab
) -> None:
    token = ingest_token(demo_server, "incident.reported")
    ack = send(demo_server, token, incidents(SENT))
    assert len(ack["accepted"]) == SENT, ack

    tab = new_tab()
    sign_in(tab, demo_server.url, "screen", landing="/screen")
    page = tab.page
    page.wait_for_selector(".screen-district-label b", timeout=30_000)
    first_panel = page.locator(".screen-panel[data-name='map']").inner_text()
    assert not re.search(r"\bnan\b", first_panel, re.IGNORECASE), first_panel  # not Hannan
    assert not re.search(r"\b(None|undefined)\b", first_panel), first_panel
    labels = page.locator(".screen-district-label b").all_inner_texts()
    assert labels and all(label.isdigit() for label in labels), labels
    legend = page.locator(f"#{ids.SCREEN_LEGEND}").inner_text()
    assert "0\n" in legend and "1–2" in legend, legend  # whole-number classes, zero one of them

    more = page.locator(".screen-more")
    more.wait_for(state="attached", timeout=30_000)
    hidden = int(more.get_attribute("data-hidden") or 0)
    rows = page.locator(f"#{ids.SCREEN_INCIDENTS} tbody tr").count()
    assert rows == ROWS and hidden >= SENT - ROWS
    assert str(hidden) in (more.text_content() or "")

    def background(severity: int) -> str:
        badge = page.locator(f"#{ids.SCREEN_INCIDENTS} .sev.sev-{severity}").first
        return badge.evaluate("(el) => getComputedStyle(el).backgroundColor")

    assert len({background(n) for n in (1, 2, 3, 4)}) == 4  # one colour per severity
    assert tab.console_errors == []
