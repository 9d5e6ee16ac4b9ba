"""巡检工作 Inspection work: this quarter's coverage (inspected at least once / due) on top, on a
map of districts or grid cells coloured as the One Map colours them, and in a table by district,
grid cell or object type; below, the inspections in the user's scope, filtered (every filter in
the URL), sorted and paged on the server, with a detail panel for one inspection's items and the
hazards they became, or for one object's history (`?target=site:<id>` opens it). Both tables
export to CSV and Excel. Built by callbacks/inspections.py."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace

from dashboard import ids
from dashboard.auth import current_scope, current_user
from dashboard.components import filter_card, filter_select, notice
from dashboard.domain.policy import page_roles
from dashboard.i18n import current_language, t
from dashboard.list_filters import page_of
from dashboard.resources import resources
from dashboard.tiles import tile_layers
from data_access.queries import accounts, map_layers
from data_access.queries.inspections import (
    COVERAGE_LEVELS,
    KINDS,
    RESULTS,
    SORTS,
    TARGET_TYPES,
)

dash.register_page(
    __name__,
    path="/inspections",
    name="Inspections",
    title="巡检工作 · Inspections",
    label="page.inspections",
    icon="bi-clipboard-data",
    order=15,
    menu_group="supervision",
    roles=page_roles("inspections"),
    in_menu=True,
)

map_js = Namespace("gascc", "map")  # the One Map's area style (assets/map.js)
ALL = "all"  # a select's "no filter"
MAX_TEXT = 128  # an id typed into a filter


def layout(**query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    return html.Div(
        [
            html.Div(
                [
                    html.H1(t("insp.title", lang), className="insp-title"),
                    html.Div(id=ids.INSP_KPIS, className="insp-kpis"),
                ],
                className="mb-2",
            ),
            dbc.Row(
                [
                    dbc.Col(coverage_map(lang), lg=5, className="mb-2"),
                    dbc.Col(coverage_table(lang), lg=7, className="mb-2"),
                ],
                className="g-2",
            ),
            html.H2(t("insp.list.title", lang), className="insp-section mt-2"),
            filters(lang, query),
            list_tools(lang),
            dbc.Row(
                [
                    dbc.Col(html.Div(id=ids.INSP_LIST, className="insp-list"), xl=8, lg=7),
                    dbc.Col(detail_panel(lang), xl=4, lg=5),
                ],
                className="g-2",
            ),
            dcc.Store(id=ids.INSP_PAGE, data=page_of(query)),
            dcc.Store(id=ids.INSP_QUERY),
            dcc.Store(id=ids.INSP_SELECTED, data=selected_of(query)),
            dcc.Download(id=ids.INSP_DOWNLOAD),
        ],
        className="insp-page container-fluid py-3",
    )


def selected_of(query: dict[str, str]) -> dict[str, str] | None:
    """What the detail panel opens on: `?target=<type>:<id>` (an object's history) or
    `?inspection=<id>`; the callbacks look it up in the user's scope."""
    target = (query.get("target") or "")[: 2 * MAX_TEXT]
    kind, _, target_id = target.partition(":")
    if kind in TARGET_TYPES and target_id:
        return {"target": target}
    inspection = (query.get("inspection") or "")[:MAX_TEXT]
    return {"inspection": inspection} if inspection else None


def coverage_map(lang: str) -> dbc.Card:
    res = resources()
    (south, west), (north, east) = res.city.bounds
    district = current_scope().district
    if district:  # a district's office looks at its own district, the others around it
        west, south, east, north = res.city.district(district).shape.bounds
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        html.H2(t("insp.map.title", lang), className="insp-section mb-0"),
                        dbc.RadioItems(
                            id=ids.INSP_MAP_LEVEL,
                            options=[
                                {"label": t(f"map.area.{level}", lang), "value": level}
                                for level in ("district", "grid")
                            ],
                            value="district",
                            inline=True,
                            className="small",
                        ),
                    ],
                    className="d-flex justify-content-between align-items-center mb-1",
                ),
                html.Div(
                    [
                        dl.Map(
                            [
                                *tile_layers(res.settings, lang),
                                dl.GeoJSON(
                                    id=ids.INSP_AREAS,
                                    style=map_js("districtStyle"),
                                    hoverStyle=map_js("districtHover"),
                                    zoomToBounds=False,
                                ),
                            ],
                            id=ids.INSP_MAP,
                            bounds=[[south, west], [north, east]],
                            trackViewport=False,
                            zoomSnap=0.25,
                            attributionControl=bool(res.settings.tile_url),
                            className="insp-map",
                        ),
                        html.Div(id=ids.INSP_LEGEND, className="map-legend insp-legend"),
                    ],
                    className="insp-map-frame",
                ),
            ]
        ),
        className="h-100",
    )


def coverage_table(lang: str) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        html.H2(t("insp.coverage.title", lang), className="insp-section mb-0"),
                        dbc.RadioItems(
                            id=ids.INSP_COVERAGE_LEVEL,
                            options=[
                                {"label": t(f"insp.level.{level}", lang), "value": level}
                                for level in COVERAGE_LEVELS
                            ],
                            value="district",
                            inline=True,
                            className="btn-group btn-group-sm insp-levels",
                            inputClassName="btn-check",
                            labelClassName="btn btn-outline-info",
                            labelCheckedClassName="active",
                        ),
                        html.Div(
                            [
                                _button(ids.INSP_COVERAGE_CSV, "bi-filetype-csv", "insp.csv", lang),
                                _button(
                                    ids.INSP_COVERAGE_XLSX,
                                    "bi-file-earmark-excel",
                                    "insp.xlsx",
                                    lang,
                                ),
                            ],
                            className="d-flex gap-2",
                        ),
                    ],
                    className="d-flex flex-wrap justify-content-between align-items-center "
                    "gap-2 mb-2",
                ),
                html.Div(id=ids.INSP_COVERAGE, className="insp-coverage"),
                html.Div(t("insp.coverage.rule", lang), className="small text-secondary mt-1"),
            ]
        ),
        className="h-100",
    )


def _button(control_id: str, icon: str, label_key: str, lang: str) -> dbc.Button:
    return dbc.Button(
        [html.I(className=f"bi {icon} me-1"), t(label_key, lang)],
        id=control_id,
        color="secondary",
        outline=True,
        size="sm",
    )


def filters(lang: str, query: dict[str, str]) -> dbc.Card:
    engine, scope = resources().engine, current_scope()
    zh = lang == "zh"
    every = {"label": t("insp.all", lang), "value": ALL}
    # A district officer sees one district: "whole city" would promise what the scope withholds.
    whole_city = [] if scope.district else [{"label": t("insp.all_districts", lang), "value": ALL}]
    districts = whole_city + [
        {"label": name_zh if zh else name_en, "value": code}
        for code, name_zh, name_en in accounts.districts(engine)
        if scope.district in (None, code)
    ]
    cells = [
        {"label": f"{cell.name_zh if zh else cell.name_en} ({cell.code})", "value": cell.code}
        for cell in map_layers.grid_shapes(engine, scope)
    ]
    types = [every] + [
        {"label": t(f"target_type.{kind}", lang), "value": kind} for kind in TARGET_TYPES
    ]
    kinds = [every] + [{"label": t(f"inspection_kind.{k}", lang), "value": k} for k in KINDS]
    results = [every] + [{"label": t(f"insp.{r}", lang), "value": r} for r in RESULTS]
    sorts = [{"label": t(f"insp.sort.{key}", lang), "value": key} for key in SORTS]
    grid = dcc.Dropdown(
        id=ids.INSP_GRID,
        options=cells,
        value=query.get("grid") or None,
        placeholder=t("insp.all", lang),
        className="insp-dropdown",
    )
    fields: list[tuple[str, Any, int]] = [
        (
            "insp.filter.district",
            filter_select(ids.INSP_DISTRICT, districts, query.get("district")),
            2,
        ),
        ("insp.filter.grid", grid, 2),
        (
            "insp.filter.object_type",
            filter_select(ids.INSP_OBJECT_TYPE, types, query.get("type")),
            1,
        ),
        ("insp.filter.kind", filter_select(ids.INSP_KIND, kinds, query.get("kind")), 1),
        ("insp.filter.result", filter_select(ids.INSP_RESULT, results, query.get("result")), 1),
        ("insp.filter.inspector", _text(ids.INSP_INSPECTOR, query.get("inspector")), 1),
        ("insp.filter.task", _text(ids.INSP_TASK, query.get("task")), 1),
        ("insp.filter.since", _date(ids.INSP_SINCE, query.get("since")), 1),
        ("insp.filter.until", _date(ids.INSP_UNTIL, query.get("until")), 1),
        ("insp.filter.sort", filter_select(ids.INSP_SORT, sorts, query.get("sort")), 1),
    ]
    return filter_card(fields, lang, "insp-filters")


def _text(control_id: str, value: str | None) -> dbc.Input:
    return dbc.Input(
        id=control_id, type="text", value=(value or "")[:MAX_TEXT], maxLength=MAX_TEXT,
        debounce=True,
    )  # fmt: skip


def _date(control_id: str, value: str | None) -> dbc.Input:
    return dbc.Input(id=control_id, type="date", value=value)


def list_tools(lang: str) -> html.Div:
    return html.Div(
        [
            _button(ids.INSP_CSV, "bi-filetype-csv", "insp.csv", lang),
            _button(ids.INSP_XLSX, "bi-file-earmark-excel", "insp.xlsx", lang),
            html.Span(id=ids.INSP_EXPORT_STATUS, className="small"),
            html.Div(
                [
                    dbc.Button(
                        [html.I(className="bi bi-chevron-left me-1"), t("insp.prev", lang)],
                        id=ids.INSP_PREV, color="secondary", outline=True, size="sm",
                        disabled=True,
                    ),
                    html.Span(id=ids.INSP_PAGE_LABEL, className="small text-secondary"),
                    dbc.Button(
                        [t("insp.next", lang), html.I(className="bi bi-chevron-right ms-1")],
                        id=ids.INSP_NEXT, color="secondary", outline=True, size="sm",
                        disabled=True,
                    ),
                ],
                className="d-flex align-items-center gap-2 ms-auto",
            ),
        ],
        className="d-flex flex-wrap align-items-center gap-2 my-2",
    )  # fmt: skip


def detail_panel(lang: str) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            html.Div(
                html.Div(t("insp.detail.pick", lang), className="text-secondary small"),
                id=ids.INSP_DETAIL,
            )
        ),
        className="insp-detail-card",
    )
