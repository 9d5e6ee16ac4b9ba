"""The rankings briefing of a period as an A4 PDF (reportlab) for the weekly meeting: a summary
page (the district ranking as horizontal bars coloured by band, the red and black lists, the
enterprises overdue an inspection), then one page per district (its components and deductions
with the counts behind them, and its index over the last four quarters).

Each page is shrunk to fit when it must, so the briefing has exactly 1 + districts pages. The CJK
font is the close-out report's (dashboard/report_pdf.py: WenQuanYi Micro Hei embedded as a
subset), in English too, since enterprise names stay Chinese."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepInFrame,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from dashboard.domain.scoring import BAND_COLOURS, BANDS
from dashboard.i18n import t
from dashboard.rankings_export import (
    band_text,
    generated_text,
    percent,
    period_text,
    title,
    yes_no,
)
from dashboard.rankings_report import RankingsReport, overdue_days
from dashboard.report_pdf import CJK_FONT_FILES, GRID, HEADER_BG, cjk_font
from data_access.queries.rankings import DistrictScoreRow, TrendPoint

MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN - 12  # the frame's width less its padding
FRAME_HEIGHT = A4[1] - 2 * MARGIN - 6 * mm - 14  # the frame's padding and the footer's room
CHART_MAX_HEIGHT = 330.0  # the ranking chart's bars, in points
LIST_SHOWN = 15  # the red and black lists on the summary page (all of them in the workbook)
OVERDUE_SHOWN = 12  # the overdue list on the summary page: the longest overdue, then "N more"
MUTED = colors.HexColor("#4a5968")
GOOD, BAD = colors.HexColor("#1b7f3b"), colors.HexColor("#c0142a")


def briefing_pdf(
    report: RankingsReport, lang: str, font_files: tuple[Path, ...] = CJK_FONT_FILES
) -> bytes:
    font = cjk_font(font_files)
    styles = _styles(font, lang)
    buffer = BytesIO()
    heading = title(report, lang)
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=f"{heading} {report.period.label}",
        subject=report.period.label,
        author=t("app.title", lang),
        creator=t("app.title", lang),
        lang="zh-CN" if lang == "zh" else "en",
    )
    story: list = [_fit(_summary(report, lang, font, styles))]
    for row in report.districts:
        story += [PageBreak(), _fit(_district_page(report, row, lang, font, styles))]

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.setFillColor(MUTED)
        left = f"{heading} · {report.period.label} · {t('rkx.version', lang)} {report.version}"
        canvas.drawString(MARGIN + 6, MARGIN, left)
        page = t("rkx.page", lang).format(page=doc.page)
        canvas.drawRightString(A4[0] - MARGIN - 6, MARGIN, page)
        canvas.restoreState()

    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _fit(flowables: list) -> KeepInFrame:
    """One page's content, shrunk if it would not fit (a city with many districts)."""
    return KeepInFrame(WIDTH, FRAME_HEIGHT, flowables, mode="shrink")


def _styles(font: str, lang: str) -> dict[str, ParagraphStyle]:
    wrap = "CJK" if lang == "zh" else None
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=12.5, wordWrap=wrap)
    return {
        "title": ParagraphStyle("title", base, fontSize=17, leading=22, spaceAfter=4),
        "meta": ParagraphStyle("meta", base, fontSize=8.5, textColor=MUTED),
        "h2": ParagraphStyle("h2", base, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4),
        "big": ParagraphStyle("big", base, fontSize=13, leading=18),
        "cell": ParagraphStyle("cell", base, fontSize=7.8, leading=10),
        "note": ParagraphStyle("note", base, fontSize=8, textColor=MUTED),
    }


def _meta(report: RankingsReport, lang: str, styles: dict[str, ParagraphStyle]) -> list:
    previous = report.ranking.previous_period.label
    lines = [
        f"{t('rkx.period', lang)}: {period_text(report, lang)} · "
        f"{t('rkx.previous', lang)}: {previous}",
        f"{t('rkx.version', lang)}: {report.version} · "
        f"{t('rkx.generated', lang)}: {generated_text(report, lang)}",
    ]
    return [Paragraph(escape(line), styles["meta"]) for line in lines]


def _number(value: float | None, places: int = 2) -> str:
    return "–" if value is None else f"{value:.{places}f}".rstrip("0").rstrip(".")


def _change(value: float | None) -> str:
    if value is None:
        return "–"
    return f"+{_number(value)}" if value > 0 else _number(value)


def _table(rows: list[list[object]], widths: list[float], styles, numeric_from: int = 99):
    """A grid with a shaded header; columns from `numeric_from` on are right-aligned."""
    # Numbers stay plain strings so that the column's alignment applies to them.
    cells = [
        [
            Paragraph(escape(c), styles["cell"]) if isinstance(c, str) and i < numeric_from else c
            for i, c in enumerate(row)
        ]
        for row in rows
    ]
    cells[0] = [Paragraph(escape(str(c)), styles["cell"]) for c in rows[0]]
    table = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
                ("GRID", (0, 0), (-1, -1), 0.25, GRID),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"),
                ("FONTNAME", (0, 0), (-1, -1), styles["cell"].fontName),
                ("FONTSIZE", (0, 0), (-1, -1), styles["cell"].fontSize),
            ]
        )
    )
    return table


def _widths(*weights: float, width: float = WIDTH) -> list[float]:
    return [width * w / sum(weights) for w in weights]


# --- the summary page ---------------------------------------------------------------------------


def _summary(report: RankingsReport, lang: str, font: str, styles) -> list:
    city = t("rkx.city_index", lang)
    parts: list = [
        Paragraph(escape(title(report, lang)), styles["title"]),
        *_meta(report, lang, styles),
        Spacer(1, 4),
        Paragraph(escape(f"{city}: {_number(report.ranking.city_index)}"), styles["big"]),
        Paragraph(escape(t("rkx.chart", lang)), styles["h2"]),
        ranking_chart(report, lang, font),
        Paragraph(escape(t("rkx.lists", lang)), styles["h2"]),
        _lists(report, lang, styles),
        Paragraph(escape(t("rkx.overdue", lang)), styles["h2"]),
        *_overdue(report, lang, styles),
    ]
    return parts


def ranking_chart(report: RankingsReport, lang: str, font: str) -> Drawing:
    """Horizontal bars, best first, each coloured by its band and labelled with its index and
    its change since the previous period; dashed lines mark the bands' lower bounds."""
    rows = report.districts
    # 15 points a district, closer together beyond 22 districts so the chart stays within a
    # third of the page
    step = min(15.0, CHART_MAX_HEIGHT / max(1, len(rows)))
    bar, gap, axis, size = step * 0.73, step * 0.27, 14.0, min(8.0, step * 0.62)
    label_width, value_width = 92.0, 70.0
    height = len(rows) * (bar + gap) + axis + 4
    drawing = Drawing(WIDTH, height)
    span = WIDTH - label_width - value_width
    top = height - 2

    def x_of(value: float) -> float:
        return label_width + span * value / 100.0

    for tick in range(0, 101, 20):
        drawing.add(Line(x_of(tick), axis, x_of(tick), top, strokeColor=GRID, strokeWidth=0.3))
        drawing.add(_text(x_of(tick), 3, str(tick), font, 7, MUTED, "middle"))
    bands = report.config.district.bands
    for band, bound in (("blue", bands.blue), ("yellow", bands.yellow), ("orange", bands.orange)):
        line = Line(x_of(bound), axis, x_of(bound), top, strokeWidth=0.6)
        line.strokeColor = colors.HexColor(BAND_COLOURS[band])
        line.strokeDashArray = [2, 2]
        drawing.add(line)
    for position, row in enumerate(rows):
        y = top - (position + 1) * (bar + gap) + gap / 2
        baseline = y + (bar - size * 0.7) / 2  # the label centred on the bar
        name = row.name_zh if lang == "zh" else row.name_en
        rank = "–" if row.rank is None else str(row.rank)
        drawing.add(
            _text(label_width - 4, baseline, f"{rank}. {name}", font, size, colors.black, "end")
        )
        index = row.score.index
        if index is None:
            drawing.add(_text(x_of(0) + 3, baseline, t("rkx.no_index", lang), font, size, MUTED))
            continue
        fill = colors.HexColor(BAND_COLOURS[row.score.band or "red"])
        drawing.add(Rect(x_of(0), y, x_of(index) - x_of(0), bar, fillColor=fill, strokeColor=None))
        drawing.add(_text(x_of(index) + 3, baseline, _number(index), font, size, colors.black))
        change = row.change
        tone = MUTED if not change else (GOOD if change > 0 else BAD)
        drawing.add(_text(x_of(index) + 30, baseline, _change(change), font, size, tone))
    return drawing


def _text(x: float, y: float, text: str, font: str, size: float, colour, anchor="start") -> String:
    return String(x, y, text, fontName=font, fontSize=size, fillColor=colour, textAnchor=anchor)


def _lists(report: RankingsReport, lang: str, styles) -> Table:
    """The red list and the black list side by side."""
    half = (WIDTH - 8) / 2
    lists = report.enterprises.lists
    tables = [_list_table(report, ids, lang, styles, half) for ids in (lists.red, lists.black)]
    heads = [
        Paragraph(f'<font color="{colour}">■</font> {escape(t(label, lang))}', styles["cell"])
        for colour, label in ((BAND_COLOURS["red"], "rkx.list.red"), ("#111111", "rkx.list.black"))
    ]
    outer = Table([heads, tables], colWidths=[half + 4, half + 4], hAlign="LEFT")
    outer.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return outer


def _list_table(report: RankingsReport, ids, lang: str, styles, width: float) -> list:
    """A list's first LIST_SHOWN enterprises (the black list grows with every suspension), then
    how many more the workbook has."""
    keys = ("position", "enterprise", "district", "score")
    header: list[object] = [t(f"rkx.col.{key}", lang) for key in keys]
    rows: list[list[object]] = [header]
    for position, enterprise_id in enumerate(ids[:LIST_SHOWN], start=1):
        row = report.enterprise(enterprise_id)
        name = row.name if row else enterprise_id
        if row and row.score.suspended:
            name += t("rkx.suspended", lang)
        district = report.district_name(row.district, lang) if row else ""
        rows.append([str(position), name, district, _number(row.score.score if row else None)])
    if len(rows) == 1:
        rows.append(["", t("rkx.none", lang), "", ""])
    parts: list = [_table(rows, _widths(1, 5.5, 2.4, 1.6, width=width), styles, numeric_from=3)]
    if len(ids) > LIST_SHOWN:
        more = t("rkx.more", lang).format(n=len(ids) - LIST_SHOWN)
        parts += [Spacer(1, 2), Paragraph(escape(more), styles["note"])]
    return parts


def _overdue(report: RankingsReport, lang: str, styles) -> list:
    ids = report.enterprises.overdue
    header: list[object] = [
        t(f"rkx.col.{key}", lang)
        for key in (
            "position",
            "enterprise",
            "district",
            "colour",
            "frequency",
            "last_inspection",
            "overdue_days",
        )
    ]
    rows: list[list[object]] = [header]
    for position, enterprise_id in enumerate(ids[:OVERDUE_SHOWN], start=1):
        row = report.enterprise(enterprise_id)
        if row is None:
            rows.append([str(position), enterprise_id, "", "", "", "", ""])
            continue
        last = row.score.last_inspection
        days = overdue_days(row, report.as_of)
        rows.append(
            [
                str(position),
                row.name,
                report.district_name(row.district, lang),
                band_text(row.score.colour, lang),
                str(row.score.frequency_days),
                last.isoformat() if last else t("rkx.none", lang),
                "–" if days is None else str(days),
            ]
        )
    if len(rows) == 1:
        rows.append(["", t("rkx.none", lang), "", "", "", "", ""])
    parts: list = [_table(rows, _widths(0.7, 5, 2, 1.1, 1.8, 1.9, 1.5), styles, numeric_from=4)]
    if len(ids) > OVERDUE_SHOWN:
        more = t("rkx.more", lang).format(n=len(ids) - OVERDUE_SHOWN)
        parts += [Spacer(1, 2), Paragraph(escape(more), styles["note"])]
    return parts


# --- a district's page --------------------------------------------------------------------------


def _district_page(
    report: RankingsReport, row: DistrictScoreRow, lang: str, font: str, styles
) -> list:
    name = row.name_zh if lang == "zh" else row.name_en
    count = len(report.districts)
    standing = (
        t("rkx.rank_of", lang).format(rank=row.rank, count=count)
        if row.rank is not None
        else t("rkx.unranked", lang)
    )
    index = row.score.index
    band = row.score.band
    chip = (
        f'<font color="{BAND_COLOURS[band]}">■</font> {escape(band_text(band, lang))}'
        if band
        else ""
    )
    summary = (
        f"{escape(t('rkx.col.index', lang))} <b>{_number(index)}</b> · {chip} · "
        f"{escape(t('rkx.col.change', lang))} {escape(_change(row.change))} "
    )
    previous = f"{t('rkx.col.previous', lang)} {_number(row.previous)}"
    summary += escape(f"（{previous}）" if lang == "zh" else f"({previous})")
    return [
        Paragraph(escape(f"{name} · {title(report, lang)}"), styles["title"]),
        *_meta(report, lang, styles),
        Spacer(1, 4),
        Paragraph(escape(standing), styles["big"]),
        Paragraph(summary, styles["big"]),
        Paragraph(escape(t("rkx.components", lang)), styles["h2"]),
        _components_table(row, lang, styles),
        Spacer(1, 2),
        Paragraph(escape(t("rkx.rule", lang)), styles["note"]),
        Paragraph(escape(t("rkx.deductions", lang)), styles["h2"]),
        _deductions_table(report, row, lang, styles),
        Paragraph(escape(t("rkx.trend", lang)), styles["h2"]),
        trend_chart(report.trend.get(row.code, []), report, lang, font),
    ]


def _components_table(row: DistrictScoreRow, lang: str, styles) -> Table:
    keys = ("item", "numerator", "denominator", "rate", "weight", "points")
    rows: list[list[object]] = [[t(f"rkx.col.{key}", lang) for key in keys]]
    for component in row.score.components:
        rows.append(
            [
                t(f"rkx.component.{component.name}", lang),
                _number(component.rate.numerator),
                str(component.rate.denominator),
                _number(percent(component.rate), 1),
                _number(component.weight),
                _number(component.points),
            ]
        )
    return _table(rows, _widths(4, 1.6, 1.6, 1.4, 1.2, 1.4), styles, numeric_from=1)


def _deductions_table(report: RankingsReport, row: DistrictScoreRow, lang: str, styles) -> Table:
    keys = ("item", "count", "points_each", "cap", "deducted", "capped")
    rows: list[list[object]] = [[t(f"rkx.col.{key}", lang) for key in keys]]
    for deduction in row.score.deductions:
        rule = report.config.district.deductions[deduction.name]
        rows.append(
            [
                t(f"rkx.deduction.{deduction.name}", lang),
                str(deduction.count),
                _number(rule.points_each),
                _number(rule.cap),
                _number(-deduction.points) if deduction.points else "0",
                yes_no(deduction.capped, lang),
            ]
        )
    return _table(rows, _widths(4, 1.6, 1.6, 1.4, 1.2, 1.4), styles, numeric_from=1)


def trend_chart(points: list[TrendPoint], report: RankingsReport, lang: str, font: str) -> Drawing:
    """The index per quarter (0..100) over the bands' colours, each point labelled with its
    index and rank; a quarter without an index leaves a gap."""
    height, left, bottom, right = 170.0, 30.0, 18.0, 20.0
    drawing = Drawing(WIDTH, height)
    plot_w, plot_h = WIDTH - left - right, height - bottom - 8

    def y_of(value: float) -> float:
        return bottom + plot_h * value / 100.0

    bands = report.config.district.bands
    bounds = {"blue": (bands.blue, 100.0), "yellow": (bands.yellow, bands.blue)}
    bounds |= {"orange": (bands.orange, bands.yellow), "red": (0.0, bands.orange)}
    for band in BANDS:
        low, high = bounds[band]
        if high > low:
            stripe = colors.HexColor(BAND_COLOURS[band])
            drawing.add(
                Rect(
                    left,
                    y_of(low),
                    plot_w,
                    y_of(high) - y_of(low),
                    strokeColor=None,
                    fillColor=colors.Color(stripe.red, stripe.green, stripe.blue, alpha=0.12),
                )
            )
    for tick in range(0, 101, 20):
        drawing.add(
            Line(left, y_of(tick), left + plot_w, y_of(tick), strokeColor=GRID, strokeWidth=0.3)
        )
        drawing.add(_text(left - 4, y_of(tick) - 2.5, str(tick), font, 7, MUTED, "end"))
    if not points:
        return drawing
    step = plot_w / len(points)
    xs = [left + step * (i + 0.5) for i in range(len(points))]
    segment: list[float] = []
    for x, point in zip(xs, points, strict=True):
        drawing.add(_text(x, 4, point.period.label, font, 8, colors.black, "middle"))
        if point.index is None:
            _flush(drawing, segment)
            segment = []
            drawing.add(_text(x, y_of(50), t("rkx.no_index", lang), font, 7.5, MUTED, "middle"))
            continue
        segment += [x, y_of(point.index)]
    _flush(drawing, segment)
    for x, point in zip(xs, points, strict=True):
        if point.index is None:
            continue
        y = y_of(point.index)
        drawing.add(Circle(x, y, 2.8, fillColor=colors.HexColor("#1a5fb4"), strokeColor=None))
        label = _number(point.index)
        if point.rank is not None:
            label += f" · {t('rkx.trend_rank', lang).format(rank=point.rank)}"
        drawing.add(_text(x, min(y + 6, height - 9), label, font, 8, colors.black, "middle"))
    return drawing


def _flush(drawing: Drawing, segment: list[float]) -> None:
    if len(segment) >= 4:
        drawing.add(PolyLine(segment, strokeColor=colors.HexColor("#1a5fb4"), strokeWidth=1.4))
