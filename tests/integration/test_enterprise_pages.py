"""The enterprise list (/enterprises) and an enterprise's file (/enterprise/<id>) from the
server's side: the list's filters as the URL keeps them, the list drawn and exported through
Dash's endpoint with the viewer's filters and scope, and the file's workbook and CSV, a table per
section."""

from __future__ import annotations

import base64
import csv
import io
from urllib.parse import parse_qs

from openpyxl import load_workbook
from sqlalchemy import Engine, select

from dashboard import ids
from dashboard.domain.roles import CITYWIDE, Scope
from dashboard.enterprise_export import file_to_csv, file_to_xlsx, list_to_csv, list_to_xlsx
from data_access.models import Enterprise
from data_access.queries import enterprise_file as queries
from tests.conftest import sign_in
from tests.dash_endpoint import answer_text, post_callback
from tests.integration.test_enterprise_file import (  # noqa: F401  (the fixture)
    NOW,
    SP,
    ZONE,
    E,
    enterprise,
)
from tests.support import JIANGAN, WUCHANG

CONTROLS = (ids.EL_TEXT, ids.EL_DISTRICT, ids.EL_KIND, ids.EL_SUSPENDED, ids.EL_OPEN_HAZARDS,
            ids.EL_OPEN_DETENTIONS)  # fmt: skip


def test_the_filters_go_to_the_url_and_back(demo_app):
    from callbacks.enterprises import query_string, wanted_of  # after the app is made

    values = ("燃气", JIANGAN, "bottled", True, False, True)
    query = query_string(values, 2)
    assert parse_qs(query) == {
        "q": ["燃气"], "district": [JIANGAN], "kind": ["bottled"], "suspended": ["1"],
        "detentions": ["1"], "page": ["2"],
    }  # fmt: skip
    assert query_string(("", "all", "all", False, False, False), 1) == ""
    wanted = wanted_of(values, 2)
    assert (wanted.text, wanted.district, wanted.kind, wanted.page) == (
        "燃气",
        JIANGAN,
        "bottled",
        2,
    )
    assert (wanted.suspended, wanted.open_hazards, wanted.open_detentions) == (True, False, True)
    everything = wanted_of(("  ", "all", "all", None, None, None), 1)
    assert everything == queries.EnterpriseFilter()


def test_the_list_exports_hold_what_it_shows(enterprise):  # noqa: F811
    rows = queries.enterprise_rows(
        enterprise, Scope(district=JIANGAN), queries.EnterpriseFilter(), NOW, cap=1000
    )
    assert rows and {row.district for row in rows} == {JIANGAN}
    names = {JIANGAN: "江岸区"}
    text = list_to_csv(rows, names, "zh").decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:2] == ["编号", "企业"] and len(lines) == len(rows) + 1
    ours = next(line for line in lines if line[0] == E)
    assert ours[2:4] == ["瓶装气", "江岸区"] and ours[11:13] == ["12", "是"]
    sheet = load_workbook(io.BytesIO(list_to_xlsx(rows, names, "en"))).active
    assert sheet.cell(1, 1).value == "Id" and sheet.max_row == len(rows) + 1


def test_the_file_exports_a_table_per_section(enterprise):  # noqa: F811
    found = queries.enterprise_file(enterprise, CITYWIDE, E, NOW, ZONE)
    assert found is not None
    names = {JIANGAN: "江岸区", WUCHANG: "武昌区"}
    book = load_workbook(io.BytesIO(file_to_xlsx(found, names, ZONE, "zh")))
    assert len(book.sheetnames) == 12
    sites = book[book.sheetnames[1]]
    assert [cell.value for cell in sites[1]][:3] == ["编号", "类型", "名称"]
    assert {sites.cell(r, 1).value for r in range(2, sites.max_row + 1)} == {SP, f"{E}-FS-1"}
    points = book[book.sheetnames[9]]
    rows = [[cell.value for cell in row] for row in points.iter_rows(min_row=2)]
    assert rows[0][:6] == ["企业", E, "测试燃气有限公司", 12, 3, "是"]
    text = file_to_csv(found, names, ZONE, "en").decode("utf-8-sig")
    blocks = text.strip().split("\r\n\r\n")
    assert len(blocks) == 12 and blocks[0].startswith("Overview")
    assert "Expires within 30 days" in text and f"{E}-TRK-01" in text


# --- through Dash's endpoint ----------------------------------------------------------------------


def engine_of(app) -> Engine:
    return app.server.config["GASCC_ENGINE"]


def list_answer(client, **values: object) -> str:
    others = {f"{control}.value": values.get(control) for control in CONTROLS}
    response = post_callback(client, ids.EL_KIND, "value", values.get(ids.EL_KIND, "all"), others)
    assert response.status_code == 200, response.data[:300]
    return answer_text(response)


def test_the_list_filters_and_scopes_through_the_endpoint(demo_app, client):
    engine = engine_of(demo_app)
    with engine.connect() as connection:
        kinds = dict(connection.execute(select(Enterprise.id, Enterprise.kind)).all())
        districts = dict(connection.execute(select(Enterprise.id, Enterprise.district)).all())
    sign_in(client, "supervisor")
    pipeline = list_answer(client, **{ids.EL_KIND: "pipeline"})
    shown = {e for e in kinds if f'"data-enterprise": "{e}"' in pipeline}
    assert shown and shown == {e for e, kind in kinds.items() if kind == "pipeline"}
    assert "kind=pipeline" in pipeline  # the URL follows
    officer = client.application.test_client()
    sign_in(officer, "jiangan")
    theirs = list_answer(officer)
    shown = {e for e in kinds if f'"data-enterprise": "{e}"' in theirs}
    assert shown == {e for e, district in districts.items() if district == JIANGAN}


def test_the_list_export_through_the_endpoint_keeps_the_scope(demo_app, client):
    engine = engine_of(demo_app)
    with engine.connect() as connection:
        outside = connection.scalar(select(Enterprise.id).where(Enterprise.district != JIANGAN))
    sign_in(client, "jiangan")
    others = {f"{control}.value": None for control in CONTROLS}
    response = post_callback(client, ids.EL_CSV, "n_clicks", 1, others)
    assert response.status_code == 200, response.data[:300]
    download = response.get_json()["response"][ids.EL_DOWNLOAD]["data"]
    text = base64.b64decode(download["content"]).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert len(lines) > 1 and outside not in text
    assert download["filename"].endswith(".csv")


def test_the_file_export_through_the_endpoint(demo_app, client):
    engine = engine_of(demo_app)
    with engine.connect() as connection:
        ours = connection.scalar(select(Enterprise.id).where(Enterprise.district == JIANGAN))
    sign_in(client, "supervisor")
    response = post_callback(client, ids.ENT_XLSX, "n_clicks", 1, {f"{ids.ENT_ID}.data": ours})
    download = response.get_json()["response"][ids.ENT_DOWNLOAD]["data"]
    book = load_workbook(io.BytesIO(base64.b64decode(download["content"])))
    assert len(book.sheetnames) == 12 and download["filename"].startswith(f"enterprise-{ours}-")
