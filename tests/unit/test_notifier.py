"""The notifier against real local HTTP servers: retries, back-off, failures recorded with their
error, the SMS gateway's numbers and Chinese text, a hanging server, settings validation, and the
outbox: a request waits in the database until a notifier delivers it, whatever happens between.

Requests and outcomes go through the real write path into a throwaway SQLite database."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import Engine, select

from dashboard.citypack import load_city_pack
from dashboard.domain.events import Event, IncidentReported
from dashboard.notifier import (
    UNKNOWN,
    Directory,
    InAppChannel,
    Notice,
    Notifier,
    Reach,
    SmsGatewayChannel,
    WebhookChannel,
    build_notifier,
    error_in_words,
    parse_sms_to,
    street_of,
)
from dashboard.settings import Settings, SettingsError
from data_access import commands
from data_access.commands import Done, Refused
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import Incident, IncidentNotification
from data_access.outbox import pending_count
from data_access.queries.notifications import IncidentNotice
from tests.support import desk_user, free_port

INCIDENT = "inc-notify-1"
ADDRESS = "武汉市武昌区中华路街解放路88号"


# --- a real HTTP endpoint, scripted ---------------------------------------------------------------


@dataclass
class Endpoint:
    """A local HTTP server answering POSTs from a script of status codes ("hang": never answer
    until released); past the script's end it repeats the last entry. Keeps every request."""

    script: list[int | str]
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def answer(self) -> int | str:
        index = min(len(self.requests) - 1, len(self.script) - 1)
        return self.script[index]


def handler_for(endpoint: Endpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            endpoint.requests.append(
                {"path": self.path, "type": self.headers["Content-Type"], "json": json.loads(body)}
            )
            answer = endpoint.answer()
            if answer == "hang":
                endpoint.release.wait(30)
                return
            payload = b'{"error": "gateway down"}' if answer >= 400 else b"{}"
            self.send_response(int(answer))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


def start_endpoint(*script: int | str) -> tuple[Endpoint, Callable[[], None]]:
    """A scripted endpoint on 127.0.0.1 (a free port), and the function that stops it."""
    endpoint = Endpoint(list(script))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(endpoint))
    server.daemon_threads = True
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    # Polling often: shutdown() waits for the next poll, half a second by default.
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()

    def stop() -> None:
        endpoint.release.set()
        server.shutdown()
        server.server_close()

    return endpoint, stop


@pytest.fixture
def serve() -> Iterator[Callable[..., Endpoint]]:
    stops: list[Callable[[], None]] = []

    def start(*script: int | str) -> Endpoint:
        endpoint, stop = start_endpoint(*script)
        stops.append(stop)
        return endpoint

    yield start
    for stop in stops:
        stop()


# --- a database with one incident ---------------------------------------------------------------


@pytest.fixture
def engine(sqlite_engine: Engine) -> Engine:
    data = IncidentReported(
        incident_id=INCIDENT,
        kind="leak",
        channel="hotline_96511",
        lat=30.55,
        lon=114.31,
        address=ADDRESS,
        severity=3,
        description="居民报告燃气味",
    )
    event = Event.of(data, id=INCIDENT, occurred_at=datetime.now(UTC))
    [outcome] = append_events(sqlite_engine, [Incoming("hotline-96511", event)])
    assert isinstance(outcome, Accepted), outcome
    return sqlite_engine


def notifier(engine: Engine, *channels: Any, retries: int = 3, lease_s: float = 60) -> Notifier:
    # A tiny back-off: the retry logic is what is under test, not the waiting.
    directory = Directory(engine, load_city_pack("wuhan"))
    return Notifier(engine, channels, directory, retries=retries, base_delay=0.01, lease_s=lease_s)


def ask(engine: Engine, *levels: str, incident: str = INCIDENT) -> Done | Refused:
    """The desk asks for a notification: the request is recorded, nothing is sent yet."""
    wanted = levels or ("city", "district", "street", "enterprise")
    return commands.request_notification(engine, desk_user(), incident, wanted)


def recorded(engine: Engine) -> list[dict[str, Any]]:
    table = IncidentNotification.__table__
    with engine.connect() as connection:
        rows = connection.execute(select(table).order_by(table.c.seq)).mappings()
        return [dict(row) for row in rows]


def notified_levels(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return connection.scalar(select(Incident.notified).where(Incident.id == INCIDENT)) or {}


def run(n: Notifier, *levels: str) -> None:
    assert isinstance(ask(n.engine, *levels), Done)
    deliver(n)


def deliver(n: Notifier) -> None:
    assert n.drain(30)
    n.close()


# --- webhook ----------------------------------------------------------------------------------


def test_a_webhook_answering_500_is_tried_each_retry_then_recorded_failed(engine, serve):
    hook = serve(500)
    run(notifier(engine, WebhookChannel(hook.url), retries=3))
    assert len(hook.requests) == 3
    [row] = recorded(engine)
    assert (row["channel"], row["outcome"], row["attempts"]) == ("webhook", "failed", 3)
    assert row["error"].startswith("HTTP 500")
    assert error_in_words(row["error"], "en")[0] == "Refused (HTTP 500)"
    assert "gateway down" in row["error"]  # the server's own words, for whoever fixes it
    assert notified_levels(engine) == {}  # a failed delivery notifies no level


def test_a_webhook_failing_once_then_answering_200_is_delivered_on_the_second_attempt(
    engine, serve
):
    hook = serve(503, 200)
    run(notifier(engine, WebhookChannel(hook.url), retries=3))
    assert len(hook.requests) == 2
    [row] = recorded(engine)
    assert (row["outcome"], row["attempts"], row["error"]) == ("delivered", 2, None)
    assert set(notified_levels(engine)) == {"city", "district", "street", "enterprise"}


def test_the_webhook_message_names_the_incident_its_levels_recipients_and_link(engine, serve):
    hook = serve(200)
    run(notifier(engine, WebhookChannel(hook.url)), "city", "street")
    [request] = hook.requests
    body = request["json"]
    assert request["type"].startswith("application/json")
    assert (body["incident_id"], body["kind"], body["severity"]) == (INCIDENT, "leak", 3)
    assert body["address"] == ADDRESS
    assert body["levels"] == ["city", "street"]
    assert body["recipients"] == [
        {"level": "city", "name": "武汉市应急管理办公室"},
        {"level": "street", "name": "中华路街道办事处"},
    ]
    assert body["link"] == f"/incident/{INCIDENT}"
    assert body["time"].endswith("+08:00")  # the city's zone
    assert "燃气泄漏" in body["text"] and INCIDENT in body["text"]
    [row] = recorded(engine)
    assert row["levels"] == ["city", "street"]
    assert row["recipients"] == ["武汉市应急管理办公室", "中华路街道办事处"]


def test_a_server_hanging_past_the_timeout_fails_cleanly(engine, serve):
    hook = serve("hang")
    run(notifier(engine, WebhookChannel(hook.url, timeout=0.3), retries=2))
    assert len(hook.requests) == 2
    [row] = recorded(engine)
    assert (row["outcome"], row["attempts"]) == ("failed", 2)
    assert row["error"] == "timed out after 0.3 s"
    assert error_in_words(row["error"], "zh") == ("0.3 秒内无应答", "")


def test_nothing_listening_is_recorded_as_a_connection_failure(engine):
    url = f"http://127.0.0.1:{free_port()}/hook"
    run(notifier(engine, WebhookChannel(url), retries=2))
    [row] = recorded(engine)
    assert (row["outcome"], row["attempts"]) == ("failed", 2)
    assert row["error"].startswith("connection failed")


def test_asking_returns_before_the_delivery_and_drain_waits_for_it(engine, serve):
    hook = serve("hang", 200)
    n = notifier(engine, WebhookChannel(hook.url, timeout=30), retries=1)
    n.start()
    assert isinstance(ask(engine, "city"), Done)  # the server has not answered: still returns
    wait_until(lambda: hook.requests)  # the background worker is sending it
    assert n.drain(0) is False
    assert recorded(engine) == []
    hook.release.set()
    assert n.drain(30)
    n.close()
    assert [row["channel"] for row in recorded(engine)] == ["webhook"]


def wait_until(condition: Callable[[], object], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# --- SMS gateway ------------------------------------------------------------------------------


def test_the_sms_gateway_gets_the_levels_numbers_and_the_chinese_text(engine, serve):
    gateway = serve(200)
    phones = parse_sms_to("city=13800000000,13800000001;district=13900000000")
    run(notifier(engine, SmsGatewayChannel(gateway.url, phones)), "city", "district", "street")
    [request] = gateway.requests
    assert request["json"]["to"] == ["13800000000", "13800000001", "13900000000"]
    text = request["json"]["text"]
    assert text.startswith("【燃气应急】") and "武昌区" in text and "燃气泄漏" in text
    assert "市级、区级、街道" in text
    [row] = recorded(engine)
    assert (row["channel"], row["outcome"]) == ("sms", "delivered")
    # Street has no numbers: SMS reached, and so notified, only city and district.
    assert row["levels"] == ["city", "district"]
    assert row["recipients"][0] == "武汉市应急管理办公室 13800000000"
    assert set(notified_levels(engine)) == {"city", "district"}


def test_sms_is_not_tried_for_levels_without_numbers(engine, serve):
    gateway = serve(200)
    sms = SmsGatewayChannel(gateway.url, parse_sms_to("city=13800000000"))
    run(notifier(engine, sms, InAppChannel()), "enterprise")
    assert gateway.requests == []
    assert [row["channel"] for row in recorded(engine)] == ["in_app"]


# --- whatever goes wrong is recorded ----------------------------------------------------------


class Exploding:
    name = "pager"

    def reach(self, notice: Notice) -> Reach:
        return Reach(notice.levels, ("值班手机",))

    def send(self, notice: Notice, reach: Reach) -> None:
        raise RuntimeError("pager battery flat")


def test_an_unexpected_exception_in_a_channel_is_recorded_not_lost(engine):
    run(notifier(engine, Exploding(), InAppChannel(), retries=2), "city")
    rows = {row["channel"]: row for row in recorded(engine)}
    assert (rows["pager"]["outcome"], rows["pager"]["attempts"]) == ("failed", 2)
    assert rows["pager"]["error"] == "RuntimeError: pager battery flat"
    assert rows["in_app"]["outcome"] == "delivered"


def test_a_request_made_while_no_notifier_runs_is_delivered_by_the_next_one(engine):
    notifier(engine, InAppChannel()).close()
    assert isinstance(ask(engine, "city"), Done)
    assert recorded(engine) == [] and pending_count(engine) == 1  # waiting, not lost
    deliver(notifier(engine, InAppChannel()))
    [row] = recorded(engine)
    assert (row["channel"], row["outcome"], row["levels"]) == ("in_app", "delivered", ["city"])
    assert pending_count(engine) == 0


def test_a_notifier_stopped_mid_delivery_leaves_it_to_the_next_after_its_claim(engine, serve):
    hook = serve(500, 200)
    first = notifier(engine, WebhookChannel(hook.url), retries=3, lease_s=0.5)
    first.base_delay = 30  # it fails once, then waits long before trying again: stop it there
    first.start()
    assert isinstance(ask(engine, "city"), Done)
    wait_until(lambda: hook.requests)
    first.close()
    assert recorded(engine) == []  # a stop is no outcome: the request is still in the outbox
    second = notifier(engine, WebhookChannel(hook.url), lease_s=0.5)
    time.sleep(0.6)  # the first notifier's claim runs out
    assert second.drain(30)
    second.close()
    [row] = recorded(engine)
    assert (row["outcome"], row["attempts"]) == ("delivered", 1)
    request_ids = {request["json"]["request_id"] for request in hook.requests}
    assert len(hook.requests) == 2 and len(request_ids) == 1  # the same request, sent again


def test_two_notifiers_deliver_each_request_once(engine, serve):
    hook = serve(200)
    for _ in range(5):
        assert isinstance(ask(engine, "city"), Done)
    pair = [notifier(engine, WebhookChannel(hook.url)) for _ in range(2)]
    for each in pair:
        each.start()
    assert all(each.drain(30) for each in pair)
    for each in pair:
        each.close()
    assert len(hook.requests) == 5
    assert len({request["json"]["request_id"] for request in hook.requests}) == 5
    assert len(recorded(engine)) == 5


def test_an_unknown_incident_is_refused_and_nothing_is_sent(engine, serve):
    hook = serve(200)
    refused = ask(engine, "city", incident="no-such-incident")
    assert isinstance(refused, Refused) and refused.code == "unknown_reference"
    n = notifier(engine, WebhookChannel(hook.url))
    assert n.drain(30)
    n.close()
    assert hook.requests == [] and recorded(engine) == []


def test_unknown_levels_are_refused_at_once(engine):
    refused = ask(engine, "province")
    assert isinstance(refused, Refused) and refused.field == "levels"
    assert pending_count(engine) == 0


# --- recipients and settings ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "street"),
    [
        ("武汉市武昌区中华路街解放路88号", "中华路街"),
        ("武汉市青山区青山镇街红卫路8号", "青山镇街"),
        ("武汉市江夏区五里界街道友谊路3号", "五里界街道"),
        ("武汉市新洲区凤凰镇中山路1号", "凤凰镇"),
        ("江汉路 88 号", None),
        ("sensor SEN-0001", None),
    ],
)
def test_the_street_is_read_from_the_address(address: str, street: str | None):
    district = address[3:6] if address.startswith("武汉市") else ""
    assert street_of(address, "武汉市", district) == street


def test_an_address_without_a_street_names_the_street_office_by_its_district(engine, serve):
    directory = Directory(engine, load_city_pack("wuhan"))
    incident = IncidentNotice(
        "inc-1", "leak", 2, "江汉路 88 号", "420106", 0.0, 0.0, datetime.now(UTC)
    )
    found = directory.recipients(incident, ["district", "street", "enterprise"])
    assert found == {
        "district": "武昌区燃气管理办公室",
        "street": "所在街道办事处（武昌区）",
        "enterprise": UNKNOWN,
    }


def test_sms_numbers_are_parsed_by_level():
    assert parse_sms_to(" city = 13800000000, +8613800000001 ; street=139-0000-0000;") == {
        "city": ["13800000000", "+8613800000001"],
        "street": ["13900000000"],
    }
    assert parse_sms_to(None) == {}


@pytest.mark.parametrize("value", ["13800000000", "town=13800000000", "city=abc", "city="])
def test_a_wrong_sms_list_names_the_variable(value: str):
    with pytest.raises(SettingsError, match="GASCC_NOTIFY_SMS_TO"):
        parse_sms_to(value)


def settings(tmp_path, **env: str) -> Settings:
    return Settings.from_env({"GASCC_TILE_URL": "none", **env}, demo=True, data_dir=tmp_path)


def test_only_configured_channels_are_built_and_in_app_always(sqlite_engine, tmp_path):
    assert build_notifier(settings(tmp_path), sqlite_engine).channel_names == ("in_app",)
    full = settings(
        tmp_path,
        GASCC_NOTIFY_WEBHOOK_URL="http://127.0.0.1:9/hook",
        GASCC_NOTIFY_SMS_URL="http://127.0.0.1:9/sms",
        GASCC_NOTIFY_SMS_TO="city=13800000000",
        GASCC_NOTIFY_RETRIES="5",
    )
    built = build_notifier(full, sqlite_engine)
    assert built.channel_names == ("in_app", "webhook", "sms")
    assert built.retries == 5


def test_a_bad_sms_setting_stops_the_build_naming_the_variable(sqlite_engine, tmp_path):
    bad = settings(
        tmp_path, GASCC_NOTIFY_SMS_URL="http://127.0.0.1:9/sms", GASCC_NOTIFY_SMS_TO="city:1380"
    )
    with pytest.raises(ValueError, match="GASCC_NOTIFY_SMS_TO"):
        build_notifier(bad, sqlite_engine)
    missing = settings(tmp_path, GASCC_NOTIFY_SMS_URL="http://127.0.0.1:9/sms")
    with pytest.raises(ValueError, match="GASCC_NOTIFY_SMS_TO"):
        build_notifier(missing, sqlite_engine)


@pytest.mark.parametrize(
    ("error", "lang", "expected"),
    [
        (
            "HTTP 503 Service Unavailable: busy",
            "zh",
            ("对方拒收（HTTP 503）", "Service Unavailable: busy"),
        ),
        ("HTTP 500", "en", ("Refused (HTTP 500)", "")),
        ("timed out after 5 s", "zh", ("5 秒内无应答", "")),
        ("timed out after 2.5 s", "en", ("No answer within 2.5 s", "")),
        (
            "connection failed: [Errno 111] Connection refused",
            "zh",
            ("无法连接", "[Errno 111] Connection refused"),
        ),
        ("sms gateway timeout", "zh", ("", "sms gateway timeout")),
        ("RuntimeError: HTTP 500 inside", "en", ("", "RuntimeError: HTTP 500 inside")),
    ],
)
def test_recorded_errors_are_put_into_words_with_their_detail_kept(error, lang, expected):
    assert error_in_words(error, lang) == expected
