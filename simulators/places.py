"""Small geometry and naming helpers for the streams: distances, offsets, paths, addresses."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence

from dashboard.geo import haversine_km

M_PER_DEG_LAT = 111_195.0

ROADS = (
    "解放路",
    "中山路",
    "建设大道",
    "和平大道",
    "友谊路",
    "民主路",
    "青年路",
    "胜利街",
    "滨江路",
    "工业路",
    "学府路",
    "新华路",
    "东湖路",
    "珞喻路",
    "黄鹤楼路",
    "沿江大道",
)


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return haversine_km(a[0], a[1], b[0], b[1])


def offset_m(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """The point `north_m` metres north and `east_m` metres east of (lat, lon)."""
    dlat = north_m / M_PER_DEG_LAT
    dlon = east_m / (M_PER_DEG_LAT * max(math.cos(math.radians(lat)), 1e-6))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def heading_deg(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Compass heading from a to b, 0 = north, clockwise, in [0, 360)."""
    north = (b[0] - a[0]) * M_PER_DEG_LAT
    east = (b[1] - a[1]) * M_PER_DEG_LAT * math.cos(math.radians((a[0] + b[0]) / 2))
    if north == 0 and east == 0:
        return 0.0
    return round(math.degrees(math.atan2(east, north)) % 360.0, 1)


def street_path(
    start: tuple[float, float], end: tuple[float, float], rng: random.Random
) -> list[tuple[float, float]]:
    """A plausible route through a grid of streets: two or three straight legs."""
    corner = (start[0], end[1]) if rng.random() < 0.5 else (end[0], start[1])
    if rng.random() < 0.4:  # a dog-leg through a third street
        mid = (start[0] + (end[0] - start[0]) * rng.uniform(0.3, 0.7), start[1])
        corner2 = (mid[0], end[1])
        return [start, mid, corner2, end]
    return [start, corner, end]


def path_length_km(path: Sequence[tuple[float, float]]) -> float:
    return sum(km(a, b) for a, b in itertools.pairwise(path))


def along(path: Sequence[tuple[float, float]], distance_km: float) -> tuple[float, float, float]:
    """(lat, lon, heading) `distance_km` along the path (clamped to its end)."""
    left = distance_km
    for a, b in itertools.pairwise(path):
        leg = km(a, b)
        if leg > 0 and left <= leg:
            f = left / leg
            lat = a[0] + (b[0] - a[0]) * f
            lon = a[1] + (b[1] - a[1]) * f
            return round(lat, 6), round(lon, 6), heading_deg(a, b)
        left -= leg
    last = path[-1]
    before = path[-2] if len(path) > 1 else path[-1]
    return round(last[0], 6), round(last[1], 6), heading_deg(before, last)


def point_on_polyline(
    coords: Sequence[tuple[float, float]], rng: random.Random
) -> tuple[float, float, float]:
    """A random point on a polyline, with the heading of its leg there."""
    lengths = [km(a, b) for a, b in itertools.pairwise(coords)]
    total = sum(lengths)
    if total <= 0:
        return coords[0][0], coords[0][1], 0.0
    return along(list(coords), rng.uniform(0.0, total))


def address(city: str, district: str, streets: Sequence[str], rng: random.Random) -> str:
    """A street address in the district, e.g. 武汉市武昌区中华路街解放路88号."""
    street = streets[rng.randrange(len(streets))] if streets else ""
    road = ROADS[rng.randrange(len(ROADS))]
    return f"{city}{district}{street}{road}{rng.randint(1, 399)}号"
