"""Migration 0010 on a database that already holds hazards: each gets its responsible enterprise
and a number in the order the log reported them, and the photos of the steps already logged are
put into the history."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from data_access.db import make_engine
from data_access.migrate import upgrade
from data_access.models import UTCDateTime

WHEN = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
NEW_YEAR = datetime(2025, 12, 31, 17, 0, tzinfo=UTC)  # 2026-01-01 01:00 in Wuhan
PHOTO = "sha256:" + "d" * 64


TYPES = {  # the columns that need their type to be written the way the app reads them
    "geometry": sa.JSON(),
    "data": sa.JSON(),
    "reported_at": UTCDateTime(),
    "due_at": UTCDateTime(),
    "updated_at": UTCDateTime(),
    "occurred_at": UTCDateTime(),
    "received_at": UTCDateTime(),
}


def _table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(column, TYPES.get(column)) for column in columns))


def _stored_before_0010(connection: sa.Connection) -> None:
    districts = _table(
        "districts", "code", "name_zh", "name_en", "population", "area_km2", "centroid_lat",
        "centroid_lon", "geometry",
    )  # fmt: skip
    connection.execute(
        districts.insert(),
        [
            {"code": code, "name_zh": code, "name_en": code, "population": 1, "area_km2": 1.0,
             "centroid_lat": 30.5, "centroid_lon": 114.3, "geometry": {}}
            for code in ("420102", "420106")
        ],
    )  # fmt: skip
    connection.execute(
        _table("enterprises", "id", "name", "kind", "district").insert(),
        [{"id": "ENT-A", "name": "甲燃气", "kind": "bottled", "district": "420102"}],
    )
    connection.execute(
        _table("sites", "id", "enterprise_id", "kind", "name", "district", "lat", "lon").insert(),
        [{"id": "SITE-A", "enterprise_id": "ENT-A", "kind": "supply_point", "name": "甲供应站",
          "district": "420102", "lat": 30.6, "lon": 114.3}],
    )  # fmt: skip
    hazards = _table(
        "hazards", "id", "target_type", "target_id", "district", "category", "level",
        "description", "lat", "lon", "status", "reported_at", "due_at", "updated_at",
    )  # fmt: skip
    rows = [  # (id, target type, target id, district, reported at, the log's seq of the report)
        ("HZ-SITE", "site", "SITE-A", "420102", WHEN, 3),
        ("HZ-ENT", "enterprise", "ENT-A", "420102", WHEN, 1),
        ("HZ-APPLIANCE", "appliance", "stove-9", "420102", WHEN, 2),
        ("HZ-WUCHANG", "site", "SITE-A", "420106", WHEN, 4),
        ("HZ-NEW-YEAR", "site", "SITE-A", "420102", NEW_YEAR, 5),
    ]
    for hazard_id, target_type, target_id, district, reported_at, seq in rows:
        connection.execute(
            hazards.insert(),
            {"id": hazard_id, "target_type": target_type, "target_id": target_id,
             "district": district, "category": "c", "level": "general", "description": "d",
             "lat": 30.6, "lon": 114.3, "status": "reported", "reported_at": reported_at,
             "due_at": reported_at, "updated_at": reported_at},
        )  # fmt: skip
        connection.execute(
            _table("hazard_status_history", "hazard_id", "status", "actor", "occurred_at", "seq")
            .insert(),
            {"hazard_id": hazard_id, "status": "reported", "actor": "app", "occurred_at": WHEN,
             "seq": seq},
        )  # fmt: skip
    connection.execute(
        _table("hazard_status_history", "hazard_id", "status", "actor", "occurred_at", "seq")
        .insert(),
        {"hazard_id": "HZ-SITE", "status": "rectified", "actor": "ent", "occurred_at": WHEN,
         "seq": 6},
    )  # fmt: skip
    log = _table(
        "event_log", "seq", "source", "event_id", "type", "occurred_at", "received_at", "data"
    )
    connection.execute(
        log.insert(),
        {"seq": 6, "source": "app", "event_id": "u-1", "type": "hazard.updated",
         "occurred_at": WHEN, "received_at": WHEN,
         "data": {"hazard_id": "HZ-SITE", "status": "rectified", "actor": "ent",
                  "photos": [PHOTO]}},
    )  # fmt: skip


def test_migration_0010_numbers_the_stored_hazards_and_finds_their_enterprises(database_url):
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0009")
        with engine.begin() as connection:
            _stored_before_0010(connection)
        upgrade(engine)
        with engine.connect() as connection:
            hazards = {
                row.id: (row.enterprise_id, row.number)
                for row in connection.execute(
                    sa.text("SELECT id, enterprise_id, number FROM hazards")
                )
            }
            photos = connection.execute(
                sa.text("SELECT photos FROM hazard_status_history WHERE seq = 6")
            ).scalar()
    finally:
        engine.dispose()
    assert hazards == {
        "HZ-ENT": ("ENT-A", "YH-420102-2026-00001"),
        "HZ-APPLIANCE": (None, "YH-420102-2026-00002"),
        "HZ-SITE": ("ENT-A", "YH-420102-2026-00003"),
        "HZ-WUCHANG": ("ENT-A", "YH-420106-2026-00001"),
        "HZ-NEW-YEAR": ("ENT-A", "YH-420102-2026-00004"),
    }
    assert (photos if isinstance(photos, list) else json.loads(photos)) == [PHOTO]
