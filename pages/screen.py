"""大屏 The big screen for the command-center wall: no navigation, rotating panels, clock and
freshness, and a watchdog that recovers by itself (assets/screen.js; docs/big-screen.md)."""

from __future__ import annotations

import dash
import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace

from dashboard import ids
from dashboard.auth import current_user
from dashboard.components import notice
from dashboard.domain.policy import page_roles
from dashboard.domain.roles import Scope
from dashboard.i18n import current_language, t
from dashboard.resources import resources

dash.register_page(
    __name__,
    path="/screen",
    name="Big screen",
    title="大屏 · Big screen",
    label="page.screen",
    icon="bi-display",
    order=90,
    roles=page_roles("screen"),
    full_reload=True,  # the shell draws the wall frame (no navigation) only on a fresh load
)

screen_js = Namespace("gascc", "screen")
PANELS = ("map", "rankings", "incidents", "cylinders")
REFRESH_S = 30  # the fallback refresh when the live channel is quiet or down
MIN_ROTATE_S = 2


def layout(rotate: str | None = None, **_query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    settings = resources().settings
    return html.Div(
        [
            header(user.scope, lang),
            html.Div(id=ids.SCREEN_BANNER, className="screen-banner", hidden=True),
            html.Div(id=ids.SCREEN_KPIS, className="screen-kpis"),
            html.Div(
                [panel(index, name, lang) for index, name in enumerate(PANELS)],
                id=ids.SCREEN_STAGE,
                className="screen-stage",
            ),
            dots(lang),
            dcc.Interval(id=ids.SCREEN_REFRESH, interval=REFRESH_S * 1000),
            dcc.Store(id=ids.SCREEN_TICK),
        ],
        id=ids.SCREEN,
        className="screen-page",
        **{
            "data-active": "0",
            "data-rotate": str(rotation_seconds(rotate, settings.screen_rotate_s)),
            "data-tz": settings.time_zone,
            "data-lang": lang,
            "data-lost": t("screen.lost", lang),
            "data-refresh": str(REFRESH_S),
        },
    )


def rotation_seconds(asked: str | None, default: int) -> int:
    """The pace from ?rotate=SECONDS when it is a sane number, else the setting."""
    try:
        seconds = int(asked) if asked is not None else default
    except ValueError:
        return default
    return max(MIN_ROTATE_S, min(seconds, 3600))


def header(scope: Scope, lang: str) -> html.Header:
    where = t("scope.district", lang) if scope.district else t("screen.citywide", lang)
    return html.Header(
        [
            html.Div(
                [
                    html.I(className="bi bi-shield-fill-check screen-logo"),
                    html.H1(t("app.title", lang), className="screen-title"),
                    html.Span(where, className="screen-scope"),
                ],
                className="screen-heading",
            ),
            html.Div(
                [
                    html.Span(id=ids.SCREEN_UPDATED, className="screen-updated"),
                    html.Span(id=ids.SCREEN_CLOCK, className="screen-clock"),
                    # the shell's live indicator (#live-status) sits here, fixed top right
                    html.Span(className="screen-live-slot"),
                ],
                className="screen-status",
            ),
        ],
        className="screen-header",
    )


def panel(index: int, name: str, lang: str) -> html.Section:
    body = {
        "map": map_body,
        "rankings": lambda: html.Div(id=ids.SCREEN_RANKINGS, className="screen-body"),
        "incidents": lambda: html.Div(id=ids.SCREEN_INCIDENTS, className="screen-body"),
        "cylinders": lambda: html.Div(id=ids.SCREEN_CYLINDERS, className="screen-body"),
    }[name]()
    return html.Section(
        [html.H2(t(f"screen.panel.{name}", lang), className="screen-panel-title"), body],
        className="screen-panel",
        **{"data-panel": str(index), "data-name": name},
    )


def map_body() -> html.Div:
    """The city's districts and what moves, with nothing to click: a wall has no mouse."""
    (south, west), (north, east) = resources().city.bounds
    return html.Div(
        [
            dl.Map(
                [
                    dl.GeoJSON(id=ids.SCREEN_DISTRICTS, style=screen_js("districtStyle")),
                    dl.LayerGroup(id=ids.SCREEN_LABELS),
                    dl.GeoJSON(id=ids.SCREEN_POINTS, pointToLayer=screen_js("livePoint")),
                ],
                id=ids.SCREEN_MAP,
                bounds=[[south, west], [north, east]],
                zoomSnap=0.1,
                zoomControl=False,
                dragging=False,
                scrollWheelZoom=False,
                doubleClickZoom=False,
                boxZoom=False,
                keyboard=False,
                touchZoom=False,
                attributionControl=False,
                trackViewport=False,
                className="screen-map",
            ),
            html.Div(id=ids.SCREEN_LEGEND, className="screen-legend"),
        ],
        className="screen-map-wrap",
    )


def dots(lang: str) -> html.Div:
    return html.Div(
        [
            html.Span(
                [html.Span(className="screen-dot-mark"), t(f"screen.panel.{name}", lang)],
                className="screen-dot",
                **{"data-dot": str(index)},
            )
            for index, name in enumerate(PANELS)
        ],
        className="screen-dots",
    )
