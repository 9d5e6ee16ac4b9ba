"""The One Map's detail panel: click anything on the map (cylinder, hazard, incident, team, site,
emergency resource, pipeline segment, sensor, excavation), read its story.

Features say what they are in `properties.ref` (or, for the live layer, their id), "kind:id".
Each detail query checks the user's scope itself, so a crafted click shows nothing foreign.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, get_args
from urllib.parse import quote

from dash import Input, Output, ctx, dcc, html, no_update

from dashboard import ids
from dashboard.auth import current_user
from dashboard.components import local_time
from dashboard.domain.events import CylinderScanned
from dashboard.domain.periods import Periods, city_periods
from dashboard.domain.policy import page_roles
from dashboard.guard import page_callback
from dashboard.hazard_view import history_note
from dashboard.i18n import current_language, t, t_or
from dashboard.resources import resources
from data_access.queries import map_details
from data_access.queries.incident_view import TimelineRow
from data_access.queries.map_details import NearDig

callback = page_callback("one_map")

CLICKABLE = (
    ids.MAP_LIVE,
    ids.MAP_HAZARDS,
    ids.MAP_ANOMALIES,
    ids.MAP_SITES,
    ids.MAP_RESOURCES,
    ids.MAP_PIPELINES,
    ids.MAP_SENSORS,
    ids.MAP_EXCAVATIONS,
)


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
    body = None if render is None else render(user.scope, key, lang)
    if body is None:  # unknown, or outside the scope: the panel stays as it is
        return no_update, no_update
    return True, body


def _when(moment: datetime | None) -> str:
    return local_time(moment, resources().settings.time_zone)


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
        [_when(s.occurred_at), _label("stage", s.stage, lang), _named(s.site_id, chain.names)]
        for s in chain.scans
    ]
    return html.Div(
        [
            html.H5(f"{t('detail.cylinder', lang)} · {code}"),
            html.Div(t("detail.black", lang), className="badge bg-danger mb-2")
            if chain.is_black
            else None,
            _facts(
                [
                    ("detail.enterprise", _named(chain.enterprise_id, chain.names)),
                    ("detail.stage", _label("stage", chain.stage, lang)),
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
        [
            _when(h.occurred_at),
            _label("hazard_status", h.status, lang),
            _actor(h.actor, hazard.names, lang),
            history_note(h.status, h.note, lang),
        ]
        for h in hazard.history
    ]
    headers = ["detail.time", "detail.status", "detail.actor", "detail.event"]
    return html.Div(
        [
            html.H5(f"{t('detail.hazard', lang)} · {hazard_id}"),
            *_hazard_page_link(hazard_id, lang),
            _facts(
                [
                    ("detail.category", hazard.category),
                    ("detail.level", _label("hazard_level", hazard.level, lang)),
                    ("detail.status", _label("hazard_status", hazard.status, lang)),
                    ("detail.reported", _when(hazard.reported_at)),
                    ("detail.due", _when(hazard.due_at)),
                ],
                lang,
            ),
            html.P(hazard.description, className="small"),
            _table([t(h, lang) for h in headers], rows),
        ],
        **{"data-detail": "hazard"},
    )


def _hazard_page_link(hazard_id: str, lang: str) -> list[dcc.Link]:
    """To the hazard's own page, for those who may open it (not the wall's account)."""
    user = current_user()
    if user is None or user.role.value not in page_roles("hazard"):
        return []
    return [
        dcc.Link(
            [html.I(className="bi bi-box-arrow-up-right me-1"), t("hz.open_page", lang)],
            href=f"/hazard/{quote(hazard_id, safe='')}",
            className="small d-block mb-2",
        )
    ]


def _inspection_history_link(site_id: str, lang: str) -> list[dcc.Link]:
    """To the site's inspection history on /inspections, for those who may open it."""
    user = current_user()
    if user is None or user.role.value not in page_roles("inspections"):
        return []
    return [
        dcc.Link(
            [html.I(className="bi bi-clipboard-data me-1"), t("insp.history.map_link", lang)],
            href=f"/inspections?target={quote('site:' + site_id, safe='')}",
            className="small d-block mt-1",
        )
    ]


def incident_detail(scope, incident_id: str, lang: str) -> html.Div:
    incident = map_details.incident_timeline(resources().engine, scope, incident_id)
    if incident is None:
        return _nothing(lang)
    rows = [
        [_when(e.occurred_at), t_or(f"timeline.{e.kind}", e.kind, lang), _note(e, lang)]
        for e in incident.timeline
    ]
    return html.Div(
        [
            html.H5(f"{t('detail.incident', lang)} · {incident_id}"),
            _facts(
                [
                    ("detail.kind", _incident_kind(incident.kind, lang)),
                    ("detail.status", _status(incident.status, lang)),
                    ("detail.address", incident.address),
                    ("detail.reported", _when(incident.reported_at)),
                ],
                lang,
            ),
            _table([t("detail.time", lang), t("detail.event", lang), ""], rows),
            html.A(
                [t("detail.open_incident", lang), " →"],
                href=f"/incident/{quote(incident_id, safe='')}",
                className="btn btn-sm btn-outline-info mt-2",
            ),
        ],
        **{"data-detail": "incident"},
    )


def _named(code: str | None, names: dict[str, str]) -> str | None:
    """An enterprise's, site's or worker's name for its id (the id if the registry has none)."""
    return None if code is None else names.get(code, code)


def _actor(code: str, names: dict[str, str], lang: str) -> str:
    """Who did it: a person's or an organisation's name, else the source in words (`system`,
    `field-app`, `user:simulators`), else the code itself (an inspector's id)."""
    if code in names:
        return names[code]
    return t_or(f"source.{code.removeprefix(map_details.USER_PREFIX)}", code, lang)


def _words(prefix: str, codes: list[str] | None, lang: str) -> str:
    """A list of codes in words, joined the way the language joins them."""
    joiner = "、" if lang == "zh" else ", "
    return joiner.join(t_or(f"{prefix}.{code}", code, lang) for code in codes or [])


def _incident_kind(kind: str, lang: str) -> str:
    return t_or(f"incident_kind.{kind}", kind, lang)


def _status(status: str, lang: str) -> str:
    """An incident's or a team's status in words (the two share most of their steps)."""
    return t_or(f"incident_status.{status}", t_or(f"team_status.{status}", status, lang), lang)


def _note(entry: TimelineRow, lang: str) -> str:
    """The telling parts of a timeline entry (status, team, text), briefly."""
    status = _status(entry.status, lang) if entry.status else None
    parts = (status, entry.team_name, (entry.text or "")[:80] or None)
    return " · ".join(part for part in parts if part)


def team_detail(scope, team_id: str, lang: str) -> html.Div:
    team = map_details.team_detail(resources().engine, scope, team_id)
    if team is None:
        return _nothing(lang)
    return html.Div(
        [
            html.H5(f"{t('detail.team', lang)} · {team.name}"),
            _facts(
                [
                    ("detail.status", _label("team_status", team.status, lang)),
                    ("detail.members", team.members),
                    ("detail.capabilities", _words("capability", team.capabilities, lang)),
                    ("detail.current_incident", team.incident_id),
                    ("detail.level", _label("team_level", team.level, lang)),
                ],
                lang,
            ),
        ],
        **{"data-detail": "team"},
    )


# --- findings: the rules' sentences in the user's words ----------------------------------

# The projections word a finding's particulars in English (data_access/projections/cylinders.py
# and excavations.py); each of their sentences, and the text that says it in either language.
FINDING_SENTENCES = (
    (re.compile(r"cylinder \S+ is not registered"), "unregistered"),
    (re.compile(r"filled past its scrap date (?P<date>\S+)"), "scrap_date"),
    (re.compile(r"filled past its inspection due date (?P<date>\S+)"), "inspection_due"),
    (re.compile(r"stage (?P<stage>\w+) after (?P<before>\w+)"), "stage_order"),
    (re.compile(r"delivered without a preceding sale.*"), "no_sale"),
    (
        re.compile(r"sold to (?P<customer>\S+), who is not a real-name-verified customer"),
        "not_real_name",
    ),
    (re.compile(r"delivered to (?P<customer>\S+) but sold to (?P<buyer>\S+)"), "other_customer"),
    (re.compile(r"(?P<stage>\w+) of a detained cylinder \(在线扣瓶\)"), "detained_use"),
    (
        re.compile(
            r"dig of radius (?P<radius>[\d.]+) m by (?P<contractor>.+) is (?P<distance>\d+) m "
            r"from (?P<pressure>\w+)-pressure pipeline (?P<segment>\S+) of (?P<owner>\S+), "
            r"without a signed protection agreement"
        ),
        "dig",
    ),
)


def finding_text(detail: str, lang: str) -> str:
    """A finding's particulars in `lang`: stages and pressures in words, an owner by name.
    A sentence no rule writes (yet) is shown as it is rather than lost."""
    for pattern, key in FINDING_SENTENCES:
        match = pattern.fullmatch(detail)
        if match is None:
            continue
        params = match.groupdict()
        for name in ("stage", "before"):
            if name in params:
                params[name] = t_or(f"stage.{params[name]}", params[name], lang)
        if "pressure" in params:
            words = t_or(f"legend.pipe.{params['pressure']}", params["pressure"], lang)
            params["pressure"] = words if lang == "zh" else words.lower()
        if "owner" in params:
            names = map_details.display_names(resources().engine, [params["owner"]])
            params["owner"] = names.get(params["owner"], params["owner"])
        return t(f"finding.why.{key}", lang).format(**params)
    return detail


# --- the registry's objects: sites, resources, pipelines, sensors, digs ---------------------


def _periods() -> Periods:
    return city_periods(datetime.now(UTC), resources().settings.time_zone)


def _district(row: Any, lang: str) -> str:
    """The district's name in `lang`, or its code when the registry has no name for it (a
    detail row with `district`, `district_zh` and `district_en`)."""
    return (row.district_zh if lang == "zh" else row.district_en) or row.district or "—"


def _section(title_key: str, content: Any, empty_key: str, lang: str) -> list:
    """A titled list in a detail; a quiet line instead when it has no rows."""
    body = content if content else html.Div(t(empty_key, lang), className="text-secondary small")
    return [html.H6(t(title_key, lang), className="mt-3 mb-1"), body]


def _label(prefix: str, code: str | None, lang: str) -> str | None:
    return None if code is None else t_or(f"{prefix}.{code}", code, lang)


# A cylinder's stages in the order of its chain, so a site's counts read like the chain does.
STAGES = get_args(CylinderScanned.model_fields["stage"].annotation)


def _chain_position(item: tuple[str, int]) -> int:
    return STAGES.index(item[0]) if item[0] in STAGES else len(STAGES)


def site_detail(scope, site_id: str, lang: str) -> html.Div | None:
    site = map_details.site_detail(resources().engine, scope, site_id, _periods().day_start)
    if site is None:
        return None
    scans = [
        [_label("stage", stage, lang), f"{count:,}"]
        for stage, count in sorted(site.scans_today.items(), key=_chain_position)
    ]
    hazards = [
        [
            h.id,
            h.category,
            _label("hazard_level", h.level, lang),
            _label("hazard_status", h.status, lang),
            _when(h.due_at),
        ]
        for h in site.open_hazards
    ]
    hazard_headers = ["detail.id", "detail.category", "detail.level", "detail.status", "detail.due"]
    last = site.last_inspection
    inspection = (
        _facts(
            [
                ("detail.time", _when(last.occurred_at)),
                ("detail.kind", _label("inspection_kind", last.kind, lang)),
                ("detail.status", t("detail.passed" if last.passed else "detail.failed", lang)),
                ("detail.inspector", last.inspector or last.inspector_id),
            ],
            lang,
        )
        if last
        else None
    )
    return html.Div(
        [
            html.H5(f"{t('detail.site_title', lang)} · {site.name}"),
            _facts(
                [
                    ("detail.kind", _label("site", site.kind, lang)),
                    ("detail.enterprise", site.enterprise),
                    ("detail.licence", site.licence_no),
                    ("detail.district", _district(site, lang)),
                ],
                lang,
            ),
            *_section(
                "detail.scans_today",
                _table([t("detail.stage", lang), t("detail.count", lang)], scans)
                if scans
                else None,
                "detail.no_scans_today",
                lang,
            ),
            *_section(
                "detail.open_hazards",
                _table([t(h, lang) for h in hazard_headers], hazards) if hazards else None,
                "detail.no_open_hazards",
                lang,
            ),
            *_section("detail.last_inspection", inspection, "detail.never_inspected", lang),
            *_inspection_history_link(site_id, lang),
        ],
        **{"data-detail": "site"},
    )


def resource_detail(scope, resource_id: str, lang: str) -> html.Div | None:
    resource = map_details.resource_detail(resources().engine, scope, resource_id)
    if resource is None:
        return None
    status = resource.team_status or ("available" if resource.team_id else None)
    return html.Div(
        [
            html.H5(f"{t('detail.resource', lang)} · {resource.name}"),
            _facts(
                [
                    ("detail.kind", _label("legend", resource.kind, lang)),
                    ("detail.name", resource.name),
                    ("detail.team_name", resource.team),
                    ("detail.team_status", _label("team_status", status, lang)),
                    ("detail.skills", _words("skill", resource.skills, lang)),
                    ("detail.district", _district(resource, lang)),
                ],
                lang,
            ),
        ],
        **{"data-detail": "resource"},
    )


def pipeline_detail(scope, segment_id: str, lang: str) -> html.Div | None:
    segment = map_details.pipeline_detail(resources().engine, scope, segment_id, _periods().today)
    if segment is None:
        return None
    sensors = [
        [s.id, _label("sensor_kind", s.kind, lang), t(f"legend.sensor.{s.state}", lang)]
        for s in segment.sensors
    ]
    digs = [
        [d.id, d.contractor, f"{d.radius_m:.0f} m", _agreement(d, lang)]
        for d in segment.excavations
    ]
    return html.Div(
        [
            html.H5(f"{t('detail.pipeline', lang)} · {segment_id}"),
            _facts(
                [
                    ("detail.pressure", _label("legend.pipe", segment.pressure_class, lang)),
                    ("detail.material", _label("material", segment.material, lang)),
                    ("detail.laid_year", segment.laid_year),
                    ("detail.length", f"{segment.length_m:,.0f} m"),
                    ("detail.owner", segment.enterprise),
                    ("detail.district", _district(segment, lang)),
                ],
                lang,
            ),
            *_section(
                "detail.sensors_on",
                _table([t(h, lang) for h in ("detail.id", "detail.kind", "detail.status")], sensors)
                if sensors
                else None,
                "detail.no_sensors",
                lang,
            ),
            *_section(
                "detail.near_excavations",
                _table(
                    [
                        t(h, lang)
                        for h in (
                            "detail.permit",
                            "detail.contractor",
                            "detail.radius",
                            "detail.agreement",
                        )
                    ],
                    digs,
                )
                if digs
                else None,
                "detail.no_excavations",
                lang,
            ),
        ],
        **{"data-detail": "pipeline"},
    )


def _agreement(dig: NearDig | map_details.ExcavationDetail, lang: str) -> str:
    return t(
        "legend.excavation.signed" if dig.agreement_signed else "legend.excavation.unsigned",
        lang,
    )


def sensor_detail(scope, sensor_id: str, lang: str) -> html.Div | None:
    sensor = map_details.sensor_detail(resources().engine, scope, sensor_id)
    if sensor is None:
        return None
    place = (
        f"{t('detail.site', lang)} · {sensor.site or sensor.site_id}"
        if sensor.site_id
        else f"{t('detail.segment', lang)} · {sensor.segment_id}"
        if sensor.segment_id
        else None
    )
    readings = [[_when(r.occurred_at), r.value] for r in sensor.readings]
    alarms = [
        [
            _when(a.raised_at),
            _label("alarm_kind", a.kind, lang),
            _label("alarm", a.level, lang),
            a.value,
            _label("alarm_status", a.status, lang),
        ]
        for a in sensor.alarms
    ]
    alarm_headers = ["detail.time", "detail.kind", "detail.level", "detail.value", "detail.status"]
    return html.Div(
        [
            html.H5(f"{t('detail.sensor', lang)} · {sensor_id}"),
            _facts(
                [
                    ("detail.kind", _label("sensor_kind", sensor.kind, lang)),
                    ("detail.status", t(f"legend.sensor.{sensor.state}", lang)),
                    ("detail.low", sensor.low),
                    ("detail.high", sensor.high),
                    ("detail.installed_at", place),
                    ("detail.district", _district(sensor, lang)),
                ],
                lang,
            ),
            *_section(
                "detail.readings",
                _table([t("detail.time", lang), t("detail.value", lang)], readings)
                if readings
                else None,
                "detail.no_readings",
                lang,
            ),
            *_section(
                "detail.alarms",
                _table([t(h, lang) for h in alarm_headers], alarms) if alarms else None,
                "detail.no_alarms",
                lang,
            ),
        ],
        **{"data-detail": "sensor"},
    )


def excavation_detail(scope, permit_id: str, lang: str) -> html.Div | None:
    dig = map_details.excavation_detail(resources().engine, scope, permit_id)
    if dig is None:
        return None
    finding = dig.finding
    state = t(
        "detail.finding_resolved" if finding and finding.resolved else "detail.finding_open",
        lang,
    )
    segments = [
        [
            s.id,
            _label("legend.pipe", s.pressure_class, lang),
            s.enterprise,
            f"{s.distance_m:.0f} m",
        ]
        for s in dig.segments
    ]
    segment_headers = ["detail.segment", "detail.pressure", "detail.owner", "detail.distance"]
    return html.Div(
        [
            html.H5(f"{t('detail.excavation', lang)} · {permit_id}"),
            _facts(
                [
                    ("detail.permit", permit_id),
                    ("detail.contractor", dig.contractor),
                    ("detail.starts", dig.starts_on),
                    ("detail.ends", dig.ends_on),
                    ("detail.radius", f"{dig.radius_m:.0f} m"),
                    ("detail.district", _district(dig, lang)),
                    ("detail.agreement", _agreement(dig, lang)),
                    (
                        "detail.finding",
                        f"{state} · {finding_text(finding.detail, lang)}"
                        if finding
                        else t("detail.no_finding", lang),
                    ),
                ],
                lang,
            ),
            *_section(
                "detail.near_segments",
                _table([t(h, lang) for h in segment_headers], segments) if segments else None,
                "detail.no_segments",
                lang,
            ),
        ],
        **{"data-detail": "excavation"},
    )


RENDERERS = {
    "cylinder": cylinder_detail,
    "hazard": hazard_detail,
    "incident": incident_detail,
    "team": team_detail,
    "site": site_detail,
    "resource": resource_detail,
    "pipeline": pipeline_detail,
    "sensor": sensor_detail,
    "excavation": excavation_detail,
}
