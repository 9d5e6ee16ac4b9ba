"""GCJ-02 tiles land on WGS84 data: assets/tiles.js shifts a `gcj02-tiles` layer in a real browser.

A tiny Dash app (dash-leaflet and only assets/tiles.js) shows one map with two layers of the same
locally served tiles, one built from a wgs84 provider and one from a gcj02 provider by
`dashboard.tiles.tile_layers`. The gcj02 layer's tiles must sit exactly the GCJ-02 offset at the
map's centre (in Web-Mercator pixels) away from the wgs84 layer's, after load and after a move.
Nothing comes from the internet: the tiles are generated PNGs from a server on 127.0.0.1.
"""

from __future__ import annotations

import http.server
import math
import re
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import dash
import dash_leaflet as dl
import pytest
from dash import html
from werkzeug.serving import make_server

from dashboard.geo import wgs84_to_gcj02
from dashboard.settings import Settings
from dashboard.tiles import GCJ02_CLASS, tile_layers

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
WUHAN = (30.5928, 114.3055)  # WGS84, near the Yangtze bridge
ZOOM = 15
TILE_PATH = re.compile(r"/(\d+)/(\d+)/(\d+)\.png")
# Leaflet rounds the pane origin and the layer transform to whole pixels.
PIXEL_TOLERANCE = 1.5

# Collect every Leaflet map the page creates: the bundle sets window.L once, we hook L.Map then.
CAPTURE_MAPS = """
window.testMaps = [];
let leaflet;
Object.defineProperty(window, "L", {
  configurable: true,
  get() { return leaflet; },
  set(value) {
    leaflet = value;
    if (value && value.Map && !value.Map.__captured) {
      value.Map.__captured = true;
      value.Map.addInitHook(function () { window.testMaps.push(this); });
    }
  },
});
"""

# Screen position of each loaded tile of both layers, keyed by its z/x/y.
TILE_POSITIONS = """
() => {
  const where = {};
  for (const layer of document.querySelectorAll(".leaflet-tile-pane .leaflet-layer")) {
    const kind = layer.classList.contains("gcj02-tiles") ? "gcj02" : "wgs84";
    for (const img of layer.querySelectorAll("img.leaflet-tile")) {
      const key = new URL(img.src).pathname;
      const box = img.getBoundingClientRect();
      (where[key] = where[key] || {})[kind] = [box.left, box.top];
    }
  }
  return where;
}
"""


def png_tile(size: int = 256, rgb: tuple[int, int, int] = (40, 60, 90)) -> bytes:
    """A plain-colour PNG, written by hand so the test needs no imaging library."""
    row = b"\x00" + bytes(rgb) * size
    raw = zlib.compress(row * size)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


class TileHandler(http.server.BaseHTTPRequestHandler):
    tile = png_tile()

    def do_GET(self) -> None:
        if not TILE_PATH.fullmatch(self.path):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.tile)))
        self.end_headers()
        self.wfile.write(self.tile)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def tile_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), TileHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def tile_settings(tmp_path: Path, url: str, crs: str) -> Settings:
    env = {"GASCC_TILE_URL": url, "GASCC_TILE_CRS": crs, "SECRET_KEY": "s" * 32}
    return Settings.from_env(env, data_dir=tmp_path)


@pytest.fixture(scope="module")
def map_app(tile_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = tile_server + "/{z}/{x}/{y}.png"
    directory = tmp_path_factory.mktemp("tiles")
    layers = tile_layers(tile_settings(directory, url, "wgs84"))
    layers += tile_layers(tile_settings(directory, url, "gcj02"))
    # Dash hands every globally registered callback to the next app that serves a request;
    # earlier tests imported the dashboard's callback modules, which this bare app must not get.
    dash._callback.GLOBAL_CALLBACK_LIST.clear()
    dash._callback.GLOBAL_CALLBACK_MAP.clear()
    app = dash.Dash(
        __name__,
        assets_folder=str(ROOT / "assets"),
        assets_ignore=r"^(?!tiles\.js$).*",  # only the tile patch, none of the app's other JS
    )
    app.layout = html.Div(
        dl.Map(
            layers,
            center=list(WUHAN),
            zoom=ZOOM,
            zoomAnimation=False,
            fadeAnimation=False,
            style={"width": "800px", "height": "600px"},
        )
    )
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def mercator_pixels(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Leaflet's EPSG:3857 projection to global pixels at a zoom level (256-pixel tiles)."""
    scale = 256 * 2**zoom
    x = (lon + 180.0) / 360.0 * scale
    y = (0.5 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / (2 * math.pi)) * scale
    return x, y


def expected_shift(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Where a gcj02 tile sits relative to the same wgs84 tile: minus the centre's GCJ-02 offset."""
    g_lat, g_lon = wgs84_to_gcj02(lat, lon)
    x0, y0 = mercator_pixels(lat, lon, zoom)
    x1, y1 = mercator_pixels(g_lat, g_lon, zoom)
    return x0 - x1, y0 - y1


def measured_shifts(page) -> list[tuple[float, float]]:
    page.wait_for_function(
        "() => [...document.querySelectorAll('.leaflet-tile-pane img.leaflet-tile')]"
        ".every(img => img.complete) && document.querySelectorAll("
        "'.gcj02-tiles img.leaflet-tile-loaded').length > 0"
    )
    positions = page.evaluate(TILE_POSITIONS)
    both = [p for p in positions.values() if "gcj02" in p and "wgs84" in p]
    assert both, positions
    return [(g[0] - w[0], g[1] - w[1]) for g, w in ((p["gcj02"], p["wgs84"]) for p in both)]


def assert_shift(page, lat: float, lon: float, zoom: int) -> None:
    want_x, want_y = expected_shift(lat, lon, zoom)
    for got_x, got_y in measured_shifts(page):
        assert abs(got_x - want_x) <= PIXEL_TOLERANCE, (got_x, want_x)
        assert abs(got_y - want_y) <= PIXEL_TOLERANCE, (got_y, want_y)


def test_the_gcj02_class_reaches_leaflet_and_the_patch_is_installed(map_app, new_tab) -> None:
    tab = new_tab(1366, 768)
    tab.page.goto(map_app)
    tab.page.wait_for_selector(f".leaflet-tile-pane .leaflet-layer.{GCJ02_CLASS} img")
    assert tab.page.locator(".leaflet-tile-pane .leaflet-layer").count() == 2
    assert tab.page.evaluate("window.gasccTiles.installed") is True
    assert tab.console_errors == []


def test_javascript_and_python_give_the_same_gcj02_points(map_app, new_tab) -> None:
    tab = new_tab(1366, 768)
    tab.page.goto(map_app)
    tab.page.wait_for_function("() => window.gasccTiles && window.gasccTiles.installed")
    for lat, lon in [WUHAN, (39.9087, 116.3975), (22.5431, 114.0579), (48.8584, 2.2945)]:
        js = tab.page.evaluate(f"window.gasccTiles.wgs84ToGcj02({lat}, {lon})")
        py = wgs84_to_gcj02(lat, lon)
        assert js == pytest.approx(list(py), abs=1e-12)
    assert tab.console_errors == []


def test_gcj02_tiles_are_shifted_by_the_offset_at_the_centre(map_app, new_tab) -> None:
    tab = new_tab(1366, 768)
    tab.page.add_init_script(CAPTURE_MAPS)
    tab.page.goto(map_app)
    assert_shift(tab.page, *WUHAN, ZOOM)
    shift_x, shift_y = expected_shift(*WUHAN, ZOOM)
    assert abs(shift_x) > 100 and abs(shift_y) > 20  # hundreds of metres: a real, visible shift

    # Move and zoom: the shift follows the new centre and zoom (here Beijing at zoom 17).
    beijing = (39.9087, 116.3975)
    tab.page.evaluate(f"window.testMaps[0].setView([{beijing[0]}, {beijing[1]}], 17)")
    tab.page.wait_for_function(
        "() => document.querySelector('.leaflet-tile-pane img.leaflet-tile').src.includes('/17/')"
    )
    assert_shift(tab.page, *beijing, 17)
    assert tab.console_errors == []
