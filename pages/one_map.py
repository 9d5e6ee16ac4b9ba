"""一张图 The One Map: themed areas, sites, cylinder flow, hazards, emergency resources and
networks, each an overlay of one layer control with its own legend; a live KPI strip above and
a detail panel for whatever is clicked.

Default-visible layers are small (13 districts, sites clustered, a few hundred flow lines,
emergency points); hazards, pipelines, excavations and sensors load when switched on."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace

from dashboard import ids
from dashboard.auth import current_user
from dashboard.choropleth import DEFAULT_THEME, METRICS, THEMES
from dashboard.components import notice
from dashboard.domain.policy import page_roles
from dashboard.i18n import current_language, t
from dashboard.resources import resources
from dashboard.tiles import tile_layers

dash.register_page(
    __name__,
    path="/",
    name="One Map",
    title="一张图 · One Map",
    label="page.one_map",
    icon="bi-map",
    order=0,
    roles=page_roles("one_map"),
)

map_js = Namespace("gascc", "map")
FLOW_REFRESH_MS = 30_000  # the last hour's flows; live pulses show the seconds in between
# Overlay keys, in the layer control's order; those in ON_AT_START are small enough to load first.
OVERLAYS = ("areas", "sites", "flow", "emergency", "hazards", "pipelines", "excavations", "sensors")
ON_AT_START = ("areas", "sites", "flow", "emergency")


def layout(**_query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    return html.Div(
        [
            html.Div(id=ids.MAP_COUNTS, className="kpi-strip"),
            dcc.Store(id=ids.MAP_COUNTS_TICK),
            dcc.Interval(id=ids.MAP_FLOW_TICK, interval=FLOW_REFRESH_MS),
            html.Div(
                [
                    city_map(lang),
                    metric_picker(lang),
                    legend_box(),
                    alarm_panel(),
                    replay_bar(lang),
                ],
                className="map-frame",
                id=ids.MAP_FRAME,
            ),
            detail_panel(lang),
        ],
        className="one-map",
    )


def city_map(lang: str) -> dl.Map:
    res = resources()
    city = res.city
    (south, west), (north, east) = city.bounds
    layers: list = tile_layers(res.settings, lang)
    overlays = {
        "areas": area_layers(),
        "sites": [site_layer()],
        "flow": flow_layers(),
        "emergency": emergency_layers(),
        "hazards": [hazard_layer()],
        "pipelines": [pipeline_layer()],
        "excavations": [excavation_layer()],
        "sensors": [sensor_layer()],
    }
    layers += [
        dl.LayersControl(
            [
                dl.Overlay(
                    dl.LayerGroup(children),
                    name=t(f"map.layer.{key}", lang),
                    checked=key in ON_AT_START,
                )
                for key, children in overlays.items()
            ],
            id=ids.MAP_LAYERS,
            position="topleft",
            collapsed=False,
            overlays=[t(f"map.layer.{key}", lang) for key in ON_AT_START],
        ),
        dl.ScaleControl(position="bottomleft", imperial=False),
    ]
    return dl.Map(
        layers,
        id=ids.MAP,
        bounds=[[south, west], [north, east]],
        trackViewport=False,  # the server needs no viewport yet; tracking also needs a center
        zoomSnap=0.25,
        attributionControl=bool(res.settings.tile_url),
        className="city-map",
    )


def area_layers() -> list:
    return [
        dl.Pane(
            [
                dl.GeoJSON(
                    id=ids.MAP_DISTRICTS,
                    style=map_js("districtStyle"),
                    hoverStyle=map_js("districtHover"),
                    zoomToBounds=False,
                )
            ],
            name="areas",
            style={"zIndex": 350},  # under every other overlay, whatever order they load in
        ),
        dl.GeoJSON(id=ids.MAP_LABELS, pointToLayer=map_js("areaLabel"), interactive=False),
    ]


def site_layer() -> dl.GeoJSON:
    return dl.GeoJSON(
        id=ids.MAP_SITES,
        cluster=True,
        zoomToBoundsOnClick=True,
        superClusterOptions={"radius": 56, "maxZoom": 15},
        pointToLayer=map_js("sitePoint"),
        clusterToLayer=map_js("siteCluster"),
    )


def flow_layers() -> list:
    return [
        dl.GeoJSON(id=ids.MAP_FLOWS, style=map_js("flowStyle")),
        dl.GeoJSON(id=ids.MAP_ANOMALIES, pointToLayer=map_js("anomalyPoint")),
        dl.GeoJSON(id=ids.MAP_PULSES, pointToLayer=map_js("pulsePoint"), interactive=False),
    ]


def emergency_layers() -> list:
    return [
        dl.GeoJSON(id=ids.MAP_RESOURCES, pointToLayer=map_js("resourcePoint")),
        dl.GeoJSON(id=ids.MAP_LIVE, pointToLayer=map_js("livePoint")),
    ]


def hazard_layer() -> dl.GeoJSON:
    """Clustered: a district can have thousands; overdue ones stay red inside a cluster too."""
    return dl.GeoJSON(
        id=ids.MAP_HAZARDS,
        cluster=True,
        zoomToBoundsOnClick=True,
        superClusterOptions={"radius": 64, "maxZoom": 16},
        pointToLayer=map_js("hazardPoint"),
        clusterToLayer=map_js("hazardCluster"),
    )


def pipeline_layer() -> dl.GeoJSON:
    return dl.GeoJSON(id=ids.MAP_PIPELINES, style=map_js("pipelineStyle"))


def excavation_layer() -> dl.GeoJSON:
    return dl.GeoJSON(id=ids.MAP_EXCAVATIONS, pointToLayer=map_js("excavationBuffer"))


def sensor_layer() -> dl.GeoJSON:
    return dl.GeoJSON(
        id=ids.MAP_SENSORS,
        cluster=True,
        superClusterOptions={"radius": 72, "maxZoom": 14},  # thousands at Wuhan scale
        pointToLayer=map_js("sensorPoint"),
        clusterToLayer=map_js("sensorCluster"),
    )


def metric_picker(lang: str) -> html.Div:
    return html.Div(
        [
            html.Label(t("map.area", lang), className="form-label mb-1"),
            dbc.RadioItems(
                id=ids.MAP_AREA_LEVEL,
                options=[
                    {"label": t(f"map.area.{level}", lang), "value": level}
                    for level in ("district", "grid")
                ],
                value="district",
                inline=True,
                className="mb-1",
            ),
            html.Label(t("map.metric", lang), htmlFor=ids.MAP_METRIC, className="form-label mb-1"),
            dbc.Select(
                id=ids.MAP_METRIC, options=theme_options(lang), value=DEFAULT_THEME, size="sm"
            ),
        ],
        className="map-panel map-panel-top",
    )


def theme_options(lang: str) -> list[dict]:
    """The themes (the district safety index among them), then the older district metrics."""
    keys = (*THEMES, *(key for key in METRICS if key not in THEMES))
    return [{"label": t(f"metric.{key}", lang), "value": key} for key in keys if key in METRICS]


def detail_panel(lang: str) -> dbc.Offcanvas:
    return dbc.Offcanvas(
        html.Div(id=ids.MAP_DETAIL_BODY),
        id=ids.MAP_DETAIL,
        title=t("detail.title", lang),
        placement="end",
        is_open=False,
        scrollable=True,
        backdrop=False,
        className="map-detail",
    )


REPLAY_MINUTES = 24 * 60
REPLAY_STEP_MINUTES = 10
REPLAY_PLAY_MS = 1500  # a step of playback (20 minutes of the city): 24 hours in under 2 minutes


def replay_bar(lang: str) -> html.Div:
    """The time slider: drag back up to 24 hours (the city then, from the log), or play them."""
    hours = {-h * 60: f"-{h} h" for h in (24, 18, 12, 6)}
    return html.Div(
        [
            html.Button(
                html.I(className="bi bi-play-fill"),
                id=ids.MAP_REPLAY_PLAY,
                title=t("replay.play", lang),
                className="btn btn-sm btn-outline-info replay-play",
                **{"aria-label": t("replay.play", lang)},
            ),
            html.Div(
                dcc.Slider(
                    id=ids.MAP_REPLAY,
                    min=-REPLAY_MINUTES,
                    max=0,
                    step=REPLAY_STEP_MINUTES,
                    value=0,
                    marks={**hours, 0: t("replay.live", lang)},
                    included=False,
                    allow_direct_input=False,
                ),
                className="replay-slider",
                title=t("replay.title", lang),
            ),
            html.Span(t("replay.live", lang), id=ids.MAP_REPLAY_LABEL, className="replay-label"),
            dcc.Interval(id=ids.MAP_REPLAY_TIMER, interval=REPLAY_PLAY_MS, disabled=True),
        ],
        className="map-panel map-panel-replay",
    )


def alarm_panel() -> html.Div:
    return html.Div(
        [html.Div(id=ids.MAP_ALARMS), html.Div(id=ids.ALARM_FEEDBACK, className="small mt-1")],
        className="map-panel map-panel-left",
    )


def legend_box() -> html.Div:
    return html.Div(
        [
            html.Div(id=ids.MAP_LEGEND),
            html.Div(id=ids.MAP_LAYER_LEGENDS),
            html.Div(id=ids.MAP_HAZARD_COUNT, className="legend-note"),
            html.Div(id=ids.MAP_UPDATED, className="map-updated"),
        ],
        className="map-panel map-panel-bottom",
    )
