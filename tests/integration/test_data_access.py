"""The data layer on both databases: schema, the event log's guarantees, users, scoped queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from dashboard.domain.roles import Role, Scope, system_user
from data_access import commands
from data_access.commands import Done, Refused
from data_access.db import transaction
from data_access.migrate import head_revision, is_up_to_date
from data_access.models import AreaCount, Base, District, EventRecord
from data_access.queries import one_map
from data_access.users import find_login, list_users

SHANGHAI = timezone(timedelta(hours=8))
ADMIN = system_user("tests")


def _event(event_id: str, source: str = "ent-0001", **extra) -> EventRecord:
    when = datetime(2026, 11, 23, 18, 2, 11, tzinfo=SHANGHAI)
    return EventRecord(
        source=source,
        event_id=event_id,
        type="cylinder.scanned",
        occurred_at=when,
        received_at=when,
        data={"code": "WH0000000001", "stage": "filling"},
        **extra,
    )


def test_migrations_create_every_model_table(engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert is_up_to_date(engine)
    assert head_revision() is not None


def test_the_migrations_build_exactly_the_models(engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_event_log_numbers_events_in_order(engine) -> None:
    with transaction(engine) as session:
        session.add_all([_event("a"), _event("b"), _event("c")])
    with transaction(engine) as session:
        rows = session.execute(select(EventRecord.event_id, EventRecord.seq).order_by("seq")).all()
    assert [r.event_id for r in rows] == ["a", "b", "c"]
    assert rows[0].seq < rows[1].seq < rows[2].seq


def test_event_log_refuses_the_same_id_twice_from_one_source(engine) -> None:
    with transaction(engine) as session:
        session.add(_event("same"))
    with pytest.raises(IntegrityError), transaction(engine) as session:
        session.add(_event("same"))


def test_the_same_id_from_two_sources_is_two_events(engine) -> None:
    with transaction(engine) as session:
        session.add_all([_event("x", source="ent-0001"), _event("x", source="fire-119")])
    with transaction(engine) as session:
        assert len(session.scalars(select(EventRecord)).all()) == 2


def test_times_are_stored_in_utc_and_come_back_aware(engine) -> None:
    with transaction(engine) as session:
        session.add(_event("t"))
    with transaction(engine) as session:
        stored = session.scalar(select(EventRecord.occurred_at))
    assert stored == datetime(2026, 11, 23, 10, 2, 11, tzinfo=UTC)
    assert stored.tzinfo is not None


def test_naive_times_are_refused(engine) -> None:
    naive = _event("n")
    naive.occurred_at = datetime(2026, 11, 23, 10, 0)
    with pytest.raises(Exception, match="naive"), transaction(engine) as session:
        session.add(naive)


def _district(code: str) -> District:
    square = {
        "type": "MultiPolygon",
        "coordinates": [[[[114, 30], [114.1, 30], [114.1, 30.1], [114, 30]]]],
    }
    return District(
        code=code,
        name_zh="测试区",
        name_en="Test",
        population=100_000,
        area_km2=10,
        centroid_lat=30.05,
        centroid_lon=114.05,
        geometry=square,
    )


def test_users_are_stored_with_their_role_and_binding(engine) -> None:
    with transaction(engine) as session:
        session.add(_district("420102"))
    zhou = commands.create_user(
        engine, ADMIN, "zhou", "h", Role.DISTRICT_OFFICER, district="420102"
    )
    assert isinstance(zhou, Done)
    user, stored_hash = find_login(engine, "zhou")
    assert (user.role, user.district, stored_hash) == (Role.DISTRICT_OFFICER, "420102", "h")
    assert user.scope == Scope(district="420102")
    assert [u.username for u in list_users(engine)] == ["zhou"]


@pytest.mark.parametrize(
    ("role", "district", "enterprise", "message"),
    [
        (Role.DISTRICT_OFFICER, None, None, "bound to one district"),
        (Role.ENTERPRISE, None, None, "bound to one enterprise"),
        (Role.DUTY_OFFICER, "420102", None, "takes no district"),
        (Role.DISTRICT_OFFICER, "999999", None, "unknown district"),
        (Role.ENTERPRISE, None, "ENT-NOPE", "unknown enterprise"),
    ],
)
def test_wrong_role_bindings_are_refused(engine, role, district, enterprise, message) -> None:
    refused = commands.create_user(
        engine, ADMIN, "x", "h", role, district=district, enterprise_id=enterprise
    )
    assert isinstance(refused, Refused) and message in refused.message
    assert list_users(engine) == []


def test_duplicate_username_is_refused(engine) -> None:
    assert isinstance(commands.create_user(engine, ADMIN, "wang", "h", Role.DUTY_OFFICER), Done)
    refused = commands.create_user(engine, ADMIN, "wang", "h", Role.LEADER)
    assert isinstance(refused, Refused) and "already exists" in refused.message


def test_district_counts_are_filtered_by_scope(engine) -> None:
    with transaction(engine) as session:
        session.add_all(
            [
                AreaCount(area_type="district", area_code="420102", metric="customers", value=10),
                AreaCount(area_type="district", area_code="420106", metric="customers", value=32),
                AreaCount(area_type="grid", area_code="420102-001", metric="customers", value=10),
            ]
        )
    assert one_map.city_counts(engine, Scope()) == {"customers": 42}
    assert one_map.city_counts(engine, Scope(district="420102")) == {"customers": 10}
    counts = one_map.district_counts(engine, Scope(district="420106"))
    assert counts == {"420106": {"customers": 32}}
