"""A complaint down the chain in the browser, as its people take it: a public QR-check complaint
about a cylinder, sent through the gateway's /ingest, appears in the queue; the city's supervisor
(Chinese) passes it to the Jiang'an district office; the office (English, 1366 px) passes it to
the cylinder's enterprise; the enterprise answers (Chinese); the office closes it with the
caller's satisfaction. Every step is seen on the complaint's page; no console errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from dashboard import ids
from data_access.db import make_engine
from data_access.models import Complaint, Cylinder
from data_access.users import find_login
from tests.browser.conftest import ingest_token, own_demo, send, sign_in
from tests.support import IN_JIANGAN, JIANGAN

pytestmark = pytest.mark.browser

COMPLAINT = "CMP-BROWSER-QR-1"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_database_template: Path):
    with own_demo(tmp_path_factory, demo_database_template, "complaints") as running:
        yield running


@pytest.fixture
def engine(demo) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{demo.data_dir / 'gascc.sqlite3'}")
    yield engine
    engine.dispose()


def qr_complaint(code: str) -> dict:
    """A public QR check's complaint about a cylinder, as the 96511 platform forwards it."""
    return {
        "id": COMPLAINT,
        "type": "complaint.received",
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": {
            "complaint_id": COMPLAINT,
            "channel": "qr_check",
            "category": "企业信息不符",
            "district": JIANGAN,
            "text": "扫码显示的充装企业与送气企业不一致",
            "code": code,
            "lat": IN_JIANGAN[0],
            "lon": IN_JIANGAN[1],
        },
    }


def open_complaint(tab, base_url: str, user: str, language: str) -> None:
    sign_in(tab, base_url, user, landing=f"/complaint/{COMPLAINT}", language=language)
    tab.page.wait_for_selector(f"#{ids.COMPLAINT_HEADER} [data-status]", timeout=30_000)


def click_step(tab, key: str, status: str, handler: str | None = None) -> None:
    page = tab.page
    page.click(f"button[id*='\"{key}\"']")
    wanted = f"[data-status='{status}']" + (f"[data-handler='{handler}']" if handler else "")
    page.wait_for_selector(f"#{ids.COMPLAINT_HEADER} {wanted}", timeout=30_000)


def row_of(engine: Engine) -> tuple[str, str | None, int | None]:
    with engine.connect() as connection:
        row = connection.execute(
            select(Complaint.status, Complaint.handler, Complaint.satisfaction).where(
                Complaint.id == COMPLAINT
            )
        ).one()
    return row.status, row.handler, row.satisfaction


def test_a_qr_complaint_goes_down_the_chain_to_its_close(demo, engine, new_tab):
    found = find_login(engine, "enterprise")
    assert found is not None
    enterprise = found[0].enterprise_id
    with engine.connect() as connection:
        code = connection.scalar(
            select(Cylinder.code).where(Cylinder.enterprise_id == enterprise).limit(1)
        )
    assert code, "the demo enterprise has cylinders"
    token = ingest_token(demo, "complaint.received", source="hotline-96511")
    ack = send(demo, token, [qr_complaint(code)])
    assert ack["accepted"] == [COMPLAINT], ack

    # the city, in Chinese: the complaint is in the queue of QR checks; passed to the district
    city = new_tab()
    sign_in(city, demo.url, "supervisor", landing="/complaints?channel=qr_check", language="zh")
    row = city.page.locator(f"#{ids.CQ_LIST} tr[data-complaint='{COMPLAINT}']")
    row.wait_for(timeout=30_000)
    assert "扫码投诉" in row.inner_text() and "企业信息不符" in row.inner_text()
    assert row.get_attribute("data-handler") == "city"
    assert "channel=qr_check" in city.page.url
    row.locator("a").click()
    city.page.wait_for_selector(f"#{ids.COMPLAINT_HEADER} [data-status='received']")
    assert code in city.page.inner_text(f"#{ids.COMPLAINT_FACTS}")
    click_step(city, "cp_assign", "assigned", "district")
    assert "已完成" in city.page.inner_text(f"#{ids.COMPLAINT_FEEDBACK}")

    # the district office, in English at 1366 px: passes it to the cylinder's enterprise
    office = new_tab(1366, 768)
    open_complaint(office, demo.url, "jiangan", "en")
    assert "Pass to the enterprise" in office.page.inner_text(f"#{ids.COMPLAINT_ACTIONS}")
    click_step(office, "cp_assign", "assigned", "enterprise")
    assert row_of(engine)[1] == "enterprise"

    # the enterprise, in Chinese: answers
    company = new_tab()
    open_complaint(company, demo.url, "enterprise", "zh")
    company.page.fill(f"#{ids.COMPLAINT_NOTE}", "经核实为本公司代送，已责令规范经营")
    click_step(company, "cp_reply", "replied")
    assert "已反馈" in company.page.inner_text(f"#{ids.COMPLAINT_HEADER}")

    # the office closes it with the caller's satisfaction
    office.page.reload()
    office.page.wait_for_selector(f"#{ids.COMPLAINT_HEADER} [data-status='replied']")
    office.page.select_option(f"#{ids.COMPLAINT_SATISFACTION}", "4")
    click_step(office, "cp_close", "closed")
    assert row_of(engine) == ("closed", "enterprise", 4)
    assert "4/5" in office.page.inner_text(f"#{ids.COMPLAINT_FACTS}")
    steps = office.page.locator(f"#{ids.COMPLAINT_HISTORY} li").evaluate_all(
        "items => items.map(i => i.dataset.status)"
    )
    assert steps == ["received", "assigned", "assigned", "replied", "closed"]
    for tab in (city, office, company):
        assert tab.console_errors == []


def test_the_wall_account_cannot_open_the_complaints(demo, new_tab):
    screen = new_tab()
    sign_in(screen, demo.url, "screen", landing="/complaints", language="en")
    screen.page.wait_for_selector(".alert", timeout=30_000)
    assert screen.page.locator(f"#{ids.CQ_LIST}").count() == 0
