"""Map tiles: the dash-leaflet layers of the configured provider (docs/tiles.md).

The data stay WGS84 everywhere (server, live events, clicks). A GCJ-02 provider's tile layers
carry the class `gcj02-tiles`, and assets/tiles.js shifts those layers by the GCJ-02 offset at
the map's centre: the tiles move onto the data, never the data onto the tiles.
"""

from __future__ import annotations

from dataclasses import dataclass

import dash_leaflet as dl

from dashboard.settings import Settings, tianditu_url

GCJ02_CLASS = "gcj02-tiles"  # assets/tiles.js looks for this class on a tile layer
MAX_MAP_ZOOM = 22  # past a provider's last zoom level its tiles are scaled up, not dropped


@dataclass(frozen=True)
class TileSource:
    """One tile layer: an XYZ template and what Leaflet needs to fetch and place it."""

    url: str
    attribution: str
    subdomains: str = "abc"
    max_native_zoom: int = 19
    gcj02: bool = False


def tile_sources(settings: Settings, lang: str | None = None) -> list[TileSource]:
    """The configured provider's layers, bottom first; empty for no tiles."""
    if settings.tile_url is None:
        return []
    attribution = settings.tile_attribution
    if settings.tiles == "tianditu":
        key = settings.tianditu_key or ""
        # Tianditu draws roads and place names as two layers: the map, then its annotation.
        notes = "eva" if (lang or settings.language) == "en" else "cva"
        return [
            TileSource(settings.tile_url, attribution, "01234567", 18),
            TileSource(tianditu_url(notes, key), "", "01234567", 18),
        ]
    if settings.tiles == "amap":
        return [TileSource(settings.tile_url, attribution, "1234", 18, gcj02=True)]
    return [TileSource(settings.tile_url, attribution, gcj02=settings.tile_crs == "gcj02")]


def tile_layers(settings: Settings, lang: str | None = None) -> list[dl.TileLayer]:
    """dash-leaflet TileLayers for the One Map (and any other map); [] when tiles are off."""
    return [
        dl.TileLayer(
            url=source.url,
            attribution=source.attribution,
            subdomains=source.subdomains,
            maxNativeZoom=source.max_native_zoom,
            maxZoom=MAX_MAP_ZOOM,
            className=GCJ02_CLASS if source.gcj02 else "",
        )
        for source in tile_sources(settings, lang)
    ]
