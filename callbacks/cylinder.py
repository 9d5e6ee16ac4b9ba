"""A cylinder's trace (pages/cylinder.py): its cards drawn from the code, within the user's scope
(a code outside it draws nothing, as an unknown one); and the cylinder search box of the
navigation bar (dashboard/components.py `cylinder_search`), which opens /cylinder/<code> for a
code or a scanned QR link and says so in the user's language when the input holds no code."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from callbacks.one_map_detail import finding_text
from dashboard import ids
from dashboard.auth import current_scope, current_user
from dashboard.domain.cylinders import SAFETY_PHOTOS, code_from_scan, is_code
from dashboard.domain.photos import parse_photo
from dashboard.domain.policy import Action, allowed
from dashboard.guard import page_callback
from dashboard.i18n import current_language, t
from dashboard.photo_store import stored_photo
from dashboard.resources import resources
from data_access.queries import accounts
from data_access.queries.cylinder_trace import (
    CylinderTrace,
    Detention,
    Registry,
    SafetyCheckRow,
    TraceFinding,
    TraceScan,
    cylinder_trace,
)
from pages.cylinder import STAGE_COLORS, trace_map

callback = page_callback("cylinder")


@callback(
    Output(ids.CYL_BODY, "children"),
    Input(ids.CYL_CODE, "data"),
)
def show_trace(code: object) -> Any:
    lang, res, user = current_language(), resources(), current_user()
    if user is None or not isinstance(code, str) or not is_code(code):
        raise PreventUpdate
    zone = ZoneInfo(res.settings.time_zone)
    found = cylinder_trace(res.engine, current_scope(), code, datetime.now(zone).date())
    if found is None:
        return dbc.Alert(t("ct.not_found", lang), color="warning")
    districts = accounts.district_names(res.engine, lang)
    detain = allowed(user, Action.DETAIN_CYLINDER) and not found.detained
    return html.Div(
        [
            header(found, detain, lang),
            dbc.Row(
                [
                    dbc.Col(registry_card(found, districts, zone, lang), lg=4),
                    dbc.Col(trace_map(found, lang), lg=8),
                ],
                className="g-3",
            ),
            dbc.Row(
                [
                    dbc.Col(chain_card(found.scans, zone, lang), xl=6),
                    dbc.Col(
                        [
                            checks_card(found.checks, zone, lang),
                            findings_card(found.findings, zone, lang),
                            detentions_card(found.detentions, zone, lang),
                        ],
                        xl=6,
                    ),
                ],
                className="g-3 mt-1",
            ),
        ]
    )


def header(found: CylinderTrace, detain: bool, lang: str) -> html.Div:
    parts: list[Any] = [
        html.H1(found.code, className="cyl-code me-3"),
        status_badge(found.status, lang),
    ]
    if found.stage:
        parts.append(
            html.Span(
                [t("ct.stage_now", lang), " · ", t(f"stage.{found.stage}", lang)],
                className="cyl-stage ms-3",
            )
        )
    if detain:
        parts.append(
            dcc.Link(
                [html.I(className="bi bi-lock-fill me-1"), t("ct.detain", lang)],
                href=f"/detentions?{urlencode({'code': found.code})}",
                className="btn btn-sm btn-outline-danger ms-auto cyl-detain",
            )
        )
    return html.Div(
        parts,
        className="d-flex flex-wrap align-items-center gap-2 mb-3 cyl-header",
        **{"data-status": found.status, "data-code": found.code},
    )


def status_badge(status: str, lang: str) -> html.Span:
    return html.Span(
        t(f"cyl_status.{status}", lang),
        className=f"cyl-status cyl-status-{status}",
        **{"data-status": status},
    )


def _day(value: date | None) -> str:
    return value.isoformat() if value else "—"


def registry_card(
    found: CylinderTrace, districts: dict[str, str], zone: ZoneInfo, lang: str
) -> dbc.Card:
    registry: Registry | None = found.registry
    if registry is None:
        body: Any = [html.P(t("ct.unregistered", lang), className="text-warning mb-2")]
    else:
        overdue = registry.next_inspection_due < datetime.now(zone).date()
        scrapped = registry.scrap_due < datetime.now(zone).date()
        items = [
            ("ct.enterprise", registry.enterprise_name),
            ("ct.licence", registry.licence_no or "—"),
            ("ct.capacity", t("ct.capacity.value", lang).format(kg=registry.capacity_kg)),
            ("ct.manufactured", _day(registry.manufactured_on)),
            ("ct.last_inspected", _day(registry.last_inspected_on)),
            ("ct.next_inspection", _late(_day(registry.next_inspection_due), overdue)),
            ("ct.scrap_due", _late(_day(registry.scrap_due), scrapped)),
        ]
        body = [_facts(items, lang)]
    where = districts.get(found.district or "", found.district or "—")
    body.append(_facts([("ct.where_now", where)], lang))
    return dbc.Card(
        [dbc.CardHeader(t("ct.registry", lang)), dbc.CardBody(body)], className="cyl-card mb-3"
    )


def _late(text: str, late: bool) -> Any:
    return html.Span(text, className="cyl-late") if late else text


def _facts(items: list[tuple[str, Any]], lang: str) -> html.Dl:
    return html.Dl(
        [part for key, value in items for part in (html.Dt(t(key, lang)), html.Dd(value))],
        className="cyl-facts mb-1",
    )


def chain_card(scans: list[TraceScan], zone: ZoneInfo, lang: str) -> dbc.Card:
    title = t("ct.chain.count", lang).format(n=f"{len(scans):,}")
    entries = [chain_entry(scan, zone, lang) for scan in scans]
    body = (
        html.Ol(entries, className="cyl-chain")
        if entries
        else html.Div(t("ct.chain.none", lang), className="text-secondary")
    )
    return dbc.Card(
        [
            dbc.CardHeader([t("ct.chain", lang), html.Span(title, className="small ms-2")]),
            dbc.CardBody(body, className="cyl-chain-body"),
        ],
        className="cyl-card",
    )


def chain_entry(scan: TraceScan, zone: ZoneInfo, lang: str) -> html.Li:
    details: list[Any] = []
    if scan.site_id:
        details.append(_detail("ct.site", scan.site_name or scan.site_id, lang))
    if scan.worker_id:
        details.append(_detail("ct.worker", _worker(scan, zone, lang), lang))
    if scan.vehicle_id:
        details.append(_detail("ct.vehicle", scan.vehicle_id, lang))
    if scan.customer_kind is not None:
        real = "ct.real_name" if scan.real_name else "ct.not_real_name"
        customer = [
            t(f"customer_kind.{scan.customer_kind}", lang),
            html.Span(t(real, lang), className=f"cyl-realname cyl-realname-{bool(scan.real_name)}"),
        ]
        details.append(_detail("ct.customer", customer, lang))
    color = STAGE_COLORS.get(scan.stage, "#6c757d")
    return html.Li(
        [
            html.Div(
                [
                    html.Span(
                        f"{scan.occurred_at.astimezone(zone):%Y-%m-%d %H:%M}", className="me-2"
                    ),
                    html.B(t(f"stage.{scan.stage}", lang), className="cyl-stage-name"),
                ]
            ),
            html.Div(details, className="cyl-chain-details"),
        ],
        style={"borderLeftColor": color},
        **{"data-stage": scan.stage},
    )


def _detail(key: str, value: Any, lang: str) -> html.Span:
    # children are one flat list: Dash does not render components inside a nested list
    parts = value if isinstance(value, list) else [value]
    return html.Span(
        [html.Span(t(key, lang), className="cyl-detail-key"), *parts], className="cyl-detail"
    )


def _worker(scan: TraceScan, zone: ZoneInfo, lang: str) -> list[Any]:
    name = scan.worker_name or scan.worker_id or ""
    if not scan.certificate_no:
        return [name, html.Span(f" ({t('ct.certificate.none', lang)})", className="cyl-late")]
    until = _day(scan.certificate_expires)
    said = t("ct.certificate", lang).format(no=scan.certificate_no, until=until)
    expired = scan.certificate_expires is not None and scan.certificate_expires < (
        scan.occurred_at.astimezone(zone).date()
    )
    if expired:
        return [
            name,
            html.Span(f" ({said}, {t('ct.certificate.expired', lang)})", className="cyl-late"),
        ]
    return [name, html.Span(f" ({said})", className="text-secondary")]


def checks_card(checks: list[SafetyCheckRow], zone: ZoneInfo, lang: str) -> dbc.Card:
    hosts = resources().settings.photo_hosts
    if not checks:
        body: Any = html.Div(t("ct.checks.none", lang), className="text-secondary")
    else:
        body = [check_entry(check, hosts, zone, lang) for check in reversed(checks)]
    return dbc.Card(
        [dbc.CardHeader(t("ct.checks", lang)), dbc.CardBody(body)], className="cyl-card mb-3"
    )


def check_entry(check: SafetyCheckRow, hosts: Any, zone: ZoneInfo, lang: str) -> html.Div:
    verdict = "ct.check.passed" if check.passed else "ct.check.failed"
    line: list[Any] = [
        html.Span(f"{check.occurred_at.astimezone(zone):%Y-%m-%d %H:%M}", className="me-2"),
        html.Span(t(verdict, lang), className=f"cyl-verdict cyl-verdict-{check.passed}"),
    ]
    if not check.photos_complete:
        line.append(html.Span(t("ct.check.incomplete", lang), className="cyl-late ms-2"))
    if check.worker_name:
        line.append(
            html.Span(
                t("ct.check.by", lang).format(name=check.worker_name),
                className="text-secondary ms-2",
            )
        )
    parts: list[Any] = [html.Div(line)]
    if check.findings:
        parts.append(
            html.Div(
                [
                    t("ct.check.findings", lang),
                    "：" if lang == "zh" else ": ",
                    "; ".join(check.findings),
                ],
                className="small",
            )
        )
    parts.append(
        html.Div(
            [photo(name, check.photos.get(name), hosts, lang) for name in SAFETY_PHOTOS],
            className="cyl-photos",
        )
    )
    return html.Div(parts, className="cyl-check", **{"data-check": str(check.seq)})


def photo(name: str, reference: str | None, hosts: Any, lang: str) -> html.Figure:
    """One of the four photos as a thumbnail linking to it. A content hash whose file this
    server does not keep (the field app kept the picture) is named, not drawn as a broken
    image; a missing photo says so."""
    label = t(f"ct.photo.{name}", lang)
    found = parse_photo(reference, hosts)
    if found is None:
        picture: Any = html.Div(t("ct.photo.missing", lang), className="cyl-thumb cyl-missing")
    elif found.kind == "hash" and not _kept(str(reference)):
        picture = html.Div(
            [t("ct.photo.not_kept", lang), html.Code(str(reference)[7:19])],
            className="cyl-thumb cyl-not-kept",
            title=str(reference),
        )
    else:
        picture = html.A(
            html.Img(src=found.url, alt=label, className="cyl-thumb"),
            href=found.url,
            target="_blank",
        )
    return html.Figure(
        [picture, html.Figcaption(label)],
        className="cyl-photo",
        **{"data-photo": name, "data-shown": str(isinstance(picture, html.A)).lower()},
    )


def _kept(reference: str) -> bool:
    digest = reference.removeprefix("sha256:")
    photos = resources().settings.data_dir / "photos"
    return (photos / f"{digest}.svg").is_file() or stored_photo(photos, digest) is not None


def findings_card(findings: list[TraceFinding], zone: ZoneInfo, lang: str) -> dbc.Card:
    if not findings:
        body: Any = html.Div(t("ct.findings.none", lang), className="text-secondary")
    else:
        body = html.Ul(
            [finding_entry(f, zone, lang) for f in reversed(findings)], className="cyl-findings"
        )
    return dbc.Card(
        [dbc.CardHeader(t("ct.findings", lang)), dbc.CardBody(body)], className="cyl-card mb-3"
    )


def finding_entry(finding: TraceFinding, zone: ZoneInfo, lang: str) -> html.Li:
    when = f"{finding.occurred_at.astimezone(zone):%Y-%m-%d %H:%M}"
    if finding.resolved:
        resolved_at = finding.resolved_at.astimezone(zone) if finding.resolved_at else None
        outcome: Any = html.Div(
            t("ct.finding.resolved", lang).format(
                when=f"{resolved_at:%Y-%m-%d %H:%M}" if resolved_at else "—",
                how=resolution_text(finding.resolution, lang),
            ),
            className="cyl-resolved",
        )
    else:
        outcome = html.Div(t("ct.finding.open", lang), className="cyl-late")
    return html.Li(
        [
            html.Div(
                [html.Span(when, className="me-2"), html.B(t(f"finding.{finding.kind}", lang))]
            ),
            html.Div(finding_text(finding.detail, lang), className="small"),
            outcome,
        ],
        **{"data-kind": finding.kind, "data-resolved": str(finding.resolved).lower()},
    )


def detentions_card(detentions: list[Detention], zone: ZoneInfo, lang: str) -> dbc.Card:
    if not detentions:
        body: Any = html.Div(t("ct.detentions.none", lang), className="text-secondary")
    else:
        body = html.Ul(
            [detention_entry(d, zone, lang) for d in detentions], className="cyl-findings"
        )
    return dbc.Card(
        [dbc.CardHeader(t("ct.detentions", lang)), dbc.CardBody(body)], className="cyl-card"
    )


def detention_entry(detention: Detention, zone: ZoneInfo, lang: str) -> html.Li:
    def at(moment: datetime) -> str:
        return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"

    lines = [
        html.Div(
            [
                html.Span(t(f"dt_status.{detention.status}", lang), className="cyl-status me-2"),
                t("ct.detention.line", lang).format(
                    when=at(detention.detained_at),
                    reason=detention.reason,
                    by=detention.recall_by.isoformat(),
                ),
            ]
        )
    ]
    if detention.escalated_at is not None:
        lines.append(
            html.Div(
                t("ct.detention.escalated", lang).format(when=at(detention.escalated_at)),
                className="cyl-late",
            )
        )
    if detention.recalled_at is not None:
        lines.append(
            html.Div(
                t("ct.detention.recalled", lang).format(
                    when=at(detention.recalled_at), site=detention.recalled_site or "—"
                )
            )
        )
    if detention.closed_at is not None:
        lines.append(
            html.Div(
                t("ct.detention.closed", lang).format(
                    when=at(detention.closed_at), note=detention.close_note or "—"
                )
            )
        )
    return html.Li(lines, **{"data-detention": detention.id, "data-status": detention.status})


RESOLUTIONS = (
    (re.compile(r"scrapped"), "scrapped"),
    (re.compile(r"registered"), "registered"),
    (re.compile(r"a regular new cycle began: filling after (?P<stage>\w+)"), "new_cycle"),
    (re.compile(r"released after detention by \S+: (?P<note>.*)", re.S), "released"),
    (re.compile(r"detention ended \((?P<outcome>\w+)\) by \S+"), "detention_ended"),
    (
        re.compile(r"registered again: next inspection due (?P<due>\S+), scrap due (?P<scrap>\S+)"),
        "registered_again",
    ),
)


def resolution_text(resolution: str | None, lang: str) -> str:
    """How a finding was resolved, in `lang` (the projections record it in English); a note no
    rule writes is shown as it is."""
    if not resolution:
        return "—"
    for pattern, key in RESOLUTIONS:
        match = pattern.fullmatch(resolution)
        if match is None:
            continue
        params = match.groupdict()
        if "stage" in params:
            params["stage"] = t(f"stage.{params['stage']}", lang)
        if "outcome" in params:
            params["outcome"] = t(f"dt_status.{params['outcome']}", lang)
        return t(f"ct.resolution.{key}", lang).format(**params)
    return resolution


# --- the search box of the navigation bar ---------------------------------------------------


@callback(
    Output(ids.CYL_SEARCH_URL, "href"),
    Output(ids.CYL_SEARCH_FEEDBACK, "children"),
    Input(ids.CYL_SEARCH_GO, "n_clicks"),
    Input(ids.CYL_SEARCH_TEXT, "n_submit"),
    State(ids.CYL_SEARCH_TEXT, "value"),
    prevent_initial_call=True,
)
def search(_clicks: object, _submit: object, value: object) -> Any:
    """Open the trace of the code in the box (or in the scanned link); else say why not.
    Whether the code exists, or is the user's to see, the trace page says (the same words)."""
    code = code_from_scan(value if isinstance(value, str) else None)
    if code is None:
        return no_update, t("ct.search.bad", current_language())
    return f"/cylinder/{quote(code, safe='')}", ""
