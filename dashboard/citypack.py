"""City packs: a city's districts and grid cells (网格), for the map and the data generator.

A pack is a JSON file in ``dashboard/citypacks/`` (format ``gascc-citypack/1``, described in
``dashboard/citypacks/README.md``, built by ``python -m simulators.build_city_pack``).
`load_city_pack("wuhan")` reads, checks and caches it; every problem becomes a `CityPackError`
whose one-line message names the file and what is wrong.

Pairs are (lat, lon) everywhere except inside the GeoJSON ``geometry`` dicts, which are [lon, lat]
as GeoJSON requires. The geometry dicts are shared by every caller of a cached pack: read them
(e.g. hand them to dash-leaflet), never modify them.

Imports neither Dash nor SQLAlchemy.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape as to_shape
from shapely.geometry.base import BaseGeometry

__all__ = [
    "FORMAT",
    "PACK_DIR",
    "CityPack",
    "CityPackError",
    "District",
    "GridCell",
    "load_city_pack",
    "random_points_in",
]

FORMAT = "gascc-citypack/1"
PACK_DIR = Path(__file__).resolve().parent / "citypacks"

LatLon = tuple[float, float]


class CityPackError(ValueError):
    """A city pack cannot be loaded; the message names the file and the problem."""


def _polygon_shape(geometry: Mapping[str, Any]) -> BaseGeometry:
    geom = to_shape(geometry)
    shapely.prepare(geom)  # fast repeated point-in-polygon tests
    return geom


class _Area:
    """What districts and grid cells share: a bilingual name and a polygon."""

    name_zh: str
    name_en: str
    geometry: dict[str, Any]

    @functools.cached_property
    def shape(self) -> BaseGeometry:
        """The geometry as a prepared shapely (Multi)Polygon in (lon, lat), built once."""
        return _polygon_shape(self.geometry)

    def name(self, language: str = "zh") -> str:
        return self.name_en if language == "en" else self.name_zh


@dataclass(frozen=True)
class District(_Area):
    code: str
    name_zh: str
    name_en: str
    centroid: LatLon  # a label point inside the polygon, (lat, lon)
    population: int
    area_km2: float
    geometry: dict[str, Any] = field(repr=False, compare=False)  # GeoJSON (Multi)Polygon


@dataclass(frozen=True)
class GridCell(_Area):
    code: str  # "<district code>-<NNN>"
    district: str  # the district's code
    name_zh: str
    name_en: str
    centroid: LatLon  # a label point inside the cell, (lat, lon)
    area_km2: float
    geometry: dict[str, Any] = field(repr=False, compare=False)  # GeoJSON (Multi)Polygon


@dataclass(frozen=True)
class CityPack:
    code: str
    name_zh: str
    name_en: str
    time_zone: str
    center: LatLon  # (lat, lon)
    bounds: tuple[LatLon, LatLon]  # ((south, west), (north, east))
    population: int
    geometry: dict[str, Any] = field(repr=False, compare=False)  # GeoJSON MultiPolygon outline
    districts: tuple[District, ...] = field(repr=False)
    grid_cells: tuple[GridCell, ...] = field(repr=False)
    attribution: str = ""

    def name(self, language: str = "zh") -> str:
        return self.name_en if language == "en" else self.name_zh

    def district_outlines(self, language: str = "zh") -> dict[str, Any]:
        """The districts as a GeoJSON FeatureCollection (code and name), for maps that draw
        the city's outline with or without tiles."""
        features = [
            {
                "type": "Feature",
                "geometry": district.geometry,
                "properties": {"code": district.code, "name": district.name(language)},
            }
            for district in self.districts
        ]
        return {"type": "FeatureCollection", "features": features}

    @functools.cached_property
    def _districts_by_code(self) -> dict[str, District]:
        return {d.code: d for d in self.districts}

    @functools.cached_property
    def _cells_by_district(self) -> dict[str, tuple[GridCell, ...]]:
        groups: dict[str, list[GridCell]] = {d.code: [] for d in self.districts}
        for cell in self.grid_cells:
            groups[cell.district].append(cell)
        return {code: tuple(cells) for code, cells in groups.items()}

    def district(self, code: str) -> District:
        """The district with this code; KeyError if there is none."""
        try:
            return self._districts_by_code[code]
        except KeyError:
            raise KeyError(f"no district {code!r} in the {self.name_en} city pack") from None

    def cells_of(self, district_code: str) -> tuple[GridCell, ...]:
        """The grid cells of a district, in their numbering order; KeyError for an unknown code."""
        try:
            return self._cells_by_district[district_code]
        except KeyError:
            raise KeyError(
                f"no district {district_code!r} in the {self.name_en} city pack"
            ) from None

    def district_at(self, lat: float, lon: float) -> District | None:
        """The district containing the point, or None if it is outside every district."""
        (south, west), (north, east) = self.bounds
        if not (south <= lat <= north and west <= lon <= east):
            return None
        for d in self.districts:
            if shapely.intersects_xy(d.shape, lon, lat):
                return d
        return None

    def has_district(self, code: str) -> bool:
        return code in self._districts_by_code

    def metres_outside(self, code: str, lat: float, lon: float) -> float:
        """How far the point lies outside district `code`'s polygon, in metres (0 inside it);
        KeyError for an unknown code. Degrees of longitude are shortened by cos(latitude); the
        figure is an approximation good to a few per cent at a city's scale."""
        shape = self.district(code).shape
        if shapely.intersects_xy(shape, lon, lat):
            return 0.0
        scale = math.cos(math.radians(lat))
        # Stretch longitudes so that one unit is the same ground distance both ways.
        point = shapely.Point(lon * scale, lat)
        stretched = shapely.transform(shape, lambda xy: xy * np.array([scale, 1.0]))
        return float(stretched.distance(point)) * METRES_PER_DEGREE


METRES_PER_DEGREE = 111_320.0  # of latitude (and of longitude at the equator)


# --- loading ------------------------------------------------------------------------------------


def load_city_pack(name_or_path: str) -> CityPack:
    """Load a pack by name ("wuhan" -> dashboard/citypacks/wuhan.json) or by path.

    A value containing a slash or ending in ``.json`` is a path; anything else is a name.
    Loads are cached by resolved path. Raises `CityPackError` on any problem.
    """
    text = str(name_or_path)
    if "/" in text or "\\" in text or text.endswith(".json"):
        path = Path(text).expanduser()
    else:
        if not text or text.startswith("."):
            raise CityPackError(f"{text!r}: not a city pack name")
        path = PACK_DIR / f"{text}.json"
    return _load_resolved(path.resolve())


@functools.lru_cache(maxsize=8)
def _load_resolved(path: Path) -> CityPack:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CityPackError(f"{path}: city pack file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CityPackError(f"{path}: cannot read city pack: {exc}") from None
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise CityPackError(f"{path}: not valid JSON: {exc}") from None
    try:
        return _parse(data)
    except _Problem as exc:
        raise CityPackError(f"{path}: {exc}") from None


class _Problem(Exception):
    """What is wrong inside a pack; `_load_resolved` adds the file name."""


def _get(obj: Any, key: str, where: str) -> Any:
    if not isinstance(obj, Mapping):
        raise _Problem(f"{where} is not an object")
    if key not in obj:
        raise _Problem(f"{where} has no {key!r}")
    return obj[key]


def _str(obj: Any, key: str, where: str) -> str:
    value = _get(obj, key, where)
    if not isinstance(value, str) or not value:
        raise _Problem(f"{where}.{key} is not a non-empty string")
    return value


def _number(obj: Any, key: str, where: str) -> float:
    value = _get(obj, key, where)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Problem(f"{where}.{key} is not a number")
    return float(value)


def _latlon(value: Any, where: str) -> LatLon:
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise _Problem(f"{where} is not a [lat, lon] pair")
    lat, lon = float(value[0]), float(value[1])
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise _Problem(f"{where} = {list(value)} is not a valid [lat, lon]")
    return lat, lon


def _polygon(obj: Any, where: str) -> dict[str, Any]:
    geometry = _get(obj, "geometry", where)
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise _Problem(f"{where} has no Polygon or MultiPolygon geometry")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise _Problem(f"{where}.geometry has no coordinates")
    return geometry


def _checked_shape(geometry: dict[str, Any], where: str) -> BaseGeometry:
    try:
        geom = _polygon_shape(geometry)
    except Exception as exc:  # shapely raises various errors for malformed coordinates
        raise _Problem(f"{where}.geometry is malformed: {exc}") from None
    if geom.is_empty or geom.area <= 0:
        raise _Problem(f"{where}.geometry is an empty polygon")
    return geom


def _parse(data: Any) -> CityPack:
    if not isinstance(data, dict):
        raise _Problem("top level is not a JSON object")
    fmt = data.get("format")
    if fmt != FORMAT:
        raise _Problem(f"format is {fmt!r}, expected {FORMAT!r}")

    city = _get(data, "city", "pack")
    bounds_raw = _get(city, "bounds", "city")
    if not isinstance(bounds_raw, list) or len(bounds_raw) != 2:
        raise _Problem("city.bounds is not [[south, west], [north, east]]")
    south_west = _latlon(bounds_raw[0], "city.bounds[0]")
    north_east = _latlon(bounds_raw[1], "city.bounds[1]")
    if south_west[0] > north_east[0] or south_west[1] > north_east[1]:
        raise _Problem("city.bounds is not [[south, west], [north, east]]")
    city_geometry = _polygon(city, "city")

    districts_raw = _get(data, "districts", "pack")
    if not isinstance(districts_raw, list) or not districts_raw:
        raise _Problem("districts is not a non-empty list")
    districts: list[District] = []
    for i, d in enumerate(districts_raw):
        where = f"districts[{i}]"
        code = _str(d, "code", where)
        where = f"district {code}"
        district = District(
            code=code,
            name_zh=_str(d, "name_zh", where),
            name_en=_str(d, "name_en", where),
            centroid=_latlon(_get(d, "centroid", where), f"{where}.centroid"),
            population=int(_number(d, "population", where)),
            area_km2=_number(d, "area_km2", where),
            geometry=_polygon(d, where),
        )
        _checked_shape(district.geometry, where)
        districts.append(district)
    codes = [d.code for d in districts]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise _Problem(f"duplicate district code {duplicates[0]}")
    known = set(codes)

    cells_raw = _get(data, "grid_cells", "pack")
    if not isinstance(cells_raw, list):
        raise _Problem("grid_cells is not a list")
    cells: list[GridCell] = []
    seen: set[str] = set()
    for i, c in enumerate(cells_raw):
        code = _str(c, "code", f"grid_cells[{i}]")
        where = f"grid cell {code}"
        if code in seen:
            raise _Problem(f"duplicate grid cell code {code}")
        seen.add(code)
        district_code = _str(c, "district", where)
        if district_code not in known:
            raise _Problem(f"{where} names unknown district {district_code!r}")
        cells.append(
            GridCell(
                code=code,
                district=district_code,
                name_zh=_str(c, "name_zh", where),
                name_en=_str(c, "name_en", where),
                centroid=_latlon(_get(c, "centroid", where), f"{where}.centroid"),
                area_km2=_number(c, "area_km2", where),
                geometry=_polygon(c, where),
            )
        )

    attribution = _get(data, "attribution", "pack")
    if not isinstance(attribution, str):
        raise _Problem("attribution is not a string")
    return CityPack(
        code=_str(city, "code", "city"),
        name_zh=_str(city, "name_zh", "city"),
        name_en=_str(city, "name_en", "city"),
        time_zone=_str(city, "time_zone", "city"),
        center=_latlon(_get(city, "center", "city"), "city.center"),
        bounds=(south_west, north_east),
        population=int(_number(city, "population", "city")),
        geometry=city_geometry,
        districts=tuple(districts),
        grid_cells=tuple(cells),
        attribution=attribution,
    )


# --- sampling -----------------------------------------------------------------------------------

_MAX_BATCH = 1 << 20


def random_points_in(
    shape: BaseGeometry, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(lats, lons): `n` random points uniformly distributed over the area of `shape`.

    `shape` is a shapely (Multi)Polygon in (lon, lat) degrees, e.g. `District.shape`. Rejection
    sampling in the bounding box, in vectorised batches; latitudes are drawn uniform in
    sin(lat) so the density is uniform per square kilometre, not per square degree. The same
    shape, n and generator state always give the same points.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    lats_out = np.empty(n, dtype=np.float64)
    lons_out = np.empty(n, dtype=np.float64)
    if n == 0:
        return lats_out, lons_out
    if shape.is_empty or shape.area <= 0:
        raise ValueError("cannot sample points in an empty shape")
    shapely.prepare(shape)
    west, south, east, north = shape.bounds
    s0, s1 = math.sin(math.radians(south)), math.sin(math.radians(north))
    # Expected share of box points that land inside (in degree space: good enough for sizing).
    accept = max(shape.area / max((east - west) * (north - south), 1e-300), 1e-6)
    filled = 0
    while filled < n:
        missing = n - filled
        batch = min(_MAX_BATCH, max(1024, int(missing / accept * 1.1) + 64))
        lons = rng.uniform(west, east, batch)
        lats = np.degrees(np.arcsin(rng.uniform(s0, s1, batch)))
        inside = shapely.contains_xy(shape, lons, lats)
        lats, lons = lats[inside][:missing], lons[inside][:missing]
        lats_out[filled : filled + lats.size] = lats
        lons_out[filled : filled + lons.size] = lons
        filled += lats.size
    return lats_out, lons_out
