"""The LPG cylinder chain: current state per cylinder, detention, the delivery safety checks and
the supervisors' findings.

Findings (system rules of shared/spec/events.md; findings.py says which later events resolve them):
- black_cylinder: a scan of a code that is not in the cylinders registry (counted once per code);
- overdue_filling: a filling of a cylinder past next_inspection_due or scrap_due;
- stage_out_of_order: a stage that may not follow the cylinder's previous stage (ALLOWED_NEXT);
- delivery_without_sale: a delivery not preceded by a sale to a real-name-verified customer.
- detained_in_use: a filling or delivery scan of a detained cylinder (detentions.py ends it).

Safety checks (随瓶安检): one `safety_checks` row per `delivery.safety_checked`, with the customer's
district and the cylinder's enterprise (the worker's enterprise for an unregistered, black code),
for the district index's "deliveries with a passed or recorded safety check carrying all 4 photos".
The customer and the worker must be registered (unknown_reference otherwise): the check is evidence
of who checked what at whose home, and both are master data the enterprise registers beforehand.
The cylinder code need not be: a black cylinder can be delivered and checked like any other, and the
check is exactly what should be on record then (its scans raise the black_cylinder finding).

Daily tallies (tallies.py): every sale and delivery scan (a late one too) and every safety check
with its four photos is counted per local day, district and enterprise in the batch, for the
rankings; a delivery is traceable when it goes to a real-name customer and raises neither
stage_out_of_order nor delivery_without_sale.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dashboard.domain.cylinders import ALLOWED_NEXT, SAFETY_PHOTOS, STAGES
from dashboard.domain.events import Event, Rejection
from data_access.projections import findings, tallies
from data_access.projections.batch import Batch
from data_access.projections.findings import DETAINED_IN_USE, NO_SALE, OUT_OF_ORDER, OVERDUE
from data_access.projections.projection import Projection, Wanted

# A detained cylinder (在线扣瓶) must not be filled or delivered: such a scan raises
# detained_in_use at once (resolved when the detention ends, detentions.py).
DETAINED_STAGES = frozenset({"filling", "delivery"})
# A filling after these stages starts a regular new cycle (a filling rescan does not).
NEW_CYCLE_AFTER = frozenset({"inspection", "recovery"})
# The stages the daily tallies count (tallies.py).
TALLIED_STAGES = frozenset({"sale", "delivery"})

PHOTOS = SAFETY_PHOTOS
__all__ = ["ALLOWED_NEXT", "PHOTOS", "PROJECTION", "STAGES"]  # STAGES: the domain's, as before


def wants(event: Event, wanted: Wanted) -> None:
    data: Any = event.data
    keys = wanted.keys
    if event.type == "delivery.safety_checked":
        keys["customers"].add(data.customer_id)
        keys["workers"].add(data.worker_id)
        keys["cylinders"].add(data.code)
    else:
        keys["cylinder_states"].add(data.code)
    if event.type == "cylinder.scanned":
        keys["cylinders"].add(data.code)
        keys["sites"].add(data.site_id)
        keys["customers"].add(data.customer_id)
        if data.stage in TALLIED_STAGES:  # a black code's sale or delivery: the worker's
            keys["workers"].add(data.worker_id)
    if getattr(data, "stage", None) == "delivery":
        wanted.more["delivered"].append(data.code)
    if (code := finding_subject(event)) is not None:
        wanted.subjects.add(code)


def finding_subject(event: Event) -> str | None:
    """The code whose open findings this event may resolve (findings.py), if any."""
    data: Any = event.data
    if event.type == "cylinder.released":
        return data.code
    if event.type == "cylinder.scanned" and data.stage in ("filling", "scrap"):
        return data.code
    return None


def load(b: Batch, wanted: Wanted) -> None:
    """Second round, when the batch touches cylinder states: who holds the delivered cylinders
    now (for the delivery rule), and the enterprises of the scanned cylinders and sites (for the
    findings)."""
    if not wanted.keys["cylinder_states"]:
        return
    states = b["cylinder_states"]
    holders = []
    for code in wanted.more["delivered"]:
        row = states.get(code)
        if row is not None and row["holder_type"] == "customer":
            holders.append(row["holder_id"])
    b["customers"].load(b.connection, holders)
    enterprises = [row["enterprise_id"] for row in b["sites"].rows.values() if row is not None]
    enterprises += [row["enterprise_id"] for row in b["cylinders"].rows.values() if row]
    b["enterprises"].load(b.connection, enterprises)


def check(b: Batch, event: Event, source: str | None) -> Rejection | None:
    if event.type != "delivery.safety_checked":
        return None  # a scan of an unknown code is accepted: it is a black cylinder
    data: Any = event.data
    for field, table in (("customer_id", "customers"), ("worker_id", "workers")):
        key = getattr(data, field)
        if b[table].get(key) is None:
            noun = field.removesuffix("_id")
            message = f"{noun} {key!r} is not registered"
            return Rejection("unknown_reference", f"data.{field}", message, event.id)
    return None


def district(b: Batch, event: Event) -> str | None:
    data: Any = event.data
    if event.type == "delivery.safety_checked":
        customer = b["customers"].get(data.customer_id)
        return customer["district"] if customer else None
    if event.type != "cylinder.scanned":
        state = b["cylinder_states"].get(data.code)
        return state["district"] if state else None
    for table, key in (("sites", data.site_id), ("customers", data.customer_id)):
        row = b[table].get(key)
        if row is not None:
            return row["district"]
    return b.nearest_district(data.lat, data.lon)


def apply_detention(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    state = b["cylinder_states"].get(data.code)
    if state is not None:
        if event.type == "cylinder.released" and state["detained"]:
            note = f"released after detention by {data.by}: {data.note}"
            findings.resolve(b, event, seq, [OVERDUE], data.code, note)
        state["detained"] = event.type == "cylinder.detained"
        b["cylinder_states"].put(state)


def apply_safety_check(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    cylinder = b["cylinders"].get(data.code)
    worker = b["workers"].get(data.worker_id)
    owner = cylinder or worker  # a black code has no registered owner: the worker's enterprise
    photos_complete = all(getattr(data.photos, name, None) for name in PHOTOS)
    where = district(b, event)
    enterprise_id = owner["enterprise_id"] if owner else None
    if photos_complete:
        b.tallies[tallies.key(event.occurred_at, where, enterprise_id, "checked_deliveries")] += 1
    b["safety_checks"].put(
        {
            "seq": seq,
            "code": data.code,
            "customer_id": data.customer_id,
            "worker_id": data.worker_id,
            "passed": data.passed,
            "photos_complete": photos_complete,
            # all four kept (the trace shows them; extra keys a sender adds are not evidence)
            "photos": {name: getattr(data.photos, name) for name in PHOTOS},
            "findings": list(data.findings) if data.findings else None,
            "district": where,
            "enterprise_id": enterprise_id,
            "occurred_at": event.occurred_at,
        }
    )


def apply_scan(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    states = b["cylinder_states"]
    state = states.get(data.code)
    when: datetime = event.occurred_at
    registered = b["cylinders"].get(data.code)
    where = district(b, event)
    enterprise_id = _enterprise(b, registered, data.site_id)
    if state is not None and when < state["occurred_at"]:
        _tally(b, event, where, enterprise_id, broken=False)
        return  # a late scan is in the log but never overwrites a newer state
    finding = _Findings(b, event, seq, where, enterprise_id)
    _resolve_findings(b, event, seq, state)  # before this scan raises findings of its own

    if registered is None and (state is None or not state["is_black"]):
        finding("black_cylinder", f"cylinder {data.code} is not registered")
        b.count(where, "black_cylinders", 1)
    elif state is not None and state["is_black"] and state["district"] != where:
        b.count(state["district"], "black_cylinders", -1)
        b.count(where, "black_cylinders", 1)
    if data.stage == "filling" and registered is not None:
        today = when.date()
        if registered["scrap_due"] < today:
            finding("overdue_filling", f"filled past its scrap date {registered['scrap_due']}")
        elif registered["next_inspection_due"] < today:
            due = registered["next_inspection_due"]
            finding("overdue_filling", f"filled past its inspection due date {due}")
    broken = False  # the chain, for the daily tallies' traceable deliveries
    if state is not None and data.stage not in ALLOWED_NEXT[state["stage"]]:
        finding("stage_out_of_order", f"stage {data.stage} after {state['stage']}")
        broken = True
    if state is not None and state["detained"] and data.stage in DETAINED_STAGES:
        finding(DETAINED_IN_USE, f"{data.stage} of a detained cylinder (在线扣瓶)")
    if data.stage == "delivery":
        problem = _delivery_problem(b, state, data.customer_id)
        if problem:
            finding("delivery_without_sale", problem)
            broken = True
    _tally(b, event, where, enterprise_id, broken=broken)

    holder_type, holder_id = _holder(data)
    row = {
        "code": data.code,
        "stage": data.stage,
        "site_id": data.site_id,
        "holder_type": holder_type,
        "holder_id": holder_id,
        "district": where,
        "lat": data.lat,
        "lon": data.lon,
        "is_black": registered is None,
        "detained": bool(state["detained"]) if state is not None else False,
        "occurred_at": when,
        "seq": seq,
    }
    if state is not None:
        state.update(row)
        row = state
    states.put(row)


def _tally(
    b: Batch, event: Event, where: str | None, enterprise_id: str | None, *, broken: bool
) -> None:
    """Count a sale or delivery scan in the daily tallies (tallies.py): its enterprise is the
    cylinder's, else the site's, else the worker's (problem_cylinders.scan_enterprise)."""
    data: Any = event.data
    if data.stage not in TALLIED_STAGES:
        return
    if enterprise_id is None:
        worker = b["workers"].get(data.worker_id)
        enterprise_id = worker["enterprise_id"] if worker else None
    customer = b["customers"].get(data.customer_id)
    real_name = bool(customer and customer["real_name_verified"])
    for measure in tallies.scan_measures(data.stage, real_name, broken):
        b.tallies[tallies.key(event.occurred_at, where, enterprise_id, measure)] += 1


def _resolve_findings(b: Batch, event: Event, seq: int, state: dict[str, Any] | None) -> None:
    data: Any = event.data
    if data.stage == "scrap":
        findings.resolve(b, event, seq, (OVERDUE, OUT_OF_ORDER, NO_SALE), data.code, "scrapped")
    elif data.stage == "filling" and state is not None and state["stage"] in NEW_CYCLE_AFTER:
        note = f"a regular new cycle began: filling after {state['stage']}"
        findings.resolve(b, event, seq, (OUT_OF_ORDER, NO_SALE), data.code, note)


class _Findings:
    def __init__(
        self, b: Batch, event: Event, seq: int, where: str | None, enterprise: str | None
    ) -> None:
        self.b, self.event, self.seq = b, event, seq
        self.where, self.enterprise = where, enterprise

    def __call__(self, kind: str, detail: str) -> None:
        code = self.event.data.code  # type: ignore[attr-defined]
        findings.raise_finding(
            self.b,
            self.event,
            self.seq,
            kind,
            code,
            district=self.where,
            enterprise_id=self.enterprise,
            detail=detail,
        )


def _enterprise(b: Batch, registered: dict[str, Any] | None, site_id: str | None) -> str | None:
    if registered is not None:
        return registered["enterprise_id"]
    site = b["sites"].get(site_id)
    return site["enterprise_id"] if site else None


def _holder(data: Any) -> tuple[str | None, str | None]:
    if data.customer_id is not None:
        return "customer", data.customer_id
    if data.worker_id is not None:
        return "worker", data.worker_id
    if data.site_id is not None:
        return "site", data.site_id
    return None, None


def _delivery_problem(b: Batch, state: dict[str, Any] | None, customer_id: str | None) -> str:
    if state is None or state["stage"] != "sale" or state["holder_type"] != "customer":
        return "delivered without a preceding sale to a customer"
    buyer = b["customers"].get(state["holder_id"])
    if buyer is None or not buyer["real_name_verified"]:
        return f"sold to {state['holder_id']}, who is not a real-name-verified customer"
    if customer_id is not None and customer_id != state["holder_id"]:
        return f"delivered to {customer_id} but sold to {state['holder_id']}"
    return ""


PROJECTION = Projection(
    apply={
        "cylinder.scanned": apply_scan,
        "delivery.safety_checked": apply_safety_check,
        # cylinder.detained and cylinder.released: detentions.py (it calls apply_detention)
    },
    wants=wants,
    check=check,
    district=district,
    load=load,
)
