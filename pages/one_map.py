"""一张图 The One Map: districts coloured by a theme, sites, and the headline counts."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace

from dashboard import ids
from dashboard.app import resources
from dashboard.auth import current_user
from dashboard.choropleth import DEFAULT_METRIC, METRICS
from dashboard.components import notice
from dashboard.domain.roles import Role
from dashboard.i18n import current_language, t

dash.register_page(
    __name__,
    path="/",
    name="One Map",
    title="一张图 · One Map",
    label="page.one_map",
    icon="bi-map",
    order=0,
    roles=tuple(role.value for role in Role),
)

map_js = Namespace("gascc", "map")


def layout(**_query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    return html.Div(
        [
            html.Div(id=ids.MAP_COUNTS, className="kpi-strip"),
            dcc.Store(id=ids.MAP_COUNTS_TICK),
            html.Div(
                [city_map(lang), metric_picker(lang), legend_box(), alarm_panel()],
                className="map-frame",
            ),
        ],
        className="one-map",
    )


def city_map(lang: str) -> dl.Map:
    res = resources()
    city = res.city
    (south, west), (north, east) = city.bounds
    layers: list = []
    if res.settings.tile_url:
        layers.append(
            dl.TileLayer(url=res.settings.tile_url, attribution=res.settings.tile_attribution)
        )
    layers += [
        dl.GeoJSON(
            id=ids.MAP_DISTRICTS,
            style=map_js("districtStyle"),
            hoverStyle=map_js("districtHover"),
            zoomToBounds=False,
        ),
        dl.LayerGroup(id=ids.MAP_LABELS),
        dl.GeoJSON(
            id=ids.MAP_SITES,
            cluster=True,
            zoomToBoundsOnClick=True,
            superClusterOptions={"radius": 56, "maxZoom": 15},
            pointToLayer=map_js("sitePoint"),
            clusterToLayer=map_js("siteCluster"),
        ),
        dl.GeoJSON(id=ids.MAP_LIVE, pointToLayer=map_js("livePoint")),
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


def metric_picker(lang: str) -> html.Div:
    return html.Div(
        [
            html.Label(t("map.metric", lang), htmlFor=ids.MAP_METRIC, className="form-label mb-1"),
            dbc.Select(
                id=ids.MAP_METRIC,
                options=[{"label": t(f"metric.{key}", lang), "value": key} for key in METRICS],
                value=DEFAULT_METRIC,
                size="sm",
            ),
        ],
        className="map-panel map-panel-top",
    )


def alarm_panel() -> html.Div:
    return html.Div(
        [html.Div(id=ids.MAP_ALARMS), html.Div(id=ids.ALARM_FEEDBACK, className="small mt-1")],
        className="map-panel map-panel-left",
    )


def legend_box() -> html.Div:
    return html.Div(
        [html.Div(id=ids.MAP_LEGEND), html.Div(id=ids.MAP_UPDATED, className="map-updated")],
        className="map-panel map-panel-bottom",
    )
