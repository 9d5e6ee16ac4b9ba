"""Migration 0014 on a database that already holds safety checks: each row gets its four photos
and the checker's findings from its own event in the log (matched by seq), on both databases;
a row whose event carries no photos is left empty."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from data_access.db import make_engine
from data_access.migrate import upgrade
from data_access.models import UTCDateTime

WHEN = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
PHOTOS = {
    kind: f"sha256:{n}" + "0" * 63
    for n, kind in enumerate(("storefront", "cylinder_hose", "stove_hose", "surroundings"))
}

LOG = sa.table(
    "event_log",
    *(sa.column(c) for c in ("seq", "source", "event_id", "type", "district")),
    sa.column("data", sa.JSON()),
    sa.column("occurred_at", UTCDateTime()),
    sa.column("received_at", UTCDateTime()),
)
CHECKS = sa.table(
    "safety_checks",
    *(
        sa.column(c)
        for c in (
            "seq",
            "code",
            "customer_id",
            "worker_id",
            "passed",
            "photos_complete",
            "district",
            "enterprise_id",
        )
    ),
    sa.column("occurred_at", UTCDateTime()),
)


def _check(seq: int, data: dict) -> tuple[dict, dict]:
    event = {
        "seq": seq,
        "source": "field-app",
        "event_id": f"sc-{seq}",
        "type": "delivery.safety_checked",
        "district": None,
        "data": data,
        "occurred_at": WHEN,
        "received_at": WHEN,
    }
    row = {
        "seq": seq,
        "code": data["code"],
        "customer_id": "C1",
        "worker_id": "W1",
        "passed": True,
        "photos_complete": "photos" in data,
        "district": None,
        "enterprise_id": None,
        "occurred_at": WHEN,
    }
    return event, row


def test_migration_0014_fills_the_stored_checks_photos_from_the_log(database_url):
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0013")
        stored = [
            _check(1, {"code": "Y1", "photos": PHOTOS, "findings": ["胶管老化"]}),
            _check(2, {"code": "Y2", "photos": {**PHOTOS, "extra": "sha256:" + "f" * 64}}),
            _check(3, {"code": "Y3"}),  # no photos at all (an older sender)
        ]
        with engine.begin() as connection:
            connection.execute(LOG.insert(), [event for event, _ in stored])
            connection.execute(CHECKS.insert(), [row for _, row in stored])
        upgrade(engine)
        checks = sa.table(
            "safety_checks",
            sa.column("seq"),
            sa.column("photos", sa.JSON()),
            sa.column("findings", sa.JSON()),
        )
        with engine.connect() as connection:
            rows = {r.seq: (r.photos, r.findings) for r in connection.execute(sa.select(checks))}
    finally:
        engine.dispose()
    assert rows[1] == (PHOTOS, ["胶管老化"])
    assert rows[2] == (PHOTOS, None)  # the four kinds only
    assert rows[3] == (None, None)
