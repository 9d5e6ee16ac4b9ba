"""The incident view's behaviour (pages/incident.py): the live refresh of everything that moves
(header and clock, teams on the map, the ranking, the teams sent, the timeline, notifications).
What lies around the incident loads once (callbacks/incident_around.py); the desk's actions are in
callbacks/incident_actions.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import Input, Output, State, clientside_callback, html

from dashboard import ids
from dashboard.actors import channel_name, team_status_here, who
from dashboard.auth import current_scope, current_user
from dashboard.components import local_time
from dashboard.domain.dispatch import DESK_TEAM_STEPS, Candidate, rank_teams
from dashboard.domain.incidents import CLOSED, SOURCE_ACTOR_PREFIX, is_open
from dashboard.domain.photos import parse_photo
from dashboard.domain.policy import Action, allowed
from dashboard.domain.response import RESPONSE_TARGET_MIN
from dashboard.guard import page_callback
from dashboard.i18n import current_language, t, t_or
from dashboard.resources import resources
from data_access.queries import incident_view as view
from data_access.queries.notifications import Notification, notification_list
from pages.incident import report_href

callback = page_callback("incident")

SHOWN_TEAMS = 10  # the ranking's length: the best free ones, then others for a second wave
STATUS_COLOURS = {
    "available": "#34c759",
    "returning": "#30d158",
    "dispatched": "#ff9f0a",
    "en_route": "#0a84ff",
    "on_scene": "#bf5af2",
    "off_duty": "#8e8e93",
}

clientside_callback(
    "function(live){return window.gascc.incidents.liveTick(live, 'incident');}",
    Output(ids.INCIDENT_TICK, "data"),
    Input(ids.LIVE_EVENTS, "data"),
    prevent_initial_call=True,
)


def now_local() -> datetime:
    return datetime.now(UTC).astimezone(ZoneInfo(resources().settings.time_zone))


def when(moment: datetime | None, fmt: str = "%H:%M:%S") -> str:
    return local_time(moment, resources().settings.time_zone, fmt)


def _ms(moment: datetime | None) -> int | str:
    return int(moment.timestamp() * 1000) if moment is not None else ""


def _minutes(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return "—"
    return f"{(end - start).total_seconds() / 60:.1f}′"


# --- the live refresh -----------------------------------------------------------------------


@callback(
    Output(ids.INCIDENT_HEADER, "children"),
    Output(ids.INCIDENT_MAP_TEAMS, "children"),
    Output(ids.INCIDENT_RANKING, "children"),
    Output(ids.INCIDENT_RANKING_NOTE, "children"),
    Output(ids.INCIDENT_DISPATCHED, "children"),
    Output(ids.INCIDENT_TIMELINE, "children"),
    Output(ids.INCIDENT_NOTIFICATIONS, "children"),
    Input(ids.INCIDENT_ID, "data"),
    Input(ids.INCIDENT_TICK, "data"),
    Input(ids.INCIDENT_REFRESH, "n_intervals"),
    Input(ids.INCIDENT_FEEDBACK, "children"),
    State(ids.INCIDENT_PICKED, "data"),
)
def refresh(
    incident_id: str, _tick: object, _interval: object, _feedback: object, picked: list[str]
):

    res, scope, lang = resources(), current_scope(), current_language()
    user = current_user()
    row = view.incident(res.engine, incident_id, scope)
    if row is None or user is None:
        return (html.Div(t("incident.not_found", lang)), [], [], "", "", "", "")
    sent = view.dispatched_teams(res.engine, incident_id)
    ranked = rank_for(row, scope)
    entries = view.timeline(res.engine, incident_id)
    names = view.actor_names_for(
        res.engine, view.actor_keys([row.closed_by, *(e.actor for e in entries)])
    )
    names |= {c.team.id: c.team.name for c in ranked} | {s.team_id: s.name for s in sent}
    acts = allowed(user, Action.DISPATCH) and is_open(row.status)
    return (
        header(row, lang, names),
        team_markers(row, ranked, sent),
        ranking_rows(ranked, set(picked or ()), lang, acts),
        ranking_note(ranked, lang),
        dispatched_list(sent, lang, acts),
        timeline_list(entries, names, lang),
        notification_rows(notification_list(res.engine, incident_id, scope), lang),
    )


def rank_for(row: view.IncidentFacts, scope: Any) -> list[Candidate]:
    res = resources()
    teams = view.team_positions(res.engine, scope)
    at = (row.lat, row.lon)
    return rank_teams(teams, at, row.kind, now_local().hour, res.router)


def header(row: view.IncidentFacts, lang: str, names: dict[str, str]) -> html.Div:
    district = resources().city.district(row.district).name(lang) if row.district else "—"
    status, severity = row.status, row.severity
    badges = [
        dbc.Badge(
            f"{severity} {t_or(f'severity.{severity}', '', lang)}",
            color="danger" if severity >= 3 else "warning",
            className="me-2",
        ),
        dbc.Badge(t_or(f"incident_kind.{row.kind}", row.kind, lang), className="me-2"),
        html.Span(
            dbc.Badge(
                t_or(f"incident_status.{status}", status, lang),
                color="success" if status == CLOSED else "info",
                className="me-2",
            ),
            className="incident-status",
            **{"data-status": status},
        ),
    ]
    clock = html.Span(
        className="response-clock",
        **{"data-reported": _ms(row.reported_at), "data-onscene": _ms(row.on_scene_at)},
    )
    facts = [
        (t("incident.reported_at", lang), when(row.reported_at, "%m-%d %H:%M:%S")),
        (t("incident.to_dispatch", lang), _minutes(row.reported_at, row.dispatched_at)),
        (t("incident.to_scene", lang), clock),
        (t("incident.target", lang), f"{RESPONSE_TARGET_MIN:.0f}′"),
        (t("incident.channel", lang), t_or(f"channel.{row.channel}", row.channel, lang)),
        (t("incident.district", lang), district),
    ]
    return html.Div(
        [
            html.H4([*badges, html.Span(row.address)], className="mb-1"),
            html.Div(row.description, className="text-secondary mb-2"),
            html.Div(
                [
                    html.Span([html.Span(f"{k} ", className="text-secondary"), v], className="me-4")
                    for k, v in facts
                ],
                className="incident-facts",
            ),
            _closed_banner(row, lang, names),
        ]
    )


def _closed_banner(row: view.IncidentFacts, lang: str, names: dict[str, str]) -> html.Div | None:
    if is_open(row.status):
        return None
    closed_by = who(row.closed_by, lang, names) or "—"
    return dbc.Alert(
        [
            html.Strong(t("incident.closed_by", lang).format(by=closed_by)),
            html.Span(f" {when(row.closed_at, '%m-%d %H:%M')} · {row.summary or ''} "),
            html.A(t("incident.report", lang), href=report_href(row.id), className="ms-2"),
        ],
        color="success",
        className="mt-2 mb-0 py-2",
    )


def team_markers(
    row: view.IncidentFacts, ranked: list[Candidate], sent: list[view.SentTeam]
) -> list:
    at = [row.lat, row.lon]
    on_job = {s.team_id for s in sent if s.released_at is None}
    shown = [c for c in ranked if c.team.id in on_job] + [
        c for c in ranked[:SHOWN_TEAMS] if c.team.id not in on_job
    ]
    markers: list = [
        dl.Polyline(
            positions=[[c.team.lat, c.team.lon], at],
            color="#ff9f0a",
            dashArray="6 6",
            weight=2,
        )
        for c in shown
        if c.team.id in on_job
    ]
    # the incident first, so that a team on scene is drawn over it, not hidden under it
    markers.append(
        dl.CircleMarker(
            center=at,
            radius=13,
            color="#ffffff",
            weight=3,
            fillColor="#ff3b30",
            fillOpacity=0.95,
            children=dl.Tooltip(row.address),
            className="incident-marker",
        )
    )
    for c in shown:
        colour = STATUS_COLOURS.get(c.team.status, "#ffffff")
        markers.append(
            dl.CircleMarker(
                center=[c.team.lat, c.team.lon],
                radius=8 if c.team.id in on_job else 6,
                color="#ffffff",
                weight=2,
                fillColor=colour,
                fillOpacity=0.95,
                children=dl.Tooltip(f"{c.team.name} · {c.eta_min:.0f}′"),
                className=f"team-marker team-{c.team.id}",
            )
        )
    return markers


def ranking_rows(ranked: list[Candidate], picked: set[str], lang: str, acts: bool) -> list:
    """One line per team, best first; a box to pick the free ones (kept across refreshes)."""
    return [
        html.Label(
            [
                dbc.Checkbox(
                    id={"type": ids.TEAM_PICK, "team": c.team.id},
                    value=c.team.id in picked,
                    disabled=not (acts and c.free),
                    class_name="me-2",
                ),
                _candidate_label(rank, c, lang),
            ],
            className="team-option" + ("" if acts and c.free else " unavailable"),
        )
        for rank, c in enumerate(ranked[:SHOWN_TEAMS], start=1)
    ]


def _candidate_label(rank: int, c: Candidate, lang: str) -> html.Span:
    eta = html.Span(
        f"{c.eta_min:.0f}′",
        className="eta " + ("text-success" if c.meets_target else "text-danger"),
        title=t("incident.eta_routed" if c.routed else "incident.eta_guess", lang),
    )
    notes = []
    if not c.capable:
        notes.append(
            dbc.Badge(t("incident.not_capable", lang), color="secondary", className="ms-1")
        )
    return html.Span(
        [
            html.Span(f"{rank}", className="rank"),
            html.Span(c.team.name, className="name"),
            html.Span(
                t_or(f"team_status.{c.team.status}", c.team.status, lang), className="status"
            ),
            html.Span(f"{c.distance_km:.1f} km", className="distance"),
            eta,
            *notes,
        ],
        className="candidate",
        **{"data-team": c.team.id, "data-eta": f"{c.eta_min:.2f}"},
    )


def ranking_note(ranked: list[Candidate], lang: str) -> str:
    if not ranked:
        return t("incident.no_teams", lang)
    routed = any(c.routed for c in ranked)
    return t("incident.eta_note_routed" if routed else "incident.eta_note", lang)


def dispatched_list(sent: list[view.SentTeam], lang: str, acts: bool) -> html.Div | str:
    if not sent:
        return html.Div(t("incident.none_sent", lang), className="text-secondary small")
    rows = []
    for s in sent:
        status = s.status_here  # what it did on THIS incident, not on a later one
        steps = (
            [
                dbc.Button(
                    t_or(f"team_status.{step}", step, lang),
                    id={"type": ids.TEAM_STATUS, "team": s.team_id, "status": step},
                    size="sm",
                    color="secondary",
                    outline=True,
                    className="me-1",
                )
                for step in DESK_TEAM_STEPS
            ]
            if acts and s.released_at is None and s.now_on == s.incident_id
            else []
        )
        eta = "—" if s.eta_minutes is None else f"{s.eta_minutes:.0f}′"
        rows.append(
            html.Tr(
                [
                    html.Td(s.name),
                    html.Td(team_status_here(status, lang)),
                    html.Td(when(s.dispatched_at, "%H:%M")),
                    html.Td(eta),
                    html.Td(_minutes(s.dispatched_at, s.on_scene_at)),
                    html.Td(steps),
                ],
                **{"data-team": s.team_id, "data-status": status},
            )
        )
    heads = ("team", "status", "sent_at", "eta", "took", "radio")
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(t(f"incident.col.{h}", lang)) for h in heads])),
            html.Tbody(rows),
        ],
        className="table table-sm table-dark mb-0 dispatched-table",
    )


TIMELINE_ICONS = {
    "reported": "bi-telephone-inbound",
    "dispatched": "bi-send",
    "team": "bi-truck",
    "update": "bi-chat-left-text",
    "notified": "bi-megaphone",
    "closed": "bi-check2-circle",
}


def timeline_list(entries: list[view.TimelineRow], names: dict[str, str], lang: str) -> html.Ul:
    items = [_timeline_item(e, names, lang) for e in reversed(entries)]  # newest first
    return html.Ul(items, className="list-unstyled mb-0 timeline")


def _timeline_item(entry: view.TimelineRow, names: dict[str, str], lang: str) -> html.Li:
    kind, status = entry.kind, entry.status
    label = t_or(f"timeline.{kind}", kind, lang)
    text: list = []
    if kind == "dispatched":
        teams = [names.get(team, team) for team in (entry.text or "").split()]
        text.append("、".join(teams) if lang == "zh" else ", ".join(teams))
    elif kind == "team":
        team = entry.team_name or entry.team_id
        text.append(f"{team} → {t_or(f'team_status.{status}', status or '', lang)}")
    elif kind == "notified":  # the projection writes "<channel>: <level>, <level>"
        channel, _, levels = (entry.text or "").partition(": ")
        words = [
            t_or(f"notify.level.{level}", level, lang) for level in levels.split(", ") if level
        ]
        text.append(f"{channel_name(channel, lang)} · {'、'.join(words)}")
        text.append(
            dbc.Badge(
                t_or(f"notify.outcome.{status}", status or "", lang),
                color="danger" if status == "failed" else "success",
                className="ms-2",
            )
        )
    else:
        if kind == "update" and status:
            text.append(
                dbc.Badge(t_or(f"incident_status.{status}", status, lang), className="me-2")
            )
        text.append(entry.text or "")
    photos = [_photo(p) for p in entry.photos]
    return html.Li(
        [
            html.Span(when(entry.occurred_at), className="when"),
            html.I(className=f"bi {TIMELINE_ICONS.get(kind, 'bi-dot')} mx-2"),
            html.Span(label, className="what me-2"),
            html.Span(text, className="text"),
            _who(entry.actor, lang, names) if entry.actor and kind != "notified" else None,
            html.Div(photos, className="photos") if photos else None,
        ],
        className=f"timeline-entry kind-{kind}",
        **{"data-kind": kind, "data-seq": entry.seq},
    )


def _who(actor: str, lang: str, names: dict[str, str]) -> html.Span:
    """A desk user by name; an ingest source as a source, never as a desk user
    (dashboard/actors.py, the same words as the close-out report)."""
    source = " who-source" if actor.startswith(SOURCE_ACTOR_PREFIX) else ""
    return html.Span(f" · {who(actor, lang, names)}", className=f"who{source} text-secondary")


def _photo(reference: str) -> html.A | html.Span:
    """A stored photo as a thumbnail, an allowed https photo as a link; anything else (an event
    logged before references were checked) as plain text, never as a URL the browser fetches."""
    photo = parse_photo(reference, resources().settings.photo_hosts)
    if photo is None:
        return html.Span(reference, className="small text-secondary photo-ref-invalid")
    link = {"href": photo.url, "target": "_blank", "rel": "noopener noreferrer"}
    if photo.kind == "hash":
        return html.A(html.Img(src=photo.url, className="timeline-photo"), **link)
    return html.A(html.I(className="bi bi-image"), **link)


def notification_rows(rows: list[Notification], lang: str) -> html.Div:
    if not rows:
        return html.Div(t("incident.none_notified", lang), className="text-secondary small")
    items = []
    for row in rows:
        failed = row.outcome == "failed"
        levels = "、".join(t_or(f"notify.level.{v}", v, lang) for v in row.levels)
        detail = f" · {row.error}" if failed and row.error else ""
        items.append(
            html.Li(
                [
                    html.Span(when(row.occurred_at), className="when me-2"),
                    html.Span(channel_name(row.channel, lang), className="me-2 fw-semibold"),
                    html.Span(levels, className="me-2"),
                    dbc.Badge(
                        t_or(f"notify.outcome.{row.outcome}", row.outcome, lang),
                        color="danger" if failed else "success",
                    ),
                    html.Span(
                        f" ×{row.attempts}{detail}" if row.attempts else detail,
                        className="small text-secondary",
                    ),
                ],
                className="notification-row" + (" failed" if failed else ""),
                **{"data-outcome": row.outcome, "data-channel": row.channel},
            )
        )
    return html.Ul(items, className="list-unstyled mb-0")
