"""An enterprise user reaches only its own: another enterprise's file, cylinder and complaint,
opened by URL in the browser, read as "not found" (the same words as an unknown id, nothing of
theirs on screen), and Dash's endpoint, asked for them directly by a signed-in session, answers
nothing of them either. No console errors."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, select

from dashboard import ids
from dashboard.i18n import t
from data_access.commands import Done
from data_access.commands.public import file_qr_complaint
from data_access.db import make_engine
from data_access.models import Cylinder, Enterprise
from data_access.users import find_login
from tests.browser.conftest import sign_in
from tests.dash_endpoint import HttpSession, answer_text, post_callback

pytestmark = pytest.mark.browser


@pytest.fixture
def engine(demo_server) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{demo_server.data_dir / 'gascc.sqlite3'}")
    yield engine
    engine.dispose()


def someone_elses(engine: Engine, mine: str) -> tuple[str, str, str, str]:
    """Another bottled-gas enterprise's id and name, one of its cylinders, and a complaint about
    that cylinder filed from the public QR check (which names the cylinder's enterprise)."""
    with engine.connect() as connection:
        other = connection.execute(
            select(Enterprise.id, Enterprise.name, Cylinder.code)
            .join(Cylinder, Cylinder.enterprise_id == Enterprise.id)
            .where(Enterprise.kind == "bottled", Enterprise.id != mine)
            .order_by(Enterprise.id, Cylinder.code)
            .limit(1)
        ).one()
    filed = file_qr_complaint(engine, other.code, "企业信息不符", "送气企业与扫码显示不一致")
    assert isinstance(filed, Done), filed
    return other.id, other.name, other.code, filed.subject


def test_an_enterprise_cannot_open_another_enterprises_objects(demo_server, engine, new_tab):
    found = find_login(engine, "enterprise")
    assert found is not None and found[0].enterprise_id
    other, name, code, complaint = someone_elses(engine, found[0].enterprise_id)

    tab = new_tab()
    sign_in(tab, demo_server.url, "enterprise", landing=f"/enterprise/{other}", language="zh")
    page = tab.page
    page.wait_for_selector(f"text={t('ef.not_found', 'zh')}", timeout=30_000)
    assert name not in page.inner_text("body")

    page.goto(f"{demo_server.url}/cylinder/{quote(code)}")
    page.wait_for_selector(f"text={t('ct.not_found', 'zh')}", timeout=30_000)
    assert name not in page.inner_text("body")

    page.goto(f"{demo_server.url}/complaint/{quote(complaint)}")
    page.wait_for_load_state("networkidle")
    assert page.locator(f"#{ids.COMPLAINT_HEADER} [data-status]").count() == 0
    assert tab.console_errors == []

    session = HttpSession(demo_server.url, "enterprise")
    for store, value, refusal in ((ids.ENT_ID, other, "ef.not_found"),
                                  (ids.CYL_CODE, code, "ct.not_found")):  # fmt: skip
        text = answer_text(post_callback(session, store, "data", value))
        assert name not in text, store
        assert any(t(refusal, lang) in text for lang in ("zh", "en")), text[:300]
    answer = post_callback(session, ids.COMPLAINT_TICK, "data", 1,
                           {f"{ids.COMPLAINT_ID}.data": complaint})  # fmt: skip
    assert answer.status_code == 204, answer_text(answer)
