"""The rankings' counts and scores (data_access/queries/rankings.py) on a tiny hand-built city
with exact, hand-computed numbers, on SQLite and PostgreSQL (the `engine` fixture).

The city: two square districts, A (420102) and B (420106), one bottled-gas enterprise in each
(E1 in A, E2 in B) with one site and one delivery worker each, and a few customers. Everything
happens in 2026Q2 (local days 2026-04-01..06-30) unless said otherwise; `NOW` is in Q3, so Q2 is
a past period. The hand computations are next to the assertions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from dashboard.domain.events import (
    ComplaintReceived,
    ComplaintUpdated,
    CustomerRegistered,
    CylinderRegistered,
    CylinderScanned,
    DeliverySafetyChecked,
    EnterpriseRegistered,
    Event,
    EventData,
    HazardReported,
    HazardUpdated,
    IncidentClosed,
    IncidentReported,
    IncidentUpdate,
    InspectionCompleted,
    InspectionItem,
    SafetyPhotos,
    SiteRegistered,
    ViolationRecorded,
    WorkerRegistered,
)
from dashboard.domain.roles import CITYWIDE, Scope
from dashboard.domain.scoring import config_from_dict, load_config_file, parse_period
from data_access.cache import MemoryCache, use_cache
from data_access.db import transaction
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import District
from data_access.queries import rankings

A, B = "420102", "420106"
A_AT, B_AT = (30.05, 114.05), (30.05, 114.25)  # inside each square
Q1, Q2 = parse_period("2026Q1"), parse_period("2026Q2")
NOW = datetime(2026, 8, 1, tzinfo=UTC)
CONFIG = load_config_file()
_ids = iter(range(1, 1_000_000))


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment of 2026 in UTC (10:00 UTC is 18:00 in Wuhan: the same local day)."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def append(engine: Engine, when: datetime, *items: EventData, source: str = "test") -> None:
    events = [Event.of(data, id=f"ev-{next(_ids)}", occurred_at=when) for data in items]
    outcomes = append_events(engine, [Incoming(source, event) for event in events])
    assert all(isinstance(o, Accepted) for o in outcomes), outcomes


def _square(lon: float) -> dict:
    ring = [[lon, 30.0], [lon + 0.1, 30.0], [lon + 0.1, 30.1], [lon, 30.1], [lon, 30.0]]
    return {"type": "Polygon", "coordinates": [ring]}


def add_districts(engine: Engine) -> None:
    with transaction(engine) as session:
        for code, zh, en, lon in (
            (A, "江岸区", "Jiang'an", 114.0),
            (B, "武昌区", "Wuchang", 114.2),
        ):
            session.add(
                District(
                    code=code,
                    name_zh=zh,
                    name_en=en,
                    population=100_000,
                    area_km2=100,
                    centroid_lat=30.05,
                    centroid_lon=lon + 0.05,
                    geometry=_square(lon),
                )
            )


def photos() -> SafetyPhotos:
    return SafetyPhotos(storefront="a", cylinder_hose="b", stove_hose="c", surroundings="d")


def scan(code: str, stage: str, where: tuple[float, float], **names: str) -> CylinderScanned:
    return CylinderScanned(code=code, stage=stage, lat=where[0], lon=where[1], **names)  # type: ignore[arg-type]


def hazard(hazard_id: str, target: str, district: str, due: datetime, level: str = "general"):
    where = A_AT if district == A else B_AT
    return HazardReported(
        hazard_id=hazard_id,
        target_type="enterprise",
        target_id=target,
        district=district,
        category="leak",
        level=level,  # type: ignore[arg-type]
        description="test",
        lat=where[0],
        lon=where[1],
        due_at=due,
    )


def closed(hazard_id: str) -> HazardUpdated:
    return HazardUpdated(hazard_id=hazard_id, status="closed", actor="officer")


def inspection(
    inspection_id: str, target_type: str, target: str, district: str, passed: bool = True
):
    where = A_AT if district == A else B_AT
    return InspectionCompleted(
        inspection_id=inspection_id,
        kind="daily",
        target_type=target_type,  # type: ignore[arg-type]
        target_id=target,
        district=district,
        inspector_id="inspector",
        items=[InspectionItem(item="valve", passed=passed)],
        lat=where[0],
        lon=where[1],
    )


def complaint(complaint_id: str, category: str, district: str) -> ComplaintReceived:
    return ComplaintReceived(
        complaint_id=complaint_id, channel="web", category=category, district=district, text="t"
    )


def complaint_closed(complaint_id: str, satisfaction: int | None) -> ComplaintUpdated:
    return ComplaintUpdated(
        complaint_id=complaint_id, status="closed", actor="officer", satisfaction=satisfaction
    )


def incident(incident_id: str) -> IncidentReported:
    return IncidentReported(
        incident_id=incident_id,
        kind="leak",
        channel="hotline_96511",
        lat=A_AT[0],
        lon=A_AT[1],
        address=f"address of {incident_id}",
        severity=2,
        description="leak",
    )


def registry(engine: Engine) -> None:
    when = at(1, 1)
    append(
        engine,
        when,
        EnterpriseRegistered(enterprise_id="E1", name="一号燃气", kind="bottled", district=A),
        EnterpriseRegistered(enterprise_id="E2", name="二号燃气", kind="bottled", district=B),
        SiteRegistered(
            site_id="S1", enterprise_id="E1", kind="supply_point", name="一号供应站",
            district=A, lat=A_AT[0], lon=A_AT[1],
        ),
        SiteRegistered(
            site_id="S2", enterprise_id="E2", kind="supply_point", name="二号供应站",
            district=B, lat=B_AT[0], lon=B_AT[1],
        ),
        WorkerRegistered(worker_id="W1", enterprise_id="E1", role="delivery", name="张三"),
        WorkerRegistered(worker_id="W2", enterprise_id="E2", role="delivery", name="李四"),
        *(
            CustomerRegistered(
                customer_id=customer, kind=kind, district=district,  # type: ignore[arg-type]
                real_name_verified=real, lat=where[0], lon=where[1], enterprise_id=owner,
            )
            for customer, kind, district, real, where, owner in (
                ("CA1", "household", A, True, A_AT, "E1"),
                ("CA2", "household", A, False, A_AT, "E1"),
                ("CA3", "commercial", A, True, A_AT, "E1"),
                ("CB1", "household", B, True, B_AT, "E2"),
                ("CB2", "industrial", B, True, B_AT, "E2"),
            )
        ),
        *(
            CylinderRegistered(
                code=code, enterprise_id=owner, capacity_kg=14.5,
                manufactured_on=date(2020, 1, 1), last_inspected_on=date(2025, 1, 1),
                next_inspection_due=date(2029, 1, 1), scrap_due=date(2036, 1, 1),
            )
            for code, owner in (("C1", "E1"), ("C2", "E1"), ("C3", "E1"), ("C4", "E2"))
        ),
        source="registry",
    )  # fmt: skip


def city_events(engine: Engine) -> None:
    """Everything the hand computations below count."""
    # Q1 (the previous period): district A closes one hazard in time, nothing else happens;
    # E1 gets 6 points on the 12-point system.
    append(engine, at(2, 1), hazard("HQ1", "E1", A, at(2, 8)))
    append(engine, at(2, 5), closed("HQ1"))
    append(engine, at(3, 1), ViolationRecorded(
        violation_id="V0", subject_type="enterprise", subject_id="E1", rule="r", points=6,
    ))  # fmt: skip
    # Q2, district A --------------------------------------------------------------------------
    # inspections: E1 failed (its failed item becomes hazard-IA1-0, due in 7 days), S1 passed,
    # CA3 only checked by itself (a self-check does not count)
    append(engine, at(5, 10), inspection("IA1", "enterprise", "E1", A, passed=False))
    append(engine, at(5, 11), inspection("IA2", "site", "S1", A))
    self_check = inspection("IA3", "customer", "CA3", A).model_copy(update={"kind": "self_check"})
    append(engine, at(5, 12), self_check)
    # hazards (E1 responsible)
    append(engine, at(4, 5), hazard("HA1", "E1", A, at(4, 12)))
    append(engine, at(4, 10), closed("HA1"))  # in time
    append(engine, at(4, 20), hazard("HA2", "E1", A, at(4, 27)))
    append(engine, at(5, 5), closed("HA2"))  # late
    append(engine, at(6, 1), hazard("HA3", "E1", A, at(6, 10), level="major"))  # never closed
    append(engine, at(6, 25), hazard("HA4", "E1", A, at(7, 5)))  # due in Q3
    # the cylinder chain: C1 sold to a real-name customer and delivered with a safety check;
    # C2 sold to a customer without real name (delivery_without_sale); C3 delivered unsold
    for code in ("C1", "C2", "C3"):
        append(engine, at(4, 2), scan(code, "filling", A_AT, site_id="S1"))
    append(engine, at(4, 3), scan("C1", "sale", A_AT, site_id="S1", customer_id="CA1"))
    append(engine, at(4, 3, 12), scan("C1", "delivery", A_AT, worker_id="W1", customer_id="CA1"))
    append(engine, at(4, 3, 13), DeliverySafetyChecked(
        code="C1", customer_id="CA1", worker_id="W1", passed=True, photos=photos()
    ))  # fmt: skip
    append(engine, at(4, 4), scan("C2", "sale", A_AT, site_id="S1", customer_id="CA2"))
    append(engine, at(4, 4, 12), scan("C2", "delivery", A_AT, worker_id="W1", customer_id="CA2"))
    append(engine, at(4, 5, 12), scan("C3", "delivery", A_AT, worker_id="W1", customer_id="CA1"))
    append(engine, at(4, 6), scan("BLACK-1", "filling", A_AT, site_id="S1"))  # not registered
    # incidents: on scene in 15 minutes (met), in 30 (missed), called off in 5 (not judged)
    for number, day in (("I1", 1), ("I2", 2), ("I3", 3)):
        append(engine, at(5, day), incident(number))
    on_scene = IncidentUpdate(incident_id="I1", author="team", text="here", status="on_scene")
    append(engine, at(5, 1, 10, 15), on_scene)
    append(engine, at(5, 2, 10, 30), on_scene.model_copy(update={"incident_id": "I2"}))
    append(engine, at(5, 3, 10, 5), IncidentClosed(incident_id="I3", by="duty", summary="false"))
    # complaints: late_delivery (1 day) closed in 4 h rated 4; manner (5 days) closed after 8;
    # other (5 days) closed the next day, unrated
    append(engine, at(5, 1, 8), complaint("K1", "late_delivery", A))
    append(engine, at(5, 1, 12), complaint_closed("K1", 4))
    append(engine, at(5, 2), complaint("K2", "manner", A))
    append(engine, at(5, 10), complaint_closed("K2", 5))
    append(engine, at(6, 1), complaint("K3", "other", A))
    append(engine, at(6, 2), complaint_closed("K3", None))
    # violations: 6 more points for E1 (12 in the year: suspended), 3 for its worker
    append(engine, at(5, 20), ViolationRecorded(
        violation_id="V1", subject_type="enterprise", subject_id="E1", rule="r", points=6,
    ))  # fmt: skip
    append(engine, at(6, 1), ViolationRecorded(
        violation_id="V2", subject_type="worker", subject_id="W1", rule="r", points=3,
    ))  # fmt: skip
    # Q2, district B: all in order --------------------------------------------------------------
    append(engine, at(5, 3), inspection("IB1", "enterprise", "E2", B))
    append(engine, at(5, 4), inspection("IB2", "site", "S2", B))
    append(engine, at(5, 5), inspection("IB3", "customer", "CB2", B))
    append(engine, at(5, 1), hazard("HB1", "E2", B, at(5, 8)))
    append(engine, at(5, 7), closed("HB1"))
    append(engine, at(4, 2), scan("C4", "filling", B_AT, site_id="S2"))
    append(engine, at(4, 3), scan("C4", "sale", B_AT, site_id="S2", customer_id="CB1"))
    append(engine, at(4, 3, 12), scan("C4", "delivery", B_AT, worker_id="W2", customer_id="CB1"))
    append(engine, at(4, 3, 13), DeliverySafetyChecked(
        code="C4", customer_id="CB1", worker_id="W2", passed=True, photos=photos()
    ))  # fmt: skip
    append(engine, at(5, 1), complaint("KB1", "other", B))
    append(engine, at(5, 2), complaint_closed("KB1", 5))


@pytest.fixture
def tiny(engine: Engine) -> Engine:
    """The tiny city (module docstring), on either database."""
    add_districts(engine)
    registry(engine)
    city_events(engine)
    return engine


def rates(counts: rankings.DistrictCounts) -> dict[str, tuple[float, int]]:
    return {name: (rate.numerator, rate.denominator) for name, rate in counts.rates.items()}


# District A, Q2, by hand:
#   inspection_coverage    E1, S1 of E1, S1, CA3 due; E1 and S1 inspected      2 / 3  x 25
#   on_time_rectification  due in Q2: HA1, HA2, HA3, hazard-IA1-0; HA1 in time 1 / 4  x 20
#   hazard_closure         reported: those four and HA4; HA1, HA2 closed       2 / 5  x 10
#   cylinder_traceability  deliveries C1, C2, C3; only C1's chain is whole     1 / 3  x 15
#   safety_checks          C1's check with its four photos                     1 / 3  x 10
#   emergency_response     I1 met, I2 missed, I3 not judged                    1 / 2  x 10
#   complaint_handling     K1 4/5 + K3 unrated 3/5, K2 late             1.4 / 3  x 10
#   = (16.667 + 5 + 4 + 5 + 3.333 + 5 + 4.667) = 43.667 of 100 (the weights sum to 100)
#   - black cylinders 1 x 0.5 - major hazards overdue (HA3) 1 x 2 = 41.1667 -> 41.17, red
A_Q2 = {
    "inspection_coverage": (2, 3),
    "on_time_rectification": (1, 4),
    "hazard_closure": (2, 5),
    "cylinder_traceability": (1, 3),
    "safety_checks": (1, 3),
    "emergency_response": (1, 2),
    "complaint_handling": (pytest.approx(1.4), 3),
}
# District B, Q2: every rate full (no incident: response does not apply), no deduction -> 100.
B_Q2 = {
    "inspection_coverage": (3, 3),
    "on_time_rectification": (1, 1),
    "hazard_closure": (1, 1),
    "cylinder_traceability": (1, 1),
    "safety_checks": (1, 1),
    "emergency_response": (0, 0),
    "complaint_handling": (1, 1),
}


def test_district_counts_are_the_hand_computed_ones(tiny: Engine) -> None:
    counts = rankings.district_counts(tiny, CITYWIDE, Q2, NOW)
    assert sorted(counts) == [A, B]
    assert rates(counts[A]) == A_Q2
    assert dict(counts[A].deductions) == {"black_cylinders": 1, "major_hazards_overdue": 1}
    assert rates(counts[B]) == B_Q2
    assert dict(counts[B].deductions) == {"black_cylinders": 0, "major_hazards_overdue": 0}


def test_district_ranking_ranks_with_the_previous_quarter(tiny: Engine) -> None:
    ranking = rankings.district_ranking(tiny, CITYWIDE, Q2, CONFIG, NOW)
    assert (ranking.period, ranking.previous_period, ranking.version) == (Q2, Q1, "2026.1")
    b, a = ranking.rows
    assert (b.code, b.score.index, b.score.band, b.rank) == (B, 100.0, "blue", 1)
    assert (a.code, a.score.index, a.score.band, a.rank) == (A, 41.17, "red", 2)
    assert (a.name_zh, a.name_en) == ("江岸区", "Jiang'an")
    # Q1: nobody in the city inspected anything, so coverage does not apply (a period before the
    # records, not 0 %): A is judged on on time 1/1 (x20) and closure 1/1 (x10): 100; B has
    # nothing that applies: no index.
    assert (a.previous, a.previous_rank, a.change) == (100.0, 1, round(41.17 - 100, 2))
    assert (b.previous, b.previous_rank, b.change) == (None, None, None)
    assert ranking.city_index == pytest.approx((100 + 41.17) / 2, abs=0.006)


def test_weights_are_honoured_and_a_zero_weight_removes_a_component(tiny: Engine) -> None:
    data = CONFIG.as_dict()
    data["version"] = "test.2"
    # only coverage and response: A = 100 x (25 x 2/3 + 10 x 1/2) / 35 = 61.905 - 2.5 = 59.40
    for name in ("on_time_rectification", "hazard_closure", "cylinder_traceability"):
        data["district"]["weights"][name] = 0
    data["district"]["weights"]["safety_checks"] = 0
    data["district"]["weights"]["complaint_handling"] = 0
    config = config_from_dict(data)
    ranking = rankings.district_ranking(tiny, CITYWIDE, Q2, config, NOW)
    a = next(row for row in ranking.rows if row.code == A)
    assert (a.score.index, a.score.version, ranking.version) == (59.40, "test.2", "test.2")
    assert [c.name for c in a.score.components if c.points is not None] == [
        "inspection_coverage",
        "emergency_response",
    ]


def test_more_overdue_hazards_never_raise_the_index(tiny: Engine) -> None:
    before = rankings.district_ranking(tiny, CITYWIDE, Q2, CONFIG, NOW).rows[1].score.index
    append(tiny, at(6, 2), hazard("HA5", "E1", A, at(6, 9), level="major"))
    after = rankings.district_ranking(tiny, CITYWIDE, Q2, CONFIG, NOW).rows[1].score.index
    # on time 1/5, closure 2/6, one more major overdue: 100 x (16.667 + 4 + 3.333 + 5 + 3.333 +
    # 5 + 4.667) / 100 - 0.5 - 4 = 37.5
    assert before is not None and after is not None and after < before
    assert after == 37.5


def test_district_trend_gives_four_quarters_oldest_first(tiny: Engine) -> None:
    trend = rankings.district_trend(tiny, CITYWIDE, Q2, CONFIG, NOW)
    labels = [point.period.label for point in trend[A]]
    assert labels == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    # before the records (no inspection in the city, no hazard in A) there is no index at all
    assert [p.index for p in trend[A]] == [None, None, 100.0, 41.17]
    assert [p.rank for p in trend[B]] == [None, None, None, 1]


def test_scope_district_officer_and_enterprise(tiny: Engine) -> None:
    officer = Scope(district=B)
    assert list(rankings.district_counts(tiny, officer, Q2, NOW)) == [B]
    ranking = rankings.district_ranking(tiny, officer, Q2, CONFIG, NOW)
    assert [(row.code, row.rank) for row in ranking.rows] == [(B, 1)]  # the city's place
    assert rankings.count_objects(tiny, officer, Q2, NOW, A, "hazard_closure").total == 0
    enterprise = Scope(enterprise_id="E1")
    assert rankings.district_counts(tiny, enterprise, Q2, NOW) == {}
    assert rankings.district_ranking(tiny, enterprise, Q2, CONFIG, NOW).rows == []
    own = rankings.enterprise_ranking(tiny, enterprise, Q2, CONFIG, NOW)
    assert [row.id for row in own.rows] == ["E1"]


def objects(engine: Engine, measure: str, district: str = A) -> list[tuple[str, str, bool]]:
    found = rankings.count_objects(engine, CITYWIDE, Q2, NOW, district, measure)
    assert found.total == len(found.rows)
    return sorted((o.kind, o.id, o.counted) for o in found.rows)


def test_drill_down_lists_exactly_the_objects_behind_each_count(tiny: Engine) -> None:
    auto = "hazard-IA1-0"
    assert objects(tiny, "on_time_rectification") == [
        ("hazard", h, h == "HA1") for h in ("HA1", "HA2", "HA3", auto)
    ]
    assert objects(tiny, "hazard_closure") == [
        ("hazard", h, h in ("HA1", "HA2")) for h in ("HA1", "HA2", "HA3", "HA4", auto)
    ]
    assert objects(tiny, "major_hazards_overdue") == [("hazard", "HA3", True)]
    assert objects(tiny, "inspection_coverage") == [
        ("customer", "CA3", False),
        ("enterprise", "E1", True),
        ("site", "S1", True),
    ]
    assert objects(tiny, "emergency_response") == [
        ("incident", "I1", True),
        ("incident", "I2", False),
    ]
    assert objects(tiny, "complaint_handling") == [
        ("complaint", "K1", True),
        ("complaint", "K2", False),
        ("complaint", "K3", True),
    ]
    assert [(k, c) for k, _, c in objects(tiny, "black_cylinders")] == [("finding", True)]
    tallies = rankings.count_objects(tiny, CITYWIDE, Q2, NOW, A, "cylinder_traceability")
    assert sorted((o.id, o.numerator, o.denominator) for o in tallies.rows) == [
        ("2026-04-03/E1", 1, 1),
        ("2026-04-04/E1", 0, 1),
        ("2026-04-05/E1", 0, 1),
    ]
    first = tallies.rows[0]
    assert (
        first.href == "/cylinders?district=420102&since=2026-04-05&until=2026-04-05&enterprise=E1"
    )
    hazards = rankings.count_objects(tiny, CITYWIDE, Q2, NOW, A, "hazard_closure").rows
    assert {o.href for o in hazards} >= {"/hazard/HA1", "/hazard/HA4"}
    # A's third hazard of 2026 in log order (HQ1, then the inspection's, then HA1)
    assert {o.label for o in hazards if o.id == "HA1"} == {"YH-420102-2026-00003"}


def test_drill_down_pages(tiny: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rankings, "OBJECTS_PAGE", 2)
    pages = [
        rankings.count_objects(tiny, CITYWIDE, Q2, NOW, A, "inspection_coverage", page)
        for page in (1, 2, 3)
    ]
    assert [[o.id for o in p.rows] for p in pages] == [["E1", "S1"], ["CA3"], []]
    assert {p.total for p in pages} == {3}


# Enterprises, Q2 (judged on 2026-06-30), by hand:
#   E1: sales 2 (1 real-name), deliveries 3 (1 whole chain):
#       traceability 100 x (40 x 1/2 + 40 x 1/3 + 20 x min(3, 2)/2) / 100 = 53.33, flagged (< 70)
#       risk: hazards 5 x 1 + major 1 x 3 + violation points 9 (6 + its worker's 3) x 1
#             + failed inspections 1 x 1 + low traceability 4 = 22 -> red, every 30 days;
#       last inspected 2026-05-11 (S1): 50 days -> overdue; 6 + 6 = 12 points in 2026: suspended
#       score (53.33 + (100 - 22 x 2.5)) / 2 = 49.165
#   E2: traceability 100, risk 1 (HB1) -> blue; score (100 + 97.5) / 2 = 98.75
def test_enterprise_ranking_scores_lists_and_overdue(tiny: Engine) -> None:
    ranking = rankings.enterprise_ranking(tiny, CITYWIDE, Q2, CONFIG, NOW)
    e2, e1 = ranking.rows
    assert (e2.id, e2.rank, e2.score.score, e2.score.colour) == ("E2", 1, 98.75, "blue")
    assert (e1.id, e1.rank, e1.kind, e1.district) == ("E1", 2, "bottled", A)
    assert e1.counts == rankings.EnterpriseCounts(
        sales=2,
        real_name_sales=1,
        deliveries=3,
        complete_deliveries=1,
        hazards=5,
        major_hazards=1,
        incidents=0,
        violation_points=9,
        year_points=12,
        failed_inspections=1,
        last_inspection=date(2026, 5, 11),
    )
    assert (e1.score.traceability, e1.score.flagged, e1.score.risk_points) == (53.33, True, 22)
    assert (e1.score.colour, e1.score.frequency_days, e1.score.suspended) == ("red", 30, True)
    assert e1.score.score == pytest.approx(49.165, abs=0.006)
    assert e1.score.inspection_overdue and not e2.score.inspection_overdue
    assert (ranking.lists.red, ranking.lists.black, ranking.overdue) == (("E2",), ("E1",), ["E1"])
    assert (e1.on_black_list, e1.on_red_list, e2.on_red_list) == (True, False, True)
    assert [
        r.id for r in rankings.enterprise_ranking(tiny, CITYWIDE, Q2, CONFIG, NOW, "pipeline").rows
    ] == []


def test_points_totals(tiny: Engine) -> None:
    rows = rankings.points_totals(tiny, CITYWIDE, 2026)
    assert [(r.subject_type, r.subject_id, r.points, r.violations, r.suspended) for r in rows] == [
        ("enterprise", "E1", 12, 2, True),
        ("worker", "W1", 3, 1, False),
    ]
    assert (rows[0].name, rows[1].name, rows[1].enterprise_id) == ("一号燃气", "张三", "E1")
    assert rankings.points_totals(tiny, Scope(enterprise_id="E2"), 2026) == []


def test_a_past_period_does_not_change_when_later_events_arrive(tiny: Engine) -> None:
    def figures() -> tuple[object, ...]:
        counts = rankings.district_counts(tiny, CITYWIDE, Q2, NOW + timedelta(days=30))
        ents = rankings.enterprise_ranking(tiny, CITYWIDE, Q2, CONFIG, NOW + timedelta(days=30))
        return counts[A], counts[B], [(r.id, r.counts, r.score) for r in ents.rows]

    before = figures()
    append(tiny, at(7, 10), closed("HA3"), closed("HA4"), closed("hazard-IA1-0"))
    append(tiny, at(7, 11), hazard("HA9", "E1", A, at(7, 1)))
    append(tiny, at(7, 12), scan("C1", "recovery", A_AT, site_id="S1"))
    append(tiny, at(7, 12), inspection("IA9", "site", "S1", A, passed=False))
    append(tiny, at(7, 13), ViolationRecorded(
        violation_id="V9", subject_type="enterprise", subject_id="E1", rule="r", points=2,
    ))  # fmt: skip
    append(tiny, at(7, 14), complaint("K9", "other", A))
    assert figures() == before


def test_every_count_s_objects_add_up_to_it(tiny: Engine) -> None:
    counts = rankings.district_counts(tiny, CITYWIDE, Q2, NOW)
    for district in (A, B):
        for name in rankings.COMPONENTS:
            rate = counts[district].rates[name]
            found = rankings.count_objects(tiny, CITYWIDE, Q2, NOW, district, name)
            if name in ("cylinder_traceability", "safety_checks"):
                assert sum(o.denominator or 0 for o in found.rows) == rate.denominator, name
                assert sum(o.numerator or 0 for o in found.rows) == rate.numerator, name
                continue
            assert found.total == rate.denominator, (district, name)
            if name != "complaint_handling":  # weighted by satisfaction
                assert sum(o.counted for o in found.rows) == rate.numerator, (district, name)
        for name in rankings.DEDUCTIONS:
            found = rankings.count_objects(tiny, CITYWIDE, Q2, NOW, district, name)
            assert found.total == counts[district].deductions[name], (district, name)


def test_the_ranking_is_cached_until_the_log_grows(tiny: Engine) -> None:
    use_cache(tiny, MemoryCache())
    first = rankings.district_ranking(tiny, CITYWIDE, Q2, CONFIG, NOW)
    assert rankings.district_ranking(tiny, CITYWIDE, Q2, CONFIG, NOW) is first
    ents = rankings.enterprise_ranking(tiny, CITYWIDE, Q2, CONFIG, NOW)
    assert rankings.enterprise_ranking(tiny, CITYWIDE, Q2, CONFIG, NOW) is ents
    append(tiny, at(6, 3), closed("HA3"))  # before its due time (06-10)
    again = rankings.district_ranking(tiny, CITYWIDE, Q2, CONFIG, NOW)
    a = next(row for row in again.rows if row.code == A)
    # 41.1667 + 20 x 1/4 (on time 2/4) + 10 x 1/5 (closure 3/5) + 2 (no major overdue) = 50.17
    assert a.score.index == 50.17 and again is not first


def test_a_period_not_begun_has_no_index(tiny: Engine) -> None:
    ranking = rankings.district_ranking(tiny, CITYWIDE, parse_period("2026Q4"), CONFIG, NOW)
    assert [(row.score.index, row.rank) for row in ranking.rows] == [(None, None), (None, None)]
    assert ranking.city_index is None
