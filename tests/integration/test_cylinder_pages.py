"""The cylinder pages from the server's side: /cylinder/<code> renders a trace (and the same
message for an unknown code and another enterprise's), its callback posted to Dash's endpoint
refuses another enterprise's code, the search box reads codes and scanned links, /cylinders
keeps its filters in the URL, and its exports hold what the list shows, in scope."""

from __future__ import annotations

import csv
import io
from base64 import b64encode
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from dashboard import ids
from dashboard.cylinder_export import to_csv, to_xlsx
from dashboard.domain.cylinders import PROBLEM_KINDS
from dashboard.domain.events import Event
from dashboard.domain.roles import CITYWIDE, Scope
from dashboard.photo_store import store_photo
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import Customer, Cylinder, Site, Worker
from data_access.queries import problem_cylinders as queries
from data_access.queries.registry import first_enterprise_id
from tests.conftest import sign_in
from tests.dash_endpoint import answer_text, post_callback

NOW = datetime.now(UTC)
PNG = b"\x89PNG\r\n\x1a\n"
KINDS = ("storefront", "cylinder_hose", "stove_hose", "surroundings")


def stored_photos(photos_dir) -> dict[str, str]:
    """Four photos kept by this server (as a user's upload is), one per kind."""
    made = {}
    for n, kind in enumerate(KINDS):
        content = PNG + bytes([n]) * 64
        reference = store_photo(photos_dir, f"data:image/png;base64,{b64encode(content).decode()}")
        assert reference is not None
        made[kind] = reference
    return made


def callbacks_of_the_list():
    """callbacks/cylinders.py, imported once an app exists (its page registers with Dash)."""
    from callbacks import cylinders

    return cylinders


def engine_of(app) -> Engine:
    return app.server.config["GASCC_ENGINE"]


def _first(engine: Engine, query):
    with engine.connect() as connection:
        return connection.execute(query.limit(1)).first()


def append(engine: Engine, *events: Event) -> None:
    outcomes = append_events(engine, [Incoming("test-scanner", e, None) for e in events])
    assert all(isinstance(o, Accepted) for o in outcomes), outcomes


def scanned(n: int, code: str, stage: str, **data) -> Event:
    from dashboard.domain.events import CylinderScanned

    data.setdefault("lat", 30.58)
    data.setdefault("lon", 114.29)
    return Event.of(
        CylinderScanned(code=code, stage=stage, **data), id=f"t-{code}-{n}", occurred_at=NOW
    )


@pytest.fixture
def traced(demo_app, demo_settings) -> tuple[str, str]:
    """A cylinder of the demo enterprise with a chain and a checked delivery, and one of
    another enterprise, filled: (ours, theirs)."""
    from dashboard.domain.events import DeliverySafetyChecked

    engine = engine_of(demo_app)
    photos = stored_photos(demo_settings.data_dir / "photos")
    ours = first_enterprise_id(engine)
    mine = _first(engine, select(Cylinder.code).where(Cylinder.enterprise_id == ours)).code
    theirs = _first(engine, select(Cylinder.code).where(Cylinder.enterprise_id != ours)).code
    site = _first(engine, select(Site.id).where(Site.enterprise_id == ours)).id
    other_site = _first(engine, select(Site.id).where(Site.enterprise_id != ours)).id
    worker = _first(engine, select(Worker.id).where(Worker.enterprise_id == ours)).id
    customer = _first(engine, select(Customer.id).where(Customer.real_name_verified.is_(True))).id
    check = DeliverySafetyChecked(
        code=mine, customer_id=customer, worker_id=worker, passed=True, photos=photos
    )
    append(
        engine,
        scanned(1, mine, "filling", site_id=site, worker_id=worker),
        scanned(2, mine, "sale", site_id=site, customer_id=customer),
        scanned(3, mine, "delivery", worker_id=worker, customer_id=customer),
        Event.of(check, id=f"t-{mine}-check", occurred_at=NOW),
        scanned(4, theirs, "filling", site_id=other_site),
        scanned(5, "BLACK-PAGES-1", "filling", site_id=other_site),
    )
    return mine, theirs


def test_the_trace_page_renders_for_its_enterprise_and_hides_another(
    demo_app, demo_settings, client, traced
):
    mine, theirs = traced
    sign_in(client, "enterprise")
    page = client.get(f"/cylinder/{mine}")
    assert page.status_code == 200
    body = post_callback(client, ids.CYL_CODE, "data", mine)
    text = answer_text(body)
    assert body.status_code == 200 and mine in text
    for stage in ("充装", "销售", "配送"):
        assert stage in text
    for reference in stored_photos(demo_settings.data_dir / "photos").values():
        assert f"/photos/{reference[7:]}.svg" in text  # all four photos, shown
    refused = post_callback(client, ids.CYL_CODE, "data", theirs)
    unknown = post_callback(client, ids.CYL_CODE, "data", "NO-SUCH-CODE")
    assert theirs not in answer_text(refused)
    assert answer_text(refused) == answer_text(unknown)  # the same words: reveals nothing
    assert "不在您的查看范围内" in answer_text(refused)


def test_the_detain_link_is_for_the_gas_offices(demo_app, client, traced):
    mine, _ = traced
    sign_in(client, "supervisor")
    text = answer_text(post_callback(client, ids.CYL_CODE, "data", mine))
    assert f"/detentions?code={mine}" in text
    client.get("/logout")
    sign_in(client, "leader")
    assert "/detentions?code=" not in answer_text(post_callback(client, ids.CYL_CODE, "data", mine))


def test_the_wall_gets_no_answer(demo_app, client, traced):
    sign_in(client, "screen")
    assert post_callback(client, ids.CYL_CODE, "data", traced[0]).status_code == 204


@pytest.mark.parametrize(
    ("typed", "href"),
    [
        ("WH-0001", "/cylinder/WH-0001"),
        ("  WH-0001 ", "/cylinder/WH-0001"),
        ("https://gas.example.cn/q/WH-0002", "/cylinder/WH-0002"),
        ("https://gas.example.cn/check?code=WH-0003&from=wx", "/cylinder/WH-0003"),
    ],
)
def test_the_search_box_opens_the_trace(demo_app, client, typed, href):
    sign_in(client, "supervisor")
    response = post_callback(
        client, ids.CYL_SEARCH_GO, "n_clicks", 1, {f"{ids.CYL_SEARCH_TEXT}.value": typed}
    )
    assert href in answer_text(response)


@pytest.mark.parametrize("typed", ["", "not a code!", "https://example.cn/other/page", "<script>"])
def test_the_search_box_says_why_it_found_no_code(demo_app, client, typed):
    sign_in(client, "jiangan")
    response = post_callback(
        client, ids.CYL_SEARCH_GO, "n_clicks", 1, {f"{ids.CYL_SEARCH_TEXT}.value": typed}
    )
    assert "无法识别气瓶编码" in answer_text(response)


def test_the_pages_render(demo_app, client, traced):
    sign_in(client, "supervisor")
    for path in (
        f"/cylinder/{traced[0]}",
        "/cylinders",
        "/cylinders?kind=black_cylinder&status=all",
    ):
        assert client.get(path).status_code == 200


def test_the_list_keeps_its_filters_in_the_url(demo_app):
    list_callbacks = callbacks_of_the_list()
    zone = ZoneInfo("Asia/Shanghai")
    values = ("black_cylinder", "ENT-1", "420102", "all", "2026-11-01", "")
    assert list_callbacks.query_string(values, 2) == (
        "kind=black_cylinder&enterprise=ENT-1&district=420102&status=all&since=2026-11-01&page=2"
    )
    assert list_callbacks.query_string(("all", None, "all", "open", None, None), 1) == ""
    wanted = list_callbacks.wanted_of(values, 2, zone)
    assert (wanted.kind, wanted.enterprise_id, wanted.district, wanted.status, wanted.page) == (
        "black_cylinder",
        "ENT-1",
        "420102",
        None,
        2,
    )
    assert wanted.since == datetime(2026, 10, 31, 16, tzinfo=UTC)


def test_the_list_posted_to_dash_follows_the_filters_and_the_scope(demo_app, client, traced):
    list_callbacks = callbacks_of_the_list()
    sign_in(client, "supervisor")
    others = {
        f"{control}.value": value
        for control, value in zip(
            list_callbacks.CONTROLS,
            ("black_cylinder", None, "all", "open", None, None),
            strict=True,
        )
    }
    text = answer_text(post_callback(client, ids.CP_KIND, "value", "black_cylinder", others))
    assert "BLACK-PAGES-1" in text and "kind=black_cylinder" in text
    client.get("/logout")
    sign_in(client, "enterprise")  # the black cylinder was scanned at another's site
    assert "BLACK-PAGES-1" not in answer_text(
        post_callback(client, ids.CP_KIND, "value", "black_cylinder", others)
    )


def test_the_exports_hold_what_the_list_shows_in_scope(demo_app, traced):
    engine = engine_of(demo_app)
    zone = ZoneInfo("Asia/Shanghai")
    wanted = queries.ProblemFilter(kind="black_cylinder", status=None)
    rows = queries.problem_rows(engine, CITYWIDE, wanted, 1000)
    assert "BLACK-PAGES-1" in {row.code for row in rows}
    describe = lambda detail, lang: detail  # noqa: E731
    content = to_csv(rows, {}, zone, "zh", describe).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(content)))
    assert table[0][0] == "气瓶编码" and len(table) == len(rows) + 1
    assert any(line[0] == "BLACK-PAGES-1" and line[1] == "黑瓶（未登记）" for line in table[1:])
    book = load_workbook(io.BytesIO(to_xlsx(rows, {}, zone, "en", describe)))
    sheet = book.active
    assert sheet.cell(1, 1).value == "Cylinder" and sheet.max_row == len(rows) + 1
    ours = first_enterprise_id(engine)
    mine = queries.problem_rows(engine, Scope(enterprise_id=ours), wanted, 1000)
    assert "BLACK-PAGES-1" not in {row.code for row in mine}
    assert set(PROBLEM_KINDS) >= {row.kind for row in rows}


def test_a_photo_this_server_does_not_keep_is_named_not_drawn_broken(demo_app, client, traced):
    from dashboard.domain.events import DeliverySafetyChecked

    engine = engine_of(demo_app)
    mine = traced[0]
    worker = _first(
        engine, select(Worker.id).where(Worker.enterprise_id == first_enterprise_id(engine))
    )
    customer = _first(engine, select(Customer.id))
    check = (worker.id, customer.id)
    elsewhere = {kind: "sha256:" + "9" * 64 for kind in KINDS}
    data = DeliverySafetyChecked(
        code=mine, customer_id=check[1], worker_id=check[0], passed=True, photos=elsewhere
    )
    append(engine, Event.of(data, id=f"t-{mine}-check-2", occurred_at=NOW))
    sign_in(client, "supervisor")
    text = answer_text(post_callback(client, ids.CYL_CODE, "data", mine))
    assert "照片存于采集端" in text and f"/photos/{'9' * 64}.svg" not in text
