"""The close-out report: an incident built through the real write path (report, dispatch, teams
setting off and arriving, an update, a failed and a delivered notification, closing), its
numbers on both databases, the page and the PDF, and the scope (404, never a hint of existence).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import plotly.utils
import pytest
from sqlalchemy import Engine, select

from dashboard.domain.events import (
    Event,
    EventData,
    IncidentClosed,
    IncidentDispatched,
    IncidentNotified,
    IncidentReported,
    IncidentUpdate,
    TeamStatus,
)
from dashboard.domain.response import Verdict
from dashboard.domain.roles import CITYWIDE, Scope
from dashboard.reports import pdf_filename
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import Team
from data_access.queries.incident_report import incident_report
from tests.conftest import sign_in
from tests.support import IN_WUCHANG

WUCHANG, JIANGAN = "420106", "420102"
# Whole seconds, three hours ago: the report's minutes come out exact.
T0 = (datetime.now(UTC) - timedelta(hours=3)).replace(microsecond=0)
INCIDENT = "INC-REPORT-1"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def two_teams(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(Team.id).order_by(Team.id).limit(2)))


def append(engine: Engine, source: str, minutes: float, data: EventData, number: int) -> None:
    event = Event.of(data, id=f"{INCIDENT}-{number}", occurred_at=at(minutes))
    [outcome] = append_events(engine, [Incoming(source, event, actor=source)])
    assert isinstance(outcome, Accepted), outcome


def reported(incident_id: str = INCIDENT) -> IncidentReported:
    return IncidentReported(
        incident_id=incident_id,
        kind="leak",
        channel="hotline_96511",
        lat=IN_WUCHANG[0],
        lon=IN_WUCHANG[1],
        address="武昌区中山路 1 号",
        severity=3,
        description="居民报告厨房燃气味浓",
    )


def build_incident(engine: Engine, *, close: bool = True) -> tuple[str, str]:
    """The whole life of one incident, at fixed minutes after T0; returns its two teams."""
    first, second = two_teams(engine)
    steps: list[tuple[str, float, EventData]] = [
        ("hotline", 0, reported()),
        ("user:duty", 1, notified(["city", "district"], "failed", 3, "sms gateway timeout")),
        ("user:duty", 1.5, notified(["city", "district", "street"], "delivered", 1)),
        (
            "user:duty",
            2,
            IncidentDispatched(
                incident_id=INCIDENT, team_ids=[first, second], by="duty", eta_minutes=12
            ),
        ),
        ("field-app", 3, TeamStatus(team_id=first, status="en_route", incident_id=INCIDENT)),
        ("field-app", 4, TeamStatus(team_id=second, status="en_route", incident_id=INCIDENT)),
        ("user:duty", 5, notified(["enterprise"], "delivered", 2)),
        ("field-app", 14, TeamStatus(team_id=first, status="on_scene", incident_id=INCIDENT)),
        ("field-app", 25, TeamStatus(team_id=second, status="on_scene", incident_id=INCIDENT)),
        (
            "field-app",
            30,
            IncidentUpdate(
                incident_id=INCIDENT,
                author="team-lead",
                text="阀门已关闭",
                status="contained",
                photos=["https://example.org/p1.jpg"],
            ),
        ),
    ]
    if close:
        steps += [
            (
                "user:duty",
                90,
                IncidentClosed(
                    incident_id=INCIDENT, by="duty", summary="泄漏已处置，无人员伤亡", casualties=0
                ),
            ),
            (
                "user:duty",
                90.5,
                TeamStatus(team_id=first, status="returning", incident_id=INCIDENT),
            ),
        ]
    for number, (source, minutes, data) in enumerate(steps):
        append(engine, source, minutes, data, number)
    return first, second


def notified(levels: list[str], outcome: str, attempts: int, error: str | None = None):
    return IncidentNotified(
        incident_id=INCIDENT,
        levels=levels,
        recipients=["13800000001", "13800000002"],
        channel="sms",
        outcome=outcome,
        attempts=attempts,
        error=error,
    )


# --- the numbers, on SQLite and PostgreSQL --------------------------------------------------


def test_the_report_gives_the_response_times_against_the_target(city):
    build_incident(city)
    report = incident_report(city, INCIDENT, CITYWIDE, datetime.now(UTC))
    assert report is not None
    incident = report.incident
    assert (incident.status, incident.district, incident.kind, incident.severity) == (
        "closed",
        WUCHANG,
        "leak",
        3,
    )
    assert (incident.reported_at, incident.on_scene_at, incident.closed_at) == (
        at(0),
        at(14),
        at(90),
    )
    assert (incident.summary, incident.casualties, incident.closed_by) == (
        "泄漏已处置，无人员伤亡",
        0,
        "duty",
    )
    response = report.response
    assert (response.to_dispatch, response.to_en_route, response.to_on_scene) == (2, 3, 14)
    assert response.to_close == 90
    assert response.verdict is Verdict.MET


def test_the_report_lists_each_team_with_its_own_response(city):
    first, second = build_incident(city)
    report = incident_report(city, INCIDENT, CITYWIDE, datetime.now(UTC))
    teams = {team.team_id: team for team in report.teams}
    assert set(teams) == {first, second}
    assert teams[first].response_min == 12  # sent at 2, there at 14
    assert teams[second].response_min == 23
    assert teams[first].eta_minutes == 12 and teams[first].by == "duty"
    assert teams[first].released_at == at(90.5) and teams[second].released_at is None
    assert all(team.name and team.level for team in report.teams)


def test_the_report_keeps_failed_notifications_and_when_each_level_was_told(city):
    build_incident(city)
    report = incident_report(city, INCIDENT, CITYWIDE, datetime.now(UTC))
    outcomes = [(n.outcome, n.levels, n.attempts) for n in report.notifications]
    assert outcomes == [
        ("failed", ("city", "district"), 3),
        ("delivered", ("city", "district", "street"), 1),
        ("delivered", ("enterprise",), 2),
    ]
    assert report.notifications[0].error == "sms gateway timeout"
    # The failed attempt at minute 1 notified nobody: the city heard at 1.5.
    assert report.notified == {
        "city": at(1.5),
        "district": at(1.5),
        "street": at(1.5),
        "enterprise": at(5),
    }
    assert report.all_notified_at == at(5)


def test_the_timeline_is_in_log_order_with_team_names(city):
    first, _ = build_incident(city)
    report = incident_report(city, INCIDENT, CITYWIDE, datetime.now(UTC))
    kinds = [entry.kind for entry in report.timeline]
    assert kinds == [
        "reported",
        "notified",
        "notified",
        "dispatched",
        "team",
        "team",
        "notified",
        "team",
        "team",
        "update",
        "closed",
        "team",
    ]
    assert [entry.seq for entry in report.timeline] == sorted(e.seq for e in report.timeline)
    arrival = report.timeline[7]
    assert (arrival.team_id, arrival.status, arrival.occurred_at) == (first, "on_scene", at(14))
    assert arrival.team_name
    update = report.timeline[9]
    assert (update.status, update.text, update.photos) == (
        "contained",
        "阀门已关闭",
        ("https://example.org/p1.jpg",),
    )


def test_an_open_incident_reports_so_far_with_the_clock_still_running(city):
    append(city, "hotline", 0, reported(), 0)
    report = incident_report(city, INCIDENT, CITYWIDE, at(12))
    assert not report.incident.closed
    assert report.response.verdict is Verdict.PENDING
    assert report.teams == () and report.response.to_on_scene is None
    late = incident_report(city, INCIDENT, CITYWIDE, at(25))
    assert late.response.verdict is Verdict.MISSED


@pytest.mark.parametrize(
    "scope",
    [Scope(district=JIANGAN), Scope(enterprise_id="ENT-0001")],
    ids=["district", "enterprise"],
)
def test_outside_the_scope_the_report_is_the_same_as_for_an_unknown_incident(city, scope):
    build_incident(city, close=False)
    assert incident_report(city, INCIDENT, scope, datetime.now(UTC)) is None
    assert incident_report(city, "INC-NOPE", CITYWIDE, datetime.now(UTC)) is None
    assert incident_report(city, INCIDENT, Scope(district=WUCHANG), datetime.now(UTC)) is not None


# --- the PDF route and the page --------------------------------------------------------------


@pytest.fixture
def app_engine(demo_app) -> Engine:
    return demo_app.server.config["GASCC_ENGINE"]


def pdf_text(body: bytes) -> str | None:
    """The PDF's text when pypdf is installed (it is not a requirement), else None."""
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    from io import BytesIO

    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(body)).pages)


def test_the_pdf_is_an_a4_download_in_the_users_language(client, app_engine):
    build_incident(app_engine)
    sign_in(client, "duty")
    response = client.get(f"/reports/{INCIDENT}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="incident-report-INC-REPORT-1.pdf"'
    )
    body = response.data
    assert body.startswith(b"%PDF")
    assert INCIDENT.encode() in body  # the document's title and subject name it
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in body  # A4
    text = pdf_text(body)
    if text is not None:
        assert INCIDENT in text
        assert "燃气突发事件处置报告" in text and "达标" in text
        assert "sms gateway timeout" in text


def test_the_pdf_follows_a_switch_to_english(client, app_engine):
    build_incident(app_engine)
    sign_in(client, "duty")
    client.get("/lang/en")
    body = client.get(f"/reports/{INCIDENT}.pdf").data
    assert body.startswith(b"%PDF")
    text = pdf_text(body)
    if text is not None:
        assert "Gas incident close-out report" in text and "Met" in text


@pytest.mark.parametrize("username", ["jiangan", "enterprise"])
def test_the_pdf_is_not_found_outside_the_users_scope(client, app_engine, username):
    build_incident(app_engine)
    sign_in(client, username)
    assert client.get(f"/reports/{INCIDENT}.pdf").status_code == 404
    assert client.get("/reports/INC-NOPE.pdf").status_code == 404


def test_the_pdf_needs_a_session(client, app_engine):
    build_incident(app_engine)
    response = client.get(f"/reports/{INCIDENT}.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_pdf_filenames_keep_only_safe_characters():
    assert pdf_filename('a"b/c\\d;e f') == "incident-report-a_b_c_d_e_f.pdf"
    assert pdf_filename("..") == "incident-report-incident.pdf"


def render_report(client, incident_id: str) -> str:
    """The report page's layout for the signed-in user, as the JSON Dash sends the browser."""
    from pages.incident_report import layout

    with client:
        client.get("/healthz")  # a request context with the session's user
        tree = layout(incident_id=incident_id)
    return json.dumps(tree.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)


def test_the_report_page_shows_the_closed_incident_with_pdf_and_back_links(client, app_engine):
    build_incident(app_engine)
    sign_in(client, "duty")
    page = render_report(client, INCIDENT)
    assert f'"/reports/{INCIDENT}.pdf"' in page and f'"/incident/{INCIDENT}"' in page
    assert "燃气突发事件处置报告" in page and "下载PDF" in page
    assert "14.0 分钟" in page and "达标" in page  # on scene after 14 minutes: met
    assert "sms gateway timeout" in page and "泄漏已处置，无人员伤亡" in page
    # Times in the city's zone: reported at T0, shown in Shanghai time.
    local = T0.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M:%S") in page
    assert "incident-report-open" not in page


def test_an_open_incidents_report_page_says_it_is_not_closed_yet(client, app_engine):
    build_incident(app_engine, close=False)
    sign_in(client, "duty")
    client.get("/lang/en")
    page = render_report(client, INCIDENT)
    assert "incident-report-open" in page and "Not closed yet" in page
    assert "Download PDF" in page


def test_the_report_page_says_not_found_alike_for_unknown_and_out_of_scope(client, app_engine):
    build_incident(app_engine)
    sign_in(client, "jiangan")
    outside = render_report(client, INCIDENT)
    unknown = render_report(client, "INC-NOPE")
    assert outside == unknown
    assert "incident-report-not-found" in outside and INCIDENT not in outside


def test_without_the_truetype_font_the_pdf_falls_back_to_the_built_in_cjk_font(city):
    from pathlib import Path

    from dashboard.report_pdf import build_pdf
    from dashboard.reports import report_document

    build_incident(city)
    report = incident_report(city, INCIDENT, CITYWIDE, datetime.now(UTC))
    document = report_document(report, "zh", "Asia/Shanghai", lambda code: code or "—")
    body = build_pdf(document, "zh", font_files=(Path("/nonexistent/font.ttc"),))
    assert body.startswith(b"%PDF") and b"/STSong-Light" in body
    text = pdf_text(body)
    if text is not None:
        assert INCIDENT in text
