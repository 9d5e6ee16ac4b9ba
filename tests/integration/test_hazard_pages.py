"""The hazard board and a hazard's page from the server's side: the board's query (filters,
counts, paging, scope) on SQLite and PostgreSQL, the exports, uploaded photos, and the steps
posted straight to Dash's endpoint: refused in the user's language for whoever may not take
them, answered for nobody the page refuses, and taken for whoever may."""

from __future__ import annotations

import base64
import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from dashboard import ids
from dashboard.domain.roles import CITYWIDE, Role, Scope
from dashboard.hazard_export import to_csv, to_xlsx
from dashboard.photo_store import MAX_BYTES, store_photo
from data_access import commands
from data_access.commands import Done
from data_access.models import EventRecord, Hazard, Site
from data_access.queries import hazard_board as board
from data_access.queries.registry import first_enterprise_id
from tests.conftest import sign_in
from tests.dash_endpoint import answer_text, post_callback
from tests.support import JIANGAN, WUCHANG, desk_user, report_hazard

ADMIN = desk_user("admin", Role.ADMIN)
NOW = datetime.now(UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64


def upload(content: bytes, kind: str = "image/png") -> str:
    return f"data:{kind};base64,{base64.b64encode(content).decode()}"


# --- the board's query -------------------------------------------------------------------------


@pytest.fixture
def hazards(city) -> Engine:
    """Nine hazards: six in Jiang'an (one major, two overdue, one closed, one escalated) and
    three in Wuchang."""
    for n in range(6):
        due = NOW - timedelta(days=2) if n < 2 else NOW + timedelta(days=5)
        report_hazard(city, f"HZ-B-JA-{n}", level="major" if n == 5 else "general", due_at=due)
    for n in range(3):
        report_hazard(city, f"HZ-B-WC-{n}", district=WUCHANG)
    for step, extra in (("start", {}), ("rectified", {"photos": ["sha256:" + "e" * 64]}),
                        ("verify", {}), ("close", {})):  # fmt: skip
        assert isinstance(commands.move_hazard(city, ADMIN, "HZ-B-JA-4", step, **extra), Done)
    assert commands.escalate_overdue_hazards(city, NOW) == 2  # the two overdue ones
    return city


def ids_of(result: board.HazardBoard) -> set[str]:
    return {row.id for row in result.rows}


def test_the_board_filters_counts_and_scopes(hazards):
    everything = board.hazard_board(hazards, CITYWIDE, board.HazardFilter(status=None), NOW)
    assert everything.total == 9
    assert everything.by_status["closed"] == 1 and everything.by_status["reported"] == 8
    assert everything.by_district == {JIANGAN: 6, WUCHANG: 3}
    open_ones = board.hazard_board(hazards, CITYWIDE, board.HazardFilter(), NOW)
    assert open_ones.total == 8 and "HZ-B-JA-4" not in ids_of(open_ones)
    assert open_ones.by_status["closed"] == 1  # counts per status ignore the status filter
    overdue = board.HazardFilter(overdue=True)
    assert ids_of(board.hazard_board(hazards, CITYWIDE, overdue, NOW)) == {"HZ-B-JA-0", "HZ-B-JA-1"}
    escalated = board.HazardFilter(escalation="district")
    assert board.hazard_board(hazards, CITYWIDE, escalated, NOW).total == 2
    major = board.HazardFilter(level="major")
    assert ids_of(board.hazard_board(hazards, CITYWIDE, major, NOW)) == {"HZ-B-JA-5"}
    wuchang = board.HazardFilter(district=WUCHANG)
    in_wuchang = board.hazard_board(hazards, CITYWIDE, wuchang, NOW)
    assert in_wuchang.total == 3 and in_wuchang.by_district == {JIANGAN: 5, WUCHANG: 3}
    officer = board.hazard_board(hazards, Scope(district=JIANGAN), board.HazardFilter(), NOW)
    assert officer.total == 5 and set(officer.by_district) == {JIANGAN}


def test_the_board_filters_by_the_grid_cell_of_the_target_and_by_source(hazards):
    report_hazard(hazards, "HZ-B-COMPLAINT", district=WUCHANG, origin="complaint")
    with hazards.connect() as connection:
        site = connection.scalar(select(Hazard.target_id).where(Hazard.id == "HZ-B-JA-0"))
        cell = connection.scalar(select(Site.grid_cell).where(Site.id == site))
        elsewhere = connection.scalar(
            select(Site.grid_cell).where(Site.district == WUCHANG, Site.grid_cell != cell)
        )
    assert cell and elsewhere
    in_cell = board.hazard_board(hazards, CITYWIDE, board.HazardFilter(grid_cell=cell), NOW)
    assert ids_of(in_cell) == {f"HZ-B-JA-{n}" for n in (0, 1, 2, 3, 5)}  # the open ones there
    nothing = board.HazardFilter(grid_cell="NO-SUCH-CELL")
    assert board.hazard_board(hazards, CITYWIDE, nothing, NOW).total == 0
    complaints = board.HazardFilter(origin="complaint")
    assert ids_of(board.hazard_board(hazards, CITYWIDE, complaints, NOW)) == {"HZ-B-COMPLAINT"}
    by_hand = board.HazardFilter(origin="manual", status=None)
    assert board.hazard_board(hazards, CITYWIDE, by_hand, NOW).total == 9
    cells = dict(board.grid_cells(hazards, Scope(district=JIANGAN), "zh"))
    assert cell in cells and elsewhere not in cells  # an officer's filter offers its cells


def test_an_enterprise_sees_only_the_hazards_it_must_rectify(hazards):
    with hazards.connect() as connection:
        owner = connection.scalar(select(Hazard.enterprise_id).where(Hazard.id == "HZ-B-WC-0"))
    mine = board.hazard_board(hazards, Scope(enterprise_id=owner), board.HazardFilter(), NOW)
    assert mine.total >= 3 and {row.enterprise_id for row in mine.rows} == {owner}


def test_the_board_pages_in_order_and_keeps_the_last_page_in_range(hazards, monkeypatch):
    monkeypatch.setattr(board, "PAGE_SIZE", 4)
    wanted = board.HazardFilter(status=None, sort="due")
    first = board.hazard_board(hazards, CITYWIDE, wanted, NOW)
    second = board.hazard_board(hazards, CITYWIDE, board.HazardFilter(status=None, page=2), NOW)
    beyond = board.hazard_board(hazards, CITYWIDE, board.HazardFilter(status=None, page=99), NOW)
    assert (first.pages, len(first.rows), len(second.rows)) == (3, 4, 4)
    assert [row.id for row in first.rows[:2]] == ["HZ-B-JA-0", "HZ-B-JA-1"]  # most overdue first
    assert not ids_of(first) & ids_of(second)
    assert (beyond.page, len(beyond.rows)) == (3, 1)


def test_the_exports_hold_what_the_board_shows_in_words(hazards):
    wanted = board.HazardFilter(district=JIANGAN)
    rows = board.hazard_rows(hazards, CITYWIDE, wanted, NOW, cap=100)
    assert len(rows) == 5
    names = {JIANGAN: "江岸区"}
    zone = ZoneInfo("Asia/Shanghai")
    lines = list(csv.reader(io.StringIO(to_csv(rows, names, zone, NOW, "zh").decode("utf-8-sig"))))
    assert lines[0][0] == "隐患编号" and len(lines) == 6
    assert {line[1] for line in lines[1:]} == {"江岸区"}
    assert sum(line[10] == "✓" for line in lines[1:]) == 2  # the overdue ones
    assert {line[4] for line in lines[1:]} == {"人工录入"}  # reported without an inspection
    book = load_workbook(io.BytesIO(to_xlsx(rows, names, zone, NOW, "en")))
    sheet = book.active
    assert sheet.cell(1, 1).value == "Number" and sheet.max_row == 6
    assert {sheet.cell(r, 7).value for r in range(2, 7)} == {"Reported"}


# --- photos -------------------------------------------------------------------------------------


def test_only_jpeg_and_png_photos_are_kept_under_their_hash(tmp_path):
    png_ref = store_photo(tmp_path, upload(PNG))
    assert png_ref is not None and (tmp_path / f"{png_ref[7:]}.png").read_bytes() == PNG
    assert store_photo(tmp_path, upload(JPEG, "image/jpeg")) is not None
    assert store_photo(tmp_path, upload(b"<svg onload='x'/>", "image/png")) is None
    assert store_photo(tmp_path, upload(b"GIF89a" + b"\0" * 10, "image/gif")) is None
    assert store_photo(tmp_path, "data:image/png;base64,not base64!") is None
    assert store_photo(tmp_path, upload(PNG + b"\0" * MAX_BYTES)) is None  # too big


def test_an_uploaded_photo_is_served_as_what_it_is(demo_app, demo_settings, client):
    reference = store_photo(demo_settings.data_dir / "photos", upload(JPEG, "image/jpeg"))
    assert reference is not None
    sign_in(client, "supervisor")
    response = client.get(f"/photos/{reference[7:]}.svg")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/photos/{'0' * 64}.svg").status_code == 404


# --- the steps on Dash's endpoint -----------------------------------------------------------------


def engine_of(app) -> Engine:
    return app.server.config["GASCC_ENGINE"]


def logged_by(engine: Engine, actor: str) -> int:
    query = (
        select(func.count())
        .select_from(EventRecord)
        .where(EventRecord.actor == actor, EventRecord.type.like("hazard.%"))
    )
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def status(engine: Engine, hazard_id: str) -> str:
    with engine.connect() as connection:
        return connection.scalar(select(Hazard.status).where(Hazard.id == hazard_id))


def post_step(client, hazard_id: str, step: str, note: str | None = None):
    trigger = {"type": ids.HAZARD_STEP, "step": step}
    others = {f"{ids.HAZARD_ID}.data": hazard_id, f"{ids.HAZARD_NOTE}.value": note}
    return post_callback(client, trigger, "n_clicks", 1, others)


@pytest.fixture
def verified(demo_app) -> str:
    """A verified hazard in Wuchang, of an enterprise that is not the demo enterprise's."""
    engine = engine_of(demo_app)
    ours = first_enterprise_id(engine)
    hazard_id, _ = report_hazard(engine, "HZ-ENDPOINT-1", district=WUCHANG, not_of=ours)
    for step, extra in (("start", {}), ("rectified", {"photos": ["sha256:" + "f" * 64]}),
                        ("verify", {})):  # fmt: skip
        assert isinstance(commands.move_hazard(engine, ADMIN, hazard_id, step, **extra), Done)
    return hazard_id


@pytest.mark.parametrize(
    ("username", "step", "refusal"),
    [
        ("leader", "close", "只有市、区燃气管理部门可以对隐患销号"),
        ("jiangan", "close", "未找到隐患"),  # another district's: as if it did not exist
        ("enterprise", "rectified", "未找到隐患"),  # another enterprise's
        ("supervisor", "verify", "不能执行“复查通过”"),  # verified already
    ],
)
def test_a_step_posted_directly_by_someone_who_may_not_take_it_is_refused(
    demo_app, client, verified, username, step, refusal
):
    sign_in(client, username)
    engine = engine_of(demo_app)
    before = logged_by(engine, username)
    response = post_step(client, verified, step)
    assert response.status_code == 200, response.data[:300]
    assert refusal in answer_text(response), answer_text(response)[:300]
    assert (logged_by(engine, username), status(engine, verified)) == (before, "verified")


def test_the_wall_screen_gets_no_answer_at_all(demo_app, client, verified):
    sign_in(client, "screen")
    response = post_step(client, verified, "close")
    assert response.status_code == 204  # PreventUpdate: the page's roles only
    assert status(engine_of(demo_app), verified) == "verified"


def test_the_city_office_closes_it_out_through_the_same_request(demo_app, client, verified):
    sign_in(client, "supervisor")
    response = post_step(client, verified, "close", note="复查合格，予以销号")
    assert "已办理：销号" in answer_text(response), answer_text(response)[:300]
    assert status(engine_of(demo_app), verified) == "closed"


def test_escalated_hazards_are_marked_on_the_one_map_and_counted_on_the_wall(hazards):
    from callbacks.one_map_layers import _hazard_feature
    from data_access.queries import map_layers, screen

    points, _ = map_layers.hazard_points(hazards, CITYWIDE, NOW, NOW - timedelta(days=1))
    marked = {point.id: point for point in points}
    assert marked["HZ-B-JA-0"].escalation == "district"
    assert marked["HZ-B-JA-2"].escalation is None
    feature = _hazard_feature(marked["HZ-B-JA-0"], "zh")["properties"]
    assert feature["escalation"] == "district" and "区级督办" in feature["tooltip"]
    assert _hazard_feature(marked["HZ-B-JA-2"], "zh")["properties"]["escalation"] == ""
    escalated = screen.escalated_hazards(hazards, CITYWIDE)  # the wall's ranking panel's 督办
    assert (escalated.get(JIANGAN, 0), escalated.get(WUCHANG, 0)) == (2, 0)
