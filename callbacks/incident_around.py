"""What lies around an incident, loaded once when the view opens (pages/incident.py): pipelines,
sensors, digs and depots on the map; customers at the address, experts, depots in lists."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
from dash import Input, Output, html

from callbacks.incident import now_local, when
from dashboard import ids
from dashboard.auth import current_scope
from dashboard.domain.dispatch import EXPERT_SKILLS
from dashboard.guard import page_callback
from dashboard.i18n import current_language, t, t_or
from dashboard.resources import resources
from data_access.queries import incident_view as view

callback = page_callback("incident")

PRESSURE_COLOURS = {"high": "#ff453a", "medium": "#ff9f0a", "low": "#64d2ff"}


@callback(
    Output(ids.INCIDENT_MAP_AROUND, "children"),
    Output(ids.INCIDENT_AROUND, "children"),
    Input(ids.INCIDENT_ID, "data"),
)
def show_surroundings(incident_id: str):
    res, scope, lang = resources(), current_scope(), current_language()
    row = view.incident(res.engine, incident_id, scope)
    if row is None:
        return [], ""
    around = view.surroundings(res.engine, row.lat, row.lon, scope, now_local().date())
    outlines = dl.GeoJSON(
        data=res.city.district_outlines(lang),
        style={"color": "#5e6b7a", "weight": 1.5, "fillColor": "#2a3340", "fillOpacity": 0.35},
        interactive=False,
    )
    return [outlines, *around_layers(around)], around_lists(around, row, lang)


def around_layers(around: view.Surroundings) -> list:
    layers: list = [
        dl.Polyline(
            positions=p.coords,
            color=PRESSURE_COLOURS.get(p.pressure_class, "#64d2ff"),
            weight=4,
            children=dl.Tooltip(f"{p.id} · {p.pressure_class}"),
        )
        for p in around.pipelines
    ]
    layers += [
        dl.Circle(
            center=[d.lat, d.lon],
            radius=d.radius_m,
            color="#ffd60a" if d.agreement_signed else "#ff453a",
            dashArray="4 4",
            children=dl.Tooltip(d.contractor),
        )
        for d in around.excavations
    ]
    layers += [
        dl.CircleMarker(
            center=[s.lat, s.lon],
            radius=5,
            color="#ff2d55" if s.in_alarm else "#64d2ff",
            fillOpacity=0.9,
            children=dl.Tooltip(f"{s.id} · {s.kind}"),
        )
        for s in around.sensors
    ]
    layers += [
        dl.CircleMarker(
            center=[d.lat, d.lon],
            radius=6,
            color="#30d158",
            fillOpacity=0.9,
            children=dl.Tooltip(d.name),
        )
        for d in around.depots
    ]
    return layers


def around_lists(around: view.Surroundings, row: view.IncidentFacts, lang: str) -> html.Div:
    return html.Div(
        [
            _section("incident.at_address", _customers(around.customers, lang), lang),
            _section("incident.experts", _experts(around.experts, row, lang), lang),
            _section("incident.depots", _depots(around.depots, lang), lang),
            _section("incident.networks", _networks(around, lang), lang),
        ],
        className="around-lists",
    )


def _section(title_key: str, body: Any, lang: str) -> html.Div:
    return html.Div([html.H6(t(title_key, lang), className="mt-2"), body])


def _small_table(heads: list[str], rows: list[list[Any]], lang: str) -> html.Table | html.Div:
    if not rows:
        return html.Div(t("incident.nothing", lang), className="text-secondary small")
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(t(f"incident.col.{h}", lang)) for h in heads])),
            html.Tbody([html.Tr([html.Td("—" if c is None else c) for c in r]) for r in rows]),
        ],
        className="table table-sm table-dark mb-1",
    )


def _customers(customers: list[view.CustomerAt], lang: str) -> Any:
    rows = [
        [
            c.id,
            t_or(f"customer_kind.{c.kind}", c.kind, lang),
            "✓" if c.real_name_verified else "✗",
            f"{c.distance_m:.0f} m",
            c.code,
            when(c.last_delivery_at, "%m-%d %H:%M") if c.last_delivery_at else None,
            None if c.check_passed is None else ("✓" if c.check_passed else "✗"),
        ]
        for c in customers
    ]
    heads = ["customer", "kind", "real_name", "distance", "cylinder", "last_delivery", "check"]
    return _small_table(heads, rows, lang)


def _experts(experts: list[view.Expert], row: view.IncidentFacts, lang: str) -> Any:
    """Experts with a skill the incident's kind needs: the most relevant skill first, then
    those of the incident's district, then the nearest."""
    wanted = EXPERT_SKILLS.get(row.kind, ())

    def relevance(expert: view.Expert) -> int:
        return min((wanted.index(s) for s in expert.skills if s in wanted), default=len(wanted))

    def order(expert: view.Expert) -> tuple:
        distance = expert.distance_km
        local = expert.district == row.district
        return (relevance(expert), not local, distance is None, distance or 0.0, expert.id)

    matching = sorted((e for e in experts if relevance(e) < len(wanted)), key=order)
    city = resources().city
    rows = [
        [
            e.name,
            ("、" if lang == "zh" else ", ").join(t_or(f"skill.{s}", s, lang) for s in e.skills),
            city.district(e.district).name(lang) if e.district else None,
            None if e.distance_km is None else f"{e.distance_km:.1f} km",
        ]
        for e in matching[: view.NEAREST_EXPERTS]
    ]
    if all(row[-1] is None for row in rows):  # reached by phone: no place in the registry
        return _small_table(["expert", "skills", "district"], [row[:-1] for row in rows], lang)
    return _small_table(["expert", "skills", "district", "distance"], rows, lang)


def _depots(depots: list[view.Depot], lang: str) -> Any:
    rows = [[d.name, f"{d.distance_km:.1f} km"] for d in depots]
    return _small_table(["depot", "distance"], rows, lang)


def _networks(around: view.Surroundings, lang: str) -> html.Div:
    alarms = sum(1 for s in around.sensors if s.in_alarm)
    unsigned = sum(1 for d in around.excavations if not d.agreement_signed)
    text = t("incident.networks_text", lang).format(
        pipelines=len(around.pipelines),
        sensors=len(around.sensors),
        alarms=alarms,
        digs=len(around.excavations),
        unsigned=unsigned,
    )
    return html.Div(text, className="small")
