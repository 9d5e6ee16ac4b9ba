"""The rankings of a period as an Excel workbook (openpyxl) for the weekly meeting: sheets
Ranking, Components, Counts, Enterprises, Red & black lists, 12-point, then one sheet per district
(its components and deductions with their counts, and its four-quarter trend).

Every sheet starts with the same two rows (the title; the period, the scoring version and when it
was generated) and then its header, which stays frozen; numbers are numbers (rates in percent),
texts are in the chosen language and safe from spreadsheet formulas."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dashboard.audit_export import safe_cell
from dashboard.domain.scoring import COMPONENTS, DEDUCTIONS, Rate
from dashboard.i18n import t, t_or
from dashboard.rankings_report import RankingsReport, overdue_days
from dashboard.table_export import SHEET_NAME_MAX
from data_access.queries.rankings import DistrictScoreRow

HEADER_ROW = 3  # rows 1-2: title and period/version; pandas: read_excel(..., header=2)
HEADER_FILL = PatternFill("solid", fgColor="E8EEF4")
BOLD = Font(bold=True)
MAX_WIDTH = 40
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")

Row = Sequence[object]


def workbook_bytes(report: RankingsReport, lang: str) -> bytes:
    book = Workbook()
    book.remove(book.worksheets[0])
    _ranking(book, report, lang)
    _components(book, report, lang)
    _counts(book, report, lang)
    _enterprises(book, report, lang)
    _lists(book, report, lang)
    _points_sheet(book, report, lang)
    for row in report.districts:
        _district(book, report, row, lang)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_names(report: RankingsReport, lang: str) -> list[str]:
    """The workbook's sheets in order (tests and docs name them)."""
    fixed = [
        t(f"rkx.sheet.{key}", lang)
        for key in ("ranking", "components", "counts", "enterprises", "lists", "points")
    ]
    names = list(fixed)
    for row in report.districts:
        names.append(_district_sheet_name(row, lang, names))
    return names


def title(report: RankingsReport, lang: str) -> str:
    city = report.city(lang)
    return t("rkx.title_city", lang).format(city=city) if city else t("rkx.title", lang)


def period_text(report: RankingsReport, lang: str) -> str:
    days = t("rkx.days", lang).format(
        first=report.period.start.isoformat(), last=report.last_day.isoformat()
    )
    if report.as_of < report.last_day:  # a running period: counted up to today
        days += t("rkx.as_of", lang).format(day=report.as_of.isoformat())
    return f"{report.period.label} ({days})" if lang == "en" else f"{report.period.label}（{days}）"


def generated_text(report: RankingsReport, lang: str) -> str:
    zone = t("rkx.zone", lang).format(zone=report.time_zone)
    return f"{report.local_time():%Y-%m-%d %H:%M} {zone}"


def band_text(band: str | None, lang: str) -> str:
    return t(f"rkx.band.{band}", lang) if band else ""


def yes_no(flag: bool, lang: str) -> str:
    return t("rkx.yes" if flag else "rkx.no", lang)


def percent(rate: Rate) -> float | None:
    value = rate.value
    return None if value is None else round(100.0 * value, 2)


def _points(points: float | None) -> float | None:
    return None if points is None else round(points, 2)


def _deducted(points: float) -> float:
    """Points taken off, as a negative number (0 rather than -0)."""
    return -round(points, 2) if points else 0.0


# --- sheets -----------------------------------------------------------------------------------


def _sheet(
    book: Workbook, name: str, report: RankingsReport, lang: str, header: Sequence[str], head=""
) -> Worksheet:
    sheet = book.create_sheet(name)
    sheet.append([f"{head} · {title(report, lang)}" if head else title(report, lang)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(
        [
            t("rkx.period", lang),
            period_text(report, lang),
            t("rkx.version", lang),
            report.version,
            t("rkx.generated", lang),
            generated_text(report, lang),
        ]
    )
    sheet.append(list(header))
    for cell in sheet[HEADER_ROW]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    return sheet


def _append(sheet: Worksheet, cells: Row) -> None:
    sheet.append([safe_cell(cell) for cell in cells])


def _fit_columns(sheet: Worksheet) -> None:
    """Widths from the header and the data (not the two rows above the header)."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=HEADER_ROW):
        for cell in row:
            if cell.value is not None:
                text = str(cell.value)
                # a Chinese character takes about two widths of a Latin one
                width = sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
                widths[cell.column] = max(widths.get(cell.column, 0), width)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(MAX_WIDTH, width + 2)


def _cols(lang: str, *keys: str) -> list[str]:
    return [t(f"rkx.col.{key}", lang) for key in keys]


def _name(row: DistrictScoreRow, lang: str) -> str:
    return row.name_zh if lang == "zh" else row.name_en


def _ranking(book: Workbook, report: RankingsReport, lang: str) -> None:
    header = _cols(
        lang,
        "rank",
        "district_code",
        "district",
        "index",
        "band",
        "previous",
        "change",
        "previous_rank",
    )
    sheet = _sheet(book, t("rkx.sheet.ranking", lang), report, lang, header)
    for row in report.districts:
        _append(
            sheet,
            [
                row.rank,
                row.code,
                _name(row, lang),
                row.score.index,
                band_text(row.score.band, lang),
                row.previous,
                row.change,
                row.previous_rank,
            ],
        )
    _append(sheet, [None, None, t("rkx.city_index", lang), report.ranking.city_index])
    _fit_columns(sheet)


def _components(book: Workbook, report: RankingsReport, lang: str) -> None:
    """Each district's points per component (together they make the index before deductions)."""
    header = [
        *_cols(lang, "rank", "district_code", "district", "index"),
        *(t(f"rkx.component.{name}", lang) for name in COMPONENTS),
        *(t(f"rkx.deduction.{name}", lang) for name in DEDUCTIONS),
    ]
    sheet = _sheet(book, t("rkx.sheet.components", lang), report, lang, header)
    for row in report.districts:
        components = [_points(c.points) for c in row.score.components]
        deductions = [_deducted(d.points) for d in row.score.deductions]
        _append(
            sheet,
            [row.rank, row.code, _name(row, lang), row.score.index, *components, *deductions],
        )
    _fit_columns(sheet)


_COUNT_COLUMNS = (
    "item",
    "type",
    "numerator",
    "denominator",
    "rate",
    "weight",
    "points",
    "count",
    "points_each",
    "cap",
    "deducted",
    "capped",
)


def _count_rows(report: RankingsReport, row: DistrictScoreRow, lang: str) -> list[list[object]]:
    """One line per component (its rate's counts, weight and points) and per deduction (its
    count, rule and the points taken off)."""
    lines: list[list[object]] = []
    for component in row.score.components:
        lines.append(
            [
                t(f"rkx.component.{component.name}", lang),
                t("rkx.type.component", lang),
                round(component.rate.numerator, 2),
                component.rate.denominator,
                percent(component.rate),
                component.weight,
                _points(component.points),
                None,
                None,
                None,
                None,
                None,
            ]
        )
    for deduction in row.score.deductions:
        rule = report.config.district.deductions[deduction.name]
        lines.append(
            [
                t(f"rkx.deduction.{deduction.name}", lang),
                t("rkx.type.deduction", lang),
                None,
                None,
                None,
                None,
                None,
                deduction.count,
                rule.points_each,
                rule.cap,
                _deducted(deduction.points),
                yes_no(deduction.capped, lang),
            ]
        )
    return lines


def _counts(book: Workbook, report: RankingsReport, lang: str) -> None:
    header = [*_cols(lang, "district_code", "district"), *_cols(lang, *_COUNT_COLUMNS)]
    sheet = _sheet(book, t("rkx.sheet.counts", lang), report, lang, header)
    for row in report.districts:
        for line in _count_rows(report, row, lang):
            _append(sheet, [row.code, _name(row, lang), *line])
    _fit_columns(sheet)


def _enterprises(book: Workbook, report: RankingsReport, lang: str) -> None:
    header = _cols(
        lang,
        "rank",
        "enterprise_id",
        "enterprise",
        "kind",
        "district",
        "score",
        "traceability",
        "flagged",
        "risk_points",
        "colour",
        "frequency",
        "last_inspection",
        "overdue",
        "suspended",
        "red_list",
        "black_list",
    )
    sheet = _sheet(book, t("rkx.sheet.enterprises", lang), report, lang, header)
    for row in report.enterprises.rows:
        score = row.score
        _append(
            sheet,
            [
                row.rank,
                row.id,
                row.name,
                t_or(f"enterprise_kind.{row.kind}", row.kind, lang),
                report.district_name(row.district, lang),
                score.score,
                score.traceability,
                yes_no(score.flagged, lang),
                score.risk_points,
                band_text(score.colour, lang),
                score.frequency_days,
                score.last_inspection,
                yes_no(score.inspection_overdue, lang),
                yes_no(score.suspended, lang),
                yes_no(row.on_red_list, lang),
                yes_no(row.on_black_list, lang),
            ],
        )
    _fit_columns(sheet)


def _lists(book: Workbook, report: RankingsReport, lang: str) -> None:
    """The red list, the black list and the enterprises overdue an inspection, one after another
    (the "List" column says which)."""
    header = _cols(
        lang,
        "list",
        "position",
        "enterprise_id",
        "enterprise",
        "district",
        "score",
        "colour",
        "last_inspection",
        "overdue_days",
        "suspended",
    )
    sheet = _sheet(book, t("rkx.sheet.lists", lang), report, lang, header)
    lists = report.enterprises.lists
    named = (("red", lists.red), ("black", lists.black), ("overdue", report.enterprises.overdue))
    for key, ids in named:
        for position, enterprise_id in enumerate(ids, start=1):
            row = report.enterprise(enterprise_id)
            name = row.name if row else enterprise_id
            district = report.district_name(row.district, lang) if row else ""
            score = row.score if row else None
            _append(
                sheet,
                [
                    t(f"rkx.list.{key}", lang),
                    position,
                    enterprise_id,
                    name,
                    district,
                    score.score if score else None,
                    band_text(score.colour, lang) if score else "",
                    score.last_inspection if score else None,
                    overdue_days(row, report.as_of) if row and key == "overdue" else None,
                    yes_no(score.suspended, lang) if score else "",
                ],
            )
    _fit_columns(sheet)


def _points_sheet(book: Workbook, report: RankingsReport, lang: str) -> None:
    header = _cols(
        lang, "subject_type", "subject_id", "name", "enterprise_id", "year_points", "violations"
    )
    header.append(t("rkx.col.suspended", lang))
    name = t("rkx.sheet.points", lang)
    sheet = _sheet(book, name, report, lang, header, head=f"{name} {report.points_year}")
    for row in report.points:
        _append(
            sheet,
            [
                t_or(f"rkx.subject.{row.subject_type}", row.subject_type, lang),
                row.subject_id,
                row.name,
                row.enterprise_id,
                row.points,
                row.violations,
                yes_no(row.suspended, lang),
            ],
        )
    _fit_columns(sheet)


def _district_sheet_name(row: DistrictScoreRow, lang: str, taken: Sequence[str]) -> str:
    name = _NOT_IN_SHEET_NAME.sub(" ", _name(row, lang)).strip()[:SHEET_NAME_MAX] or row.code
    if name in taken:  # two districts of the same name, or one named like a fixed sheet
        name = f"{name[: SHEET_NAME_MAX - len(row.code) - 1]} {row.code}"
    return name


def _district(book: Workbook, report: RankingsReport, row: DistrictScoreRow, lang: str) -> None:
    """The district's components and deductions with their counts, its index, rank and band,
    then its trend over the last four quarters."""
    name = _district_sheet_name(row, lang, book.sheetnames)
    header = _cols(lang, *_COUNT_COLUMNS)
    sheet = _sheet(book, name, report, lang, header, head=_name(row, lang))
    for line in _count_rows(report, row, lang):
        _append(sheet, line)
    _append(sheet, [t("rkx.col.index", lang), None, None, None, None, None, row.score.index])
    _append(sheet, [t("rkx.col.band", lang), band_text(row.score.band, lang)])
    _append(sheet, [t("rkx.col.rank", lang), row.rank])
    _append(sheet, [t("rkx.col.previous", lang), row.previous])
    _append(sheet, [t("rkx.col.change", lang), row.change])
    sheet.append([])
    sheet.append(_cols(lang, "quarter", "index", "rank"))
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    for point in report.trend.get(row.code, []):
        _append(sheet, [point.period.label, point.index, point.rank])
    _fit_columns(sheet)
