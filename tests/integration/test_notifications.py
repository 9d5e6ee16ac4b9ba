"""Incident notifications end to end on SQLite and PostgreSQL: the notifier delivers over real
local HTTP endpoints, records every outcome through the write path, and the incident learns which
levels were notified (failed deliveries notify none); the centre's and the incident view's
lists are scoped like incidents."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from dashboard.citypack import load_city_pack
from dashboard.domain.incident_form import IncidentDraft
from dashboard.domain.roles import CITYWIDE, Scope
from dashboard.notifier import (
    Directory,
    InAppChannel,
    Notifier,
    SmsGatewayChannel,
    WebhookChannel,
    build_notifier,
    error_in_words,
    parse_sms_to,
)
from dashboard.settings import Settings
from data_access import commands
from data_access.commands import Done
from data_access.models import (
    Enterprise,
    Incident,
    IncidentNotification,
    NotificationRequest,
    Site,
    Team,
)
from data_access.queries import notifications as queries
from tests.support import desk_user, free_port
from tests.unit.test_notifier import Endpoint, start_endpoint

ALL_LEVELS = ("city", "district", "street", "enterprise")
WUCHANG, JIANGAN = "420106", "420102"


@pytest.fixture
def serve() -> Iterator[Callable[..., Endpoint]]:
    stops = []

    def start(*script: int | str) -> Endpoint:
        endpoint, stop = start_endpoint(*script)
        stops.append(stop)
        return endpoint

    yield start
    for stop in stops:
        stop()


def wuchang_site(engine: Engine) -> dict[str, Any]:
    """A site in Wuchang and its enterprise's name: an incident on its doorstep."""
    query = (
        select(Site.id, Site.lat, Site.lon, Enterprise.name.label("enterprise"))
        .join(Enterprise, Enterprise.id == Site.enterprise_id)
        .where(Site.district == WUCHANG)
        .order_by(Site.id)
        .limit(1)
    )
    with engine.connect() as connection:
        return dict(connection.execute(query).one()._mapping)


def open_incident(engine: Engine, lat: float, lon: float) -> str:
    draft = IncidentDraft(
        kind="leak",
        severity=2,
        channel="hotline_96511",
        lat=lat,
        lon=lon,
        address="武汉市武昌区中华路街解放路88号",
        description="居民报告燃气味",
    )
    outcome = commands.report_incident(engine, desk_user(), draft)
    assert isinstance(outcome, Done), outcome
    return outcome.subject


def notifier(engine: Engine, *channels: Any, retries: int = 2) -> Notifier:
    directory = Directory(engine, load_city_pack("wuhan"))
    return Notifier(engine, channels, directory, retries=retries, base_delay=0.01)


def notify(n: Notifier, incident_id: str, *levels: str) -> None:
    """The desk asks (the request is recorded), then the notifier delivers it."""
    asked = commands.request_notification(n.engine, desk_user(), incident_id, levels or ALL_LEVELS)
    assert isinstance(asked, Done), asked
    assert n.drain(30)
    n.close()


def rows_of(engine: Engine, incident_id: str) -> dict[str, dict[str, Any]]:
    table = IncidentNotification.__table__
    query = select(table).where(table.c.incident_id == incident_id).order_by(table.c.seq)
    with engine.connect() as connection:
        return {row["channel"]: dict(row) for row in connection.execute(query).mappings()}


def incident_row(engine: Engine, incident_id: str):
    with engine.connect() as connection:
        return connection.execute(
            select(Incident.notified, Incident.all_notified_at).where(Incident.id == incident_id)
        ).one()


def test_failed_deliveries_are_recorded_and_notify_no_level(city, serve):
    site = wuchang_site(city)
    incident_id = open_incident(city, site["lat"], site["lon"])
    hook, gateway = serve(500), serve(200)
    sms = SmsGatewayChannel(gateway.url, parse_sms_to("city=13800000000;district=13900000000"))
    notify(notifier(city, WebhookChannel(hook.url), sms), incident_id)

    rows = rows_of(city, incident_id)
    webhook = rows["webhook"]
    assert (webhook["outcome"], webhook["attempts"]) == ("failed", 2)
    assert webhook["error"].startswith("HTTP 500")
    assert webhook["levels"] == list(ALL_LEVELS)
    assert webhook["district"] == WUCHANG
    assert (rows["sms"]["outcome"], rows["sms"]["levels"]) == ("delivered", ["city", "district"])
    notified, all_at = incident_row(city, incident_id)
    assert set(notified) == {"city", "district"}  # the failed webhook marked nothing
    assert all_at is None

    # The in-app centre then reaches all four: the incident is fully notified.
    notify(notifier(city, InAppChannel()), incident_id)
    notified, all_at = incident_row(city, incident_id)
    assert set(notified) == set(ALL_LEVELS)
    assert all_at is not None


def test_the_recipients_are_the_four_levels_offices_and_the_enterprise_on_the_spot(city):
    site = wuchang_site(city)
    incident_id = open_incident(city, site["lat"], site["lon"])
    notify(notifier(city, InAppChannel()), incident_id)
    assert rows_of(city, incident_id)["in_app"]["recipients"] == [
        "武汉市应急管理办公室",
        "武昌区燃气管理办公室",
        "中华路街道办事处",
        site["enterprise"],
    ]


def test_no_enterprise_is_answerable_far_from_every_pipeline_and_site(city):
    site = wuchang_site(city)
    found = queries.responsible_enterprise(city, site["lat"], site["lon"])
    assert found is not None and found.name == site["enterprise"]
    assert found.distance_m < 1
    assert queries.responsible_enterprise(city, 29.0, 113.0) is None  # outside the city


def test_the_configured_notifier_records_in_app_and_a_failed_webhook(city, tmp_path):
    site = wuchang_site(city)
    incident_id = open_incident(city, site["lat"], site["lon"])
    env = {
        "GASCC_TILE_URL": "none",
        "GASCC_NOTIFY_WEBHOOK_URL": f"http://127.0.0.1:{free_port()}/closed",
        "GASCC_NOTIFY_RETRIES": "2",
    }
    settings = Settings.from_env(env, demo=True, data_dir=tmp_path)
    notify(build_notifier(settings, city, base_delay=0.01), incident_id, "city", "district")
    rows = rows_of(city, incident_id)
    assert rows["in_app"]["outcome"] == "delivered"
    assert (rows["webhook"]["outcome"], rows["webhook"]["attempts"]) == ("failed", 2)
    assert rows["webhook"]["error"].startswith("connection failed")
    assert error_in_words(rows["webhook"]["error"], "zh")[0] == "无法连接"
    assert set(incident_row(city, incident_id).notified) == {"city", "district"}


def test_the_lists_are_scoped_and_failures_come_first(city, serve):
    site = wuchang_site(city)
    incident_id = open_incident(city, site["lat"], site["lon"])
    hook = serve(500)
    notify(notifier(city, InAppChannel(), WebhookChannel(hook.url), retries=1), incident_id)

    listed = queries.notification_list(city, incident_id, CITYWIDE)
    assert sorted(row.channel for row in listed) == ["in_app", "webhook"]  # in parallel
    failed = next(row for row in listed if row.outcome == "failed")
    assert failed.attempts == 1 and failed.error.startswith("HTTP 500")
    assert failed.levels == list(ALL_LEVELS)
    assert failed.occurred_at.tzinfo is not None
    assert len(queries.notification_list(city, incident_id, Scope(district=WUCHANG))) == 2
    assert queries.notification_list(city, incident_id, Scope(district=JIANGAN)) == []
    assert queries.notification_list(city, incident_id, Scope(enterprise_id="ENT-0001")) == []

    centre = queries.notification_centre(city, CITYWIDE)
    assert centre[0].outcome == "failed" and centre[0].incident_id == incident_id
    assert centre[0].kind == "leak"
    assert [r.outcome for r in queries.notification_centre(city, CITYWIDE, failed_only=True)] == [
        "failed"
    ]
    assert [r.channel for r in queries.notification_centre(city, CITYWIDE, channel="in_app")] == [
        "in_app"
    ]
    assert queries.notification_centre(city, Scope(district=JIANGAN)) == []
    assert queries.notification_centre(city, Scope(enterprise_id="ENT-0001")) == []
    since = datetime.now(UTC) - timedelta(hours=24)
    assert queries.failures_since(city, CITYWIDE, since) == 1
    assert queries.failures_since(city, Scope(district=JIANGAN), since) == 0
    assert queries.failures_since(city, CITYWIDE, datetime.now(UTC) + timedelta(minutes=1)) == 0
    assert queries.channels(city, CITYWIDE) == ["in_app", "webhook"]
    # the counts and the channel choices are scoped like the lists (no test had said so)
    assert queries.failures_since(city, Scope(district=WUCHANG), since) == 1
    assert queries.failures_since(city, Scope(enterprise_id="ENT-0001"), since) == 0
    assert queries.channels(city, Scope(district=WUCHANG)) == ["in_app", "webhook"]
    assert queries.channels(city, Scope(district=JIANGAN)) == []
    assert queries.channels(city, Scope(enterprise_id="ENT-0001")) == []


def test_the_first_dispatch_asks_for_all_four_levels_once(city):
    site = wuchang_site(city)
    incident_id = open_incident(city, site["lat"], site["lon"])
    with city.connect() as connection:
        teams = connection.scalars(select(Team.id).order_by(Team.id).limit(2)).all()
    for team in teams:  # two dispatches: only the first asks for the notification
        assert isinstance(commands.dispatch_teams(city, desk_user(), incident_id, [team], 5), Done)
    with city.connect() as connection:
        asked = connection.execute(
            select(NotificationRequest.levels, NotificationRequest.requested_by).where(
                NotificationRequest.incident_id == incident_id
            )
        ).all()
    assert [tuple(row) for row in asked] == [(list(ALL_LEVELS), "duty")]
    notify_all = notifier(city, InAppChannel())
    assert notify_all.drain(30)
    notify_all.close()
    assert set(incident_row(city, incident_id).notified) == set(ALL_LEVELS)
