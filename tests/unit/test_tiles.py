"""Tile providers: the layers each setting gives, and the GCJ-02 transform they rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.geo import gcj02_to_wgs84, haversine_km, wgs84_to_gcj02
from dashboard.settings import Settings
from dashboard.tiles import GCJ02_CLASS, tile_layers, tile_sources

KEY = "0123456789abcdef0123456789abcdef"

# WGS84 (lat, lon) -> GCJ-02 (lat, lon): the worked example of wandergis/coordtransform
# (test/app.js: wgs84togcj02(116.404, 39.915) = [116.41024449916938, 39.91640428150164]).
REFERENCE_POINTS = [((39.915, 116.404), (39.91640428150164, 116.41024449916938))]


def settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"SECRET_KEY": "k" * 32, **env}, data_dir=tmp_path)


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE_POINTS)
def test_wgs84_to_gcj02_matches_reference_points(wgs: tuple, gcj: tuple) -> None:
    lat, lon = wgs84_to_gcj02(*wgs)
    assert lat == pytest.approx(gcj[0], abs=1e-12)
    assert lon == pytest.approx(gcj[1], abs=1e-12)


def test_gcj02_offset_in_wuhan_is_a_few_hundred_metres_and_inverts() -> None:
    wuhan = (30.5928, 114.3055)
    shifted = wgs84_to_gcj02(*wuhan)
    assert 0.2 < haversine_km(*wuhan, *shifted) < 0.8
    back = gcj02_to_wgs84(*shifted)
    assert haversine_km(*wuhan, *back) < 1e-6  # under a millimetre


def test_outside_china_nothing_moves() -> None:
    assert wgs84_to_gcj02(48.8584, 2.2945) == (48.8584, 2.2945)


def test_osm_is_the_default_single_wgs84_layer(tmp_path: Path) -> None:
    [layer] = tile_layers(settings(tmp_path))
    assert layer.url == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "OpenStreetMap" in layer.attribution
    assert GCJ02_CLASS not in (layer.className or "")


@pytest.mark.parametrize(
    "env", [{"GASCC_TILE_URL": "none"}, {"GASCC_TILES": "none"}, {"GASCC_TILE_URL": "off"}]
)
def test_no_tiles_gives_no_layers(tmp_path: Path, env: dict[str, str]) -> None:
    assert tile_layers(settings(tmp_path, **env)) == []


def test_amap_is_one_gcj02_layer_on_subdomains_1_to_4(tmp_path: Path) -> None:
    [layer] = tile_layers(settings(tmp_path, GASCC_TILES="amap"))
    assert layer.url.startswith("https://webrd0{s}.is.autonavi.com/appmaptile?")
    assert "style=8" in layer.url and "x={x}&y={y}&z={z}" in layer.url
    assert layer.subdomains == "1234"
    assert layer.className == GCJ02_CLASS
    assert "高德" in layer.attribution


def test_tianditu_is_a_map_and_an_annotation_layer_with_the_key(tmp_path: Path) -> None:
    base, notes = tile_layers(settings(tmp_path, GASCC_TILES="tianditu", GASCC_TIANDITU_KEY=KEY))
    assert base.url.startswith("https://t{s}.tianditu.gov.cn/vec_w/wmts?")
    assert "LAYER=vec" in base.url and "TILEMATRIXSET=w" in base.url
    assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in base.url and base.url.endswith(f"tk={KEY}")
    assert notes.url.startswith("https://t{s}.tianditu.gov.cn/cva_w/wmts?")
    assert base.subdomains == notes.subdomains == "01234567"
    assert "天地图" in base.attribution and notes.attribution == ""
    assert GCJ02_CLASS not in (base.className or "") + (notes.className or "")


def test_tianditu_annotation_follows_the_language(tmp_path: Path) -> None:
    configured = settings(tmp_path, GASCC_TILES="tianditu", GASCC_TIANDITU_KEY=KEY)
    assert "/eva_w/" in tile_sources(configured, "en")[1].url
    assert "/cva_w/" in tile_sources(configured, "zh")[1].url


def test_custom_url_keeps_its_datum_and_attribution(tmp_path: Path) -> None:
    url = "http://tiles.intranet/{z}/{x}/{y}.png"
    env = {"GASCC_TILE_URL": url, "GASCC_TILE_CRS": "gcj02", "GASCC_TILE_ATTRIBUTION": "市测绘院"}
    [layer] = tile_layers(settings(tmp_path, **env))
    assert layer.url == url
    assert layer.className == GCJ02_CLASS
    assert layer.attribution == "市测绘院"
