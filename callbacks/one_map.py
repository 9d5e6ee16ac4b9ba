"""The One Map's behaviour: theme changes recolour districts; sites and counts load per scope."""

from __future__ import annotations

import html as html_text
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import Input, Output, callback, no_update

from dashboard import ids
from dashboard.app import resources
from dashboard.auth import current_user
from dashboard.choropleth import DEFAULT_METRIC, METRICS, district_features
from dashboard.components import kpi_card, legend
from dashboard.domain.roles import Scope
from dashboard.i18n import current_language, t
from data_access.queries import one_map as queries

KPIS = (
    ("enterprises", "kpi.enterprises", "bi-building"),
    ("sites", "kpi.sites", "bi-geo-alt"),
    ("customers", "kpi.customers", "bi-people"),
    ("cylinders", "kpi.cylinders", "bi-fuel-pump"),
    ("cylinders_overdue_inspection", "kpi.cylinders_overdue", "bi-exclamation-triangle"),
    ("pipeline_m", "kpi.pipeline_km", "bi-bezier2"),
    ("sensors", "kpi.sensors", "bi-broadcast"),
    ("teams", "kpi.teams", "bi-truck"),
    ("workers", "kpi.workers", "bi-person-badge"),
)


def _scope() -> Scope:
    user = current_user()
    assert user is not None  # the login guard runs before any callback
    return user.scope


@callback(
    Output(ids.MAP_DISTRICTS, "data"),
    Output(ids.MAP_LEGEND, "children"),
    Output(ids.MAP_LABELS, "children"),
    Input(ids.MAP_METRIC, "value"),
)
def recolour_districts(metric_key: str | None):
    metric = METRICS.get(metric_key or DEFAULT_METRIC)
    if metric is None:
        return no_update, no_update, no_update
    res, scope, lang = resources(), _scope(), current_language()
    shapes = res.cache.get("one_map:shapes")
    if shapes is None:
        shapes = queries.district_shapes(res.engine)
        res.cache.set("one_map:shapes", shapes, timeout=3600)
    counts = queries.district_counts(res.engine, scope)
    by_district = {row.pop("code"): row for row in counts.to_dict("records")}
    features, scale = district_features(shapes, by_district, metric, lang)
    title = t(f"metric.{metric.key}", lang)
    return (
        features,
        legend(title, list(scale.colors), scale.labels(), t("map.legend.none", lang)),
        district_labels(shapes, features, scale.decimals),
    )


def district_labels(shapes: list[dict], features: dict, decimals: int) -> list[dl.DivMarker]:
    """Each district's name and value at its centre, readable from across the room."""
    labels = []
    for shape, feature in zip(shapes, features["features"], strict=True):
        value = feature["properties"]["value"]
        shown = "" if value is None else f"<b>{value:,.{decimals}f}</b>"
        labels.append(
            dl.DivMarker(
                position=[shape["centroid_lat"], shape["centroid_lon"]],
                iconOptions={
                    "className": "district-label",
                    "html": f"<span>{feature['properties']['name']}</span>{shown}",
                    "iconSize": [120, 40],
                    "iconAnchor": [60, 20],
                },
                interactive=False,
            )
        )
    return labels


@callback(
    Output(ids.MAP_SITES, "data"),
    Output(ids.MAP_COUNTS, "children"),
    Output(ids.MAP_UPDATED, "children"),
    Input(ids.MAP, "id"),
)
def load_sites_and_counts(_map_id: str):
    res, scope, lang = resources(), _scope(), current_language()
    sites = queries.site_points(res.engine, scope)
    counts = queries.city_counts(res.engine, scope)
    now = datetime.now(UTC).astimezone(ZoneInfo(res.settings.time_zone))
    return (
        site_features(sites.to_dict("records"), lang),
        kpi_strip(counts, lang),
        f"{scope_label(scope, lang)}{t('map.updated', lang)} {now:%Y-%m-%d %H:%M}",
    )


def scope_label(scope: Scope, lang: str) -> str:
    """Says so when the user sees a slice of the city, so no one mistakes it for the whole."""
    if scope.district is not None:
        return f"{t('scope.district', lang)} · "
    if scope.enterprise_id is not None:
        return f"{t('scope.enterprise', lang)} · "
    return ""


def site_features(sites: list[dict], lang: str) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                "properties": {
                    "kind": s["kind"],
                    "tooltip": (
                        f"<b>{html_text.escape(s['name'])}</b><br>"
                        f"{t('site.' + s['kind'], lang)} · {html_text.escape(s['enterprise'])}"
                    ),
                },
            }
            for s in sites
        ],
    }


def kpi_strip(counts: dict[str, int], lang: str) -> dbc.Row:
    shown = dict(counts)
    if "pipeline_m" in shown:
        shown["pipeline_m"] = round(shown["pipeline_m"] / 1000)
    cards = [kpi_card(label, shown[key], icon, lang) for key, label, icon in KPIS if key in shown]
    return dbc.Row(cards, className="g-2 flex-nowrap")
