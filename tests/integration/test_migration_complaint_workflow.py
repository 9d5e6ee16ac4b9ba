"""Migration 0015 on a database that already holds complaints: each gets its due time by
category, the enterprise it names (or its cylinder's), who holds it, its escalations, reply and
position, from the event log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from data_access.db import make_engine
from data_access.migrate import upgrade
from data_access.models import UTCDateTime

WHEN = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
TYPES = {
    "data": sa.JSON(),
    "received_at": UTCDateTime(),
    "occurred_at": UTCDateTime(),
    "closed_at": UTCDateTime(),
}


def _table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(column, TYPES.get(column)) for column in columns))


def _stored_before_0015(connection: sa.Connection) -> None:
    connection.execute(
        sa.table(*("districts", *(sa.column(c) for c in ("code", "name_zh", "name_en"))),
                 *(sa.column(c) for c in ("population", "area_km2", "centroid_lat")),
                 sa.column("centroid_lon"), sa.column("geometry", sa.JSON())).insert(),
        {"code": "420102", "name_zh": "江岸区", "name_en": "Jiang'an", "population": 1,
         "area_km2": 1.0, "centroid_lat": 30.6, "centroid_lon": 114.3, "geometry": {}},
    )  # fmt: skip
    connection.execute(
        _table("enterprises", "id", "name", "kind", "district").insert(),
        [{"id": "ENT-A", "name": "甲燃气", "kind": "bottled", "district": "420102"}],
    )
    connection.execute(
        _table("cylinders", "code", "enterprise_id", "capacity_kg", "manufactured_on",
               "last_inspected_on", "next_inspection_due", "scrap_due").insert(),
        [{"code": "CYL-1", "enterprise_id": "ENT-A", "capacity_kg": 15.0,
          "manufactured_on": date(2020, 1, 1), "last_inspected_on": date(2024, 1, 1),
          "next_inspection_due": date(2028, 1, 1), "scrap_due": date(2035, 1, 1)}],
    )  # fmt: skip
    complaints = _table(
        "complaints", "id", "channel", "category", "district", "text", "code", "status",
        "received_at",
    )  # fmt: skip
    log = _table(
        "event_log", "seq", "source", "event_id", "type", "occurred_at", "received_at", "data"
    )
    rows = [  # id, category, code, status
        ("CMP-QR", "检验超期", "CYL-1", "escalated"),
        ("CMP-PHONE", "服务态度", None, "replied"),
    ]
    for complaint_id, category, code, status in rows:
        connection.execute(
            complaints.insert(),
            {"id": complaint_id, "channel": "qr_check" if code else "hotline_96511",
             "category": category, "district": "420102", "text": "t", "code": code,
             "status": status, "received_at": WHEN},
        )  # fmt: skip
    events = [
        ("complaint.received", WHEN, {"complaint_id": "CMP-QR", "channel": "qr_check",
         "category": "检验超期", "district": "420102", "text": "t", "code": "CYL-1",
         "lat": 30.6, "lon": 114.3}),
        ("complaint.received", WHEN, {"complaint_id": "CMP-PHONE", "channel": "hotline_96511",
         "category": "服务态度", "district": "420102", "text": "t", "enterprise_id": "ENT-A"}),
        ("complaint.updated", WHEN + timedelta(hours=1),
         {"complaint_id": "CMP-QR", "status": "assigned", "actor": "96511-001"}),
        ("complaint.updated", WHEN + timedelta(days=2),
         {"complaint_id": "CMP-QR", "status": "escalated", "actor": "GASOFFICE-420102"}),
        ("complaint.updated", WHEN + timedelta(hours=3),
         {"complaint_id": "CMP-PHONE", "status": "assigned", "actor": "x", "handler": "district"}),
        ("complaint.updated", WHEN + timedelta(hours=5),
         {"complaint_id": "CMP-PHONE", "status": "replied", "actor": "x", "note": "已处理"}),
    ]  # fmt: skip
    for seq, (kind, when, data) in enumerate(events, start=1):
        connection.execute(
            log.insert(),
            {"seq": seq, "source": "hotline-96511", "event_id": f"e-{seq}", "type": kind,
             "occurred_at": when, "received_at": when, "data": data},
        )  # fmt: skip


def test_migration_0015_fills_the_workflow_of_the_stored_complaints(database_url):
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0014")
        with engine.begin() as connection:
            _stored_before_0015(connection)
        upgrade(engine)
        complaints = sa.table(
            "complaints",
            *(sa.column(c) for c in ("id", "enterprise_id", "handler", "escalations", "reply")),
            *(sa.column(c) for c in ("lat", "lon")),
            *(sa.column(c, UTCDateTime()) for c in ("due_at", "replied_at", "updated_at")),
        )
        with engine.connect() as connection:
            rows = {row.id: row for row in connection.execute(sa.select(complaints))}
    finally:
        engine.dispose()
    qr, phone = rows["CMP-QR"], rows["CMP-PHONE"]
    assert qr.due_at == WHEN + timedelta(hours=24)  # an overdue cylinder: a day
    assert (qr.enterprise_id, qr.handler, qr.escalations) == ("ENT-A", "city", 1)
    assert (qr.lat, qr.lon, qr.updated_at) == (30.6, 114.3, WHEN + timedelta(days=2))
    assert phone.due_at == WHEN + timedelta(days=5)
    assert (phone.enterprise_id, phone.handler, phone.reply) == ("ENT-A", "district", "已处理")
    assert phone.replied_at == WHEN + timedelta(hours=5) and phone.escalations == 0
