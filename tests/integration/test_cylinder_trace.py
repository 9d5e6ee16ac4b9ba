"""Tracing a cylinder (data_access/queries/cylinder_trace.py) and the problem-cylinder queries
(data_access/queries/problem_cylinders.py), through append_events, on SQLite and PostgreSQL:
the chain in order with names, the four photos kept, findings with their resolution, the scope."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, select, text, update

from dashboard.domain.roles import CITYWIDE, Scope
from data_access.models import CylinderState, SafetyCheck
from data_access.queries.cylinder_trace import cylinder_trace, scans_statement
from data_access.queries.problem_cylinders import (
    ProblemFilter,
    chain_completeness,
    problem_list,
    stage_funnel,
)
from tests.integration.test_eventlog import T0, accepted, append, at, ev, scan, seed_city
from tests.integration.test_projection_rules import PHOTOS, safety_check

WEST, EAST = "420102", "420106"
TODAY = date(2026, 11, 23)


def seed_chain(engine: Engine) -> None:
    """Y1 (e1's) through filling, sale to a real-name customer, delivery with a checked
    delivery; BLACK-1 filled at s1 then delivered without a sale; a second enterprise e2."""
    seed_city(engine)
    accepted(
        append(
            engine,
            ev(
                "enterprise.registered",
                "r-e2",
                enterprise_id="e2",
                name="LPG Two",
                kind="bottled",
                district=EAST,
            ),
            ev(
                "worker.registered",
                "r-w1b",
                worker_id="w1",
                enterprise_id="e1",
                role="delivery",
                name="Li Ming",
                certificate_no="CERT-7",
                certificate_expires="2027-03-01",
            ),
            source="registry",
        )
    )
    accepted(
        append(
            engine,
            scan("k1", "Y1", "filling", 1, site_id="s1", worker_id="w1"),
            scan("k2", "Y1", "transport", 2, vehicle_id="V-9", worker_id="w1"),
            scan("k3", "Y1", "sale", 3, site_id="s2", customer_id="c1"),
            scan("k4", "Y1", "delivery", 4, worker_id="w1", customer_id="c1"),
            safety_check("sc1", "Y1", 5, findings=["hose cracked"], passed=False),
            scan("b1", "BLACK-1", "filling", 6, site_id="s1"),
            scan("b2", "BLACK-1", "delivery", 7, worker_id="w1", customer_id="c2"),
        )
    )


def test_the_chain_is_oldest_first_with_names_and_never_a_customers_identity(
    engine: Engine,
) -> None:
    seed_chain(engine)
    trace = cylinder_trace(engine, CITYWIDE, "Y1", today=TODAY)
    assert trace is not None
    assert [s.stage for s in trace.scans] == ["filling", "transport", "sale", "delivery"]
    assert [s.occurred_at for s in trace.scans] == [at(1), at(2), at(3), at(4)]
    filling, transport, sale, delivery = trace.scans
    assert (filling.site_name, filling.worker_name) == ("Station 1", "Li Ming")
    assert (filling.certificate_no, filling.certificate_expires) == ("CERT-7", date(2027, 3, 1))
    assert transport.vehicle_id == "V-9"
    assert (sale.customer_kind, sale.real_name) == ("household", True)
    assert delivery.real_name is True and filling.real_name is None
    assert trace.registry is not None
    assert (trace.registry.enterprise_name, trace.registry.scrap_due) == (
        "LPG One",
        date(2032, 1, 1),
    )
    assert trace.status == "in_service" and trace.stage == "delivery"
    assert "c1" not in repr(trace)  # customers are shown by kind only


def test_the_four_photos_and_the_checkers_findings_are_stored_and_traced(engine: Engine) -> None:
    seed_chain(engine)
    with engine.connect() as connection:
        row = connection.execute(select(SafetyCheck.photos, SafetyCheck.findings)).one()
    assert row.photos == PHOTOS
    assert row.findings == ["hose cracked"]
    trace = cylinder_trace(engine, CITYWIDE, "Y1", today=TODAY)
    assert trace is not None
    [check] = trace.checks
    assert check.photos == PHOTOS and check.findings == ["hose cracked"]
    assert (check.passed, check.photos_complete, check.worker_name) == (False, True, "Li Ming")


def test_findings_come_with_their_resolution(engine: Engine) -> None:
    seed_city(engine)
    accepted(
        append(
            engine,
            scan("k1", "Y1", "filling", 1, site_id="s1"),
            scan("k2", "Y1", "delivery", 2),  # out of order, and without a sale
            scan("k3", "Y1", "recovery", 3),  # out of order again
            scan("k4", "Y1", "scrap", 4),  # resolves them all
        )
    )
    trace = cylinder_trace(engine, CITYWIDE, "Y1", today=TODAY)
    assert trace is not None
    kinds = [(f.kind, f.resolved, f.resolution) for f in trace.findings]
    assert ("delivery_without_sale", True, "scrapped") in kinds
    assert ("stage_out_of_order", True, "scrapped") in kinds
    assert all(f.resolved_at == at(4) for f in trace.findings)
    assert trace.status == "scrapped"


def test_status_overdue_detained_and_black(engine: Engine) -> None:
    seed_chain(engine)
    accepted(append(engine, scan("y2", "Y2", "storage", 1, site_id="s2")))
    overdue = cylinder_trace(engine, CITYWIDE, "Y2", today=TODAY)
    assert overdue is not None and overdue.status == "overdue"
    black = cylinder_trace(engine, CITYWIDE, "BLACK-1", today=TODAY)
    assert black is not None and black.status == "black" and black.registry is None
    with engine.begin() as connection:
        connection.execute(
            update(CylinderState).where(CylinderState.code == "Y1").values(detained=True)
        )
    detained = cylinder_trace(engine, CITYWIDE, "Y1", today=TODAY)
    assert detained is not None and detained.status == "detained"


def test_an_enterprise_sees_its_own_cylinders_only(engine: Engine) -> None:
    seed_chain(engine)
    assert cylinder_trace(engine, Scope(enterprise_id="e1"), "Y1") is not None
    assert cylinder_trace(engine, Scope(enterprise_id="e2"), "Y1") is None
    # a black cylinder is the enterprise's whose site scanned it
    assert cylinder_trace(engine, Scope(enterprise_id="e1"), "BLACK-1") is not None
    assert cylinder_trace(engine, Scope(enterprise_id="e2"), "BLACK-1") is None
    # unknown and out of scope are the same answer
    assert cylinder_trace(engine, Scope(enterprise_id="e2"), "NO-SUCH") is None


def test_a_district_officer_sees_the_cylinders_in_their_district(engine: Engine) -> None:
    seed_chain(engine)  # Y1 was last scanned at c1's home, in the east
    assert cylinder_trace(engine, Scope(district=EAST), "Y1") is not None
    assert cylinder_trace(engine, Scope(district=WEST), "Y1") is None


def test_the_scans_are_read_through_the_subject_index(engine: Engine) -> None:
    seed_chain(engine)
    statement = scans_statement("Y1").compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = " ".join(
                str(r[-1]) for r in connection.execute(text(f"EXPLAIN QUERY PLAN {statement}"))
            )
            assert "ix_event_log_subject_seq" in plan, plan
        else:
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(r[0] for r in connection.execute(text(f"EXPLAIN {statement}")))
            assert "ix_event_log_subject_seq" in plan, plan


def test_problem_cylinders_by_kind_scope_and_status(engine: Engine) -> None:
    seed_chain(engine)
    every = problem_list(engine, CITYWIDE, ProblemFilter())
    kinds = {row.kind for row in every.rows}
    assert {"black_cylinder", "delivery_without_sale"} <= kinds
    assert every.by_kind["black_cylinder"] == 1
    black = problem_list(engine, CITYWIDE, ProblemFilter(kind="black_cylinder"))
    assert [row.code for row in black.rows] == ["BLACK-1"]
    assert problem_list(engine, Scope(enterprise_id="e2"), ProblemFilter()).total == 0
    later = problem_list(engine, CITYWIDE, ProblemFilter(since=at(60)))
    assert later.total == 0


def test_the_funnel_and_the_completeness(engine: Engine) -> None:
    seed_chain(engine)
    funnel = stage_funnel(engine, CITYWIDE, T0)
    assert funnel.by_enterprise["e1"]["filling"] == 2  # Y1, and BLACK-1 at e1's station
    assert funnel.by_enterprise["e1"]["delivery"] == 2
    assert sum(stages["sale"] for stages in funnel.by_district.values()) == 1
    [e1] = chain_completeness(engine, CITYWIDE, T0, T0 + timedelta(days=1))
    # Y1: sold to a real-name customer and checked with four photos; BLACK-1 neither
    assert (e1.enterprise_id, e1.deliveries, e1.sold_real_name, e1.checked_photos, e1.complete) == (
        "e1",
        2,
        1,
        1,
        1,
    )
    assert e1.share == 0.5
    assert chain_completeness(engine, Scope(enterprise_id="e2"), T0, at(600)) == []
    assert stage_funnel(engine, Scope(enterprise_id="e2"), T0).by_enterprise == {}
