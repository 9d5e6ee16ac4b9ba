"""Excavation permits and the third-party damage rule (挖掘施工 near a gas pipeline).

`excavation.registered` upserts the permit's row in `excavations`, unless it is older than the row
(a late re-registration is in the log but never overwrites newer state). The district must be one
of the city's (unknown_reference otherwise), like the registry's.

Rule (system finding "excavation_without_agreement"): a dig without a signed protection agreement
whose circle (radius_m, plus EXCAVATION_MARGIN_M) reaches a registered pipeline segment. The finding
names the nearest such segment and its owner (the enterprise that must sign). A newer registration
of the permit re-applies the rule: signed, or nowhere near a pipeline any more, resolves the open
finding; still unsigned and near keeps it (one open finding per permit, never two).

Geometry stays cheap: segments keep their bounding box in columns (min_lat .. max_lon), so the
batch reads only the segments whose box comes within reach of one of its digs (one range query per
100 digs, `load`); the distance to each candidate's edges is then computed in metres
on a local equirectangular projection around the dig, which is accurate to well under a metre at
these distances (a few hundred metres).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_, select

from dashboard.domain.events import Event, Rejection
from data_access.projections import findings
from data_access.projections.batch import Batch, chunks
from data_access.projections.findings import EXCAVATION
from data_access.projections.projection import Projection, Wanted
from data_access.registry import pipeline_box

# Added to the dig's radius: the reported centre is a phone's GPS fix and pipeline maps are
# rarely better than a few tens of metres, so a dig this close is treated as touching the pipe.
EXCAVATION_MARGIN_M = 50.0
M_PER_DEG_LAT = 111_195.0  # metres per degree of latitude on the mean Earth sphere
_DIGS_PER_QUERY = 100


def wants(event: Event, wanted: Wanted) -> None:
    data: Any = event.data
    wanted.keys["excavations"].add(data.permit_id)
    wanted.more["digs"].append(data)
    wanted.subjects.add(data.permit_id)


def load(b: Batch, wanted: Wanted) -> None:
    """Second round: the segments whose bounding box comes within reach of an unsigned dig."""
    cache = b["pipeline_segments"]
    table = cache.table
    boxes = [_reach_box(dig) for dig in wanted.more["digs"] if not dig.agreement_signed]
    for chunk in chunks(boxes, _DIGS_PER_QUERY):
        near = [
            and_(
                table.c.min_lat <= north,
                table.c.max_lat >= south,
                table.c.min_lon <= east,
                table.c.max_lon >= west,
            )
            for south, west, north, east in chunk
        ]
        for row in b.connection.execute(select(table).where(or_(*near))).mappings():
            cache.add_loaded(dict(row))


def check(b: Batch, event: Event, source: str | None) -> Rejection | None:
    district = event.data.district  # type: ignore[attr-defined]
    if district not in b.districts:
        message = f"district {district!r} is not a district of this city"
        return Rejection("unknown_reference", "data.district", message, event.id)
    return None


def district(b: Batch, event: Event) -> str | None:
    return event.data.district  # type: ignore[attr-defined]


def apply(b: Batch, event: Event, seq: int, source: str) -> None:
    data: Any = event.data
    cache = b["excavations"]
    old = cache.get(data.permit_id)
    if old is not None and event.occurred_at < old["occurred_at"]:
        return
    fields = ("contractor", "district", "lat", "lon", "radius_m", "starts_on", "ends_on")
    row = {name: getattr(data, name) for name in fields}
    row |= {
        "id": data.permit_id,
        "agreement_signed": data.agreement_signed,
        "occurred_at": event.occurred_at,
        "seq": seq,
    }
    cache.put(row)
    near = None if data.agreement_signed else nearest_segment(b, data)
    if near is None:
        why = "agreement signed" if data.agreement_signed else "no registered pipeline in reach"
        findings.resolve(b, event, seq, [EXCAVATION], data.permit_id, why)
    elif not findings.has_open(b, EXCAVATION, data.permit_id):
        segment, distance = near
        detail = (
            f"dig of radius {data.radius_m:g} m by {data.contractor} is {distance:.0f} m from "
            f"{segment['pressure_class']}-pressure pipeline {segment['id']} of "
            f"{segment['enterprise_id']}, without a signed protection agreement"
        )
        findings.raise_finding(
            b,
            event,
            seq,
            EXCAVATION,
            data.permit_id,
            district=data.district,
            enterprise_id=segment["enterprise_id"],
            detail=detail,
        )


def nearest_segment(b: Batch, dig: Any) -> tuple[dict[str, Any], float] | None:
    """The nearest segment within the dig's reach, with its distance in metres; None if none."""
    reach = dig.radius_m + EXCAVATION_MARGIN_M
    south, west, north, east = _reach_box(dig)
    best: tuple[dict[str, Any], float] | None = None
    for segment in b["pipeline_segments"].rows.values():
        if segment is None:
            continue
        box = segment if segment["min_lat"] is not None else pipeline_box(segment["coords"])
        if not (
            box["min_lat"] <= north
            and box["max_lat"] >= south
            and box["min_lon"] <= east
            and box["max_lon"] >= west
        ):
            continue
        distance = distance_m(dig.lat, dig.lon, segment["coords"])
        if distance <= reach and (best is None or distance < best[1]):
            best = (segment, distance)
    return best


def distance_m(lat: float, lon: float, coords: Sequence[Sequence[float]]) -> float:
    """Metres from (lat, lon) to the polyline `coords` ([[lat, lon], ...]), vertices and edges."""
    kx = M_PER_DEG_LAT * math.cos(math.radians(lat))
    points = [((p[1] - lon) * kx, (p[0] - lat) * M_PER_DEG_LAT) for p in coords]
    best = min(math.hypot(x, y) for x, y in points)
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        best = min(best, _to_edge(x1, y1, x2, y2))
    return best


def _to_edge(x1: float, y1: float, x2: float, y2: float) -> float:
    """Distance from the origin to the edge (x1, y1)-(x2, y2)."""
    dx, dy = x2 - x1, y2 - y1
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(x1 * dx + y1 * dy) / length2))
    return math.hypot(x1 + t * dx, y1 + t * dy)


def _reach_box(dig: Any) -> tuple[float, float, float, float]:
    """(south, west, north, east) of the square around the dig's reach."""
    reach = dig.radius_m + EXCAVATION_MARGIN_M
    dlat = reach / M_PER_DEG_LAT
    dlon = reach / (M_PER_DEG_LAT * max(math.cos(math.radians(dig.lat)), 1e-6))
    return dig.lat - dlat, dig.lon - dlon, dig.lat + dlat, dig.lon + dlon


PROJECTION = Projection(
    apply={"excavation.registered": apply}, wants=wants, check=check, district=district, load=load
)
