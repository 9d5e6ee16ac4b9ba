"""Benchmark: the audit trail's queries and exports on a log of a million events (SQLite).

    python bench/audit_trail.py [--events 1000000]

It fills a fresh, migrated SQLite log with synthetic events (nine sensor readings from source
"scada" to one `user.changed` by "admin"), then times the first and the next page for each
filter of /admin/audit and the two exports at their 100,000-row cap. Each filter has an index
to walk (migration 0010), so a page should not grow with the log.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dashboard.audit_export import EXPORT_CAP, to_csv, to_xlsx
from dashboard.domain.roles import Scope
from data_access.db import make_engine
from data_access.migrate import upgrade
from data_access.queries.audit import AuditFilter, audit_page, audit_rows

T0 = datetime(2026, 1, 1, tzinfo=UTC)
INSERT = text(
    "INSERT INTO event_log (source, event_id, type, occurred_at, received_at, actor, district,"
    " data) VALUES (:source, :event_id, :type, :occurred_at, :received_at, :actor, :district,"
    " :data)"
)


def _event(i: int) -> dict[str, object]:
    by_admin = i % 10 == 0
    data = {"username": f"u{i % 3000}", "role": "leader"} if by_admin else {
        "sensor_id": f"SEN-{i % 5000:06d}", "value": 1.0}  # fmt: skip
    return {
        "source": "user:admin" if by_admin else "scada",
        "event_id": f"e{i}",
        "type": "user.changed" if by_admin else "sensor.reading",
        "occurred_at": f"{T0 + timedelta(seconds=i):%Y-%m-%d %H:%M:%S.%f}",
        "received_at": f"{T0:%Y-%m-%d %H:%M:%S.%f}",
        "actor": "admin" if by_admin else None,
        "district": "420102",
        "data": json.dumps(data),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    events = parser.parse_args().events
    engine = make_engine(f"sqlite:///{tempfile.mkdtemp()}/audit.sqlite3")
    upgrade(engine)
    with engine.begin() as connection:
        for start in range(0, events, 50_000):
            stop = min(start + 50_000, events)
            connection.execute(INSERT, [_event(i) for i in range(start, stop)])
        connection.exec_driver_sql("ANALYZE")
    city = Scope()
    filters = {
        "no filter": AuditFilter(),
        "actor=admin": AuditFilter(actor="admin"),
        "subject=u10": AuditFilter(subject="u10"),
        "subject=SEN-000042": AuditFilter(subject="SEN-000042"),
        "type=user.changed": AuditFilter(types=("user.changed",)),
        "one day": AuditFilter(since=T0 + timedelta(days=3), until=T0 + timedelta(days=4)),
    }
    print(f"{events:,} events")
    for name, wanted in filters.items():
        began = time.perf_counter()
        page = audit_page(engine, city, wanted)
        first = time.perf_counter() - began
        began = time.perf_counter()
        audit_page(engine, city, wanted, before=page.older)
        second = time.perf_counter() - began
        print(f"{name:20s} first page {first * 1000:7.1f} ms, next {second * 1000:7.1f} ms")
    zone = ZoneInfo("Asia/Shanghai")
    for export in (to_csv, to_xlsx):
        began = time.perf_counter()
        rows = audit_rows(engine, city, AuditFilter(), EXPORT_CAP)
        content, count = export(rows, ["time", "actor", "type", "subject", "summary"], zone)
        took = time.perf_counter() - began
        print(f"{export.__name__}: {count:,} rows in {took:.1f} s, {len(content) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
