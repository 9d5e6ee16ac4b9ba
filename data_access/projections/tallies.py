"""The daily tallies (daily_tallies): per local day (Asia/Shanghai), district and enterprise, the
counts the rankings read from the biggest streams (dashboard/domain/scoring.py TALLY_MEASURES):

- sales: sale-stage scans; real_name_sales: of those, to a real-name-verified customer;
- deliveries: delivery-stage scans; traceable_deliveries: of those, to a named real-name-verified
  customer and raising neither stage_out_of_order nor delivery_without_sale (an unbroken chain);
- checked_deliveries: delivery safety checks carrying all four photos.

A scan's district is the log's (the projection's `district`); its enterprise the cylinder's, else
the scanning site's, else the worker's (problem_cylinders.scan_enterprise), "" when none is known;
a scan with no district is kept under district "" (the enterprise's sums still see it). A late
(stale) scan is counted too: it happened, though it does not move the cylinder's state.

cylinders.py adds to the batch's tallies while applying the events; `Batch.flush` writes them
with one executemany upsert (count = count + the batch's count). `rebuild_daily_tallies`
recomputes the table from the log, for a database that had scans before the table existed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dashboard.domain.scoring import local_day
from data_access.models import (
    Customer,
    Cylinder,
    DailyTally,
    EventRecord,
    Finding,
    SafetyCheck,
    Site,
    Worker,
    table_of,
)

__all__ = ["Key", "rebuild_daily_tallies", "scan_measures", "write"]

Key = tuple[date, str, str, str]  # day, district, enterprise id, measure
_TABLE = table_of(DailyTally)
_REBUILD_CHUNK = 20_000


def scan_measures(stage: str, real_name: bool, broken: bool) -> Iterator[str]:
    """The measures one scan adds 1 to."""
    if stage == "sale":
        yield "sales"
        if real_name:
            yield "real_name_sales"
    elif stage == "delivery":
        yield "deliveries"
        if real_name and not broken:
            yield "traceable_deliveries"


def key(occurred_at: Any, district: str | None, enterprise_id: str | None, measure: str) -> Key:
    return (local_day(occurred_at), district or "", enterprise_id or "", measure)


def write(connection: Connection, tallies: Counter[Key]) -> None:
    """Add the tallies to the table: one executemany upsert."""
    rows = [
        {"day": day, "district": district, "enterprise_id": enterprise, "measure": m, "count": n}
        for (day, district, enterprise, m), n in sorted(tallies.items())
        if n
    ]
    if not rows:
        return
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(_TABLE)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "district", "enterprise_id", "measure"],
        set_={"count": _TABLE.c.count + statement.excluded.count},
    )
    connection.execute(statement, rows)
    tallies.clear()


def rebuild_daily_tallies(engine: Engine) -> int:
    """Recompute daily_tallies from the log (scans and safety checks), replacing what it held;
    returns the number of rows written. The registry is read as it is now (a cylinder registered
    after its black scans counts as its enterprise's). Run with the writers stopped."""
    tallies: Counter[Key] = Counter()
    with engine.begin() as connection:
        for row in _scans(connection):
            when, stage, district, enterprise, real_name, broken = row
            for measure in scan_measures(stage, bool(real_name), bool(broken)):
                tallies[key(when, district, enterprise, measure)] += 1
        checks = select(
            SafetyCheck.occurred_at, SafetyCheck.district, SafetyCheck.enterprise_id
        ).where(SafetyCheck.photos_complete.is_(True))
        for when, district, enterprise in connection.execute(checks):
            tallies[key(when, district, enterprise, "checked_deliveries")] += 1
        connection.execute(delete(_TABLE))
        written = len(tallies)
        write(connection, tallies)
    return written


def _scans(connection: Connection) -> Iterable[Any]:
    """(occurred_at, stage, district, enterprise, real-name customer, broken chain) of every
    sale and delivery scan in the log, in chunks of the log's order."""
    # findings.py imports the batch, which imports this module: read its names here
    from data_access.projections.findings import NO_SALE, OUT_OF_ORDER

    stage = EventRecord.data["stage"].as_string()
    code = EventRecord.data["code"].as_string()
    broken = (
        select(Finding.id)
        .where(Finding.seq == EventRecord.seq, Finding.kind.in_((OUT_OF_ORDER, NO_SALE)))
        .exists()
    )
    query = (
        select(
            EventRecord.seq,
            EventRecord.occurred_at,
            stage,
            EventRecord.district,
            Cylinder.enterprise_id,
            Site.enterprise_id,
            Worker.enterprise_id,
            Customer.real_name_verified,
            broken,
        )
        .outerjoin(Cylinder, Cylinder.code == code)
        .outerjoin(Site, Site.id == EventRecord.data["site_id"].as_string())
        .outerjoin(Worker, Worker.id == EventRecord.data["worker_id"].as_string())
        .outerjoin(Customer, Customer.id == EventRecord.data["customer_id"].as_string())
        .where(EventRecord.type == "cylinder.scanned", stage.in_(("sale", "delivery")))
        .order_by(EventRecord.seq)
    )
    after = 0
    while True:
        rows = connection.execute(query.where(EventRecord.seq > after).limit(_REBUILD_CHUNK)).all()
        for _seq, when, stg, district, cyl_ent, site_ent, worker_ent, real, brk in rows:
            yield when, stg, district, cyl_ent or site_ent or worker_ent, real, brk
        if len(rows) < _REBUILD_CHUNK:
            return
        after = rows[-1][0]
