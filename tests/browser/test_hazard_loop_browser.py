"""The hazard closed loop in the browser, as its people take it: a failed inspection item sent
through /ingest becomes a numbered hazard; the enterprise starts and reports it rectified with a
photo (Chinese); the Jiang'an district office sends it back, once without the reason it needs
(English), then with it; it goes overdue on a fixed clock and the rules runner escalates it; the
enterprise rectifies it again, the district verifies, the city closes it out. Every step is seen
on the hazard's page and on the board; no console errors."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from dashboard import ids
from dashboard.domain.hazards import rule_hazard_id
from dashboard.rules_runner import RulesRunner
from data_access.db import make_engine
from data_access.models import Hazard
from data_access.queries.registry import first_enterprise_id
from tests.browser.conftest import ingest_token, own_demo, send, sign_in
from tests.support import IN_JIANGAN, JIANGAN

pytestmark = pytest.mark.browser

INSPECTION = "INS-BROWSER-LOOP-1"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_database_template: Path):
    with own_demo(tmp_path_factory, demo_database_template, "hazard-loop") as running:
        yield running


@pytest.fixture
def engine(demo) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{demo.data_dir / 'gascc.sqlite3'}")
    yield engine
    engine.dispose()


def png(colour: bytes = b"\x20\xc0\x40") -> bytes:
    """A real 2x2 PNG of one colour (a photo of the fixed alarm, as far as the test goes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    pixels = b"".join(b"\x00" + colour * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


def failed_inspection(enterprise: str) -> dict:
    """An inspection of the enterprise in Jiang'an whose first item fails."""
    return {
        "id": INSPECTION,
        "type": "inspection.completed",
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": {
            "inspection_id": INSPECTION,
            "kind": "daily",
            "target_type": "enterprise",
            "target_id": enterprise,
            "district": JIANGAN,
            "inspector_id": "INSP-420102-09",
            "items": [
                {"item": "可燃气体报警器完好有效", "passed": False, "note": "报警器未通电"},
                {"item": "消防器材配置齐全有效", "passed": True},
            ],
            "lat": IN_JIANGAN[0],
            "lon": IN_JIANGAN[1],
        },
    }


def open_hazard(tab, base_url: str, user: str, hazard_id: str, language: str) -> None:
    sign_in(tab, base_url, user, landing=f"/hazard/{hazard_id}", language=language)
    tab.page.wait_for_selector(f"#{ids.HAZARD_HEADER} [data-status]", timeout=30_000)


def take(tab, step: str, status: str, note: str | None = None) -> None:
    page = tab.page
    if note is not None:
        page.fill(f"#{ids.HAZARD_NOTE}", note)
    page.click(f'button[id*=\'"step":"{step}"\']')
    page.wait_for_selector(f"#{ids.HAZARD_HEADER} [data-status='{status}']", timeout=30_000)


def status_of(engine: Engine, hazard_id: str) -> tuple[str, str | None]:
    with engine.connect() as connection:
        row = connection.execute(
            select(Hazard.status, Hazard.escalation).where(Hazard.id == hazard_id)
        ).one()
    return row.status, row.escalation


def test_a_failed_inspection_item_goes_round_the_loop_to_close_out(demo, engine, new_tab):
    enterprise = first_enterprise_id(engine)
    token = ingest_token(demo, "inspection.completed", source="inspection-app")
    ack = send(demo, token, [failed_inspection(enterprise)])
    assert ack["accepted"] == [INSPECTION], ack
    hazard_id = rule_hazard_id(INSPECTION, 0)
    with engine.connect() as connection:
        number = connection.scalar(select(Hazard.number).where(Hazard.id == hazard_id))
    assert number and number.startswith(f"YH-{JIANGAN}-")

    # the enterprise, in Chinese: starts, then reports it rectified with a photo
    company = new_tab()
    open_hazard(company, demo.url, "enterprise", hazard_id, "zh")
    assert number in company.page.inner_text(f"#{ids.HAZARD_HEADER}")
    take(company, "start", "rectifying")
    company.page.set_input_files(
        f"#{ids.HAZARD_PHOTOS} input[type=file]",
        files=[{"name": "报警器.png", "mimeType": "image/png", "buffer": png()}],
    )
    company.page.wait_for_selector(f"#{ids.HAZARD_PHOTO_LIST} img", timeout=30_000)
    take(company, "rectified", "rectified", note="已接通报警器电源并测试")
    history = company.page.locator(f"#{ids.HAZARD_HISTORY} li[data-status='rectified']")
    assert history.locator("img").count() == 1
    assert "已整改" in company.page.inner_text(f"#{ids.HAZARD_HEADER}")

    # the district office, in English: sending it back needs the reason
    office = new_tab(1366, 768)
    open_hazard(office, demo.url, "jiangan", hazard_id, "en")
    office.page.click('button[id*=\'"step":"reject"\']')
    office.page.wait_for_selector(f"#{ids.HAZARD_FEEDBACK} .alert-danger", timeout=30_000)
    assert "needs the reason" in office.page.inner_text(f"#{ids.HAZARD_FEEDBACK}")
    assert status_of(engine, hazard_id)[0] == "rectified"
    take(office, "reject", "reopened", note="报警器仍无声光报警")

    # overdue on a fixed clock: the rules escalate it to the district, seen on page and board
    with engine.connect() as connection:
        due = connection.scalar(select(Hazard.due_at).where(Hazard.id == hazard_id))
    assert RulesRunner(engine, clock=lambda: due + timedelta(days=1, hours=1)).run_once() >= 1
    assert status_of(engine, hazard_id) == ("reopened", "district")
    office.page.reload()
    office.page.wait_for_selector(f"#{ids.HAZARD_HISTORY} li[data-status='escalated']")
    assert "To the district" in office.page.inner_text(f"#{ids.HAZARD_HEADER}")
    # ...and the app's notifier tells the district office and the enterprise (in-app)
    notice = f"#{ids.HAZARD_HISTORY} li[data-status='notified']"
    for _ in range(30):
        office.page.reload()
        if office.page.locator(notice).count():
            break
        office.page.wait_for_timeout(1000)
    told = office.page.inner_text(notice)
    assert "Escalation notice" in told and "In-app" in told and "江岸区燃气管理办公室" in told
    office.page.goto(f"{demo.url}/hazards?escalation=district")
    row = office.page.locator(f"#{ids.HZ_LIST} tr[data-hazard='{hazard_id}']")
    row.wait_for(timeout=30_000)
    assert row.get_attribute("data-escalation") == "district"
    assert "escalation=district" in office.page.url  # the filter is in the link

    # the enterprise rectifies again; the district verifies; the city closes it out
    company.page.reload()
    company.page.wait_for_selector(f"#{ids.HAZARD_HEADER} [data-status='reopened']")
    company.page.set_input_files(
        f"#{ids.HAZARD_PHOTOS} input[type=file]",
        files=[{"name": "复查.png", "mimeType": "image/png", "buffer": png(b"\xf0\xf0\xf0")}],
    )
    company.page.wait_for_selector(f"#{ids.HAZARD_PHOTO_LIST} img", timeout=30_000)
    take(company, "rectified", "rectified", note="已更换报警器")
    office.page.goto(f"{demo.url}/hazard/{hazard_id}")
    office.page.wait_for_selector(f"#{ids.HAZARD_HEADER} [data-status='rectified']")
    take(office, "verify", "verified")
    city = new_tab()
    open_hazard(city, demo.url, "supervisor", hazard_id, "zh")
    take(city, "close", "closed")
    assert "已销号" in city.page.inner_text(f"#{ids.HAZARD_HEADER}")
    steps = city.page.locator(f"#{ids.HAZARD_HISTORY} li").evaluate_all(
        "items => items.map(i => i.dataset.status)"
    )
    assert steps == [
        "reported", "rectifying", "rectified", "reopened", "escalated", "notified", "rectified",
        "verified", "closed",
    ]  # fmt: skip
    city.page.goto(f"{demo.url}/hazards?status=closed")
    closed = city.page.locator(f"#{ids.HZ_LIST} tr[data-hazard='{hazard_id}']")
    closed.wait_for(timeout=30_000)
    assert number in closed.inner_text()
    for tab in (company, office, city):
        assert tab.console_errors == []


def test_the_wall_account_cannot_open_a_hazard(demo, engine, new_tab):
    screen = new_tab()
    sign_in(screen, demo.url, "screen", landing="/hazards", language="en")
    screen.page.wait_for_selector(".alert", timeout=30_000)
    assert screen.page.locator(f"#{ids.HZ_LIST}").count() == 0
