"""An inspection task in the browser, as its people take it: the city's supervisor (Chinese,
1920x1080) issues the 8-point LPG restaurant campaign to Jiang'an through the form; Jiang'an's
district officer (English, 1366x768) finds it on /tasks at 0/N, with "Complete" but no
"Withdraw" (the city issued it) and a district dropdown that reads; an enterprise's self-check
and an authority's inspection naming the task, of one of its restaurants, come in through
/ingest; after a reload the task reads 1/N and its detail shows the restaurant done, compared
with the self-check; the officer completes it; a leader opens /tasks and finds no issue form.
No console errors in any tab."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, select

from dashboard import ids
from dashboard.domain.roles import CITYWIDE
from dashboard.domain.tasks import LPG_RESTAURANTS, SELF_CHECK_MISSED
from data_access import commands
from data_access.db import make_engine
from data_access.models import Customer, InspectionRecord, InspectionTask
from data_access.queries import inspection_tasks as queries
from tests.browser.conftest import ingest_token, own_demo, send, sign_in
from tests.support import JIANGAN

pytestmark = pytest.mark.browser

TITLE = "瓶装液化石油气餐饮用户安全专项检查（江岸区）"
SELF_CHECK, INSPECTION = "INS-BROWSER-TASK-SELF-1", "INS-BROWSER-TASK-1"
WAIT = 30_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_database_template: Path):
    with own_demo(tmp_path_factory, demo_database_template, "tasks") as running:
        yield running


@pytest.fixture
def engine(demo) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{demo.data_dir / 'gascc.sqlite3'}")
    commands.publish_builtin_checklists(engine)  # the backfill publishes them; this demo has none
    yield engine
    engine.dispose()


def inspection(inspection_id: str, kind: str, restaurant, when: datetime, task_id: str | None,
               failed: int | None) -> dict:  # fmt: skip
    """An inspection of the restaurant against the 8 points; item `failed` (if any) fails."""
    items = [
        {"item": item, "passed": n != failed, **({"note": "软管老化"} if n == failed else {})}
        for n, item in enumerate(LPG_RESTAURANTS.items_zh)
    ]
    data = {
        "inspection_id": inspection_id,
        "kind": kind,
        "target_type": "customer",
        "target_id": restaurant.id,
        "district": JIANGAN,
        "inspector_id": "INSP-420102-03",
        "items": items,
        "lat": restaurant.lat,
        "lon": restaurant.lon,
        **({"task_id": task_id} if task_id else {}),
    }
    return {
        "id": inspection_id,
        "type": "inspection.completed",
        "occurred_at": when.isoformat(),
        "data": data,
    }


def contrast(colour: str, background: str) -> float:
    """The WCAG contrast ratio of two computed rgb()/rgba() colours."""

    def luminance(css: str) -> float:
        red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css)[:3])
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in
                  (red, green, blue)]  # fmt: skip
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(colour), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def row_of(task_id: str) -> str:
    return f"#{ids.TK_LIST} tr[data-task='{task_id}']"


def button(kind: str, task_id: str) -> str:
    key = "task" if kind == ids.TK_COMPLETE else "withdraw"
    return f'button[id*=\'"{key}":"{task_id}"\'][id*=\'"type":"{kind}"\']'


def test_a_campaign_task_is_issued_inspected_compared_and_completed(demo, engine, new_tab):
    # the city's supervisor, in Chinese: issues the 8-point campaign to Jiang'an by the form
    city = new_tab(1920, 1080)
    page = city.page
    sign_in(city, demo.url, "supervisor", landing="/tasks", language="zh")
    page.wait_for_selector(f"#{ids.TK_FORM_ISSUE}", timeout=WAIT)
    page.fill(f"#{ids.TK_FORM_TITLE}", TITLE)
    page.select_option(f"#{ids.TK_FORM_CHECKLIST}", LPG_RESTAURANTS.id)
    page.wait_for_function(
        f"() => document.querySelector('#{ids.TK_FORM_TYPES_HINT}').innerText.length > 0"
    )
    page.click(f"#{ids.TK_FORM_DISTRICTS}")
    page.click(f".dash-dropdown-option:has(input[value='{JIANGAN}'])")
    page.keyboard.press("Escape")
    assert "江岸区" in page.inner_text(f"#{ids.TK_FORM_DISTRICTS}")
    page.click(f"#{ids.TK_FORM_ISSUE}")
    page.wait_for_selector(f"#{ids.TK_FORM_FEEDBACK} .alert-success", timeout=WAIT)
    assert "已下发 1 项任务" in page.inner_text(f"#{ids.TK_FORM_FEEDBACK}")
    with engine.connect() as connection:
        task_id = connection.scalar(
            select(InspectionTask.id).where(
                InspectionTask.assignee == JIANGAN, InspectionTask.title == TITLE
            )
        )
    assert task_id is not None
    page.wait_for_selector(row_of(task_id), timeout=WAIT)
    assert TITLE in page.inner_text(row_of(task_id))
    assert page.locator(button(ids.TK_CANCEL, task_id)).count() == 1  # the city's to withdraw

    detail = queries.task_detail(engine, CITYWIDE, task_id, datetime.now(UTC))
    assert detail is not None and detail.task.due > 1
    due = detail.task.due

    # Jiang'an's officer, in English at 1366x768: the task at 0/N, completable, not theirs to
    # withdraw; the district dropdown's value reads (it was pale grey on white)
    officer = new_tab(1366, 768)
    desk = officer.page
    sign_in(officer, demo.url, "jiangan", landing="/tasks", language="en")
    desk.wait_for_selector(f"{row_of(task_id)}[data-done='0'][data-due='{due}']", timeout=WAIT)
    assert f"0/{due}" in desk.inner_text(row_of(task_id))
    assert desk.locator(button(ids.TK_COMPLETE, task_id)).count() == 1
    assert desk.locator(button(ids.TK_CANCEL, task_id)).count() == 0
    chosen = desk.locator(f"#{ids.TK_FORM_DISTRICTS}")
    assert "Jiang'an" in chosen.inner_text()
    colours = chosen.evaluate(
        "(el) => { const v = el.querySelector('.dash-dropdown-value');"
        " return [getComputedStyle(v).color, getComputedStyle(el).backgroundColor]; }"
    )
    assert contrast(*colours) >= 4.5, colours

    # the restaurant's enterprise checks itself and passes; the district's inspector, working
    # the task, finds its hose aged
    with engine.connect() as connection:
        restaurant = connection.execute(
            select(Customer.id, Customer.lat, Customer.lon).where(
                Customer.id == detail.objects[0].target_id
            )
        ).one()
    # both fall inside the task's period (from its issue on), the self-check first
    issued_at = detail.task.issued_at
    while datetime.now(UTC) - timedelta(seconds=2) <= issued_at:
        time.sleep(0.2)
    now = datetime.now(UTC)
    token = ingest_token(demo, "inspection.completed", source="inspection-app")
    ack = send(
        demo,
        token,
        [
            inspection(
                SELF_CHECK, "self_check", restaurant, now - timedelta(seconds=2), None, None
            ),
            inspection(INSPECTION, "special", restaurant, now - timedelta(seconds=1), task_id, 3),
        ],
    )
    assert ack["accepted"] == [SELF_CHECK, INSPECTION], ack

    desk.reload()
    desk.wait_for_selector(f"{row_of(task_id)}[data-done='1'][data-due='{due}']", timeout=WAIT)
    assert f"1/{due}" in desk.inner_text(row_of(task_id))

    desk.goto(f"{demo.url}/tasks?task={quote(task_id, safe='')}")
    desk.wait_for_selector(f"#{ids.TK_DETAIL} [data-task='{task_id}'][data-done='1']", timeout=WAIT)
    done = desk.locator(f"#{ids.TK_OBJECTS} tr[data-target='customer:{restaurant.id}']")
    done.wait_for(timeout=WAIT)
    with engine.connect() as connection:  # say why, should the comparison miss the self-check
        own = connection.execute(
            select(InspectionRecord.occurred_at, InspectionRecord.district).where(
                InspectionRecord.id == SELF_CHECK
            )
        ).one_or_none()
    assert own is not None and own.occurred_at > issued_at, (own, issued_at)
    assert done.get_attribute("data-verdict") == SELF_CHECK_MISSED
    words = done.inner_text()
    assert "Failed" in words and "Self-check missed a failure" in words
    assert LPG_RESTAURANTS.items[3][0] in words  # the failed item, as recorded
    missed = desk.locator(f"#{ids.TK_DETAIL} [data-verdict='{SELF_CHECK_MISSED}']")
    assert missed.get_attribute("data-count") == "1"

    # the officer completes it from the list
    desk.goto(f"{demo.url}/tasks")
    desk.fill(f"#{ids.TK_REASON}", "All restaurants of the campaign inspected")
    desk.click(button(ids.TK_COMPLETE, task_id))
    desk.wait_for_selector(f"#{ids.TK_ACTION_FEEDBACK} .alert-success", timeout=WAIT)
    desk.wait_for_selector(row_of(task_id), state="detached", timeout=WAIT)  # no longer open
    desk.select_option(f"#{ids.TK_STATUS}", "completed")
    desk.wait_for_selector(f"{row_of(task_id)}[data-status='completed']", timeout=WAIT)
    desk.wait_for_function("() => window.location.search.includes('status=completed')")

    # a leader reads the tasks but issues none
    leader = new_tab(1366, 768)
    board = leader.page
    sign_in(leader, demo.url, "leader", landing="/tasks?status=all", language="en")
    board.wait_for_selector(f"{row_of(task_id)}[data-status='completed']", timeout=WAIT)
    assert board.locator(f"#{ids.TK_FORM_ISSUE}").count() == 0
    assert board.locator(".tk-form").count() == 0
    assert board.locator(f"#{ids.TK_LIST} button").count() == 0

    for tab in (city, officer, leader):
        assert tab.console_errors == []
