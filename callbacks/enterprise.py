"""An enterprise's file: its sections drawn from data_access/queries/enterprise_file.py, each
object linked to its page, and the exports. The enterprise id comes from the browser, so every
call reads the file through the viewer's scope again: an id out of reach gets the same message
as an unknown one, and nothing of the file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update

from dashboard import ids
from dashboard.auth import current_scope
from dashboard.complaint_view import category_label
from dashboard.domain.detentions import OPEN_STATUSES as DETENTION_OPEN
from dashboard.domain.enterprises import BLACK, CYLINDER_STATUSES, VEHICLE_WINDOW
from dashboard.enterprise_export import file_to_csv, file_to_xlsx
from dashboard.guard import page_callback
from dashboard.hazard_view import level_badge, status_badges
from dashboard.i18n import current_language, t, t_or
from dashboard.resources import resources
from data_access.queries import accounts
from data_access.queries import enterprise_file as queries

callback = page_callback("enterprise")
SHOWN = 50  # rows of a section on screen; the export holds every row the query read


def _read(enterprise_id: object) -> tuple[queries.EnterpriseFile | None, ZoneInfo]:
    res = resources()
    zone = ZoneInfo(res.settings.time_zone)
    if not isinstance(enterprise_id, str) or not enterprise_id:
        return None, zone
    found = queries.enterprise_file(
        res.engine, current_scope(), enterprise_id[:64], datetime.now(UTC), zone
    )
    return found, zone


@callback(Output(ids.ENT_BODY, "children"), Input(ids.ENT_ID, "data"))
def show_file(enterprise_id: object) -> Any:
    lang = current_language()
    found, zone = _read(enterprise_id)
    if found is None:
        return dbc.Alert(t("ef.not_found", lang), color="warning", className="m-3")
    names = accounts.district_names(resources().engine, lang)
    return file_view(found, names, zone, lang)


@callback(
    Output(ids.ENT_DOWNLOAD, "data"),
    Output(ids.ENT_EXPORT_STATUS, "children"),
    Input(ids.ENT_CSV, "n_clicks"),
    Input(ids.ENT_XLSX, "n_clicks"),
    State(ids.ENT_ID, "data"),
    running=[
        (Output(ids.ENT_CSV, "disabled"), True, False),
        (Output(ids.ENT_XLSX, "disabled"), True, False),
    ],
    prevent_initial_call=True,
)
def export(_csv: object, _xlsx: object, enterprise_id: object) -> Any:
    lang = current_language()
    found, zone = _read(enterprise_id)
    if found is None:
        return no_update, html.Span(t("ef.not_found", lang), className="text-danger")
    names = accounts.district_names(resources().engine, lang)
    excel = ctx.triggered_id == ids.ENT_XLSX
    content = (file_to_xlsx if excel else file_to_csv)(found, names, zone, lang)
    stamp = datetime.now(zone).strftime("%Y%m%d-%H%M%S")
    name = f"enterprise-{found.head.id}-{stamp}.{'xlsx' if excel else 'csv'}"
    return dcc.send_bytes(content, name), html.Span(
        t("ef.exported", lang), className="text-success"
    )


# --- the view ------------------------------------------------------------------------------------


def file_view(
    found: queries.EnterpriseFile, names: dict[str, str], zone: ZoneInfo, lang: str
) -> html.Div:
    return html.Div(
        [
            header(found, names, lang),
            overview(found, lang),
            html.Div(
                [
                    section("workers", t("ef.section.workers", lang), workers(found, lang)),
                    section("sites", t("ef.section.sites", lang), sites(found, names, lang)),
                    section("cylinders", t("ef.section.cylinders", lang), cylinders(found, lang)),
                    section("hazards", t("ef.section.hazards", lang),
                            hazards(found, zone, lang)),
                    section("findings", t("ef.section.findings", lang),
                            findings(found, zone, lang)),
                    section("detentions", t("ef.section.detentions", lang),
                            detentions(found, zone, lang)),
                    section("complaints", t("ef.section.complaints", lang),
                            complaints(found, zone, lang)),
                    section("points", t("ef.section.points", lang).format(year=found.year),
                            points(found, lang)),
                    section("violations",
                            t("ef.section.violations", lang).format(year=found.year),
                            violations(found, zone, lang)),
                    section("inspections", t("ef.section.inspections", lang),
                            inspections(found, zone, lang)),
                    section("vehicles", t("ef.section.vehicles", lang),
                            vehicles(found, zone, lang)),
                ],
                className="ef-grid",
            ),
        ],
        **{"data-enterprise": found.head.id},
    )  # fmt: skip


def section(name: str, title: str, body: Any) -> dbc.Card:
    return dbc.Card(
        [dbc.CardHeader(title, className="ef-card-title"), dbc.CardBody(body)],
        id=f"{ids.ENT_SECTION}-{name}",
        className="ef-card",
    )


def _when(moment: datetime | None, zone: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(zone).strftime(fmt) if moment else "—"


def _table(header: Sequence[str], rows: list[html.Tr], lang: str, total: int | None = None) -> Any:
    if not rows:
        return html.Div(t("ef.none", lang), className="text-secondary small")
    table = html.Table(
        [html.Thead(html.Tr([html.Th(text) for text in header])), html.Tbody(rows[:SHOWN])],
        className="table table-sm table-hover align-middle ef-table mb-0",
    )
    whole = max(total or 0, len(rows))
    more = (
        [html.Div(t("ef.more", lang).format(shown=SHOWN, n=whole), className="ef-note mt-1")]
        if whole > SHOWN
        else []
    )
    return html.Div([html.Div(table, className="table-responsive"), *more])


def _suspended(lang: str) -> html.Span:
    return html.Span(t("ef.suspended", lang), className="ef-suspended")


def header(found: queries.EnterpriseFile, names: dict[str, str], lang: str) -> html.Div:
    head = found.head
    own = found.enterprise_points
    return html.Div(
        [
            html.H1(head.name, className="ef-name me-3"),
            html.Span(t(f"enterprise_kind.{head.kind}", lang), className="ef-kind me-2"),
            html.Span(names.get(head.district, head.district), className="ef-fact me-2"),
            html.Span(
                f"{t('ef.licence', lang)} {head.licence_no}"
                if head.licence_no
                else t("ef.no_licence", lang),
                className="ef-fact me-2",
            ),
            html.Span(head.id, className="ef-fact ef-id me-2"),
            *([_suspended(lang)] if own.suspended else []),
        ],
        className="ef-header d-flex flex-wrap align-items-center my-2",
        **{"data-suspended": str(own.suspended).lower()},
    )


def overview(found: queries.EnterpriseFile, lang: str) -> html.Div:
    registered = sum(found.cylinders[key] for key in CYLINDER_STATUSES)
    by_status = found.detentions_by_status
    open_detentions = sum(by_status.get(status, 0) for status in DETENTION_OPEN)
    tiles = [
        ("sites", "ef.kpi.sites", len(found.sites), False),
        ("workers", "ef.kpi.workers", len(found.workers), False),
        ("flagged", "ef.kpi.flagged", found.flagged_workers, True),
        ("cylinders", "ef.kpi.cylinders", registered, False),
        ("hazards", "ef.kpi.hazards", found.totals.get("hazards", len(found.hazards)), True),
        ("overdue", "ef.kpi.overdue", found.overdue_hazards, True),
        ("detained", "ef.kpi.detained", open_detentions, True),
        ("complaints", "ef.kpi.complaints", found.complaints.open, True),
        ("points", "ef.kpi.points", found.enterprise_points.points, True),
    ]
    return html.Div(
        [
            html.Div(
                [html.Div(f"{value:,}", className="ef-kpi-value"),
                 html.Div(t(key, lang), className="ef-kpi-label")],
                className="ef-kpi" + (" ef-kpi-warn" if warn and value else ""),
                **{"data-kpi": name, "data-value": str(value)},
            )
            for name, key, value, warn in tiles
        ],
        id=f"{ids.ENT_SECTION}-overview",
        className="ef-kpis",
    )  # fmt: skip


def _points_cell(points: int, suspended: bool, lang: str) -> html.Td:
    return html.Td(
        [str(points) if points else "·", *([" ", _suspended(lang)] if suspended else [])],
        className="text-nowrap",
    )


def _target_link(target_type: str, target_id: str, text: str) -> dcc.Link:
    query = urlencode({"target": f"{target_type}:{target_id}"})
    return dcc.Link(text, href=f"/inspections?{query}")


def sites(found: queries.EnterpriseFile, names: dict[str, str], lang: str) -> Any:
    header = [t(k, lang) for k in ("ef.col.kind", "ef.col.name", "ef.col.district", "ef.col.grid",
                                   "ef.col.points")]  # fmt: skip
    rows = [
        html.Tr(
            [
                html.Td(t_or(f"site.{s.kind}", s.kind, lang), className="text-nowrap"),
                html.Td(_target_link("site", s.id, s.name)),
                html.Td(names.get(s.district, s.district), className="text-nowrap"),
                html.Td(s.grid_cell or "—", className="text-nowrap ef-note"),
                _points_cell(s.points, s.suspended, lang),
            ],
            **{"data-site": s.id, "data-suspended": str(s.suspended).lower()},
        )
        for s in found.sites
    ]
    return _table(header, rows, lang)


def vehicles(found: queries.EnterpriseFile, zone: ZoneInfo, lang: str) -> Any:
    note = html.Div(
        t("ef.vehicles_note", lang).format(days=VEHICLE_WINDOW.days), className="ef-note mb-1"
    )
    header = [t(k, lang) for k in ("ef.col.vehicle", "ef.col.scans", "ef.col.last_seen")]
    rows = [
        html.Tr(
            [html.Td(v.vehicle_id), html.Td(f"{v.scans:,}"), html.Td(_when(v.last_seen, zone))],
            **{"data-vehicle": v.vehicle_id},
        )
        for v in found.vehicles
    ]
    return [note, _table(header, rows, lang)]


def workers(found: queries.EnterpriseFile, lang: str) -> Any:
    header = [t(k, lang) for k in ("ef.col.name", "ef.col.role", "ef.col.certificate",
                                   "ef.col.expires", "ef.col.state", "ef.col.points")]  # fmt: skip
    rows = [
        html.Tr(
            [
                html.Td(w.name),
                html.Td(t_or(f"worker_role.{w.role}", w.role, lang), className="text-nowrap"),
                html.Td(w.certificate_no or "—", className="text-nowrap ef-note"),
                html.Td(
                    w.certificate_expires.isoformat() if w.certificate_expires else "—",
                    className="text-nowrap",
                ),
                html.Td(
                    html.Span(
                        t(f"ef.cert.{w.certificate}", lang), className=f"ef-cert-{w.certificate}"
                    )
                ),
                _points_cell(w.points, w.suspended, lang),
            ],
            className="ef-flagged" if w.flagged else "",
            **{
                "data-worker": w.id,
                "data-certificate": w.certificate,
                "data-suspended": str(w.suspended).lower(),
            },
        )
        for w in found.workers
    ]
    return _table(header, rows, lang)


def _cylinder_link(code: str) -> dcc.Link:
    return dcc.Link(code, href=f"/cylinder/{quote(code, safe='')}", className="ef-code")


def cylinders(found: queries.EnterpriseFile, lang: str) -> Any:
    chips = [
        html.Span(
            [t(f"ef.cyl.{key}", lang), html.B(f"{found.cylinders[key]:,}", className="ms-1")],
            className=f"ef-chip ef-cyl-{key}",
            **{"data-status": key, "data-count": str(found.cylinders[key])},
        )
        for key in (*CYLINDER_STATUSES, BLACK)
    ]
    black = (
        [
            html.Div(t("ef.black_at_sites", lang), className="ef-note mt-2"),
            html.Div([_cylinder_link(code) for code in found.black_codes], className="ef-codes"),
        ]
        if found.black_codes
        else []
    )
    return [html.Div(chips, className="ef-chips"), *black]


def hazards(found: queries.EnterpriseFile, zone: ZoneInfo, lang: str) -> Any:
    header = [t(k, lang) for k in ("ef.col.number", "ef.col.category", "ef.col.level",
                                   "ef.col.status", "ef.col.due")]  # fmt: skip
    rows = [
        html.Tr(
            [
                html.Td(
                    dcc.Link(z.number or z.id, href=f"/hazard/{quote(z.id, safe='')}"),
                    className="text-nowrap",
                ),
                html.Td(z.category),
                html.Td(level_badge(z.level, lang)),
                html.Td(status_badges(z.status, z.escalation, lang), className="text-nowrap"),
                html.Td(_when(z.due_at, zone, "%Y-%m-%d"), className="text-nowrap"),
            ],
            className="ef-overdue" if z.overdue else "",
            **{"data-hazard": z.id, "data-overdue": str(z.overdue).lower()},
        )
        for z in found.hazards
    ]
    return _table(header, rows, lang, found.totals.get("hazards"))


def findings(found: queries.EnterpriseFile, zone: ZoneInfo, lang: str) -> Any:
    chips = [
        html.Span(
            [t_or(f"finding.{kind}", kind, lang), html.B(f"{n:,}", className="ms-1")],
            className="ef-chip",
            **{"data-kind": kind, "data-count": str(n)},
        )
        for kind, n in found.findings_by_kind.items()
    ]
    header = [t(k, lang) for k in ("ef.col.code", "ef.col.finding", "ef.col.when")]
    rows = [
        html.Tr(
            [
                html.Td(_cylinder_link(f.code)),
                html.Td(t_or(f"finding.{f.kind}", f.kind, lang)),
                html.Td(_when(f.occurred_at, zone), className="text-nowrap"),
            ],
            **{"data-finding": str(f.id)},
        )
        for f in found.findings
    ]
    return [html.Div(chips, className="ef-chips mb-2"),
            _table(header, rows, lang, found.totals.get("findings"))]  # fmt: skip


def detentions(found: queries.EnterpriseFile, zone: ZoneInfo, lang: str) -> Any:
    chips = [
        html.Span(
            [t_or(f"dt_status.{status}", status, lang), html.B(f"{n:,}", className="ms-1")],
            className="ef-chip",
            **{"data-status": status, "data-count": str(n)},
        )
        for status, n in found.detentions_by_status.items()
    ]
    if found.late_detentions:
        chips.append(
            html.Span(t("ef.dt_late", lang).format(n=found.late_detentions),
                      className="ef-chip ef-chip-late", **{"data-late": str(found.late_detentions)})
        )  # fmt: skip
    queue = dcc.Link(
        t("ef.dt_queue", lang),
        href=f"/detentions?{urlencode({'enterprise': found.head.id})}",
        className="small",
    )
    header = [t(k, lang) for k in ("ef.col.code", "ef.col.status", "ef.col.reason",
                                   "ef.col.recall_by")]  # fmt: skip
    rows = [
        html.Tr(
            [
                html.Td(_cylinder_link(d.code)),
                html.Td(
                    [
                        t_or(f"dt_status.{d.status}", d.status, lang),
                        *(
                            [" ", html.Span(t("ef.late", lang), className="ef-late")]
                            if d.late
                            else []
                        ),
                    ],
                    className="text-nowrap",
                ),
                html.Td(d.reason, className="ef-reason"),
                html.Td(d.recall_by.isoformat(), className="text-nowrap"),
            ],
            **{"data-detention": d.id, "data-late": str(d.late).lower()},
        )
        for d in found.detentions
    ]
    return [html.Div([*chips, queue], className="ef-chips mb-2"), _table(header, rows, lang)]


def complaints(found: queries.EnterpriseFile, zone: ZoneInfo, lang: str) -> Any:
    summary = found.complaints
    timeliness = f"{summary.timeliness:.0%}" if summary.timeliness is not None else "—"
    satisfaction = f"{summary.satisfaction:.1f} / 5" if summary.satisfaction is not None else "—"
    facts = [
        ("open", t("ef.cp.open", lang), str(summary.open)),
        ("late", t("ef.cp.late", lang), str(summary.late)),
        ("timeliness", t("ef.cp.timeliness", lang), timeliness),
        ("satisfaction", t("ef.cp.satisfaction", lang), satisfaction),
    ]
    chips = [
        html.Span([label, html.B(value, className="ms-1")], className="ef-chip",
                  **{"data-fact": name, "data-value": value})
        for name, label, value in facts
    ]  # fmt: skip
    chips.append(
        html.Span(t("ef.cp.closed", lang).format(n=summary.closed_this_year), className="ef-note")
    )
    header = [t(k, lang) for k in ("ef.col.complaint", "ef.col.category", "ef.col.status",
                                   "ef.col.received", "ef.col.due")]  # fmt: skip
    rows = [
        html.Tr(
            [
                html.Td(dcc.Link(c.id, href=f"/complaint/{quote(c.id, safe='')}")),
                html.Td(category_label(c.category, lang)),
                html.Td(t_or(f"ef.cp_status.{c.status}", c.status, lang)),
                html.Td(_when(c.received_at, zone), className="text-nowrap"),
                html.Td(
                    [
                        _when(c.due_at, zone),
                        *(
                            [" ", html.Span(t("ef.late", lang), className="ef-late")]
                            if c.late
                            else []
                        ),
                    ],
                    className="text-nowrap",
                ),
            ],
            **{"data-complaint": c.id, "data-late": str(c.late).lower()},
        )
        for c in summary.rows
    ]
    return [html.Div(chips, className="ef-chips mb-2"), _table(header, rows, lang)]


def points(found: queries.EnterpriseFile, lang: str) -> Any:
    header = [t(k, lang) for k in ("ef.col.subject", "ef.col.name", "ef.col.points",
                                   "ef.col.violations")]  # fmt: skip
    rows = [
        html.Tr(
            [
                html.Td(t(f"ef.subject.{p.subject_type}", lang), className="text-nowrap"),
                html.Td(p.name),
                _points_cell(p.points, p.suspended, lang),
                html.Td(str(p.violations)),
            ],
            className="ef-suspended-row" if p.suspended else "",
            **{
                "data-subject": f"{p.subject_type}:{p.subject_id}",
                "data-points": str(p.points),
                "data-suspended": str(p.suspended).lower(),
            },
        )
        for p in found.points
    ]
    return [html.Div(t("ef.points_rule", lang), className="ef-note mb-1"),
            _table(header, rows, lang)]  # fmt: skip


def violations(found: queries.EnterpriseFile, zone: ZoneInfo, lang: str) -> Any:
    header = [t(k, lang) for k in ("ef.col.when", "ef.col.subject", "ef.col.rule",
                                   "ef.col.points")]  # fmt: skip
    rows = [
        html.Tr(
            [
                html.Td(_when(v.occurred_at, zone, "%Y-%m-%d"), className="text-nowrap"),
                html.Td(
                    [
                        html.Div(t(f"ef.subject.{v.subject_type}", lang), className="ef-note"),
                        v.subject_name,
                    ]
                ),
                html.Td(v.rule),
                html.Td(str(v.points)),
            ],
            **{"data-violation": v.id},
        )
        for v in found.violations
    ]
    return _table(header, rows, lang)


def inspections(found: queries.EnterpriseFile, zone: ZoneInfo, lang: str) -> Any:
    passed, failed = found.inspections_this_year
    facts = html.Div(
        [
            html.Span(t("ef.in_year", lang).format(passed=passed, failed=failed),
                      className="ef-note me-2",
                      **{"data-passed": str(passed), "data-failed": str(failed)}),
            _target_link("enterprise", found.head.id, t("ef.all_inspections", lang)),
        ],
        className="mb-2",
    )  # fmt: skip
    header = [t(k, lang) for k in ("ef.col.when", "ef.col.inspection", "ef.col.target",
                                   "ef.col.result")]  # fmt: skip
    rows = [
        html.Tr(
            [
                html.Td(_when(i.occurred_at, zone), className="text-nowrap"),
                html.Td(t_or(f"inspection_kind.{i.kind}", i.kind, lang), className="text-nowrap"),
                html.Td(_target_link(i.target_type, i.target_id, i.target_name)),
                html.Td(
                    html.Span(
                        t("ef.passed" if i.passed else "ef.failed", lang),
                        className="ef-pass" if i.passed else "ef-fail",
                    )
                ),
            ],
            **{"data-inspection": i.id, "data-passed": str(i.passed).lower()},
        )
        for i in found.inspections
    ]
    return [facts, _table(header, rows, lang)]
