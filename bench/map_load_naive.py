"""The naive baseline of bench/map_load.py: every point of the city as one raw GeoJSON.

    python bench/map_load_naive.py --database DATA/gascc.sqlite3 --port 8061 [--customers N]

A minimal Dash + dash-leaflet app (no login, nothing from the internet, no map tiles) over the same
SQLite database, written the way a first attempt would be: its layout carries the district
outlines (from the same city pack) and ONE GeoJSON FeatureCollection of every point, read with
plain sqlite3 on each page load (the layout is a function, like the One Map's: nothing cached):

- all sites, all hazards, all sensors;
- every cylinder's current position from `cylinder_states` (empty until cylinders move);
- customers' points, capped at --customers (default 100,000, in table order): all 4.93 M of
  Wuhan would be about half a gigabyte of JSON, which no browser tab would survive; the cap keeps
  the baseline finishing, and bench/map_load.py reports how far the cap understates it.

Points are drawn as circle markers on one canvas (the cheapest way Leaflet draws raw points), so
the baseline is naive in what it ships, not in how it draws. An inline script counts the
districts and points turned into map layers (`window.naiveDistricts`, `window.naivePoints`).
"""

from __future__ import annotations

import argparse
import sqlite3
from contextlib import closing
from pathlib import Path

import dash_leaflet as dl
from dash import Dash, html
from dash_extensions.javascript import Namespace

from dashboard.citypack import load_city_pack

DEFAULT_CUSTOMERS = 100_000
POINT_QUERIES = {
    "site": "SELECT id, lat, lon FROM sites",
    "hazard": "SELECT id, lat, lon FROM hazards",
    "sensor": "SELECT id, lat, lon FROM sensors",
    "cylinder": "SELECT code, lat, lon FROM cylinder_states",
    "customer": "SELECT id, lat, lon FROM customers LIMIT ?",
}
COLOURS = {"site": "#4dabf7", "hazard": "#ff6b6b", "sensor": "#ffd43b"}
naive = Namespace("naive", "map")

# Inline (no assets folder): circle markers, and counts of what became map layers.
POINT_SCRIPT = """
<script>
window.naive = {map: {
  point: function (feature, latlng) {
    window.naivePoints = (window.naivePoints || 0) + 1;
    var colours = %s;
    return L.circleMarker(latlng, {radius: 3, weight: 0, fillOpacity: 0.8,
      fillColor: colours[feature.properties.kind] || "#adb5bd"});
  },
  district: function () { window.naiveDistricts = (window.naiveDistricts || 0) + 1; }
}};
</script>
"""


def point_features(database: Path, customers: int) -> dict:
    """Every point as a GeoJSON Feature with its kind and id: the raw payload."""
    features = []
    uri = f"file:{database}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=30)) as connection:
        for kind, query in POINT_QUERIES.items():
            parameters = (customers,) if kind == "customer" else ()
            for ident, lat, lon in connection.execute(query, parameters):
                features.append(
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [lon, lat]},
                        "properties": {"kind": kind, "id": ident},
                    }
                )
    return {"type": "FeatureCollection", "features": features}


def district_features(city: str) -> dict:
    pack = load_city_pack(city)
    features = [
        {
            "type": "Feature",
            "geometry": district.geometry,
            "properties": {"code": district.code, "name": district.name_zh},
        }
        for district in pack.districts
    ]
    return {"type": "FeatureCollection", "features": features}


def make_app(database: Path, city: str, customers: int) -> Dash:
    app = Dash(__name__, title="naive map", assets_folder=str(database.parent / "-none-"))
    colours = "{" + ", ".join(f'"{k}": "{v}"' for k, v in COLOURS.items()) + "}"
    script = POINT_SCRIPT % colours
    app.index_string = app.index_string.replace("{%scripts%}", "{%scripts%}" + script)
    pack = load_city_pack(city)
    (south, west), (north, east) = pack.bounds
    districts = district_features(city)

    def layout() -> html.Div:
        return html.Div(
            dl.Map(
                [
                    dl.GeoJSON(
                        data=districts, id="naive-districts", onEachFeature=naive("district")
                    ),
                    dl.GeoJSON(
                        data=point_features(database, customers),
                        id="naive-points",
                        pointToLayer=naive("point"),
                    ),
                ],
                bounds=[[south, west], [north, east]],
                id="naive-map",
                preferCanvas=True,  # one canvas for everything: the cheapest way to draw points
                style={"width": "100%", "height": "100vh", "background": "#0b1622"},
            )
        )

    app.layout = layout
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--city", default="wuhan", help="city pack of the district outlines")
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    args = parser.parse_args()
    app = make_app(args.database.resolve(), args.city, args.customers)
    app.run(host="127.0.0.1", port=args.port, debug=False, dev_tools_disable_version_check=True)


if __name__ == "__main__":
    main()
