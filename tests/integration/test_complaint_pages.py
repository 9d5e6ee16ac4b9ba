"""The complaint queue and a complaint's page from the server's side: the queue's query (filters,
counts, paging, scope) and its timeliness and satisfaction figures on SQLite and PostgreSQL, the
exports, and the pages and steps through Dash's endpoint: an enterprise opens only the
complaints naming it, by URL or by the endpoint; a refusal reads in the user's language."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from dashboard import ids
from dashboard.complaint_export import to_csv, to_xlsx
from dashboard.domain.roles import CITYWIDE, Role, Scope
from data_access import commands
from data_access.commands import Done
from data_access.models import Complaint, EventRecord
from data_access.queries import complaint_board as board
from data_access.users import find_login
from tests.complaint_support import enterprises_in, receive_complaint
from tests.conftest import sign_in
from tests.dash_endpoint import answer_text, post_callback
from tests.security.test_matrix_pages import layout_of, rendered
from tests.support import IN_WUCHANG, JIANGAN, WUCHANG, desk_user

ADMIN = desk_user("admin", Role.ADMIN)
NOW = datetime.now(UTC)
ZONE = ZoneInfo("Asia/Shanghai")


def done(result: object) -> None:
    assert isinstance(result, Done), result


@pytest.fixture
def complaints(city) -> Engine:
    """Seven complaints: five in Jiang'an (four naming its first enterprise: one closed in time
    rated 5, one closed late rated 2, one open and late, one open in time; one naming nobody)
    and two in Wuchang."""
    ours = enterprises_in(city, JIANGAN)[0]
    long_ago = NOW - timedelta(days=10)
    for name, category, when, enterprise in (
        ("CMP-P-1", "服务态度", NOW - timedelta(days=3), ours),  # closed in time: 5
        ("CMP-P-2", "燃气异味", NOW - timedelta(days=3), ours),  # closed late: 2
        ("CMP-P-3", "燃气异味", long_ago, ours),  # open and late
        ("CMP-P-4", "服务态度", NOW - timedelta(hours=1), ours),  # open, in time
        ("CMP-P-5", "其他", NOW - timedelta(hours=2), None),  # nobody named
    ):
        receive_complaint(city, name, category=category, received_at=when, enterprise_id=enterprise)
    for n in (1, 2):
        receive_complaint(city, f"CMP-P-W{n}", district=WUCHANG, position=IN_WUCHANG,
                          channel="wechat")  # fmt: skip
    for complaint_id, score in (("CMP-P-1", 5), ("CMP-P-2", 2)):
        done(commands.assign_complaint(city, ADMIN, complaint_id))
        done(commands.reply_complaint(city, ADMIN, complaint_id, "已处理"))
        done(commands.close_complaint(city, ADMIN, complaint_id, score))
    # CMP-P-1 closed now, within its five days; CMP-P-2 now, three days after its 12 hours
    done(commands.assign_complaint(city, ADMIN, "CMP-P-3"))
    return city


def ids_of(queue: board.ComplaintQueue) -> set[str]:
    return {row.id for row in queue.rows}


def test_the_queue_filters_counts_and_scopes(complaints):
    queue = board.complaint_queue(complaints, CITYWIDE, board.ComplaintFilter(status=None), NOW)
    assert queue.total == 7 and queue.by_status["closed"] == 2
    assert queue.by_status["received"] == 4 and queue.by_status["assigned"] == 1
    open_ones = board.complaint_queue(complaints, CITYWIDE, board.ComplaintFilter(), NOW)
    assert open_ones.total == 5 and not ids_of(open_ones) & {"CMP-P-1", "CMP-P-2"}
    assert open_ones.rows[0].id == "CMP-P-3"  # the longest overdue first
    late = board.ComplaintFilter(late=True)
    assert ids_of(board.complaint_queue(complaints, CITYWIDE, late, NOW)) == {"CMP-P-3"}
    wechat = board.ComplaintFilter(channel="wechat")
    assert ids_of(board.complaint_queue(complaints, CITYWIDE, wechat, NOW)) == {
        "CMP-P-W1",
        "CMP-P-W2",
    }
    smell = board.ComplaintFilter(category="燃气异味", status=None)
    assert ids_of(board.complaint_queue(complaints, CITYWIDE, smell, NOW)) == {"CMP-P-2", "CMP-P-3"}
    recent = board.ComplaintFilter(since=NOW - timedelta(days=1), status=None)
    assert ids_of(board.complaint_queue(complaints, CITYWIDE, recent, NOW)) >= {
        "CMP-P-4",
        "CMP-P-5",
    }
    officer = board.complaint_queue(
        complaints, Scope(district=WUCHANG), board.ComplaintFilter(), NOW
    )
    assert ids_of(officer) == {"CMP-P-W1", "CMP-P-W2"}
    ours = enterprises_in(complaints, JIANGAN)[0]
    mine = board.complaint_queue(
        complaints, Scope(enterprise_id=ours), board.ComplaintFilter(status=None), NOW
    )
    assert ids_of(mine) == {"CMP-P-1", "CMP-P-2", "CMP-P-3", "CMP-P-4"}  # the ones naming it
    other = enterprises_in(complaints, JIANGAN)[1]
    theirs = board.complaint_queue(
        complaints, Scope(enterprise_id=other), board.ComplaintFilter(), NOW
    )
    assert theirs.total == 0


def test_the_queue_pages_in_order(complaints, monkeypatch):
    monkeypatch.setattr(board, "PAGE_SIZE", 3)
    wanted = board.ComplaintFilter(status=None)
    first = board.complaint_queue(complaints, CITYWIDE, wanted, NOW)
    second = board.complaint_queue(
        complaints, CITYWIDE, board.ComplaintFilter(status=None, page=2), NOW
    )
    beyond = board.complaint_queue(
        complaints, CITYWIDE, board.ComplaintFilter(status=None, page=9), NOW
    )
    assert (first.pages, len(first.rows), len(second.rows)) == (3, 3, 3)
    assert not ids_of(first) & ids_of(second)
    assert (beyond.page, len(beyond.rows)) == (3, 1)
    assert {row.status for row in beyond.rows} == {"closed"}  # the closed ones last


def test_timeliness_and_satisfaction_per_district_and_enterprise(complaints):
    overall, districts, enterprises = board.complaint_stats(
        complaints, CITYWIDE, board.ComplaintFilter(since=NOW - timedelta(days=30)), NOW
    )
    assert (overall.received, overall.closed, overall.timely, overall.late) == (7, 2, 1, 1)
    assert overall.timeliness == pytest.approx(0.5)
    assert overall.satisfaction == pytest.approx(3.5)  # (5 + 2) / 2
    by_district = {group.key: group.figures for group in districts}
    assert by_district[JIANGAN].received == 5 and by_district[WUCHANG].received == 2
    assert by_district[WUCHANG].timeliness is None  # none closed
    ours = enterprises_in(complaints, JIANGAN)[0]
    [group] = [group for group in enterprises if group.key == ours]
    assert (group.figures.received, group.figures.timely, group.figures.late) == (4, 1, 1)
    assert group.name  # the enterprise's name
    # a period before any of them: nothing
    empty = board.ComplaintFilter(until=NOW - timedelta(days=20))
    assert board.complaint_stats(complaints, CITYWIDE, empty, NOW)[0].received == 0
    # the officer of Wuchang: only Wuchang
    _, scoped_districts, _ = board.complaint_stats(
        complaints, Scope(district=WUCHANG), board.ComplaintFilter(), NOW
    )
    assert [group.key for group in scoped_districts] == [WUCHANG]


def test_the_exports_hold_what_the_queue_shows_in_words(complaints):
    rows = board.complaint_rows(
        complaints, CITYWIDE, board.ComplaintFilter(district=JIANGAN), NOW, 100
    )
    assert len(rows) == 3
    names = {JIANGAN: "江岸区"}
    text = to_csv(rows, names, ZONE, NOW, "zh").decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:3] == ["投诉编号", "受理时间", "渠道"] and len(lines) == 4
    assert {line[4] for line in lines[1:]} == {"江岸区"}
    assert sum(line[9] == "✓" for line in lines[1:]) == 1  # the late one
    book = load_workbook(io.BytesIO(to_xlsx(rows, names, ZONE, NOW, "en")))
    sheet = book.active
    assert sheet.cell(1, 1).value == "Number" and sheet.max_row == 4
    assert "Smell of gas" in {sheet.cell(r, 4).value for r in range(2, 5)}


# --- the pages and Dash's endpoint -------------------------------------------------------------


def engine_of(app) -> Engine:
    return app.server.config["GASCC_ENGINE"]


@pytest.fixture
def demo_complaints(demo_app) -> dict[str, str]:
    """In the demo city: a complaint naming the enterprise login's enterprise (Jiang'an) and one
    naming another enterprise, both passed to the district office."""
    engine = engine_of(demo_app)
    found = find_login(engine, "enterprise")
    assert found is not None
    own = found[0].enterprise_id
    other = next(e for e in enterprises_in(engine, JIANGAN) if e != own)
    made = {"own_enterprise": own, "other_enterprise": other}
    for key, enterprise in (("own", own), ("other", other)):
        complaint_id = receive_complaint(engine, f"CMP-END-{key}", enterprise_id=enterprise,
                                         category="企业信息不符", channel="qr_check")  # fmt: skip
        done(commands.assign_complaint(engine, ADMIN, complaint_id))
        made[key] = complaint_id
    return made


def status_of(engine: Engine, complaint_id: str) -> tuple[str, str | None]:
    with engine.connect() as connection:
        row = connection.execute(
            select(Complaint.status, Complaint.handler).where(Complaint.id == complaint_id)
        ).one()
    return row.status, row.handler


def logged_by(engine: Engine, actor: str) -> int:
    query = (
        select(func.count())
        .select_from(EventRecord)
        .where(EventRecord.actor == actor, EventRecord.type.like("complaint.%"))
    )
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def post_step(client, kind: str, key: str, complaint_id: str, **values: str):
    others = {f"{component}.value": value for component, value in values.items()}
    return post_callback(client, {"type": kind, key: complaint_id}, "n_clicks", 1, others)


def test_an_enterprise_opens_its_own_complaint_and_not_another_by_url(
    demo_app, client, demo_complaints
):
    sign_in(client, "enterprise")
    own = layout_of(rendered(client, f"/complaint/{demo_complaints['own']}"))
    other = layout_of(rendered(client, f"/complaint/{demo_complaints['other']}"))
    assert ids.COMPLAINT_HEADER in str(own)
    assert ids.COMPLAINT_HEADER not in str(other) and "未找到该投诉" in str(other)
    assert demo_complaints["other"] not in str(other)


def test_an_enterprise_gets_nothing_of_another_enterprises_complaint_by_dashs_endpoint(
    demo_app, client, demo_complaints
):
    sign_in(client, "enterprise")
    engine = engine_of(demo_app)
    other = demo_complaints["other"]
    shown = post_callback(
        client, ids.COMPLAINT_TICK, "data", 1, {f"{ids.COMPLAINT_ID}.data": other}
    )
    assert shown.status_code == 204  # nothing in its scope: no answer
    before = logged_by(engine, "enterprise")
    reply = post_step(client, ids.COMPLAINT_REPLY, "cp_reply", other,
                      **{ids.COMPLAINT_NOTE: "不是我们的"})  # fmt: skip
    assert "未找到投诉" in answer_text(reply), answer_text(reply)[:300]
    assert logged_by(engine, "enterprise") == before
    assert status_of(engine, other) == ("assigned", "district")
    queue = post_callback(client, ids.CQ_STATUS, "value", "all", {})
    assert demo_complaints["own"] in answer_text(queue)
    assert other not in answer_text(queue)


@pytest.mark.parametrize(
    ("username", "kind", "key", "refusal"),
    [
        ("leader", ids.COMPLAINT_ASSIGN, "cp_assign", "您的角色不能转办投诉"),
        ("supervisor", ids.COMPLAINT_ASSIGN, "cp_assign", "已转至区燃气办，由区燃气办转办企业"),
        ("enterprise", ids.COMPLAINT_REPLY, "cp_reply", "尚未转办给贵企业"),
        ("jiangan", ids.COMPLAINT_CLOSE, "cp_close", "尚未反馈，不能办结"),
        ("jiangan", ids.COMPLAINT_ESCALATE, "cp_escalate", "只有市燃气办可以督办投诉"),
    ],
)
def test_a_step_posted_by_someone_who_may_not_take_it_is_refused_in_words(
    demo_app, client, demo_complaints, username, kind, key, refusal
):
    sign_in(client, username)
    engine = engine_of(demo_app)
    own = demo_complaints["own"]
    before = logged_by(engine, username)
    answer = post_step(client, kind, key, own, **{ids.COMPLAINT_NOTE: "说明"})
    assert answer.status_code == 200, answer.data[:300]
    assert refusal in answer_text(answer), answer_text(answer)[:300]
    assert logged_by(engine, username) == before


def test_the_chain_through_the_endpoint_and_the_wall_gets_no_answer(
    demo_app, client, demo_complaints
):
    engine = engine_of(demo_app)
    own, enterprise = demo_complaints["own"], demo_complaints["own_enterprise"]
    sign_in(client, "screen")
    assert post_step(client, ids.COMPLAINT_ASSIGN, "cp_assign", own).status_code == 204
    sign_in(client, "jiangan")
    answer = post_step(client, ids.COMPLAINT_ASSIGN, "cp_assign", own,
                       **{ids.COMPLAINT_ENTERPRISE: enterprise})  # fmt: skip
    assert "已完成：转办" in answer_text(answer), answer_text(answer)[:300]
    assert status_of(engine, own) == ("assigned", "enterprise")
    sign_in(client, "enterprise")
    answer = post_step(client, ids.COMPLAINT_REPLY, "cp_reply", own,
                       **{ids.COMPLAINT_NOTE: "已核实并整改"})  # fmt: skip
    assert "已完成：反馈结果" in answer_text(answer)
    sign_in(client, "jiangan")
    answer = post_step(client, ids.COMPLAINT_CLOSE, "cp_close", own,
                       **{ids.COMPLAINT_SATISFACTION: "4"})  # fmt: skip
    assert "已完成：回访办结" in answer_text(answer)
    assert status_of(engine, own)[0] == "closed"
    shown = post_callback(client, ids.COMPLAINT_TICK, "data", 1, {f"{ids.COMPLAINT_ID}.data": own})
    text = answer_text(shown)
    for words in ("受理", "转办", "反馈", "办结", "满意度 4", "已核实并整改"):
        assert words in text, words


def test_turning_a_complaint_into_a_hazard_opens_the_hazards_page(
    demo_app, client, demo_complaints
):
    sign_in(client, "jiangan")
    answer = post_step(client, ids.COMPLAINT_TO_HAZARD, "cp_hazard", demo_complaints["other"],
                       **{ids.COMPLAINT_LEVEL: "major"})  # fmt: skip
    assert "/hazard/hazard-complaint-CMP-END-other" in answer_text(answer), answer_text(answer)
