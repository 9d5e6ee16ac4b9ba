"""The daily tallies (data_access/projections/tallies.py): kept by the cylinder projection in the
log's transaction, on the gateway's path and the bulk path alike, per local day, district and
enterprise; equal to a rebuild from the log; on SQLite and PostgreSQL (the `engine` fixture).
The tiny city is test_rankings_queries.py's."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, delete, select

from dashboard.domain.events import Event
from data_access.bulk_append import append_batches
from data_access.db import transaction
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import DailyTally
from data_access.projections.tallies import rebuild_daily_tallies
from tests.integration.test_rankings_queries import (
    A_AT,
    A,
    B,
    add_districts,
    at,
    city_events,
    registry,
    scan,
)

Row = tuple[date, str, str, str, int]


def tallies(engine: Engine) -> list[Row]:
    query = select(
        DailyTally.day,
        DailyTally.district,
        DailyTally.enterprise_id,
        DailyTally.measure,
        DailyTally.count,
    ).order_by(DailyTally.day, DailyTally.district, DailyTally.enterprise_id, DailyTally.measure)
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]  # type: ignore[misc]


def small_city(engine: Engine) -> None:
    add_districts(engine)
    registry(engine)


# By hand (test_rankings_queries.city_events): in A, E1 sold C1 to a real-name customer and
# delivered it with a checked, whole chain on 04-03; sold C2 to a customer without real name and
# delivered it on 04-04 (broken: delivery_without_sale); delivered C3 unsold on 04-05 (broken).
# In B, E2 did as E1 with C1, on 04-03. The scans are at 18:00-21:00 in Wuhan: the same day.
EXPECTED: list[Row] = [
    (date(2026, 4, 3), A, "E1", "checked_deliveries", 1),
    (date(2026, 4, 3), A, "E1", "deliveries", 1),
    (date(2026, 4, 3), A, "E1", "real_name_sales", 1),
    (date(2026, 4, 3), A, "E1", "sales", 1),
    (date(2026, 4, 3), A, "E1", "traceable_deliveries", 1),
    (date(2026, 4, 3), B, "E2", "checked_deliveries", 1),
    (date(2026, 4, 3), B, "E2", "deliveries", 1),
    (date(2026, 4, 3), B, "E2", "real_name_sales", 1),
    (date(2026, 4, 3), B, "E2", "sales", 1),
    (date(2026, 4, 3), B, "E2", "traceable_deliveries", 1),
    (date(2026, 4, 4), A, "E1", "deliveries", 1),
    (date(2026, 4, 4), A, "E1", "sales", 1),
    (date(2026, 4, 5), A, "E1", "deliveries", 1),
]


def test_the_projection_keeps_the_hand_computed_tallies(engine: Engine) -> None:
    small_city(engine)
    city_events(engine)
    assert tallies(engine) == EXPECTED


def test_the_tallies_equal_a_rebuild_from_the_log(engine: Engine) -> None:
    small_city(engine)
    city_events(engine)
    kept = tallies(engine)
    with transaction(engine) as session:
        session.execute(delete(DailyTally))
    assert tallies(engine) == []
    assert rebuild_daily_tallies(engine) == len(kept)
    assert tallies(engine) == kept == EXPECTED
    assert rebuild_daily_tallies(engine) == len(kept)  # again: replaced, not added
    assert tallies(engine) == kept


def test_batches_add_up_and_the_day_is_wuhan_s(engine: Engine) -> None:
    small_city(engine)
    sales = [
        # 15:59 UTC is 23:59 in Wuhan (04-10); 16:00 UTC is 00:00 on 04-11
        scan("C1", "sale", A_AT, site_id="S1", customer_id="CA1"),
        scan("C2", "sale", A_AT, site_id="S1", customer_id="CA2"),
        scan("C3", "sale", A_AT, site_id="S1", customer_id="CA1"),
    ]
    moments = [at(4, 10, 15, 59), at(4, 10, 15, 59), at(4, 10, 16, 0)]
    events = [
        Event.of(data, id=f"tally-{i}", occurred_at=when)
        for i, (data, when) in enumerate(zip(sales, moments, strict=True))
    ]
    # the bulk path: the first two in one batch, the third in another
    batches = [
        [Incoming("sim", events[0]), Incoming("sim", events[1])],
        [Incoming("sim", events[2])],
    ]
    tally = append_batches(engine, batches)
    assert tally.accepted == 3
    # the gateway's path: one more sale on 04-10, its own transaction
    late = Event.of(sales[0], id="tally-late", occurred_at=at(4, 10, 9))  # stale for C1: counted
    (outcome,) = append_events(engine, [Incoming("sim", late)])
    assert isinstance(outcome, Accepted)
    assert tallies(engine) == [
        (date(2026, 4, 10), A, "E1", "real_name_sales", 2),
        (date(2026, 4, 10), A, "E1", "sales", 3),
        (date(2026, 4, 11), A, "E1", "real_name_sales", 1),
        (date(2026, 4, 11), A, "E1", "sales", 1),
    ]
    kept = tallies(engine)
    rebuild_daily_tallies(engine)
    assert tallies(engine) == kept


def test_a_black_code_counts_for_the_worker_s_enterprise(engine: Engine) -> None:
    small_city(engine)
    delivered = scan("NOT-REGISTERED", "delivery", A_AT, worker_id="W2", customer_id="CA1")
    event = Event.of(
        delivered, id="black-delivery", occurred_at=datetime(2026, 4, 12, 2, tzinfo=UTC)
    )
    (outcome,) = append_events(engine, [Incoming("sim", event)])
    assert isinstance(outcome, Accepted)
    # unsold: not traceable; the worker W2 is E2's, the customer in A
    assert tallies(engine) == [(date(2026, 4, 12), A, "E2", "deliveries", 1)]
    rebuild_daily_tallies(engine)
    assert tallies(engine) == [(date(2026, 4, 12), A, "E2", "deliveries", 1)]
