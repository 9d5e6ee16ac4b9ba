"""The 12-point system (Linhai): recorded violations and the points per subject and year.

`violation.recorded` must name a registered subject (an enterprise, a site or a worker;
unknown_reference otherwise). The violation takes the subject's district and enterprise: an
enterprise's own, a site's, and for a worker the worker's enterprise's district.

A violation id is recorded once: the same violation_id again (under another event id, however
late) changes nothing, so points are never counted twice and a late event never overwrites.

Points add up per subject and 12-point year in `violation_points`; the year, and the total that
suspends the subject for the rest of it, are the domain's (dashboard/domain/violations.py).
`suspended_at` is the occurred_at of the violation whose arrival took the total there, which every
view can show as such.
"""

from __future__ import annotations

from typing import Any

from dashboard.domain.events import Event, Rejection
from dashboard.domain.violations import is_suspended, points_year
from data_access.projections.batch import Batch
from data_access.projections.projection import Projection, Wanted

# subject_type -> the registry table of its subjects
SUBJECT_TABLES = {"enterprise": "enterprises", "site": "sites", "worker": "workers"}


def points_id(subject_type: str, subject_id: str, year: int) -> str:
    return f"{subject_type}/{subject_id}/{year}"


def year_of(event: Event) -> int:
    return points_year(event.occurred_at)


def wants(event: Event, wanted: Wanted) -> None:
    data: Any = event.data
    keys = wanted.keys
    keys["violations"].add(data.violation_id)
    keys[SUBJECT_TABLES[data.subject_type]].add(data.subject_id)
    keys["violation_points"].add(points_id(data.subject_type, data.subject_id, year_of(event)))
    wanted.more["violations"].append(event)


def load(b: Batch, wanted: Wanted) -> None:
    """Second round: the enterprises of workers with violations (their district)."""
    workers = b["workers"]
    enterprises = []
    for event in wanted.more["violations"]:
        data: Any = event.data
        if data.subject_type == "worker" and (worker := workers.get(data.subject_id)):
            enterprises.append(worker["enterprise_id"])
    b["enterprises"].load(b.connection, enterprises)


def check(b: Batch, event: Event, source: str | None) -> Rejection | None:
    data: Any = event.data
    if b[SUBJECT_TABLES[data.subject_type]].get(data.subject_id) is None:
        message = f"{data.subject_type} {data.subject_id!r} is not registered"
        return Rejection("unknown_reference", "data.subject_id", message, event.id)
    return None


def subject_enterprise(b: Batch, subject_type: str, subject_id: str) -> str | None:
    if subject_type == "enterprise":
        return subject_id
    row = b[SUBJECT_TABLES[subject_type]].get(subject_id)
    return row["enterprise_id"] if row else None


def district(b: Batch, event: Event) -> str | None:
    data: Any = event.data
    if data.subject_type == "site":
        site = b["sites"].get(data.subject_id)
        return site["district"] if site else None
    enterprise = b["enterprises"].get(subject_enterprise(b, data.subject_type, data.subject_id))
    return enterprise["district"] if enterprise else None


def apply(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    violations = b["violations"]
    if violations.get(data.violation_id) is not None:
        return  # recorded already: the first record stands
    year = year_of(event)
    where = district(b, event)
    enterprise_id = subject_enterprise(b, data.subject_type, data.subject_id)
    violations.put(
        {
            "id": data.violation_id,
            "subject_type": data.subject_type,
            "subject_id": data.subject_id,
            "rule": data.rule,
            "points": data.points,
            "evidence": data.evidence,
            "year": year,
            "district": where,
            "enterprise_id": enterprise_id,
            "occurred_at": event.occurred_at,
            "seq": seq,
        }
    )
    key = points_id(data.subject_type, data.subject_id, year)
    total = b["violation_points"].get(key) or {
        "id": key,
        "subject_type": data.subject_type,
        "subject_id": data.subject_id,
        "year": year,
        "points": 0,
        "violations": 0,
        "suspended": False,
        "suspended_at": None,
    }
    total["points"] += data.points
    total["violations"] += 1
    total["district"], total["enterprise_id"] = where, enterprise_id  # as of the newest record
    if not total["suspended"] and is_suspended(total["points"]):
        total["suspended"] = True
        total["suspended_at"] = event.occurred_at
    b["violation_points"].put(total)


PROJECTION = Projection(
    apply={"violation.recorded": apply}, wants=wants, check=check, district=district, load=load
)
