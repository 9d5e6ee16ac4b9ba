"""The close-out report of an incident: its content in the reader's language, shared by the page
(pages/incident_report.py) and the PDF (dashboard/report_pdf.py) so the two cannot disagree,
and the Flask route that serves the PDF, `/reports/<incident_id>.pdf`.

The login guard (dashboard/auth.py) keeps the route behind a session; this module checks the
role and the scope itself. An unknown incident and one outside the user's scope both answer 404,
so the route never tells whether an incident exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, Response, abort, current_app, request

from dashboard.actors import channel_name, team_status_here, who
from dashboard.auth import current_user
from dashboard.domain.photos import parse_photo
from dashboard.domain.policy import page_roles
from dashboard.domain.response import Verdict
from dashboard.i18n import current_language, t, t_or
from dashboard.notifier import error_in_words
from dashboard.report_document import Cell, ReportDocument, Section
from data_access.queries.incident_report import (
    IncidentReport,
    NotificationRow,
    TeamRow,
    incident_report,
)
from data_access.queries.incident_view import TimelineRow

# Who may read reports: the desk, its supervisors and leadership, and a district's officer (for
# that district's incidents). Not enterprises (incidents are the city's) nor the wall screen.
TONES = ("good", "bad", "warn", "muted")
RECIPIENTS_SHOWN = 6
ERROR_SHOWN = 300
UNKNOWN_RECIPIENT = "unknown"  # dashboard/notifier.py UNKNOWN, in events already logged


# --- the content ----------------------------------------------------------------------------


class _Format:
    """Times in the city's zone and labels in one language."""

    def __init__(self, lang: str, time_zone: str) -> None:
        self.lang = lang
        self.zone = ZoneInfo(time_zone)

    def t(self, key: str, **values: object) -> str:
        text = t(key, self.lang)
        return text.format(**values) if values else text

    def time(self, when: datetime | None) -> Cell:
        if when is None:
            return Cell(self.t("report.not_yet"), "muted")
        return Cell(when.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S"))

    def clock(self, when: datetime | None, day: date) -> Cell:
        """A time on `day` (the day of the report) as the time of day only, so that a table of
        ten columns fits the page; a time on another day in full."""
        if when is None or when.astimezone(self.zone).date() != day:
            return self.time(when)
        return Cell(when.astimezone(self.zone).strftime("%H:%M:%S"))

    def minutes(self, value: float | None, tone: str | None = None) -> Cell:
        if value is None:
            return Cell(self.t("report.unknown"), "muted")
        return Cell(self.t("report.minutes", n=f"{value:.1f}"), tone)

    def label(self, prefix: str, code: str | None) -> str:
        if code is None:
            return self.t("report.unknown")
        return t_or(f"{prefix}.{code}", code, self.lang)

    def who(self, actor: str | None, names: dict[str, str]) -> Cell:
        text = who(actor, self.lang, names)
        return Cell(text) if text else Cell(self.t("report.unknown"), "muted")

    def plain(self, text: str | None) -> Cell:
        return Cell(text) if text else Cell(self.t("report.unknown"), "muted")


VERDICT_TONES = {
    Verdict.MET: "good",
    Verdict.MISSED: "bad",
    Verdict.PENDING: "warn",
    Verdict.NO_TEAM: "muted",
}


def report_document(
    report: IncidentReport,
    lang: str,
    time_zone: str,
    district_name: Callable[[str | None], str],
    photo_hosts: Collection[str] = (),
) -> ReportDocument:
    f = _Format(lang, time_zone)
    incident = report.incident
    generated = f.time(report.generated_at).text
    offset = report.generated_at.astimezone(f.zone).strftime("%z")
    zone = f"{time_zone} (UTC{offset[:3]}:{offset[3:]})"
    return ReportDocument(
        incident_id=incident.id,
        title=f.t("report.title"),
        generated=f"{f.t('report.generated')}: {generated}",
        zone_note=f.t("report.zone", zone=zone),
        banner=None if incident.closed else f.t("report.not_closed", time=generated),
        sections=(
            _incident_section(report, f, district_name),
            _response_section(report, f),
            _teams_section(report, f),
            _notifications_section(report, f, district_name),
            _timeline_section(report, f, photo_hosts),
            _outcome_section(report, f),
        ),
    )


def _incident_section(
    report: IncidentReport, f: _Format, district_name: Callable[[str | None], str]
) -> Section:
    i = report.incident
    status_tone = None if i.closed else "warn"
    fields = (
        ("report.id", Cell(i.id)),
        ("report.kind", Cell(f.label("incident_kind", i.kind))),
        ("report.severity", Cell(f"{i.severity} · {f.label('severity', str(i.severity))}")),
        ("report.status", Cell(f.label("incident_status", i.status), status_tone)),
        ("report.channel", Cell(f.label("channel", i.channel))),
        ("report.district", Cell(district_name(i.district))),
        ("report.location", Cell(f"{i.lat:.5f}, {i.lon:.5f}")),
        ("report.address", f.plain(i.address)),
        ("report.description", f.plain(i.description)),
    )
    return Section(
        "incident",
        f.t("report.section.incident"),
        fields=tuple((f.t(key), cell) for key, cell in fields),
        wide_tail=2,  # address and description
    )


def _response_section(report: IncidentReport, f: _Format) -> Section:
    i, r = report.incident, report.response
    on_scene_tone = {Verdict.MET: "good", Verdict.MISSED: "bad"}.get(r.verdict)
    steps = (
        ("report.reported_at", i.reported_at, 0.0, None),
        ("report.dispatched_at", i.dispatched_at, r.to_dispatch, None),
        ("report.en_route_at", i.en_route_at, r.to_en_route, None),
        ("report.on_scene_at", i.on_scene_at, r.to_on_scene, on_scene_tone),
        ("report.closed_at", i.closed_at, r.to_close, None),
    )
    rows = tuple(
        (Cell(f.t(key)), f.time(when), f.minutes(minutes if when else None, tone))
        for key, when, minutes, tone in steps
    )
    verdict = Cell(f.t(f"report.verdict.{r.verdict.value}"), VERDICT_TONES[r.verdict])
    return Section(
        "response",
        f.t("report.section.response"),
        fields=(
            (f.t("report.to_dispatch"), f.minutes(r.to_dispatch)),
            (f.t("report.to_on_scene"), f.minutes(r.to_on_scene, on_scene_tone)),
            (f.t("report.target"), verdict),
        ),
        columns=(f.t("report.event"), f.t("report.time"), f.t("report.since_report")),
        rows=rows,
        note=f.t("report.target.note"),
    )


def _team_row(team: TeamRow, f: _Format, names: dict[str, str], day: date) -> tuple[Cell, ...]:
    return (
        Cell(team.name),
        Cell(f.label("notify.level", team.level)),
        Cell(team_status_here(team.status_here, f.lang)),
        f.clock(team.dispatched_at, day),
        f.who(team.by, names),
        f.minutes(team.eta_minutes),
        f.clock(team.en_route_at, day),
        f.clock(team.on_scene_at, day),
        f.clock(team.released_at, day),
        f.minutes(team.response_min),
    )


def _teams_section(report: IncidentReport, f: _Format) -> Section:
    """The teams sent, their times of day on the day of the report (the response section above
    has the dates)."""
    day = report.incident.reported_at.astimezone(f.zone).date()
    keys = (
        "report.team",
        "report.team_level",
        "report.team_status_here",
        "report.dispatched",
        "report.dispatched_by",
        "report.eta",
        "report.team_en_route",
        "report.team_on_scene",
        "report.released",
        "report.team_response",
    )
    return Section(
        "teams",
        f.t("report.section.teams"),
        columns=tuple(f.t(key) for key in keys),
        rows=tuple(_team_row(team, f, report.names, day) for team in report.teams),
        empty=f.t("report.no_teams"),
    )


def _error(error: str | None, f: _Format) -> Cell:
    """A failed delivery's error: the notifier's words for it, then what was recorded."""
    if not error:
        return Cell(f.t("report.unknown"), "muted")
    words, detail = error_in_words(error, f.lang)
    colon = "：" if f.lang == "zh" else ": "
    return Cell(colon.join(part for part in (words, detail[:ERROR_SHOWN]) if part))


def _recipients(notification: NotificationRow, f: _Format, district: str) -> Cell:
    recipients = tuple(
        _recipient(name, level, f, district)
        for name, level in zip(
            notification.recipients,
            _levels_of(notification),
            strict=True,
        )
    )
    if not recipients:
        return Cell(f.t("report.unknown"), "muted")
    shown = ("、" if f.lang == "zh" else ", ").join(recipients[:RECIPIENTS_SHOWN])
    more = len(recipients) - RECIPIENTS_SHOWN
    return Cell(f"{shown} (+{more})" if more > 0 else shown)


def _levels_of(notification: NotificationRow) -> tuple[str | None, ...]:
    """Each recipient's level, when the channel names one recipient per level (in-app,
    webhook: the notifier's `recipient_names`), else unknown."""
    recipients, levels = notification.recipients, notification.levels
    return levels if len(levels) == len(recipients) else (None,) * len(recipients)


def _recipient(name: str, level: str | None, f: _Format, district: str) -> str:
    """A recipient as recorded; "unknown" (the notifier found no name in the address or the
    registry, in events logged before it named the street office by district) in words."""
    head, _, tail = name.partition(" ")
    if head != UNKNOWN_RECIPIENT:
        return name
    if level == "street" and district:
        head = f.t("report.street_office", district=district)
    else:
        head = f.t("report.recipient_unknown")
    return f"{head} {tail}".strip()


def _notifications_section(
    report: IncidentReport, f: _Format, district_name: Callable[[str | None], str]
) -> Section:
    district = district_name(report.incident.district) if report.incident.district else ""
    levels = tuple(
        (
            f.t(f"notify.level.{level}"),
            f.time(when) if when else Cell(f.t("report.level_not_notified"), "bad"),
        )
        for level, when in report.notified.items()
    )
    all_done = (
        f.time(report.all_notified_at)
        if report.all_notified_at
        else Cell(f.t("report.all_notified.not_yet"), "warn")
    )
    rows = tuple(
        (
            f.time(n.occurred_at),
            Cell(" / ".join(f.label("notify.level", level) for level in n.levels)),
            Cell(channel_name(n.channel, f.lang)),
            _recipients(n, f, district),
            Cell(
                f.label("notify.outcome", n.outcome),
                "good" if n.outcome == "delivered" else "bad",
            ),
            Cell(str(n.attempts) if n.attempts else "1"),
            _error(n.error, f),
        )
        for n in report.notifications
    )
    keys = (
        "report.time",
        "report.levels",
        "report.via",
        "report.recipients",
        "report.outcome",
        "report.attempts",
        "report.error",
    )
    return Section(
        "notifications",
        f.t("report.section.notifications"),
        fields=(*levels, (f.t("report.all_notified"), all_done)),
        columns=tuple(f.t(key) for key in keys),
        rows=rows,
        empty=f.t("report.no_notifications"),
    )


def _notified_text(text: str | None, f: _Format) -> str:
    """The projection writes "<channel>: <level>, <level>"; name the levels in the language."""
    channel, _, levels = (text or "").rpartition(": ")
    if not channel:
        return text or ""
    named = (f.label("notify.level", level.strip()) for level in levels.split(","))
    return f"{channel_name(channel, f.lang)}: {' / '.join(named)}"


def _photo_links(
    references: tuple[str, ...], f: _Format, hosts: Collection[str]
) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """(label, url) of each well-formed photo (a stored one: its path on this site), and the
    references that are not, to be shown as text."""
    links, unusable = [], []
    for reference in references:
        photo = parse_photo(reference, hosts)
        if photo is None:
            unusable.append(reference)
        else:
            links.append((f.t("report.photo", n=len(links) + 1), photo.url))
    return tuple(links), unusable


def _entry_text(entry: TimelineRow, f: _Format, names: dict[str, str]) -> str:
    if entry.kind == "notified":
        return _notified_text(entry.text, f)
    if entry.kind == "dispatched":  # the projection lists the teams sent by id
        teams = [names.get(team, team) for team in (entry.text or "").split()]
        return ("、" if f.lang == "zh" else ", ").join(teams)
    return entry.text or ""


def _entry_actor(entry: TimelineRow, f: _Format, names: dict[str, str]) -> str:
    """Who: a person or a source by name; a notification's "actor" is its channel."""
    if entry.kind == "notified":
        return channel_name(entry.actor, f.lang)
    return who(entry.actor, f.lang, names)


def _timeline_section(report: IncidentReport, f: _Format, photo_hosts: Collection[str]) -> Section:
    rows = []
    for entry in report.timeline:
        if entry.kind == "team":
            status = f.label("team_status", entry.status)
        elif entry.kind == "notified":
            status = f.label("notify.outcome", entry.status)
        else:
            status = f.label("incident_status", entry.status) if entry.status else ""
        team = entry.team_name or entry.team_id or ""
        photos, unusable = _photo_links(entry.photos, f, photo_hosts)
        text = _entry_text(entry, f, report.names)
        if photos:
            text = f"{text} ({f.t('report.photos', n=len(photos))})".strip()
        if unusable:  # logged before references were checked: shown, never linked
            text = f"{text} [{', '.join(unusable)}]".strip()
        rows.append(
            (
                f.time(entry.occurred_at),
                Cell(f.label("report.entry", entry.kind)),
                Cell(status),
                Cell(_entry_actor(entry, f, report.names)),
                Cell(team),
                Cell(text, links=photos),
            )
        )
    keys = (
        "report.time",
        "report.event",
        "report.status",
        "report.actor",
        "report.team",
        "report.text",
    )
    return Section(
        "timeline",
        f.t("report.section.timeline"),
        columns=tuple(f.t(key) for key in keys),
        rows=tuple(rows),
    )


def _outcome_section(report: IncidentReport, f: _Format) -> Section:
    i = report.incident
    casualties = Cell(str(i.casualties)) if i.casualties is not None else f.plain(None)
    fields = (
        ("report.status", Cell(f.label("incident_status", i.status), None if i.closed else "warn")),
        ("report.closed_at", f.time(i.closed_at)),
        ("report.closed_by", f.who(i.closed_by, report.names)),
        ("report.casualties", casualties),
        ("report.summary", f.plain(i.summary)),
    )
    return Section(
        "outcome",
        f.t("report.section.outcome"),
        fields=tuple((f.t(key), cell) for key, cell in fields),
        wide_tail=1,  # the summary
    )


# --- the PDF route --------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def pdf_filename(incident_id: str) -> str:
    """A filename any browser and file system accept: the id's safe characters only."""
    safe = _UNSAFE.sub("_", incident_id).strip("._")[:100] or "incident"
    return f"incident-report-{safe}.pdf"


def district_namer(lang: str) -> Callable[[str | None], str]:
    """District code -> its name from the city pack (the code itself if the pack lacks it)."""
    city = current_app.config["GASCC"].city

    def name(code: str | None) -> str:
        if code is None:
            return t("report.unknown", lang)
        try:
            return city.district(code).name(lang)
        except KeyError:
            return code

    return name


def load_document(incident_id: str, lang: str) -> ReportDocument | None:
    """The signed-in user's report of `incident_id`, or None (unknown or out of scope)."""
    user = current_user()
    if user is None or user.role.value not in page_roles("incident_report"):
        return None
    resources = current_app.config["GASCC"]
    now = datetime.now(UTC)
    report = incident_report(resources.engine, incident_id, user.scope, now)
    if report is None:
        return None
    settings = resources.settings
    return report_document(
        report, lang, settings.time_zone, district_namer(lang), settings.photo_hosts
    )


def _incident_pdf(incident_id: str) -> Response:
    from dashboard.report_pdf import build_pdf  # reportlab loads on the first PDF, not at start

    lang = current_language()
    document = load_document(incident_id, lang)
    if document is None:
        abort(404)
    hosts = current_app.config["GASCC"].settings.photo_hosts
    # Links in a PDF leave the browser: a path of this site becomes an absolute URL on the host
    # the reader asked (what the browser itself would have resolved it against).
    pdf = build_pdf(document, lang, site_url=request.host_url.rstrip("/"), link_hosts=hosts)
    response = Response(pdf, mimetype="application/pdf")
    filename = pdf_filename(incident_id)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # a report names people and places
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_reports(server: Flask) -> None:
    server.add_url_rule("/reports/<incident_id>.pdf", "incident_report_pdf", _incident_pdf)
