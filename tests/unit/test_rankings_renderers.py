"""The rankings exports rendered from a report built by hand (no database): the workbook's sheets,
numbers and frozen headers, the briefing's pages, text and embedded font
(dashboard/rankings_export.py, dashboard/rankings_pdf.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from io import BytesIO
from typing import cast

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from dashboard.domain.scoring import (
    COMPONENTS,
    DistrictCounts,
    EnterpriseCounts,
    Rate,
    district_index,
    enterprise_score,
    load_config_file,
    parse_period,
    red_black_lists,
)
from dashboard.rankings_export import HEADER_ROW, sheet_names, workbook_bytes
from dashboard.rankings_pdf import briefing_pdf
from dashboard.rankings_report import RankingsReport
from data_access.queries.rankings import (
    DistrictRanking,
    DistrictScoreRow,
    EnterpriseRanking,
    EnterpriseScoreRow,
    PointsRow,
    TrendPoint,
)

CONFIG = load_config_file()
PERIOD = parse_period("2026Q3")
NOW = datetime(2026, 10, 8, 2, 0, tzinfo=UTC)  # 10:00 in Wuhan, after the quarter
DISTRICTS = (("420102", "江岸区", "Jiang'an"), ("420106", "武昌区", "Wuchang"))


def _counts(covered: int, closed: int) -> DistrictCounts:
    rates = {name: Rate(0, 0) for name in COMPONENTS}
    rates["inspection_coverage"] = Rate(covered, 10)
    rates["hazard_closure"] = Rate(closed, 4)
    return DistrictCounts(rates, {"black_cylinders": 3, "major_hazards_overdue": 0})


def sample_report(empty_district: bool = False) -> RankingsReport:
    """Jiang'an: coverage 9/10 and closure 3/4 -> (25 x 0.9 + 10 x 0.75) / 35 x 100 = 85.71,
    less 3 black cylinders x 0.5 = 84.21 (yellow). Wuchang: 5/10 and 4/4 -> 64.29 - 1.5 =
    62.79 (orange); or no index at all when `empty_district`."""
    wuchang = _counts(5, 4)
    if empty_district:
        wuchang = DistrictCounts({name: Rate(0, 0) for name in COMPONENTS}, {})
    counts = {"420102": _counts(9, 3), "420106": wuchang}
    scores = {code: district_index(c, CONFIG) for code, c in counts.items()}
    rows = [
        DistrictScoreRow(
            code=code,
            name_zh=zh,
            name_en=en,
            counts=counts[code],
            score=scores[code],
            rank=None if scores[code].index is None else position,
            previous=80.0 if code == "420102" else None,
            change=None if code != "420102" else round((scores[code].index or 0) - 80.0, 2),
            previous_rank=2 if code == "420102" else None,
        )
        for position, (code, zh, en) in enumerate(DISTRICTS, start=1)
    ]
    ranking = DistrictRanking(
        period=PERIOD,
        previous_period=PERIOD.previous(),
        version=CONFIG.version,
        rows=rows,
        city_index=73.5,
    )
    quarters = [parse_period(q) for q in ("2025Q4", "2026Q1", "2026Q2", "2026Q3")]
    trend = {
        "420102": [
            TrendPoint(q, v, r)
            for q, v, r in zip(quarters, (70, None, 80, 84.21), (2, None, 2, 1), strict=True)
        ],
        "420106": [TrendPoint(q, 60.0 + i, 1) for i, q in enumerate(quarters)],
    }
    today = date(2026, 9, 30)
    good = enterprise_score(
        EnterpriseCounts(
            sales=10,
            real_name_sales=10,
            deliveries=10,
            complete_deliveries=10,
            last_inspection=date(2026, 9, 1),
        ),
        today,
        CONFIG,
    )
    bad = enterprise_score(
        EnterpriseCounts(
            sales=10,
            real_name_sales=2,
            deliveries=10,
            complete_deliveries=3,
            hazards=12,
            year_points=12,
            last_inspection=date(2025, 1, 5),
        ),
        today,
        CONFIG,
    )
    scores_by_id = {"ENT-0001": good, "ENT-0002": bad}
    lists = red_black_lists(scores_by_id, CONFIG)
    enterprises = [
        EnterpriseScoreRow(
            "ENT-0001",
            "江岸燃气有限公司",
            "bottled",
            "420102",
            EnterpriseCounts(),
            good,
            1,
            True,
            False,
        ),
        EnterpriseScoreRow(
            "ENT-0002", "武昌液化气站", "bottled", "420106", EnterpriseCounts(), bad, 2, False, True
        ),
    ]
    return RankingsReport(
        period=PERIOD,
        config=CONFIG,
        generated_at=NOW,
        time_zone="Asia/Shanghai",
        city_zh="武汉市",
        city_en="Wuhan",
        ranking=ranking,
        trend=trend,
        enterprises=EnterpriseRanking(PERIOD, CONFIG.version, enterprises, lists, ["ENT-0002"]),
        points_year=2026,
        points=[PointsRow("enterprise", "ENT-0002", "武昌液化气站", "ENT-0002", 12, 3, True)],
    )


def test_the_sample_is_what_its_docstring_says() -> None:
    report = sample_report()
    assert [row.score.index for row in report.districts] == [84.21, 62.79]
    assert [row.score.band for row in report.districts] == ["yellow", "orange"]
    assert report.enterprises.lists.red == ("ENT-0001",)
    assert "ENT-0002" in report.enterprises.lists.black


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_workbook_opens_with_pandas_with_the_sheets_and_numbers(lang: str) -> None:
    report = sample_report()
    data = workbook_bytes(report, lang)
    sheets = pd.read_excel(BytesIO(data), sheet_name=None, header=HEADER_ROW - 1)
    names = sheet_names(report, lang)
    assert list(sheets) == names
    fixed = ["区排名", "分项得分", "计数", "企业排名", "红黑榜", "12分记分"]
    if lang == "en":
        fixed = ["Ranking", "Components", "Counts", "Enterprises", "Red & black lists", "12-point"]
    districts = ["江岸区", "武昌区"] if lang == "zh" else ["Jiang'an", "Wuchang"]
    assert names == [*fixed, *districts]
    ranking = sheets[names[0]]
    index = "安全指数" if lang == "zh" else "Safety index"
    assert list(ranking[index][:2]) == [84.21, 62.79]
    assert ranking[index].dtype == float  # numbers stay numbers
    counts = sheets[names[2]]
    numerator = "分子" if lang == "zh" else "Numerator"
    assert list(counts[numerator][:3]) == [9, 0, 3]  # coverage, rectification, closure
    deducted = "扣分" if lang == "zh" else "Deducted"
    assert counts[deducted].dropna().tolist() == [-1.5, -0.0, -1.5, -0.0]


def test_every_sheet_names_the_period_and_version_and_freezes_its_header() -> None:
    book = load_workbook(BytesIO(workbook_bytes(sample_report(), "en")))
    for sheet in book.worksheets:
        assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
        meta = [cell.value for cell in sheet[2]]
        assert meta[:4] == [
            "Period",
            "2026Q3 (2026-07-01 to 2026-09-30)",
            "Scoring version",
            "2026.1",
        ]
        assert meta[5] == "2026-10-08 10:00 (Asia/Shanghai local time)"


def test_a_district_without_an_index_leaves_its_cells_empty() -> None:
    report = sample_report(empty_district=True)
    sheets = pd.read_excel(BytesIO(workbook_bytes(report, "en")), sheet_name=None, header=2)
    ranking = sheets["Ranking"]
    assert ranking["Safety index"][:2].tolist()[0] == 84.21
    assert pd.isna(ranking["Safety index"][1]) and pd.isna(ranking["Rank"][1])
    assert "None" not in ranking.to_string() and "nan" not in str(ranking["Band"].tolist()[:1])


def test_a_formula_from_a_source_stays_text() -> None:
    report = sample_report()
    evil = replace(report.enterprises.rows[0], name="=HYPERLINK(1)")
    report = replace(
        report, enterprises=replace(report.enterprises, rows=[evil, *report.enterprises.rows[1:]])
    )
    book = load_workbook(BytesIO(workbook_bytes(report, "en")))
    assert book["Enterprises"]["C4"].value == "'=HYPERLINK(1)"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_briefing_has_a_summary_page_and_one_per_district(lang: str) -> None:
    report = sample_report()
    reader = PdfReader(BytesIO(briefing_pdf(report, lang)))
    assert len(reader.pages) == 1 + len(report.districts)
    text = [page.extract_text() for page in reader.pages]
    if lang == "zh":
        assert "江岸区" in text[0] and "武昌区" in text[0] and "红榜" in text[0]
        assert "江岸区" in text[1] and "检查覆盖率" in text[1] and "武昌区" in text[2]
    else:
        assert "Jiang'an" in text[0] and "Wuchang" in text[0] and "Red list" in text[0]
        assert "Inspection coverage" in text[1] and "Wuchang" in text[2]
    assert "2026Q3" in text[0] and "2026.1" in text[0] and "84.21" in text[0]
    assert "江岸燃气有限公司" in text[0] and "武昌液化气站" in text[0]  # red, black, overdue


def embedded_fonts(reader: PdfReader) -> set[str]:
    """The fonts whose TrueType program is in the file (a FontFile2 in their descriptor)."""
    found = set()
    for page in reader.pages:
        resources = cast(DictionaryObject, page["/Resources"])
        for ref in cast(DictionaryObject, resources["/Font"]).values():
            font = cast(DictionaryObject, ref.get_object())
            for part in cast(list, font.get("/DescendantFonts", [font])):
                descriptor = cast(DictionaryObject, part.get_object()).get("/FontDescriptor")
                if descriptor is not None and "/FontFile2" in descriptor.get_object():
                    found.add(str(font["/BaseFont"]))
    return found


def test_briefing_embeds_its_font() -> None:
    reader = PdfReader(BytesIO(briefing_pdf(sample_report(), "zh")))
    embedded = embedded_fonts(reader)
    assert embedded and all("WenQuanYi" in name or "+" in name for name in embedded)


def test_briefing_of_a_district_without_an_index() -> None:
    report = sample_report(empty_district=True)
    reader = PdfReader(BytesIO(briefing_pdf(report, "en")))
    assert len(reader.pages) == 3
    assert "no index" in reader.pages[0].extract_text()
    assert "No index this period" in reader.pages[2].extract_text()


def test_a_running_period_says_how_far_it_is_counted() -> None:
    running = replace(sample_report(), generated_at=datetime(2026, 9, 15, 1, 0, tzinfo=UTC))
    book = load_workbook(BytesIO(workbook_bytes(running, "en")))
    assert book["Ranking"]["B2"].value == "2026Q3 (2026-07-01 to 2026-09-30, as of 2026-09-15)"
    zh = load_workbook(BytesIO(workbook_bytes(running, "zh")))
    assert zh["区排名"]["B2"].value == "2026Q3（2026-07-01 至 2026-09-30，截至 2026-09-15）"
    text = PdfReader(BytesIO(briefing_pdf(running, "en"))).pages[0].extract_text()
    assert "as of 2026-09-15" in text


def test_a_big_city_still_gets_one_page_per_district() -> None:
    """Forty districts and a black list of thirty suspended enterprises: the summary is shrunk
    to one page rather than spilling onto a second."""
    report = sample_report()
    first = report.districts[0]
    rows = [replace(first, code=f"4201{n:02d}", name_en=f"District {n}", rank=n) for n in range(40)]
    black = tuple(f"ENT-{n:04d}" for n in range(30))
    lists = replace(report.enterprises.lists, black=black)
    big = replace(
        report,
        ranking=replace(report.ranking, rows=rows),
        enterprises=replace(report.enterprises, lists=lists, overdue=list(black)),
    )
    reader = PdfReader(BytesIO(briefing_pdf(big, "en")))
    assert len(reader.pages) == 41
    assert "District 39" in reader.pages[0].extract_text()  # the whole ranking
    text = reader.pages[0].extract_text()
    assert "and 15 more not listed" in text and "and 18 more not listed" in text
