"""Online detention (在线扣瓶) in the browser, as its people take it: a cylinder filled past its
inspection date (an open finding) is detained by the city's supervisor from
`/detentions?code=<code>` (the enterprise shown from the registry, the reason proposed by the
finding); the enterprise user sees it in its own queue with a notice and records the recall to
one of its sites (English, 1366x768); the supervisor releases it. A second detention is not
recalled in time: on a fixed clock the rules runner escalates it, and the queue marks it 督办.
No console errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from dashboard import ids
from dashboard.domain.detentions import deadline, today
from dashboard.domain.events import CylinderRegistered, CylinderScanned, Event
from dashboard.domain.roles import Role
from dashboard.rules_runner import RulesRunner
from data_access import commands
from data_access.db import make_engine
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import CylinderDetention, Enterprise
from data_access.queries.registry import first_enterprise_id
from tests.browser.conftest import own_demo, sign_in
from tests.support import IN_JIANGAN, desk_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_database_template: Path):
    with own_demo(tmp_path_factory, demo_database_template, "detentions") as running:
        yield running


@pytest.fixture
def engine(demo) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{demo.data_dir / 'gascc.sqlite3'}")
    yield engine
    engine.dispose()


def problem_cylinder(engine: Engine, code: str, enterprise: str) -> None:
    """A cylinder of `enterprise` past its inspection date, filled in Jiang'an: a finding."""
    now = datetime.now(UTC)
    registered = CylinderRegistered(
        code=code,
        enterprise_id=enterprise,
        capacity_kg=14.5,
        manufactured_on=date(2015, 3, 1),
        last_inspected_on=date(2021, 3, 1),
        next_inspection_due=date(2025, 3, 1),
        scrap_due=date(2031, 3, 1),
    )
    events = [Event.of(registered, id=f"reg-{code}", occurred_at=now - timedelta(minutes=5))]
    for n, stage in enumerate(("recovery", "filling")):
        scan = CylinderScanned(code=code, stage=stage, lat=IN_JIANGAN[0], lon=IN_JIANGAN[1])
        when = now - timedelta(minutes=4 - n)
        events.append(Event.of(scan, id=f"scan-{code}-{stage}", occurred_at=when))
    outcomes = append_events(engine, [Incoming("filling-station", e) for e in events])
    assert all(isinstance(outcome, Accepted) for outcome in outcomes), outcomes


def open_queue(tab, base_url: str, user: str, landing: str, language: str) -> None:
    sign_in(tab, base_url, user, landing=landing, language=language)
    tab.page.wait_for_selector(f"#{ids.DT_PAGE_LABEL}:not(:empty)", timeout=30_000)


def row(tab, code: str):
    return tab.page.locator(f"#{ids.DT_LIST} tr[data-code='{code}']")


def wait_status(tab, code: str, status: str) -> None:
    tab.page.wait_for_selector(
        f"#{ids.DT_LIST} tr[data-code='{code}'][data-status='{status}']", timeout=30_000
    )


def take_step(tab, code: str, step: str, note: str = "") -> None:
    page = tab.page
    row(tab, code).locator(f'button[id*=\'"step":"{step}"\']').click()
    page.wait_for_selector(f"#{ids.DT_MODAL_ACTIONS} button", state="visible", timeout=30_000)
    if step == "recall":  # one of the enterprise's own sites
        site = f"#{ids.DT_SITE} option:not([value=''])"
        page.wait_for_selector(site, state="attached")
        last = page.eval_on_selector(site + ":last-child", "option => option.value")
        page.select_option(f"#{ids.DT_SITE}", value=last)
    if note:
        page.fill(f"#{ids.DT_NOTE}", note)
    page.click(f"#{ids.DT_MODAL_ACTIONS} button")


def test_detained_recalled_by_its_enterprise_and_released(demo, engine, new_tab):
    enterprise = first_enterprise_id(engine)
    code = "CYL-BROWSER-DT-1"
    problem_cylinder(engine, code, enterprise)
    with engine.connect() as connection:
        name = connection.scalar(select(Enterprise.name).where(Enterprise.id == enterprise))

    # the city's supervisor, in Chinese: opens the detain form for the code
    city = new_tab()
    open_queue(city, demo.url, "supervisor", f"/detentions?code={code}", "zh")
    page = city.page
    page.wait_for_selector(f"#{ids.DT_OWNER} .dt-owner-name", timeout=30_000)
    assert name in page.inner_text(f"#{ids.DT_OWNER}")
    assert "超期/报废瓶充装" in page.inner_text(f"#{ids.DT_OWNER}")
    page.wait_for_function(
        f"() => document.getElementById('{ids.DT_REASON}').value.includes('超期')"
    )
    recall_by = page.input_value(f"#{ids.DT_RECALL_BY}")
    assert date.fromisoformat(recall_by) > today(datetime.now(UTC))  # a default a few days off
    page.click(f"#{ids.DT_DETAIN}")
    page.wait_for_selector(f"#{ids.DT_DETAIN_FEEDBACK} .alert-success", timeout=30_000)
    wait_status(city, code, "detained")
    # a second detention of the same cylinder is refused in words
    page.click(f"#{ids.DT_DETAIN}")
    page.wait_for_selector(f"#{ids.DT_DETAIN_FEEDBACK} .alert-danger", timeout=30_000)
    assert "已被扣押" in page.inner_text(f"#{ids.DT_DETAIN_FEEDBACK}")

    # the enterprise, in English on a laptop: its notice and its queue; records the recall
    company = new_tab(1366, 768)
    open_queue(company, demo.url, "enterprise", "/detentions", "en")
    company.page.wait_for_selector(f"#{ids.DT_NOTICE} .dt-notice", timeout=30_000)
    assert "await recall" in company.page.inner_text(f"#{ids.DT_NOTICE}")
    wait_status(company, code, "detained")
    assert company.page.locator(f"#{ids.DT_DETAIN}").is_hidden()  # no detain form for it
    take_step(company, code, "recall", note="Brought back from the customer")
    company.page.wait_for_selector(f"#{ids.DT_ACTION_FEEDBACK} .alert-success", timeout=30_000)
    wait_status(company, code, "recalled")
    assert "Recalled" in row(company, code).inner_text()

    # the supervisor releases it; it leaves the open queue and shows among the released
    page.reload()
    wait_status(city, code, "recalled")
    take_step(city, code, "release", note="复检合格，予以放行")
    page.wait_for_selector(f"#{ids.DT_ACTION_FEEDBACK} .alert-success", timeout=30_000)
    page.goto(f"{demo.url}/detentions?status=released")
    wait_status(city, code, "released")
    assert "status=released" in page.url
    for tab in (city, company):
        assert tab.console_errors == []


def test_a_late_recall_is_escalated_on_a_fixed_clock(demo, engine, new_tab):
    enterprise = first_enterprise_id(engine)
    code = "CYL-BROWSER-DT-LATE"
    problem_cylinder(engine, code, enterprise)
    supervisor = desk_user("supervisor", Role.SUPERVISOR)
    result = commands.detain_cylinder(
        engine, supervisor, code, reason="超期未检", recall_by=today(datetime.now(UTC))
    )
    assert isinstance(result, commands.Done), result
    due = deadline(today(datetime.now(UTC)))
    assert RulesRunner(engine, clock=lambda: due - timedelta(minutes=1)).run_once() == 0
    assert RulesRunner(engine, clock=lambda: due + timedelta(hours=1)).run_once() >= 1
    with engine.connect() as connection:
        escalated = connection.scalar(
            select(CylinderDetention.escalated_at).where(CylinderDetention.id == result.subject)
        )
    assert escalated is not None
    city = new_tab()
    open_queue(city, demo.url, "supervisor", "/detentions", "zh")
    line = row(city, code)
    line.wait_for(timeout=30_000)
    assert line.get_attribute("data-escalated") == "true"
    assert "督办" in line.inner_text()
    assert city.console_errors == []
