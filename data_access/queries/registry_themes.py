"""The One Map's day-dependent registry counts: cylinders overdue for inspection and past their
scrap date, per district, relative to the city's today (docs/one-map.md, "Registry themes").

Whether a cylinder is overdue changes as days pass with no event at all, so a count kept at
seeding (or by the registry projection) would go stale by the next midnight. These counts are
therefore computed when read, from `cylinders` (its `next_inspection_due` is indexed: the
overdue ones are a range of that index) joined with its enterprise (a cylinder counts in its
owning enterprise's district, as `recount_area_counts` counts it). A cylinder registered again
with new dates leaves the count with the registration's transaction; a scrapped cylinder (its
state's last stage is scrap: a scrap scan, or a detention closed as scrapped) counts in
neither, being out of circulation (dashboard/domain/cylinders.py, `cylinder_status`).

Past scrap is counted in the same pass, among the overdue: a registered next inspection is never
later than the scrap date (the seeder's registry: due = min(last inspection + 4 years, scrap
date)), so a cylinder past its scrap date is past its inspection date too. A registration that
names an inspection after the scrap date would not count as past scrap until the inspection date
passes as well; no theme shows that count, and scanning every cylinder's scrap date (no index)
costs seconds at Wuhan scale (docs/benchmarks.md, "Registry themes").
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Engine, case, func, or_, select

from dashboard.domain.cylinders import SCRAP
from dashboard.domain.roles import Scope
from data_access.cache import cached
from data_access.models import Cylinder, CylinderState, Enterprise
from data_access.queries.one_map import AreaValues
from data_access.scope import scoped

__all__ = ["DUE_CACHE_S", "DUE_METRICS", "cylinders_due"]

# Kept until the log grows, and at most this long: each new event may be a registration.
DUE_CACHE_S = 30
DUE_METRICS = ("cylinders_overdue_inspection", "cylinders_past_scrap")


def _in_circulation() -> ColumnElement[bool]:
    """Not scrapped: no state yet (never scanned) or a last stage other than scrap."""
    return or_(CylinderState.stage.is_(None), CylinderState.stage != SCRAP)


def _per_district(today: date, scope: Scope) -> Any:
    """One pass over the index range of the overdue cylinders (next_inspection_due < today)."""
    query = (
        select(
            Enterprise.district,
            func.count(),
            func.coalesce(func.sum(case((Cylinder.scrap_due < today, 1), else_=0)), 0),
        )
        .select_from(Cylinder)
        .join(Enterprise, Enterprise.id == Cylinder.enterprise_id)
        .outerjoin(CylinderState, CylinderState.code == Cylinder.code)
        .where(Cylinder.next_inspection_due < today, _in_circulation())
        .group_by(Enterprise.district)
    )
    # A district officer: the cylinders of their district's enterprises; an enterprise: its own.
    return scoped(query, scope, Enterprise)


@cached(DUE_CACHE_S, follows_log=True)
def cylinders_due(engine: Engine, scope: Scope, today: date) -> AreaValues:
    """Per district in scope with any: cylinders in circulation whose next inspection was due
    before `today` (cylinders_overdue_inspection), and of those, the ones whose scrap date is
    before it too (cylinders_past_scrap)."""
    with engine.connect() as connection:
        rows = connection.execute(_per_district(today, scope)).all()
    return {
        code: dict(zip(DUE_METRICS, (int(overdue), int(past_scrap)), strict=True))
        for code, overdue, past_scrap in rows
        if code is not None
    }
