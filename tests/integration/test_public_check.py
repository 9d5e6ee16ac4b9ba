"""The public QR check, /q/<code>, from the server's side on SQLite and PostgreSQL: what it shows
of a registered, an unregistered, an overdue and a scrapped cylinder, and that it shows nothing
of anyone (the customer, the worker, addresses, positions) even when the log holds all of it;
the complaint form (filed as complaint.received, channel qr_check, with the cylinder's
enterprise and district; bad input refused in the user's language with the text kept; a
missing, forged, another code's or expired token refused); the throttles (429); and that /q/ is
the only page besides sign-in that answers without a login."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, text

import dashboard.public_check as public_page
from dashboard.app import create_app
from dashboard.domain.complaints import BY_LABEL
from dashboard.domain.events import (
    CustomerRegistered,
    CylinderRegistered,
    CylinderScanned,
    EnterpriseRegistered,
    Event,
    EventData,
    SiteRegistered,
    WorkerRegistered,
)
from dashboard.domain.public_check import QR_CATEGORIES, TEXT_MAX, CylinderFacts, verdict_of
from dashboard.settings import Settings
from data_access import commands
from data_access.commands import Done, Refused
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import EVENT_SUBJECT_SQL, Complaint, EventRecord
from data_access.queries.public_check import cylinder_facts
from tests.support import JIANGAN

ZONE = "Asia/Shanghai"
TODAY = datetime.now(ZoneInfo(ZONE)).date()
NOW = datetime.now(UTC)
ENTERPRISE = ("ENT-QR-TEST", "江城测试燃气有限公司", "鄂燃经字QR-0001号")
STATION = ("SITE-QR-FILL", "江城测试充装站")
# The people and places of the chain: in the log, never on the public page.
WORKER = {"name": "欧阳送气测试", "phone": "13912345678", "address": "江岸区解放大道1001号"}
CUSTOMER = {"name": "司马用户测试", "phone": "13800001234", "address": "江岸区胜利街88号3单元"}
HOME = (30.5871234, 114.2912345)
STATION_AT = (30.6012345, 114.3012345)
CODES = {
    "in_date": "QR-OK-0001",
    "overdue": "QR-OLD-0001",
    "scrapped": "QR-SCRAP-0001",
    "unregistered": "QR-BLACK-0001",  # scanned, never registered
    "unknown": "QR-NOBODY-0001",  # never seen at all
}


def emit(engine: Engine, *items: tuple[str, EventData], when: datetime = NOW) -> None:
    events = [Event.of(data, id=event_id, occurred_at=when) for event_id, data in items]
    outcomes = append_events(engine, [Incoming("qr-test", event) for event in events])
    assert all(isinstance(outcome, Accepted) for outcome in outcomes), outcomes


def cylinder(code: str, inspection_due: date, scrap_due: date) -> tuple[str, EventData]:
    return f"reg-{code}", CylinderRegistered(
        code=code, enterprise_id=ENTERPRISE[0], capacity_kg=15, manufactured_on=date(2018, 1, 1),
        last_inspected_on=inspection_due - timedelta(days=4 * 365),
        next_inspection_due=inspection_due, scrap_due=scrap_due,
    )  # fmt: skip


def scan(code: str, stage: str, at: tuple[float, float], **more: str) -> tuple[str, EventData]:
    data = CylinderScanned(code=code, stage=stage, lat=at[0], lon=at[1], **more)  # type: ignore[arg-type]
    return f"scan-{code}-{stage}", data


@pytest.fixture
def chain(city: Engine) -> Engine:
    """An enterprise with a filling station, a worker and a customer whose events carry their
    names, phones and addresses; four cylinders filled there (one delivered to that customer)."""
    enterprise_id, name, licence = ENTERPRISE
    emit(
        city,
        ("ent", EnterpriseRegistered(enterprise_id=enterprise_id, name=name, kind="bottled",
                                     district=JIANGAN, licence_no=licence)),
        ("site", SiteRegistered(site_id=STATION[0], enterprise_id=enterprise_id,
                                kind="filling_station", name=STATION[1], district=JIANGAN,
                                lat=STATION_AT[0], lon=STATION_AT[1])),
        ("worker", WorkerRegistered(worker_id="W-QR-1", enterprise_id=enterprise_id,
                                    role="delivery", certificate_no="CERT-QR-778899",
                                    **WORKER)),  # type: ignore[arg-type]
        ("customer", CustomerRegistered(customer_id="C-QR-1", kind="household", district=JIANGAN,
                                        real_name_verified=True, lat=HOME[0], lon=HOME[1],
                                        enterprise_id=enterprise_id, **CUSTOMER)),
        cylinder(CODES["in_date"], TODAY + timedelta(days=400), TODAY + timedelta(days=3000)),
        cylinder(CODES["overdue"], TODAY - timedelta(days=10), TODAY + timedelta(days=3000)),
        cylinder(CODES["scrapped"], TODAY + timedelta(days=100), TODAY - timedelta(days=1)),
        when=NOW - timedelta(days=3),
    )  # fmt: skip
    for code in (CODES["in_date"], CODES["overdue"], CODES["unregistered"]):
        emit(city, scan(code, "filling", STATION_AT, site_id=STATION[0], worker_id="W-QR-1"),
             when=NOW - timedelta(days=2))  # fmt: skip
    emit(
        city,
        scan(CODES["in_date"], "sale", HOME, customer_id="C-QR-1", worker_id="W-QR-1"),
        scan(CODES["in_date"], "delivery", HOME, customer_id="C-QR-1", worker_id="W-QR-1"),
        when=NOW - timedelta(days=1),
    )
    return city


@pytest.fixture
def app_on(tmp_path: Path) -> Iterator:
    """An app on the test's database, with settings changed as asked."""
    apps = []

    def make(engine: Engine, **changes: object):
        env = {"GASCC_TILE_URL": "none", "SECRET_KEY": "test-secret-key-0123456789"}
        settings = Settings.from_env(env, data_dir=tmp_path).with_overrides(**changes)
        app = create_app(settings, engine=engine)
        apps.append(app)
        return app.server.test_client()

    yield make
    for app in apps:
        app.server.config["GASCC"].notifier.close()


@pytest.fixture
def client(chain, app_on):
    return app_on(chain)


def token_of(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, "no form token on the page"
    return found[1]


def complaints(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Complaint)) or 0)


# --- what the page shows -----------------------------------------------------------------------


def test_a_registered_cylinder_in_date(client):
    page = client.get(f"/q/{CODES['in_date']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-verdict="in_date"' in html and "检验在有效期内" in html
    for shown in (ENTERPRISE[1], ENTERPRISE[2], STATION[1], str(TODAY + timedelta(days=400))):
        assert shown in html, shown
    filled = (NOW - timedelta(days=2)).astimezone(ZoneInfo(ZONE)).date()
    assert f'id="qc-last-filled">{filled}<' in html
    assert "请勿使用" not in html and '<html lang="zh-CN">' in html


def test_the_page_shows_nobody_and_no_place(client, chain):
    with chain.connect() as connection:  # the log does hold them: the page must not show them
        logged = " ".join(str(d) for d in connection.scalars(select(EventRecord.data)))
    assert WORKER["phone"] in logged and CUSTOMER["address"] in logged
    secrets_ = [*WORKER.values(), *CUSTOMER.values(), "W-QR-1", "C-QR-1", "CERT-QR-778899"]
    secrets_ += [f"{value:.4f}"[:7] for value in (*HOME, *STATION_AT)]  # 30.5871, 114.291, ...
    for code in CODES.values():
        for lang in ("zh", "en"):
            html = client.get(f"/q/{code}?lang={lang}").get_data(as_text=True)
            leaked = [value for value in secrets_ if value in html]
            assert not leaked, (code, lang, leaked)


def test_an_unregistered_code_is_a_black_cylinder_do_not_use(client):
    for code in (CODES["unregistered"], CODES["unknown"]):
        html = client.get(f"/q/{code}").get_data(as_text=True)
        assert 'data-verdict="unregistered"' in html, code
        assert "请勿使用" in html and "96511" in html and 'href="tel:96511"' in html
        assert ENTERPRISE[1] not in html and ENTERPRISE[2] not in html
        # where a black cylinder was filled is the supervisors' lead, not the public's
        assert STATION[1] not in html and 'id="qc-last-filled"' not in html


def test_overdue_and_scrapped_cylinders_say_do_not_use(client):
    html = client.get(f"/q/{CODES['overdue']}").get_data(as_text=True)
    assert 'data-verdict="overdue"' in html and "检验已超期" in html and "请勿使用" in html
    html = client.get(f"/q/{CODES['scrapped']}?lang=en").get_data(as_text=True)
    assert 'data-verdict="scrapped"' in html and "do not use" in html and "96511" in html
    assert '<html lang="en">' in html


def test_english_on_request_and_the_switch_back(client):
    html = client.get(f"/q/{CODES['in_date']}?lang=en").get_data(as_text=True)
    assert "Registered · inspection in date" in html and 'href="?lang=zh"' in html
    assert 'name="lang" value="en"' in html  # the form answers in English too


def test_the_in_date_rule_counts_the_due_day_as_in_date():
    facts = CylinderFacts("X", True, next_inspection_due=TODAY, scrap_due=TODAY)
    assert verdict_of(facts, TODAY) == "in_date"
    assert verdict_of(facts, TODAY + timedelta(days=1)) == "scrapped"
    assert verdict_of(CylinderFacts("X", False), TODAY) == "unregistered"


def test_a_bad_code_is_not_found(client):
    for path in (f"/q/{'x' * 200}", "/q/a/b", "/q/"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert "气瓶编码无效" in page.get_data(as_text=True), path


def test_the_last_filling_is_read_through_the_subject_index(chain):
    if chain.dialect.name != "sqlite":
        pytest.skip("the plan on SQLite names the index; PostgreSQL picks by its statistics")
    query = (
        "EXPLAIN QUERY PLAN SELECT occurred_at FROM event_log WHERE "
        f"{EVENT_SUBJECT_SQL} = 'X' "
        "AND type = 'cylinder.scanned' AND data ->> 'stage' = 'filling' ORDER BY seq DESC LIMIT 1"
    )
    with chain.connect() as connection:
        plan = " ".join(str(row) for row in connection.execute(text(query)))
    assert "ix_event_log_subject_seq" in plan, plan
    facts = cylinder_facts(chain, CODES["in_date"], ZONE)
    assert facts.filling_station == STATION[1] and facts.enterprise_name == ENTERPRISE[1]


# --- the complaint form ----------------------------------------------------------------------


def test_the_qr_categories_are_the_complaint_queues():
    assert set(QR_CATEGORIES) <= set(BY_LABEL), set(QR_CATEGORIES) - set(BY_LABEL)


def test_a_complaint_is_filed_with_the_cylinders_enterprise_and_district(client, chain):
    code = CODES["in_date"]
    token = token_of(client.get(f"/q/{code}").get_data(as_text=True))
    form = {"token": token, "lang": "zh", "category": "企业信息不符", "text": "送气的不是这家公司"}
    answer = client.post(f"/q/{code}", data=form)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "投诉已受理" in html
    number = re.search(r'id="qc-number">([^<]+)<', html)
    assert number and number[1].startswith("QR-")
    with chain.connect() as connection:
        row = connection.execute(select(Complaint).where(Complaint.id == number[1])).one()
        logged = connection.execute(
            select(EventRecord.source, EventRecord.actor).where(EventRecord.event_id == number[1])
        ).one()
    assert (row.channel, row.code, row.category) == ("qr_check", code, "企业信息不符")
    assert row.enterprise_id == ENTERPRISE[0]
    assert row.district == JIANGAN  # the cylinder's current district: the delivery's
    assert row.text == "送气的不是这家公司"
    assert tuple(logged) == ("public:qr_check", "public")


def test_a_code_nobody_has_seen_asks_for_the_district(client, chain):
    code = CODES["unknown"]
    html = client.get(f"/q/{code}").get_data(as_text=True)
    assert 'id="qc-district"' in html
    form = {"token": token_of(html), "category": "其他", "text": "瓶身无任何标识"}
    refused = client.post(f"/q/{code}", data=form)
    assert refused.status_code == 400 and "请选择气瓶所在区" in refused.get_data(as_text=True)
    answer = client.post(f"/q/{code}", data=form | {"district": JIANGAN})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    with chain.connect() as connection:
        row = connection.execute(select(Complaint).where(Complaint.code == code)).one()
    assert row.district == JIANGAN and row.enterprise_id is None


@pytest.mark.parametrize(
    ("change", "zh", "en"),
    [
        ({"category": "随便写的"}, "请选择问题类型", "Choose what is wrong"),
        ({"category": ""}, "请选择问题类型", "Choose what is wrong"),
        ({"text": "   "}, "请填写情况说明", "Say what happened"),
        ({"text": "长" * (TEXT_MAX + 1)}, f"{TEXT_MAX} 字以内", f"at most {TEXT_MAX} characters"),
        ({"token": ""}, "表单无效", "The form is not valid"),
        ({"token": "forged.token.value"}, "表单无效", "The form is not valid"),
    ],
)
def test_bad_input_is_refused_in_the_users_language_and_the_text_is_kept(
    client, chain, change, zh, en
):
    code = CODES["overdue"]
    for lang, message in (("zh", zh), ("en", en)):
        token = token_of(client.get(f"/q/{code}?lang={lang}").get_data(as_text=True))
        text_ = "气瓶上的检验日期已经过了"
        form = {"token": token, "lang": lang, "category": "检验超期", "text": text_} | change
        before = complaints(chain)
        answer = client.post(f"/q/{code}", data=form)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 400, (change, lang)
        assert message in html and 'id="qc-error"' in html, (change, lang)
        kept = form["text"][: TEXT_MAX * 4]
        assert f">{kept}</textarea>" in html, "the text typed is kept in the form"
        assert complaints(chain) == before


def test_another_codes_token_and_an_expired_one_are_refused(client, chain, monkeypatch):
    other = token_of(client.get(f"/q/{CODES['overdue']}").get_data(as_text=True))
    form = {"token": other, "category": "检验超期", "text": "超期了"}
    answer = client.post(f"/q/{CODES['in_date']}", data=form)
    assert answer.status_code == 400 and "表单无效" in answer.get_data(as_text=True)
    fresh = token_of(client.get(f"/q/{CODES['in_date']}").get_data(as_text=True))
    monkeypatch.setattr(public_page, "FORM_MAX_AGE_S", -1)  # every token is now too old
    answer = client.post(f"/q/{CODES['in_date']}", data=form | {"token": fresh})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "表单已过期" in html and ">超期了</textarea>" in html
    assert token_of(html) != fresh  # a new form to send it again with
    assert complaints(chain) == complaints(chain)  # nothing filed (count read twice: stable)


def test_a_complaint_from_another_site_is_refused(client, chain):
    token = token_of(client.get(f"/q/{CODES['in_date']}").get_data(as_text=True))
    before = complaints(chain)
    answer = client.post(
        f"/q/{CODES['in_date']}",
        data={"token": token, "category": "其他", "text": "x"},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403 and complaints(chain) == before


def test_the_command_refuses_bad_input_and_files_good(chain):
    refused = commands.file_qr_complaint(chain, CODES["in_date"], "nope", "x")
    assert isinstance(refused, Refused) and refused.reason == "qr.category"
    done = commands.file_qr_complaint(chain, CODES["overdue"], "检验超期", "  超期  ")
    assert isinstance(done, Done)
    with chain.connect() as connection:
        row = connection.execute(select(Complaint).where(Complaint.id == done.subject)).one()
    assert (row.text, row.enterprise_id, row.district) == ("超期", ENTERPRISE[0], JIANGAN)


# --- headers, throttles, and the login guard ----------------------------------------------------


def test_the_page_runs_no_script_under_a_strict_policy(client):
    page = client.get(f"/q/{CODES['in_date']}")
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "'unsafe-inline'" not in policy
    assert "<script" not in page.get_data(as_text=True)
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-store"


def redis_url() -> str | None:
    """The tests' Redis (TEST_REDIS_URL), emptied, when there is one."""
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        import redis

        redis.Redis.from_url(url).flushdb()
    return url


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_views_and_complaints_are_throttled_per_address(chain, app_on, storage):
    url = redis_url() if storage == "redis" else None
    if storage == "redis" and url is None:
        pytest.skip("TEST_REDIS_URL is not set")
    client = app_on(
        chain, redis_url=url, public_view_limit="3 per minute", public_complaint_limit="1 per hour"
    )
    path = f"/q/{CODES['in_date']}"
    pages = [client.get(path) for _ in range(3)]
    assert [page.status_code for page in pages] == [200, 200, 200]
    throttled = client.get(path)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert "请求过于频繁" in throttled.get_data(as_text=True)
    # another address (through a trusted proxy's header it would be; here the socket's) counts
    # on its own
    other = client.get(path, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 200
    token = token_of(other.get_data(as_text=True))
    form = {"token": token, "category": "其他", "text": "第一次投诉", "lang": "en"}
    first = client.post(path, data=form)
    assert first.status_code == 200
    second = client.post(path, data=form | {"text": "第二次投诉"})
    html = second.get_data(as_text=True)
    assert second.status_code == 429 and "Too many requests" in html
    assert ">第二次投诉</textarea>" in html  # nothing typed is lost


def test_only_the_public_check_answers_without_a_login(client):
    assert client.get(f"/q/{CODES['in_date']}").status_code == 200
    for path in ("/", "/hazards", "/cylinders", "/complaints", "/qx", "/incidents"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer.location.startswith("/login"), path
    assert client.post("/_dash-update-component", json={}).status_code == 401
