"""The public QR check on a phone (390x844), as a member of the public uses it: no sign-in, a
registered cylinder's enterprise, licence and inspection shown in Chinese, the switch to
English, and a complaint filed from the page that lands in the complaints table with the
cylinder's enterprise and appears in the city's complaint queue; no console errors (the page runs
no script under a strict policy)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select

from dashboard import ids
from data_access.db import make_engine
from data_access.models import Complaint, Cylinder
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

PHONE = (390, 844)


@pytest.fixture
def engine(demo_server) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{demo_server.data_dir / 'gascc.sqlite3'}")
    yield engine
    engine.dispose()


def registered_in_date(engine: Engine) -> tuple[str, str]:
    """A registered cylinder well inside its inspection and scrap dates, and its enterprise."""
    soon = date.today() + timedelta(days=30)
    with engine.connect() as connection:
        found = connection.execute(
            select(Cylinder.code, Cylinder.enterprise_id)
            .where(Cylinder.next_inspection_due > soon, Cylinder.scrap_due > soon)
            .order_by(Cylinder.code)
            .limit(1)
        ).one()
    return found.code, found.enterprise_id


def test_the_public_sees_a_registered_cylinder_and_files_a_complaint(demo_server, new_tab, engine):
    code, enterprise_id = registered_in_date(engine)
    tab = new_tab(*PHONE)
    page = tab.page
    page.goto(f"{demo_server.url}/q/{code}")
    assert page.url.endswith(f"/q/{code}"), "no sign-in asked"
    assert page.get_attribute("#qc-verdict", "data-verdict") == "in_date"
    assert "检验在有效期内" in page.inner_text("#qc-verdict")
    assert page.inner_text("#qc-enterprise").strip() not in ("", "无记录")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE[0], "the page fits the phone's width"

    page.click("#qc-lang")
    page.wait_for_selector("text=Registered · inspection in date")
    page.check('input[name="category"][value="企业信息不符"]')
    page.fill("#qc-text", "The delivery came from another company")
    page.click("#qc-submit")
    page.wait_for_selector("#qc-number")
    number = page.inner_text("#qc-number").strip()
    assert number.startswith("QR-") and "Complaint received" in page.inner_text("#qc-done")

    with engine.connect() as connection:
        row = connection.execute(select(Complaint).where(Complaint.id == number)).one()
    assert (row.channel, row.code, row.enterprise_id) == ("qr_check", code, enterprise_id)
    assert row.category == "企业信息不符"
    assert tab.console_errors == []

    # the city's supervisor finds it in the queue of QR-check complaints about that enterprise
    city = new_tab()
    queue = f"/complaints?channel=qr_check&enterprise={enterprise_id}"
    sign_in(city, demo_server.url, "supervisor", landing=queue, language="zh")
    listed = city.page.locator(f"#{ids.CQ_LIST} tr[data-complaint='{number}']")
    listed.wait_for(timeout=30_000)
    assert "扫码投诉" in listed.inner_text() and "企业信息不符" in listed.inner_text()
    assert city.console_errors == []
