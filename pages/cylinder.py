"""气瓶追溯 A cylinder's trace: its registry record and status, the whole scan chain on a timeline
and as a path on a small map (site, worker with certificate, vehicle, customer real-name or not
at each stage), the delivery safety checks with their four photos, every finding with its
resolution, and its detentions. Drawn by callbacks/cylinder.py from the code in the URL; an
unknown code and a code outside the user's scope get the same message."""

from __future__ import annotations

from urllib.parse import unquote

import dash
import dash_leaflet as dl
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_scope, current_user
from dashboard.components import notice
from dashboard.domain.cylinders import is_code
from dashboard.domain.policy import page_roles
from dashboard.i18n import current_language, t
from dashboard.resources import resources
from dashboard.tiles import tile_layers
from data_access.queries.cylinder_trace import CylinderTrace, cylinder_trace

dash.register_page(
    __name__,
    path_template="/cylinder/<code>",
    name="Cylinder",
    title="气瓶追溯 · Cylinder trace",
    label="page.cylinder",
    icon="bi-upc-scan",
    order=16,
    roles=page_roles("cylinder"),
    in_menu=False,
)

PATH_COLOR = "#4dabf7"
STAGE_COLORS = {
    "inspection": "#adb5bd",
    "filling": "#ffc107",
    "transport": "#9ec5fe",
    "storage": "#6edff6",
    "sale": "#75b798",
    "delivery": "#20c997",
    "use": "#e9ecef",
    "recovery": "#c29ffa",
    "scrap": "#ff6b6b",
}


def layout(code: str | None = None, **_query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    wanted = unquote(code or "").strip()
    found = cylinder_trace(resources().engine, current_scope(), wanted) if is_code(wanted) else None
    if found is None:
        return notice("ct.not_found", lang)
    return html.Div(
        [
            dcc.Store(id=ids.CYL_CODE, data=found.code),
            dcc.Link(
                [html.I(className="bi bi-arrow-left me-1"), t("ct.back", lang)],
                href="/cylinders",
                className="small",
            ),
            html.Div(id=ids.CYL_BODY, className="mt-2"),
        ],
        className="cyl-page container-fluid py-3",
    )


def zoom_for(lat_span: float, lon_span: float) -> int:
    """A zoom that holds a path spanning this many degrees in a map some 600 px wide."""
    span = max(lat_span, lon_span, 0.002)
    zoom = 16
    while zoom > 9 and span * 2 ** (zoom - 8) > 2.0:  # 2.0: about 512 px of the map's width
        zoom -= 1
    return zoom


def trace_map(found: CylinderTrace, lang: str) -> dl.Map | html.Div:
    """The chain's path: a line through the scans in order, a dot per stage (colour by stage)."""
    points = [(scan.lat, scan.lon) for scan in found.scans if scan.lat or scan.lon]
    if not points:
        return html.Div(t("ct.chain.none", lang), className="cyl-map cyl-map-empty")
    settings = resources().settings
    dots = [
        dl.CircleMarker(
            center=[scan.lat, scan.lon],
            radius=6,
            color=STAGE_COLORS.get(scan.stage, PATH_COLOR),
            fillOpacity=0.9,
        )
        for scan in found.scans[-200:]  # the newest two hundred: enough to read a path
        if scan.lat or scan.lon
    ]
    lats = [lat for lat, _ in points[-200:]]
    lons = [lon for _, lon in points[-200:]]
    return dl.Map(
        [
            *tile_layers(settings, lang),
            dl.Polyline(positions=[list(p) for p in points[-200:]], color=PATH_COLOR, weight=3),
            *dots,
            dl.ScaleControl(position="bottomleft", imperial=False),
        ],
        center=[(min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2],
        zoom=zoom_for(max(lats) - min(lats), max(lons) - min(lons)),
        attributionControl=bool(settings.tile_url),
        className="cyl-map mb-3",
        id=ids.CYL_MAP,
    )
