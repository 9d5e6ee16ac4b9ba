"""Small geodesy helpers: the GCJ-02 datum shift and great-circle distance.

Pure Python math (no numpy, no shapely) so that the city-pack builder, the map and the simulators
can all use it. Every function takes and returns (lat, lon) in degrees.

GCJ-02 ("Mars coordinates") is the obfuscated datum Chinese map providers (AMap, Tencent, ...)
publish their data and tiles in. The forward transform WGS84 -> GCJ-02 is the well-known published
formula; it has no closed-form inverse, so `gcj02_to_wgs84` inverts it by fixed-point iteration,
which converges to well under a millimetre in a few steps. Outside mainland China both functions
return the point unchanged, as the providers do.
"""

from __future__ import annotations

import math

__all__ = ["EARTH_RADIUS_KM", "gcj02_to_wgs84", "haversine_km", "wgs84_to_gcj02"]

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 formula.
_A = 6378245.0
_EE = 0.00669342162296594323

_INVERSE_TOLERANCE_DEG = 1e-10  # ~0.01 mm
_INVERSE_MAX_STEPS = 30


def _outside_china(lat: float, lon: float) -> bool:
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _delta(lat: float, lon: float) -> tuple[float, float]:
    """The GCJ-02 offset (dlat, dlon) in degrees at a WGS84 point."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = math.sqrt(abs(x))
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    d_lat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (
        (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    d_lon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (
        (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )

    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """WGS84 (GPS, OpenStreetMap) -> GCJ-02 (AMap, Tencent); unchanged outside China."""
    if _outside_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _delta(lat, lon)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """GCJ-02 -> WGS84 by iterating the forward transform (error far below 1 m)."""
    if _outside_china(lat, lon):
        return lat, lon
    w_lat, w_lon = lat, lon
    for _ in range(_INVERSE_MAX_STEPS):
        g_lat, g_lon = wgs84_to_gcj02(w_lat, w_lon)
        e_lat, e_lon = lat - g_lat, lon - g_lon
        w_lat += e_lat
        w_lon += e_lon
        if abs(e_lat) < _INVERSE_TOLERANCE_DEG and abs(e_lon) < _INVERSE_TOLERANCE_DEG:
            break
    return w_lat, w_lon


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres on a sphere of the mean Earth radius."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2.0) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
