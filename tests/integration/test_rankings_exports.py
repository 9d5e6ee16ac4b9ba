"""The rankings exports over the demo city with history written through the event log: the
report the page and the CLI both render (dashboard/rankings_report.py), the Excel workbook
(opens with pandas, the ranking's numbers, a sheet per district) and the PDF briefing (a summary
page and one per district, Chinese or English names, the font embedded), and
`python -m dashboard report rankings` with its mistakes refused in one line and exit code 2."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select

from dashboard.cli import main
from dashboard.domain.events import Event, InspectionCompleted, InspectionItem
from dashboard.domain.roles import CITYWIDE
from dashboard.domain.scoring import config_from_dict, current_quarter, with_value
from dashboard.rankings_export import HEADER_ROW, sheet_names, workbook_bytes
from dashboard.rankings_pdf import briefing_pdf
from dashboard.rankings_report import RankingsReport, build_report
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import District, Site
from data_access.queries.scoring_config import active_config
from tests.support import JIANGAN, WUCHANG, report_hazard
from tests.unit.test_rankings_renderers import embedded_fonts

INSPECTED = 3  # Jiang'an sites inspected in the quarter


def _inspect_sites(engine: Engine, district: str, count: int, when: datetime) -> None:
    with engine.connect() as connection:
        sites = connection.execute(
            select(Site.id, Site.lat, Site.lon).where(Site.district == district).order_by(Site.id)
        ).all()[:count]
    assert len(sites) == count
    events = [
        Event.of(
            InspectionCompleted(
                inspection_id=f"INSP-RKX-{n}",
                kind="daily",
                target_type="site",
                target_id=site.id,
                district=district,
                inspector_id="INS-RKX",
                items=[InspectionItem(item="报警器", passed=True)],
                lat=site.lat,
                lon=site.lon,
            ),
            id=f"INSP-RKX-{n}",
            occurred_at=when,
        )
        for n, site in enumerate(sites)
    ]
    outcomes = append_events(engine, [Incoming("inspection-app", e) for e in events])
    assert all(isinstance(o, Accepted) for o in outcomes), outcomes


@pytest.fixture
def history(city: Engine) -> tuple[Engine, datetime]:
    """The quarter so far: three Jiang'an sites inspected, two Wuchang hazards reported."""
    now = datetime.now(UTC)
    when = max(now - timedelta(minutes=5), current_quarter(now).bounds()[0])
    _inspect_sites(city, JIANGAN, INSPECTED, when)
    report_hazard(city, "YH-RKX-1", WUCHANG, occurred_at=when)
    report_hazard(city, "YH-RKX-2", WUCHANG, occurred_at=when)
    return city, now


def _report(engine: Engine, now: datetime) -> RankingsReport:
    config = active_config(engine)
    return build_report(
        engine, CITYWIDE, current_quarter(now), config, now, city_zh="武汉市", city_en="Wuhan"
    )


def _names(engine: Engine) -> dict[str, tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(select(District.code, District.name_zh, District.name_en))
        return {code: (zh, en) for code, zh, en in rows}


def test_the_report_gathers_the_rankings_of_the_period(history) -> None:
    engine, now = history
    report = _report(engine, now)
    assert report.period == current_quarter(now) and report.version == "2026.1"
    assert {row.code for row in report.districts} == set(_names(engine))
    jiangan = next(row for row in report.districts if row.code == JIANGAN)
    coverage = jiangan.score.components[0]
    assert coverage.name == "inspection_coverage" and coverage.rate.numerator == INSPECTED
    assert set(report.trend) == {row.code for row in report.districts}
    assert all(len(points) == 4 for points in report.trend.values())
    assert report.points_year == current_quarter(now).start.year


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_workbook_opens_with_pandas_with_the_rankings_numbers(history, lang: str) -> None:
    engine, now = history
    report = _report(engine, now)
    data = workbook_bytes(report, lang)
    sheets = pd.read_excel(BytesIO(data), sheet_name=None, header=HEADER_ROW - 1)
    names = sheet_names(report, lang)
    assert list(sheets) == names and len(names) == 6 + len(report.districts)
    column = 1 if lang == "zh" else 2
    district_names = {pair[column - 1] for pair in _names(engine).values()}
    assert set(names[6:]) == district_names
    ranking = sheets[names[0]]
    index, code = ("安全指数", "区划代码") if lang == "zh" else ("Safety index", "District code")
    expected = [row.score.index for row in report.districts]
    got = ranking[index][: len(expected)].tolist()
    assert [None if pd.isna(v) else v for v in got] == expected
    codes = pd.read_excel(BytesIO(data), sheet_name=names[0], header=2, dtype={code: str})[code]
    assert codes[: len(expected)].tolist() == [r.code for r in report.districts]  # text stays text
    jiangan = sheets[report.district_name(JIANGAN, lang)]
    numerator = "分子" if lang == "zh" else "Numerator"
    assert jiangan[numerator][0] == INSPECTED  # inspection coverage, the first line


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_briefing_has_a_page_per_district_with_its_names(history, lang: str) -> None:
    engine, now = history
    report = _report(engine, now)
    reader = PdfReader(BytesIO(briefing_pdf(report, lang)))
    assert len(reader.pages) == 1 + len(report.districts)
    summary = reader.pages[0].extract_text()
    for zh, en in _names(engine).values():
        assert (zh if lang == "zh" else en) in summary
    for page, row in zip(reader.pages[1:], report.districts, strict=True):
        assert (row.name_zh if lang == "zh" else row.name_en) in page.extract_text()
    assert report.period.label in summary and report.version in summary
    assert embedded_fonts(reader)


def test_a_past_period_under_another_version_shows_that_version(history) -> None:
    engine, now = history
    period = current_quarter(now)
    old = active_config(engine)
    heavier = config_from_dict(
        {**with_value(old, "district.weights.hazard_closure", 0), "version": "2026.9"}
    )
    report = build_report(engine, CITYWIDE, period, heavier, now)
    assert report.version == "2026.9"
    sheets = pd.read_excel(BytesIO(workbook_bytes(report, "en")), sheet_name=None, header=None)
    assert all(sheet.iloc[1, 3] == "2026.9" for sheet in sheets.values())
    wuchang = next(r for r in report.districts if r.code == WUCHANG)
    closure = next(c for c in wuchang.score.components if c.name == "hazard_closure")
    assert closure.weight == 0 and closure.points is None  # a zero weight removes it


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture
def cli_db(history, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    engine, _ = history
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return engine


def _run(tmp_path: Path, *args: str) -> int:
    return main(["report", "rankings", *args, "--data-dir", str(tmp_path)])


def test_cli_writes_the_briefing_and_the_workbook(cli_db, tmp_path: Path, capsys) -> None:
    label = current_quarter(datetime.now(UTC)).label
    pdf, xlsx = tmp_path / "briefing.pdf", tmp_path / "rankings.xlsx"
    assert _run(tmp_path, "--period", label, "--out", str(pdf)) == 0
    assert f"rankings {label}, scoring version 2026.1" in capsys.readouterr().out
    reader = PdfReader(pdf)
    districts = len(_names(cli_db))
    assert len(reader.pages) == 1 + districts and "武汉市" in reader.pages[0].extract_text()
    assert _run(tmp_path, "--period", label, "--out", str(xlsx), "--lang", "en") == 0
    sheets = pd.read_excel(xlsx, sheet_name=None, header=HEADER_ROW - 1)
    assert list(sheets)[:2] == ["Ranking", "Components"] and len(sheets) == 6 + districts
    odd = tmp_path / "briefing.bin"
    assert _run(tmp_path, "--period", label, "--out", str(odd), "--format", "pdf") == 0
    assert odd.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026Q5"], "--period: not a period"),
        (["--period", "2026-12-31..2026-01-01"], "ends before it starts"),
        (["--period", "2999Q1"], "has not started yet"),
        (["--period", "2026Q1", "--version", "0.9"], "unknown scoring version '0.9'"),
        (["--period", "2026Q1", "--out", "briefing.docx"], "name it .pdf or .xlsx"),
    ],
)
def test_cli_refuses_a_bad_period_or_version(cli_db, tmp_path, capsys, args, message) -> None:
    out = ["--out", str(tmp_path / "b.pdf")] if "--out" not in args else []
    assert _run(tmp_path, *out, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "b.pdf").exists()
