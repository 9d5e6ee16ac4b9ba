"""The detention queue (/detentions) from the server's side: its query (filters, counts, late,
scope) on SQLite and PostgreSQL, the exports, and the detain form and each row's step posted
straight to Dash's endpoint: refused in the user's language for whoever may not take them,
answered for nobody the page refuses, and taken for whoever may."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from dashboard import ids
from dashboard.detention_export import to_csv, to_xlsx
from dashboard.domain.detentions import deadline, today
from dashboard.domain.roles import CITYWIDE, Role, Scope
from data_access import commands
from data_access.commands import Done
from data_access.models import CylinderDetention, EventRecord, Site
from data_access.queries import detentions as queries
from data_access.queries.registry import first_enterprise_id
from tests.conftest import sign_in
from tests.dash_endpoint import answer_text, post_callback
from tests.integration.test_detentions import OWNER, SUPERVISOR, cylinder, detain, site_of
from tests.support import JIANGAN, WUCHANG, desk_user

NOW = datetime.now(UTC)
ZONE = ZoneInfo("Asia/Shanghai")


# --- the queue's query ----------------------------------------------------------------------


@pytest.fixture
def queue(city) -> tuple[Engine, dict[str, str]]:
    """Four detentions of ENT-0001 in Jiang'an: one detained (late on the clock below), one
    recalled, one released, one scrapped; and one of another enterprise."""
    made = {}
    for name in ("late", "recalled", "released", "scrapped"):
        made[name] = detain(city, cylinder(city), days=0 if name == "late" else 5)
    site = site_of(city)
    for name in ("recalled", "released", "scrapped"):
        assert isinstance(commands.record_recall(city, OWNER, made[name], site), Done)
    assert isinstance(commands.release_cylinder(city, SUPERVISOR, made["released"]), Done)
    done = commands.scrap_cylinder(city, SUPERVISOR, made["scrapped"], note="瓶体腐蚀")
    assert isinstance(done, Done)
    with city.connect() as connection:
        other = connection.scalar(
            select(Site.enterprise_id).where(Site.enterprise_id != "ENT-0001").limit(1)
        )
    made["other"] = detain(city, cylinder(city, other), days=5)
    return city, made


def ids_of(board: queries.DetentionBoard) -> set[str]:
    return {row.id for row in board.rows}


def test_the_queue_filters_counts_and_scopes(queue):
    engine, made = queue
    later = deadline(today(NOW)) + timedelta(hours=1)  # the "late" one's recall day is over
    every = queries.detention_board(engine, CITYWIDE, queries.DetentionFilter(status=None), later)
    assert ids_of(every) >= set(made.values())
    open_ones = queries.detention_board(engine, CITYWIDE, queries.DetentionFilter(), later)
    assert {made["late"], made["recalled"], made["other"]} <= ids_of(open_ones)
    assert not {made["released"], made["scrapped"]} & ids_of(open_ones)
    late = queries.detention_board(engine, CITYWIDE, queries.DetentionFilter(late=True), later)
    assert ids_of(late) == {made["late"]} and late.late == 1
    scrapped = queries.DetentionFilter(status="scrapped")
    assert ids_of(queries.detention_board(engine, CITYWIDE, scrapped, later)) == {made["scrapped"]}
    # an enterprise sees its own only: its recall queue, and what awaits its recall
    own = queries.detention_board(engine, OWNER.scope, queries.DetentionFilter(status=None), later)
    assert made["other"] not in ids_of(own) and made["late"] in ids_of(own)
    assert all(row.enterprise_id == "ENT-0001" for row in own.rows)
    assert queries.awaiting_recall(engine, OWNER.scope, later) == (1, 1)
    # a district officer elsewhere sees none of Jiang'an's
    wuchang = queries.detention_board(
        engine, Scope(district=WUCHANG), queries.DetentionFilter(status=None), later
    )
    assert not set(made.values()) & ids_of(wuchang)
    jiangan = queries.DetentionFilter(status=None, district=JIANGAN)
    assert set(made.values()) <= ids_of(queries.detention_board(engine, CITYWIDE, jiangan, later))


def test_the_exports_hold_what_the_queue_shows_in_words(queue):
    engine, made = queue
    later = deadline(today(NOW)) + timedelta(hours=1)
    rows = queries.detention_rows(
        engine, OWNER.scope, queries.DetentionFilter(status=None), later, 100
    )
    text = to_csv(rows, {JIANGAN: "江岸区"}, ZONE, later, "zh").decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:3] == ["气瓶编码", "责任企业", "辖区"]
    assert len(table) == 1 + len(rows) and "江岸区" in text and "已报废" in text
    assert made["other"] not in text
    late_line = next(line for line in table if "待召回" in line)
    assert "✓" in late_line
    book = load_workbook(io.BytesIO(to_xlsx(rows, {}, ZONE, later, "en")))
    sheet = book.active
    assert sheet is not None and sheet.max_row == 1 + len(rows)
    assert [cell.value for cell in sheet[1]][:2] == ["Cylinder", "Enterprise"]


# --- the form and the steps on Dash's endpoint ---------------------------------------------------


def engine_of(app) -> Engine:
    return app.server.config["GASCC_ENGINE"]


def logged_by(engine: Engine, actor: str) -> int:
    query = (
        select(func.count())
        .select_from(EventRecord)
        .where(EventRecord.actor == actor, EventRecord.type.like("cylinder.%"))
    )
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def status(engine: Engine, detention_id: str) -> str | None:
    with engine.connect() as connection:
        return connection.scalar(
            select(CylinderDetention.status).where(CylinderDetention.id == detention_id)
        )


def post_detain(client, code: str, days: int = 3, reason: str = "超期未检仍在充装"):
    recall_by = (today(NOW) + timedelta(days=days)).isoformat()
    others = {
        f"{ids.DT_CODE}.value": code,
        f"{ids.DT_REASON}.value": reason,
        f"{ids.DT_RECALL_BY}.value": recall_by,
        f"{ids.DT_TICK}.data": 0,
    }
    return post_callback(client, ids.DT_DETAIN, "n_clicks", 1, others)


def post_step(client, step: str, detention_id: str, site: str | None = None, note: str = ""):
    trigger_type = {"recall": ids.DT_RECALL, "release": ids.DT_RELEASE, "scrap": ids.DT_SCRAP}
    others = {f"{ids.DT_SITE}.value": site, f"{ids.DT_NOTE}.value": note, f"{ids.DT_TICK}.data": 0}
    trigger = {"type": trigger_type[step], step: detention_id}
    return post_callback(client, trigger, "n_clicks", 1, others)


@pytest.fixture
def demo_code(demo_app) -> str:
    """A cylinder of the demo enterprise, last scanned in Jiang'an."""
    engine = engine_of(demo_app)
    return cylinder(engine, first_enterprise_id(engine))


@pytest.mark.parametrize(
    ("username", "days", "refusal"),
    [
        ("leader", 3, "只有市、区燃气管理部门可以扣押气瓶"),
        ("enterprise", 3, "只有市、区燃气管理部门可以扣押气瓶"),
        ("supervisor", -1, "已过，请选择今天或以后的日期"),
    ],
)
def test_a_detention_posted_by_someone_who_may_not_is_refused_in_words(
    demo_app, client, demo_code, username, days, refusal
):
    sign_in(client, username)
    engine = engine_of(demo_app)
    before = logged_by(engine, username)
    response = post_detain(client, demo_code, days=days)
    assert response.status_code == 200, response.data[:300]
    assert refusal in answer_text(response), answer_text(response)[:300]
    assert logged_by(engine, username) == before


def test_the_wall_screen_gets_no_answer_at_all(demo_app, client, demo_code):
    sign_in(client, "screen")
    assert post_detain(client, demo_code).status_code == 204
    assert logged_by(engine_of(demo_app), "screen") == 0


def test_detained_recalled_and_released_through_the_endpoint(demo_app, demo_code):
    engine = engine_of(demo_app)
    enterprise = first_enterprise_id(engine)
    supervisor, company = demo_app.server.test_client(), demo_app.server.test_client()
    sign_in(supervisor, "supervisor")
    sign_in(company, "enterprise")
    answer = answer_text(post_detain(supervisor, demo_code))
    assert f"气瓶 {demo_code} 已扣押" in answer, answer[:300]
    with engine.connect() as connection:
        detention_id = connection.scalar(
            select(CylinderDetention.id).where(CylinderDetention.code == demo_code)
        )
    assert status(engine, detention_id) == "detained"
    # the enterprise's queue holds it, with its notice
    listed = post_callback(
        company, ids.DT_REFRESH, "n_intervals", 1, {f"{ids.DT_STATUS}.value": "open"}
    )
    text = answer_text(listed)
    assert demo_code in text and "待召回" in text and "您有 1 个被扣押气瓶待召回" in text
    # released before the recall: refused in words; recalled to another's site: unknown
    answer = answer_text(post_step(supervisor, "release", detention_id))
    assert "尚未召回，召回后方可处置" in answer, answer[:300]
    with engine.connect() as connection:
        foreign = connection.scalar(select(Site.id).where(Site.enterprise_id != enterprise))
    answer = answer_text(post_step(company, "recall", detention_id, site=foreign))
    assert "未找到站点" in answer, answer[:300]
    assert "只有气瓶的责任企业可以记录召回" in answer_text(
        post_step(supervisor, "recall", detention_id, site=site_of(engine, enterprise))
    )
    answer = answer_text(
        post_step(company, "recall", detention_id, site=site_of(engine, enterprise))
    )
    assert "已记录召回" in answer and status(engine, detention_id) == "recalled"
    answer = answer_text(post_step(supervisor, "release", detention_id, note="复检合格"))
    assert "气瓶已放行" in answer and status(engine, detention_id) == "released"


def test_an_enterprise_cannot_act_on_another_enterprises_detention(demo_app, client):
    engine = engine_of(demo_app)
    ours = first_enterprise_id(engine)
    with engine.connect() as connection:
        other, site = connection.execute(
            select(Site.enterprise_id, Site.id).where(Site.enterprise_id != ours).limit(1)
        ).one()
    detention_id = detain(engine, cylinder(engine, other))
    sign_in(client, "enterprise")
    answer = answer_text(post_step(client, "recall", detention_id, site=site))
    assert "未找到扣押记录" in answer, answer[:300]
    assert status(engine, detention_id) == "detained"
    listed = answer_text(post_callback(client, ids.DT_REFRESH, "n_intervals", 1, {}))
    assert detention_id not in listed


def test_the_detain_form_shows_the_registrys_enterprise(demo_app, client, demo_code):
    sign_in(client, "supervisor")
    engine = engine_of(demo_app)
    answer = post_callback(client, ids.DT_CODE, "value", demo_code, {})
    with engine.connect() as connection:
        from data_access.models import Enterprise

        name = connection.scalar(
            select(Enterprise.name).where(Enterprise.id == first_enterprise_id(engine))
        )
    assert name in answer_text(answer)
    unknown = answer_text(post_callback(client, ids.DT_CODE, "value", "NO-SUCH-CYL", {}))
    assert "未找到气瓶 NO-SUCH-CYL" in unknown


def test_a_scrap_needs_its_reason(demo_app, client, demo_code):
    engine = engine_of(demo_app)
    detention_id = detain(engine, demo_code)
    owner = desk_user("ent", Role.ENTERPRISE, enterprise_id=first_enterprise_id(engine))
    site = site_of(engine, first_enterprise_id(engine))
    assert isinstance(commands.record_recall(engine, owner, detention_id, site), Done)
    sign_in(client, "jiangan")
    assert "报废须填写原因" in answer_text(post_step(client, "scrap", detention_id))
    answer = answer_text(post_step(client, "scrap", detention_id, note="瓶体严重腐蚀"))
    assert "气瓶已报废" in answer and status(engine, detention_id) == "scrapped"
