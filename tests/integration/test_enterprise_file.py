"""One file per enterprise (data_access/queries/enterprise_file.py) on SQLite and PostgreSQL:
every section's numbers on a small hand-made enterprise registered into the demo city through
the log, and who may open it: its own users, the officers of its district and the city-wide
roles; nobody else, neither by URL nor through Dash's endpoint."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from dashboard import ids
from dashboard.domain.events import (
    ComplaintReceived,
    ComplaintUpdated,
    CylinderDetained,
    CylinderRegistered,
    CylinderScanned,
    EnterpriseRegistered,
    Event,
    EventData,
    HazardReported,
    InspectionCompleted,
    SiteRegistered,
    ViolationRecorded,
    WorkerRegistered,
)
from dashboard.domain.roles import CITYWIDE, Scope
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import Complaint, Enterprise, ViolationPoints
from data_access.queries import enterprise_file as queries
from data_access.queries.registry import first_enterprise_id
from tests.conftest import sign_in
from tests.dash_endpoint import answer_text, post_callback
from tests.support import IN_JIANGAN, IN_WUCHANG, JIANGAN, WUCHANG

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime.now(UTC)
TODAY = NOW.astimezone(ZONE).date()
E = "ENT-FILE-T"
SP, FS = f"{E}-SP-1", f"{E}-FS-1"  # a supply point in Jiang'an, a filling station in Wuchang
# This year's violations happen at the start of today in Shanghai, so that they are in this
# 12-point year whenever the test runs; last year's a day before this year began.
THIS_YEAR = datetime.combine(TODAY, datetime.min.time(), ZONE).astimezone(UTC)
LAST_YEAR = datetime(TODAY.year, 1, 1, tzinfo=ZONE).astimezone(UTC) - timedelta(days=1)


def send(engine: Engine, data: EventData, event_id: str, when: datetime | None = None) -> None:
    event = Event.of(data, id=event_id, occurred_at=when or NOW)
    (outcome,) = append_events(engine, [Incoming("file-test", event)])
    assert isinstance(outcome, Accepted), outcome


def cylinder(code: str, inspection_due: date, scrap_due: date) -> CylinderRegistered:
    return CylinderRegistered(
        code=code, enterprise_id=E, capacity_kg=15, manufactured_on=date(2018, 1, 1),
        last_inspected_on=date(2022, 1, 1), next_inspection_due=inspection_due,
        scrap_due=scrap_due,
    )  # fmt: skip


def scan(engine: Engine, code: str, stage: str, site: str, n: int, **extra: Any) -> None:
    lat, lon = IN_WUCHANG if site == FS else IN_JIANGAN
    data = CylinderScanned(code=code, stage=stage, site_id=site, lat=lat, lon=lon, **extra)
    send(engine, data, f"{E}-scan-{code}-{n}", NOW - timedelta(hours=10 - n))


def violation(engine, n: int, subject_type: str, subject_id: str, points: int, when: datetime):
    data = ViolationRecorded(
        violation_id=f"{E}-V{n}", subject_type=subject_type, subject_id=subject_id,
        rule="未落实实名制销售", points=points,
    )  # fmt: skip
    send(engine, data, f"{E}-V{n}", when)


@pytest.fixture
def enterprise(city: Engine) -> Engine:
    """ENT-FILE-T, a bottled-gas enterprise of Jiang'an, with everything its file shows."""
    far, soon = date(2030, 1, 1), TODAY + timedelta(days=10)
    yesterday = TODAY - timedelta(days=1)
    # past in the city's day and in UTC's alike (the filling rule reads the scan's UTC day)
    past = TODAY - timedelta(days=2)
    send(
        city,
        EnterpriseRegistered(
            enterprise_id=E,
            name="测试燃气有限公司",
            kind="bottled",
            district=JIANGAN,
            licence_no="鄂燃经字-TST-9",
        ),
        f"{E}-reg",
    )
    send(
        city,
        SiteRegistered(
            site_id=SP,
            enterprise_id=E,
            kind="supply_point",
            name="测试供应站",
            district=JIANGAN,
            lat=IN_JIANGAN[0],
            lon=IN_JIANGAN[1],
        ),
        f"{SP}-reg",
    )
    send(city, SiteRegistered(site_id=FS, enterprise_id=E, kind="filling_station",
                              name="测试充装站", district=WUCHANG, lat=IN_WUCHANG[0],
                              lon=IN_WUCHANG[1]), f"{FS}-reg")  # fmt: skip
    for worker_id, expires in (("W-EXPIRED", yesterday), ("W-SOON", soon), ("W-OK", far),
                               ("W-NONE", None)):  # fmt: skip
        send(city, WorkerRegistered(worker_id=f"{E}-{worker_id}", enterprise_id=E,
                                    role="delivery", name=f"送气工{worker_id[2:]}",
                                    certificate_no=None if expires is None else f"C-{worker_id}",
                                    certificate_expires=expires), f"{E}-{worker_id}")  # fmt: skip
    cylinders = {
        "C1": (far, far),  # in service, moved by two trucks
        "C2": (past, far),  # inspection overdue
        "C3": (past, past),  # past its scrap date
        "C4": (far, far),  # scrapped
        "C5": (far, far),  # detained
        "C6": (far, far),  # in service, never scanned
    }
    for code, (inspection, scrap) in cylinders.items():
        send(city, cylinder(f"{E}-{code}", inspection, scrap), f"{E}-{code}-reg")
    c = {code: f"{E}-{code}" for code in cylinders}
    scan(city, c["C1"], "filling", FS, 1)
    scan(city, c["C1"], "transport", FS, 2, vehicle_id=f"{E}-TRK-01")
    scan(city, c["C1"], "storage", SP, 3, vehicle_id=f"{E}-TRK-01")
    scan(city, c["C2"], "filling", FS, 1)  # past its inspection date: a finding
    scan(city, c["C2"], "transport", FS, 2, vehicle_id=f"{E}-TRK-02")
    scan(city, c["C3"], "filling", FS, 1)  # past its scrap date: a finding
    scan(city, c["C4"], "scrap", FS, 1)
    scan(city, c["C5"], "filling", FS, 1)
    scan(city, f"{E}-BLACK-1", "storage", SP, 1)  # unregistered: black, found at its site
    send(city, CylinderDetained(code=c["C5"], reason="瓶阀泄漏", enterprise_id=E,
                                recall_by=yesterday, by="supervisor"), f"{E}-detain-C5",
         NOW - timedelta(days=3))  # fmt: skip
    hazard(city, "HZ-T-1", "site", SP, NOW - timedelta(days=1))  # overdue
    hazard(city, "HZ-T-2", "enterprise", E, NOW + timedelta(days=5))
    inspect(city, "INSP-T-1", "enterprise", E, passed=True)
    inspect(city, "INSP-T-2", "site", SP, passed=False)  # reports a hazard by rule
    for n in range(3):
        send(
            city,
            ComplaintReceived(
                complaint_id=f"CP-T-{n}",
                channel="hotline_96511",
                category="服务态度",
                district=JIANGAN,
                text="送气工态度差",
                enterprise_id=E,
            ),
            f"CP-T-{n}",
            NOW - timedelta(days=2),
        )
    send(
        city,
        ComplaintUpdated(complaint_id="CP-T-2", status="closed", actor="duty", satisfaction=4),
        "CP-T-2-closed",
        NOW - timedelta(days=1),
    )
    # the 12-point system: the enterprise 3+6+3 = 12 this year (suspended) and 6 last year; its
    # supply point 6; a worker 12 (suspended), another 2
    for n, (kind, subject, points, when) in enumerate((
        ("enterprise", E, 3, THIS_YEAR), ("enterprise", E, 6, THIS_YEAR),
        ("enterprise", E, 3, THIS_YEAR), ("enterprise", E, 6, LAST_YEAR),
        ("site", SP, 6, THIS_YEAR), ("worker", f"{E}-W-OK", 12, THIS_YEAR),
        ("worker", f"{E}-W-SOON", 2, THIS_YEAR),
    )):  # fmt: skip
        violation(city, n, kind, subject, points, when)
    return city


def hazard(engine: Engine, hazard_id: str, target_type: str, target_id: str, due: datetime):
    lat, lon = IN_JIANGAN
    data = HazardReported(
        hazard_id=hazard_id,
        target_type=target_type,
        target_id=target_id,
        district=JIANGAN,
        category="气瓶存放不规范",
        level="general",
        description="供应站气瓶露天存放",
        lat=lat,
        lon=lon,
        due_at=due,
    )
    send(engine, data, hazard_id, NOW - timedelta(days=8))  # fmt: skip


def inspect(engine: Engine, inspection_id: str, target_type: str, target_id: str, passed: bool):
    lat, lon = IN_JIANGAN
    items = [{"item": "钢瓶存放", "passed": passed}]
    data = InspectionCompleted(
        inspection_id=inspection_id,
        kind="daily",
        target_type=target_type,
        target_id=target_id,
        district=JIANGAN,
        inspector_id="INSPECTOR-1",
        items=items,
        lat=lat,
        lon=lon,
    )
    send(engine, data, inspection_id, NOW - timedelta(hours=1))  # fmt: skip


def file_of(engine: Engine, scope: Scope = CITYWIDE) -> queries.EnterpriseFile | None:
    return queries.enterprise_file(engine, scope, E, NOW, ZONE)


def test_the_file_holds_every_section_of_the_enterprise(enterprise):
    found = file_of(enterprise)
    assert found is not None
    head = found.head
    assert (head.name, head.kind, head.district, head.licence_no) == (
        "测试燃气有限公司", "bottled", JIANGAN, "鄂燃经字-TST-9"
    )  # fmt: skip
    assert [(s.id, s.kind, s.district) for s in found.sites] == [
        (FS, "filling_station", WUCHANG), (SP, "supply_point", JIANGAN)
    ]  # fmt: skip
    states = {w.id.removeprefix(f"{E}-"): w.certificate for w in found.workers}
    assert states == {"W-EXPIRED": "expired", "W-SOON": "expiring", "W-NONE": "missing",
                      "W-OK": "valid"}  # fmt: skip
    assert [w.certificate for w in found.workers][:2] == ["expired", "expiring"]  # flagged first
    assert found.flagged_workers == 3
    assert found.cylinders == {"scrapped": 1, "detained": 1, "past_scrap": 1,
                               "inspection_overdue": 1, "in_service": 2, "black": 1}  # fmt: skip
    assert found.black_codes == [f"{E}-BLACK-1"]
    assert {(v.vehicle_id, v.scans) for v in found.vehicles} == {
        (f"{E}-TRK-01", 2), (f"{E}-TRK-02", 1)
    }  # fmt: skip


def test_hazards_problems_detentions_and_complaints_are_counted(enterprise):
    found = file_of(enterprise)
    assert found is not None
    # two reported by hand, one by the failed inspection of its supply point
    assert len(found.hazards) == 3 and found.totals["hazards"] == 3
    assert found.hazards[0].id == "HZ-T-1" and found.overdue_hazards == 1
    assert found.findings_by_kind == {"black_cylinder": 1, "overdue_filling": 2}
    assert {f.code for f in found.findings} == {f"{E}-BLACK-1", f"{E}-C2", f"{E}-C3"}
    assert found.detentions_by_status == {"detained": 1, "recalled": 0, "released": 0,
                                          "scrapped": 0}  # fmt: skip
    assert [(d.code, d.late) for d in found.detentions] == [(f"{E}-C5", True)]
    assert found.late_detentions == 1
    complaints = found.complaints
    assert (complaints.open, complaints.closed_this_year) == (2, 1)
    assert {row.id for row in complaints.rows} == {"CP-T-0", "CP-T-1"}
    assert complaints.satisfaction == 4.0
    with enterprise.connect() as connection:
        due = list(connection.scalars(select(Complaint.due_at).where(Complaint.enterprise_id == E)))
    late = sum(1 for row in complaints.rows if row.due_at is not None and row.due_at < NOW)
    assert complaints.late == late and len(due) == 3


def test_the_twelve_point_totals_per_subject_this_year(enterprise):
    found = file_of(enterprise)
    assert found is not None
    totals = {(p.subject_type, p.subject_id): (p.points, p.suspended) for p in found.points}
    assert totals == {
        ("enterprise", E): (12, True),  # 3 + 6 + 3 this year; last year's 6 does not add
        ("site", SP): (6, False),
        ("worker", f"{E}-W-OK"): (12, True),
        ("worker", f"{E}-W-SOON"): (2, False),
    }
    assert found.points[0].subject_type == "enterprise" and found.enterprise_points.suspended
    assert len(found.violations) == 6  # this year's only
    assert {s.id: (s.points, s.suspended) for s in found.sites}[SP] == (6, False)
    workers = {w.id: (w.points, w.suspended) for w in found.workers}
    assert workers[f"{E}-W-OK"] == (12, True) and workers[f"{E}-W-EXPIRED"] == (0, False)
    # the same totals as the projection keeps (violation_points)
    with enterprise.connect() as connection:
        kept = {
            (row.subject_type, row.subject_id): (row.points, row.suspended)
            for row in connection.execute(
                select(ViolationPoints).where(
                    ViolationPoints.enterprise_id == E, ViolationPoints.year == found.year
                )
            )
        }
    assert kept == totals


def test_its_inspections_are_those_of_it_and_of_its_sites(enterprise):
    found = file_of(enterprise)
    assert found is not None
    assert {(i.id, i.target_type, i.passed) for i in found.inspections} == {
        ("INSP-T-1", "enterprise", True), ("INSP-T-2", "site", False)
    }  # fmt: skip
    assert {i.id: i.target_name for i in found.inspections}["INSP-T-2"] == "测试供应站"
    assert found.inspections_this_year == (1, 1)


def test_who_may_open_the_file(enterprise):
    assert file_of(enterprise, Scope(enterprise_id=E)) is not None  # its own users
    assert file_of(enterprise, Scope(district=JIANGAN)) is not None  # its district's officers
    with enterprise.connect() as connection:
        other = connection.scalar(select(Enterprise.id).where(Enterprise.id != E).limit(1))
    assert file_of(enterprise, Scope(enterprise_id=other)) is None  # another enterprise
    assert file_of(enterprise, Scope(district=WUCHANG)) is None  # its filling station is there
    assert queries.enterprise_file(enterprise, CITYWIDE, "NO-SUCH", NOW, ZONE) is None


def test_the_list_filters_counts_and_scopes(enterprise):
    def listed(scope: Scope = CITYWIDE, **wanted: Any) -> dict[str, queries.EnterpriseRow]:
        found = queries.enterprise_list(enterprise, scope, queries.EnterpriseFilter(**wanted), NOW)
        return {row.id: row for row in found.rows}

    row = listed(text="测试燃气")[E]
    assert (row.sites, row.workers, row.cylinders) == (2, 4, 6)
    assert (row.open_hazards, row.open_detentions, row.open_complaints) == (3, 1, 2)
    assert (row.points, row.suspended, row.suspended_subjects) == (12, True, 1)
    assert set(listed(text="tst-9")) == {E}  # by licence number, any case
    assert set(listed(suspended=True)) == {E}  # the demo city has no suspended enterprise
    assert E in listed(open_hazards=True, open_detentions=True, kind="bottled", district=JIANGAN)
    assert E not in listed(kind="pipeline") and E not in listed(district=WUCHANG)
    assert set(listed(Scope(enterprise_id=E))) == {E}
    officer = listed(Scope(district=WUCHANG))
    assert officer and E not in officer and {r.district for r in officer.values()} == {WUCHANG}


# --- the page and Dash's endpoint ----------------------------------------------------------------


def engine_of(app) -> Engine:
    return app.server.config["GASCC_ENGINE"]


def another_enterprise(engine: Engine) -> tuple[str, str]:
    """(the demo enterprise user's own enterprise, another one of another district)."""
    own = first_enterprise_id(engine)
    with engine.connect() as connection:
        district = connection.scalar(select(Enterprise.district).where(Enterprise.id == own))
        other = connection.scalar(
            select(Enterprise.id)
            .where(Enterprise.id != own, Enterprise.district != district)
            .order_by(Enterprise.id)
        )
    assert own and other
    return own, other


def test_an_enterprise_user_opens_its_own_file_and_no_other(demo_app, client):
    own, other = another_enterprise(engine_of(demo_app))
    sign_in(client, "enterprise")
    assert client.get("/").headers.get("Location", "").endswith(f"/enterprise/{own}")
    mine = post_callback(client, ids.ENT_ID, "data", own)
    assert mine.status_code == 200 and f'"data-enterprise": "{own}"' in answer_text(mine)
    theirs = post_callback(client, ids.ENT_ID, "data", other)
    text = answer_text(theirs)
    assert theirs.status_code == 200 and "没有该企业档案，或您无权查看" in text
    assert other not in text  # nothing of the file, not even its id
    export = post_callback(client, ids.ENT_XLSX, "n_clicks", 1, {f"{ids.ENT_ID}.data": other})
    assert "没有该企业档案" in answer_text(export) and "base64" not in answer_text(export)
    # the list is the authorities': its callbacks answer an enterprise user nothing
    listing = post_callback(client, ids.EL_TEXT, "value", "")
    assert listing.status_code == 204


def test_a_district_officer_opens_the_files_of_their_district_only(demo_app, client):
    engine = engine_of(demo_app)
    with engine.connect() as connection:
        ours = connection.scalar(select(Enterprise.id).where(Enterprise.district == JIANGAN))
        theirs = connection.scalar(select(Enterprise.id).where(Enterprise.district != JIANGAN))
    sign_in(client, "jiangan")
    assert f'"data-enterprise": "{ours}"' in answer_text(
        post_callback(client, ids.ENT_ID, "data", ours)
    )
    refused = answer_text(post_callback(client, ids.ENT_ID, "data", theirs))
    assert "没有该企业档案" in refused and theirs not in refused


def test_the_sign_in_lands_an_enterprise_user_on_its_file(demo_app, client):
    own, _ = another_enterprise(engine_of(demo_app))
    landed = sign_in(client, "enterprise")
    assert landed.headers["Location"].endswith(f"/enterprise/{own}")
    supervisor = demo_app.server.test_client()
    assert sign_in(supervisor, "supervisor").headers["Location"].endswith("/")
    assert supervisor.get("/").status_code == 200  # the One Map, as before
