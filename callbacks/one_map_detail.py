"""The One Map's detail panel: click a cylinder, hazard, incident or team, read its story.

Features say what they are in `properties.ref` (or, for the live layer, their id), "kind:id".
Each detail query checks the user's scope itself, so a crafted click shows nothing foreign.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dash import Input, Output, callback, ctx, html, no_update

from dashboard import ids
from dashboard.app import resources
from dashboard.auth import current_user
from dashboard.i18n import current_language, t, t_or
from data_access.queries import map_details

CLICKABLE = (ids.MAP_LIVE, ids.MAP_HAZARDS, ids.MAP_ANOMALIES)


def feature_ref(feature: dict | None) -> tuple[str, str] | None:
    """("hazard", "HZ-1") from a clicked feature, or None for one without a detail."""
    if not feature:
        return None
    ref = (feature.get("properties") or {}).get("ref") or feature.get("id")
    if not isinstance(ref, str) or ":" not in ref:
        return None
    kind, _, key = ref.partition(":")
    return kind, key


@callback(
    Output(ids.MAP_DETAIL, "is_open"),
    Output(ids.MAP_DETAIL_BODY, "children"),
    *(Input(layer, "clickData") for layer in CLICKABLE),
    prevent_initial_call=True,
)
def show_detail(*clicks: dict | None):
    ref = feature_ref(ctx.triggered[0]["value"] if ctx.triggered else None)
    if ref is None:
        return no_update, no_update
    user, lang = current_user(), current_language()
    assert user is not None
    kind, key = ref
    render = RENDERERS.get(kind)
    if render is None:
        return no_update, no_update
    return True, render(user.scope, key, lang)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return f"{moment.astimezone(ZoneInfo(resources().settings.time_zone)):%m-%d %H:%M:%S}"


def _table(headers: list[str], rows: list[list[Any]]) -> html.Table:
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in headers])),
            html.Tbody([html.Tr([html.Td("—" if c is None else c) for c in r]) for r in rows]),
        ],
        className="table table-sm table-dark detail-table",
    )


def _facts(pairs: list[tuple[str, Any]], lang: str) -> html.Dl:
    items: list = []
    for label, value in pairs:
        items += [html.Dt(t(label, lang)), html.Dd("—" if value in (None, "") else str(value))]
    return html.Dl(items, className="detail-facts")


def _nothing(lang: str) -> html.Div:
    return html.Div(t("detail.none", lang), className="text-secondary")


def cylinder_detail(scope, code: str, lang: str) -> html.Div:
    chain = map_details.cylinder_chain(resources().engine, scope, code)
    if chain is None:
        return _nothing(lang)
    rows = [
        [_when(s["occurred_at"]), t_or(f"stage.{s['stage']}", s["stage"], lang), s["site_id"]]
        for s in chain["scans"]
    ]
    return html.Div(
        [
            html.H5(f"{t('detail.cylinder', lang)} · {code}"),
            html.Div(t("detail.black", lang), className="badge bg-danger mb-2")
            if chain["is_black"]
            else None,
            _facts(
                [
                    ("detail.enterprise", chain["enterprise_id"]),
                    ("detail.stage", t_or(f"stage.{chain['stage']}", chain["stage"], lang)),
                ],
                lang,
            ),
            _table([t("detail.time", lang), t("detail.stage", lang), t("detail.site", lang)], rows)
            if rows
            else html.Div(t("detail.no_scans", lang), className="text-secondary"),
        ],
        **{"data-detail": "cylinder"},
    )


def hazard_detail(scope, hazard_id: str, lang: str) -> html.Div:
    hazard = map_details.hazard_history(resources().engine, scope, hazard_id)
    if hazard is None:
        return _nothing(lang)
    rows = [
        [_when(h["occurred_at"]), h["status"], h["actor"], h["note"]] for h in hazard["history"]
    ]
    headers = ["detail.time", "detail.status", "detail.actor", "detail.event"]
    return html.Div(
        [
            html.H5(f"{t('detail.hazard', lang)} · {hazard_id}"),
            _facts(
                [
                    ("detail.category", hazard["category"]),
                    ("detail.level", hazard["level"]),
                    ("detail.status", hazard["status"]),
                    ("detail.reported", _when(hazard["reported_at"])),
                    ("detail.due", _when(hazard["due_at"])),
                ],
                lang,
            ),
            html.P(hazard["description"], className="small"),
            _table([t(h, lang) for h in headers], rows),
        ],
        **{"data-detail": "hazard"},
    )


def incident_detail(scope, incident_id: str, lang: str) -> html.Div:
    incident = map_details.incident_timeline(resources().engine, scope, incident_id)
    if incident is None:
        return _nothing(lang)
    rows = [
        [_when(e["occurred_at"]), e["type"], _event_note(e["data"])] for e in incident["timeline"]
    ]
    return html.Div(
        [
            html.H5(f"{t('detail.incident', lang)} · {incident_id}"),
            _facts(
                [
                    ("detail.kind", incident["kind"]),
                    ("detail.status", incident["status"]),
                    ("detail.address", incident["address"]),
                    ("detail.reported", _when(incident["reported_at"])),
                ],
                lang,
            ),
            _table([t("detail.time", lang), t("detail.event", lang), ""], rows),
        ],
        **{"data-detail": "incident"},
    )


def _event_note(data: dict) -> str:
    """The telling fields of a timeline event (status, team, level), briefly."""
    keys = ("status", "team_id", "level", "levels", "severity")
    return " · ".join(f"{data[k]}" for k in keys if data.get(k) not in (None, ""))


def team_detail(scope, team_id: str, lang: str) -> html.Div:
    team = map_details.team_detail(resources().engine, scope, team_id)
    if team is None:
        return _nothing(lang)
    return html.Div(
        [
            html.H5(f"{t('detail.team', lang)} · {team['name']}"),
            _facts(
                [
                    ("detail.status", team["status"]),
                    ("detail.members", team["members"]),
                    ("detail.capabilities", ", ".join(team["capabilities"] or [])),
                    ("detail.current_incident", team["incident_id"]),
                    ("detail.level", team["level"]),
                ],
                lang,
            ),
        ],
        **{"data-detail": "team"},
    )


RENDERERS = {
    "cylinder": cylinder_detail,
    "hazard": hazard_detail,
    "incident": incident_detail,
    "team": team_detail,
}
