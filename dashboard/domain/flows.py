"""Cylinder flow on the One Map: the last hour's scans folded into a few hundred weighted lines.

A scan's place is its site (filling station, supply point) when it names one, else its district
(a delivery at a customer's home). A line from A to B counts one cylinder moving from A to B:
two consecutive scans of the same cylinder at different places, or a sale or delivery scan that
names the selling site and happened in a district (site -> district: the cylinder left for a
customer there). Lines are aggregated server-side, so the browser gets at most `limit` of them
however many cylinders a city has.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

Place = tuple[str, str]  # ("site", id) or ("district", code)
LatLon = tuple[float, float]
OUTBOUND_STAGES = frozenset({"sale", "delivery"})


class Scan(Protocol):
    """What a flow needs of a scan (data_access/queries/map_layers.py reads them)."""

    @property
    def code(self) -> str: ...
    @property
    def stage(self) -> str: ...
    @property
    def site_id(self) -> str | None: ...
    @property
    def district(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class FlowLine:
    """Cylinders moving from `origin` to `destination` (placed at `start` and `end`)."""

    origin: Place
    destination: Place
    start: LatLon
    end: LatLon
    weight: int


def place_of(scan: Scan) -> Place | None:
    if scan.site_id:
        return ("site", scan.site_id)
    if scan.district:
        return ("district", scan.district)
    return None


def flow_counts(scans: Iterable[Scan]) -> Counter[tuple[Place, Place]]:
    """Moves between places, from scans ordered oldest first."""
    last_place: dict[str, Place] = {}
    moves: Counter[tuple[Place, Place]] = Counter()
    for scan in scans:
        here = place_of(scan)
        if here is None:
            continue
        before = last_place.get(scan.code)
        if before is not None and before != here:
            moves[(before, here)] += 1
        elif before is None and scan.stage in OUTBOUND_STAGES and scan.site_id and scan.district:
            moves[(here, ("district", scan.district))] += 1
        last_place[scan.code] = here
    return moves


def flow_lines(
    moves: Counter[tuple[Place, Place]],
    positions: Mapping[Place, LatLon],
    limit: int = 300,
) -> list[FlowLine]:
    """The heaviest `limit` moves with both ends placed."""
    lines: list[FlowLine] = []
    for (origin, destination), weight in moves.most_common():
        if len(lines) >= limit:
            break
        if origin not in positions or destination not in positions:
            continue
        lines.append(
            FlowLine(origin, destination, positions[origin], positions[destination], weight)
        )
    return lines
