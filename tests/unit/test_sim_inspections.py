"""Inspection plans: a simulated quarter reaches the coverage each district's plan says, with the
four-colour frequencies, in working hours; the quarter-end push; the hazard loop."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime

import pytest

from dashboard.citypack import load_city_pack
from dashboard.domain.hazards import rule_hazard_id
from dashboard.domain.tasks import LPG_RESTAURANTS
from simulators.anomalies import anomaly_rates
from simulators.city import City, generate
from simulators.clock import DAY, HOUR, WORK_SHIFTS, SimClock, quarter_bounds, weekday
from simulators.core import CityOptions
from simulators.streams.inspections import InspectionPlanner
from simulators.streams.tasks import TaskWork, campaign_objects, history_tasks
from simulators.world import offline_world

PACK = load_city_pack("wuhan")
CST = 8 * 3600
Q4 = datetime(2026, 11, 1, tzinfo=UTC).timestamp()


@pytest.fixture(scope="module")
def world():
    return offline_world("demo", PACK, seed=7)


@pytest.fixture(scope="module")
def quarter(world):
    """The inspections stream alone over the whole of 2026 Q4, as a backfill."""
    start, end = quarter_bounds(Q4, CST)
    options = CityOptions(seed=11, streams=frozenset({"inspections"}), anomalies=anomaly_rates(0))
    span = end - start - 1.0  # up to the last second: at the end the next quarter is planned
    city, out = generate(world, options, sim_start=start, span=span, mode="sim", speed=None)
    return city, out, start, end


def test_a_simulated_quarter_reaches_each_districts_planned_coverage(quarter) -> None:
    city, out, start, end = quarter
    plans = city.streams["inspections"].plans
    inspected: dict[str, Counter[str]] = defaultdict(Counter)
    for e in out:
        if e.type == "inspection.completed" and e.data["kind"] != "self_check":
            assert start <= e.occurred < end
            inspected[e.data["district"]][e.data["target_id"]] += 1
    assert len(plans) == 13
    lagging = 0
    for district, plan in plans.items():
        due = {t.id for t in plan.due}
        covered = set(inspected[district]) & due
        assert set(inspected[district]) <= due  # nothing outside the plan
        coverage = len(covered) / len(due)
        assert coverage == pytest.approx(plan.target_coverage)
        assert plan.target_coverage >= 0.85
        lagging += plan.target_coverage < 1.0
        for target in plan.due:  # red objects monthly: three visits
            if target.colour == "red":
                assert inspected[district][target.id] == 3
    assert 0 < lagging < 13  # some districts finish the plan, some lag behind


def test_visits_happen_in_working_hours_and_red_ones_each_month(quarter) -> None:
    city, out, _, _ = quarter
    months: dict[str, set[int]] = defaultdict(set)
    for e in out:
        if e.type != "inspection.completed" or e.data["kind"] == "self_check":
            continue
        local = datetime.fromtimestamp(e.occurred + CST, UTC)
        hour = local.hour + local.minute / 60
        assert weekday(e.occurred, CST) < 5
        assert any(a <= hour <= b for a, b in WORK_SHIFTS), local
        months[e.data["target_id"]].add(local.month)
    reds = [t for t in city.streams["inspections"].planner.targets if t.colour == "red"]
    assert reds and all(months[t.id] == {10, 11, 12} for t in reds if t.id in months)


def test_enterprises_check_their_own_objects_before_the_office_and_find_less(quarter) -> None:
    _, out, start, end = quarter
    checks = [e for e in out if e.type == "inspection.completed"]
    own = [e for e in checks if e.data["kind"] == "self_check"]
    office = [e for e in checks if e.data["kind"] != "self_check"]
    assert 0.1 * len(office) < len(own) < len(office)
    assert {e.data["target_type"] for e in own} <= {"site", "customer"}
    first_visit = {}
    for e in office:
        first_visit.setdefault(e.data["target_id"], e.occurred)
    assert all(start <= e.occurred < end for e in own)
    before = sum(e.occurred < first_visit.get(e.data["target_id"], end) for e in own)
    assert before > 0.8 * len(own)

    def failed_share(events: list) -> float:
        items = [item for e in events for item in e.data["items"]]
        return sum(not item["passed"] for item in items) / len(items)

    assert failed_share(own) < failed_share(office)


def test_four_colour_frequencies_over_a_year(world) -> None:
    planner = InspectionPlanner(world, seed=11, offset_s=CST)
    per_year = {"red": 12, "orange": 4, "yellow": 2, "blue": 1}
    for target in planner.targets:
        visits = sum(planner.visits_due(target, 2026 * 4 + q) for q in range(4))
        expected = per_year[target.colour]
        if target.type != "pipeline":  # Wuhan: every quarter at least once
            expected = max(expected, 4)
        assert visits == expected, target


def test_failed_items_are_followed_round_the_hazard_loop(quarter) -> None:
    _, out, _, _ = quarter
    failed = set()
    for e in out:
        if e.type == "inspection.completed":
            for index, item in enumerate(e.data["items"]):
                if not item["passed"]:
                    failed.add(rule_hazard_id(e.data["inspection_id"], index))
    filed = {e.data["hazard_id"] for e in out if e.type == "hazard.reported"}
    assert failed and filed
    updates: dict[str, list[str]] = defaultdict(list)
    for e in out:
        if e.type == "hazard.updated":
            updates[e.data["hazard_id"]].append(e.data["status"])
    assert set(updates) <= failed | filed
    closed = [h for h, s in updates.items() if s[-1] == "closed"]
    assert len(closed) > 0.7 * len(updates)
    for statuses in updates.values():
        assert statuses[0] == "assigned"
        if "reopened" in statuses:
            assert statuses.index("reopened") > statuses.index("rectified")
    assert any("reopened" in s for s in updates.values())


def test_the_quarter_end_push_moves_the_remaining_visits_into_its_window(world) -> None:
    _, end = quarter_bounds(Q4, CST)
    push_at = end - 10 * DAY
    options = CityOptions(
        seed=11,
        streams=frozenset({"inspections"}),
        anomalies=anomaly_rates(0),
        scenarios=(("quarter_end_push", 0.0),),
    )
    city, out = generate(world, options, sim_start=push_at, span=3 * HOUR, mode="sim", speed=None)
    inspections = [e for e in out if e.type == "inspection.completed"]
    plans = city.streams["inspections"].plans
    left = sum(1 for p in plans.values() for v in p.visits if v.at >= push_at)
    assert len(inspections) > 20
    assert all(push_at <= e.occurred <= push_at + 2 * HOUR for e in inspections)
    assert all(v.done for p in plans.values() for v in p.visits)
    assert left == len(inspections)


def test_an_office_works_through_its_task_with_the_tasks_checklist_before_the_deadline(
    world,
) -> None:
    start = Q4 + 10 * DAY
    objects = campaign_objects(world, "420102")
    assert len(objects) >= 4
    work = TaskWork("task-t1", "420102", LPG_RESTAURANTS.id, tuple(LPG_RESTAURANTS.items_zh),
                    start, start + 10 * DAY, objects, 0.75, "special")  # fmt: skip
    options = CityOptions(seed=11, streams=frozenset({"inspections"}), anomalies=anomaly_rates(0))
    clock = SimClock(sim_start=start, real_start=start, speed=None, mode="sim")
    city = City(world, options, clock)
    city.streams["inspections"].take_task(work)  # type: ignore[attr-defined]
    out = []
    while batch := city.pop_until(start + 12 * DAY):
        out.extend(batch)
    done = [e for e in out if e.type == "inspection.completed" and e.data.get("task_id")]
    assert {e.data["task_id"] for e in done} == {"task-t1"}
    assert len({e.data["target_id"] for e in done}) == round(0.75 * len(objects)) == len(done)
    assert {e.data["target_id"] for e in done} <= set(objects)
    assert all(e.data["kind"] == "special" and e.data["district"] == "420102" for e in done)
    assert all([i["item"] for i in e.data["items"]] == LPG_RESTAURANTS.items_zh for e in done)
    assert all(start <= e.occurred <= start + 9.5 * DAY for e in done)


def test_a_quarters_history_holds_a_finished_task_the_campaign_and_an_overdue_one(world) -> None:
    start, end = quarter_bounds(Q4, CST)
    tasks = history_tasks(world, start, end, str, seed=0)
    ids = [task.work.task_id for task in tasks]
    assert len(ids) == len(set(ids))  # one id each, though two are Jiang'an's routine checks
    finished = [task for task in tasks if task.completed is not None]
    campaign = [task for task in tasks if task.work.checklist_id == LPG_RESTAURANTS.id]
    own = [task for task in tasks if task.issued["office"] == "district"]
    assert len(finished) == 4 and all(t.completed[0] < t.work.deadline for t in finished)
    assert campaign and all(t.work.deadline > end and t.work.kind == "special" for t in campaign)
    assert [(t.work.district, t.by, t.work.deadline < end) for t in own] == [
        ("420102", "jiangan", True)
    ]
