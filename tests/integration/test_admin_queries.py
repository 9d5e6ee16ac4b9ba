"""The administration pages' data: token usage figures (telemetry, not events) and the audit
trail's query (filters, pages by sequence number, no hashes, the indexes it relies on)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select, text

from dashboard.domain.events import Event, SensorReading
from dashboard.domain.roles import Role, Scope
from data_access import commands
from data_access.commands import Done
from data_access.eventlog import Incoming, append_events
from data_access.models import EventRecord, Sensor
from data_access.queries.audit import AuditFilter, audit_page, audit_rows
from data_access.token_usage import record_usage, token_usage
from tests.support import desk_user

ADMIN = desk_user("admin", Role.ADMIN)
CITY = Scope()
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _token(engine: Engine, source: str) -> int:
    issued = commands.create_token(engine, ADMIN, source, ["team.position"], label=source)
    assert isinstance(issued, commands.TokenIssued), issued
    return issued.token_id


def test_record_usage_adds_counts_and_keeps_the_latest_time(engine: Engine) -> None:
    first, second = _token(engine, "fire-119"), _token(engine, "ent-a")
    record_usage(engine, {first: (10, 2, T0 + timedelta(minutes=5))})
    record_usage(engine, {first: (5, 1, T0), second: (7, 0, T0 + timedelta(minutes=1))})
    record_usage(engine, {})  # nothing to flush: nothing happens
    figures = {row.id: row for row in token_usage(engine)}
    assert (figures[first].accepted, figures[first].rejected) == (15, 3)
    assert figures[first].last_used_at == T0 + timedelta(minutes=5)  # the older flush kept it
    assert (figures[second].accepted, figures[second].rejected) == (7, 0)
    record_usage(engine, {second: (1, 1, T0 + timedelta(hours=1))})
    assert {row.id: row for row in token_usage(engine)}[second].last_used_at == T0 + timedelta(
        hours=1
    )


def test_a_token_never_used_lists_with_zero_figures(engine: Engine) -> None:
    token = _token(engine, "scada")
    (row,) = [row for row in token_usage(engine) if row.id == token]
    assert (row.source, row.label, row.accepted, row.rejected, row.last_used_at) == (
        "scada",
        "scada",
        0,
        0,
        None,
    )
    assert row.revoked_at is None


def _readings(engine: Engine, district: str, count: int) -> None:
    """`count` ordinary readings of one sensor of `district`, sent by source "scada"."""
    with engine.connect() as connection:
        sensor = connection.execute(
            select(Sensor.id, Sensor.low, Sensor.high)
            .where(Sensor.district == district, Sensor.high.is_not(None))
            .order_by(Sensor.id)
        ).first()
    assert sensor is not None
    value = (sensor.high + (sensor.low or 0)) / 2
    now = datetime.now(UTC)
    events = [
        Event.of(
            SensorReading(sensor_id=sensor.id, value=value),
            id=f"r-{district}-{n}",
            occurred_at=now - timedelta(seconds=n),
        )
        for n in range(count)
    ]
    append_events(engine, [Incoming("scada", event) for event in events])


def _users(engine: Engine, count: int) -> None:
    for n in range(count):
        result = commands.create_user(engine, ADMIN, f"u{n}", "hash", Role.LEADER)
        assert isinstance(result, Done), result


def test_the_audit_trail_filters_by_actor_object_type_and_time(city: Engine) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    _users(city, 3)
    assert isinstance(commands.reset_password(city, ADMIN, "u1", "hash2"), Done)
    other = desk_user("admin2", Role.ADMIN)
    assert isinstance(commands.deactivate_user(city, other, "u2"), Done)

    by_admin = audit_page(city, CITY, AuditFilter(actor="admin", since=before)).rows
    assert [row.type for row in by_admin] == [
        "user.password_reset",
        "user.created",
        "user.created",
        "user.created",
    ]
    assert [row.subject for row in by_admin] == ["u1", "u2", "u1", "u0"]  # newest first
    about_u1 = audit_page(city, CITY, AuditFilter(subject="u1")).rows
    assert [(row.type, row.actor) for row in about_u1] == [
        ("user.password_reset", "admin"),
        ("user.created", "admin"),
    ]
    typed = audit_page(city, CITY, AuditFilter(types=("user.deactivated",), since=before)).rows
    assert [(row.subject, row.actor) for row in typed] == [("u2", "admin2")]
    assert audit_page(city, CITY, AuditFilter(since=datetime.now(UTC) + timedelta(1))).rows == []
    assert audit_page(city, CITY, AuditFilter(until=before - timedelta(days=3650))).rows == []
    for row in by_admin:
        assert "hash" not in row.summary  # hashes are never shown


def test_an_ingest_source_is_an_actor_and_a_token_a_subject(city: Engine) -> None:
    token = _token(city, "fire-119")
    assert isinstance(commands.revoke_token(city, ADMIN, token), Done)
    rows = audit_page(city, CITY, AuditFilter(subject=str(token))).rows
    assert [row.type for row in rows] == ["token.revoked"]  # token.created names no id yet
    with city.connect() as connection:
        source = connection.scalar(select(EventRecord.source).where(EventRecord.actor.is_(None)))
    assert source is None  # the demo city is seeded, not sent
    _readings(city, "420102", 3)
    assert {row.source for row in audit_page(city, CITY, AuditFilter(actor="scada")).rows} == {
        "scada"
    }
    assert {row.actor for row in audit_page(city, CITY, AuditFilter(actor="scada")).rows} == {
        "scada"
    }


def test_pages_follow_one_another_without_gaps_or_repeats(city: Engine) -> None:
    _readings(city, "420102", 40)
    wanted = AuditFilter()
    seen: list[int] = []
    page = audit_page(city, CITY, wanted, limit=7)
    for _ in range(5):
        seen += [row.seq for row in page.rows]
        assert page.older is not None
        page = audit_page(city, CITY, wanted, before=page.older, limit=7)
    with city.connect() as connection:
        newest = connection.execute(
            select(EventRecord.seq).order_by(EventRecord.seq.desc()).limit(35)
        ).scalars()
        assert seen == list(newest)


def test_an_export_stops_at_its_cap(city: Engine) -> None:
    _readings(city, "420102", 130)
    with city.connect() as connection:
        total = connection.scalar(select(func.count()).select_from(EventRecord))
    assert total > 120
    rows = list(audit_rows(city, CITY, AuditFilter(), cap=120))
    assert len(rows) == 120
    assert rows[0].seq > rows[-1].seq


def test_a_district_officer_reads_only_their_district(city: Engine) -> None:
    _readings(city, "420102", 5)
    _readings(city, "420106", 5)
    scope = Scope(district="420102")
    rows = list(audit_rows(city, scope, AuditFilter(), cap=500))
    with city.connect() as connection:
        districts = set(
            connection.scalars(
                select(EventRecord.district).where(EventRecord.seq.in_([r.seq for r in rows]))
            )
        )
    assert len(rows) == 5 and districts == {"420102"}


def test_the_actor_and_object_filters_walk_an_index(city: Engine) -> None:
    """Millions of rows: neither filter may scan the log."""
    plans = {}
    with city.connect() as connection:
        if city.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))
        for name, wanted in (
            ("actor", AuditFilter(actor="admin")),
            ("subject", AuditFilter(subject="u1")),
        ):
            from data_access.queries.audit import _query

            statement = (
                _query(CITY, wanted).limit(50).compile(city, compile_kwargs={"literal_binds": True})
            )
            explain = "EXPLAIN QUERY PLAN " if city.dialect.name == "sqlite" else "EXPLAIN "
            plans[name] = " ".join(
                str(row[-1]) for row in connection.exec_driver_sql(explain + str(statement))
            )
    assert "ix_event_log_actor_seq" in plans["actor"], plans["actor"]
    assert "ix_event_log_subject_seq" in plans["subject"], plans["subject"]
