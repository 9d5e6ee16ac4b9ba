"""The close-out report as an A4 PDF (reportlab), from the same `ReportDocument` as the page.

Chinese must render, so a CJK font is embedded: WenQuanYi Micro Hei (Debian's
fonts-wqy-microhei, installed by .ci/run) when present, else reportlab's built-in CID font
STSong-Light, which every PDF reader has (it is referenced, not embedded).
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from dashboard.domain.photos import safe_link
from dashboard.i18n import t
from dashboard.report_document import Cell, ReportDocument, Section

CJK_FONT_FILES = (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),)
FALLBACK_CID_FONT = "STSong-Light"
MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN
TONE_COLOURS = {"good": "#1b7f3b", "bad": "#c0142a", "warn": "#a05a00", "muted": "#7a8591"}
GRID = colors.HexColor("#c7d0da")
HEADER_BG = colors.HexColor("#e8eef4")
BANNER_BG = colors.HexColor("#fff3cd")
# Relative column widths of each section's table (the rest share the width equally).
COLUMN_WEIGHTS = {
    "response": (3, 3, 2),
    "teams": (3, 1.2, 1.9, 2.1, 1.7, 1.2, 2.1, 2.1, 2.1, 1.5),
    "notifications": (2.2, 2, 1.6, 3, 1.4, 1.1, 2.6),
    "timeline": (2.3, 1.5, 1.5, 2, 2.2, 5),
}


@functools.cache
def cjk_font(candidates: tuple[Path, ...] = CJK_FONT_FILES) -> str:
    """Register and name the font for the report: an embedded TrueType CJK font if one of
    `candidates` exists, else the built-in CID font."""
    for path in candidates:
        if path.exists():
            name = f"ReportCJK-{path.stem}"
            # A .ttc holds several faces; the first is the regular one.
            pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
            return name
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
    return FALLBACK_CID_FONT


def _styles(font: str, lang: str) -> dict[str, ParagraphStyle]:
    # Chinese has no spaces between words: break anywhere. English breaks at spaces (and splits
    # a long unbroken run, such as Chinese text in an English report, where it must).
    wrap = "CJK" if lang == "zh" else None
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=12.5, wordWrap=wrap)
    return {
        "title": ParagraphStyle("title", base, fontSize=17, leading=22, spaceAfter=4),
        "meta": ParagraphStyle("meta", base, fontSize=8.5, textColor=colors.HexColor("#4a5968")),
        "h2": ParagraphStyle("h2", base, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4),
        "label": ParagraphStyle("label", base, textColor=colors.HexColor("#4a5968")),
        "value": base,
        "cell": ParagraphStyle("cell", base, fontSize=7.6, leading=10, alignment=TA_LEFT),
        "head": ParagraphStyle("head", base, fontSize=7.6, leading=10),
        "note": ParagraphStyle("note", base, fontSize=8, textColor=colors.HexColor("#4a5968")),
        "banner": ParagraphStyle("banner", base, textColor=colors.HexColor("#6b4a00")),
    }


@dataclass(frozen=True)
class _Links:
    """Where the PDF's links may go: paths of this site (made absolute on `site_url`) and https
    URLs on `hosts`; any other link is drawn as its label only (dashboard/domain/photos.py)."""

    site_url: str = ""
    hosts: Collection[str] = ()

    def target(self, url: str) -> str | None:
        safe = safe_link(url, self.hosts)
        if safe is None or (safe.startswith("/") and not self.site_url):
            return None
        return self.site_url + safe if safe.startswith("/") else safe


def _markup(cell: Cell, links: _Links) -> str:
    text = escape(cell.text)
    if cell.tone in TONE_COLOURS:
        text = f'<font color="{TONE_COLOURS[cell.tone]}">{text}</font>'
    drawn = []
    for label, url in cell.links:
        target = links.target(url)
        drawn.append(
            escape(label)
            if target is None
            else f'<a href={quoteattr(target)} color="#1a5fb4">{escape(label)}</a>'
        )
    return f"{text} {' '.join(drawn)}".strip() if drawn else text


def _fields_table(section: Section, styles: dict[str, ParagraphStyle], links: _Links) -> Table:
    """Label-value pairs, two pairs a row."""
    pairs = [
        (
            Paragraph(escape(label), styles["label"]),
            Paragraph(_markup(cell, links), styles["value"]),
        )
        for label, cell in section.fields
    ]
    full = section.wide_tail  # long texts take a whole row
    short, wide = pairs[: len(pairs) - full], pairs[len(pairs) - full :]
    rows = [
        [*short[i], *(short[i + 1] if i + 1 < len(short) else ("", ""))]
        for i in range(0, len(short), 2)
    ]
    rows += [[label, value, "", ""] for label, value in wide]
    widths = [WIDTH * w for w in (0.19, 0.31, 0.19, 0.31)]
    table = Table(rows, colWidths=widths)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    style += [("SPAN", (1, r), (3, r)) for r in range(len(rows) - len(wide), len(rows))]
    table.setStyle(TableStyle(style))
    return table


def _data_table(section: Section, styles: dict[str, ParagraphStyle], links: _Links) -> Table:
    weights = COLUMN_WEIGHTS.get(section.key, (1,) * len(section.columns))
    widths = [WIDTH * w / sum(weights) for w in weights]
    head = [Paragraph(escape(column), styles["head"]) for column in section.columns]
    body = [
        [Paragraph(_markup(cell, links), styles["cell"]) for cell in row] for row in section.rows
    ]
    table = Table([head, *body], colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
                ("GRID", (0, 0), (-1, -1), 0.25, GRID),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _section(section: Section, styles: dict[str, ParagraphStyle], links: _Links) -> list:
    heading = Paragraph(escape(section.title), styles["h2"])
    parts: list = []
    if section.fields:
        parts += [_fields_table(section, styles, links), Spacer(1, 4)]
    if section.columns and section.rows:
        parts.append(_data_table(section, styles, links))
    elif section.columns and section.empty:
        parts.append(Paragraph(escape(section.empty), styles["note"]))
    if section.note:
        parts += [Spacer(1, 3), Paragraph(escape(section.note), styles["note"])]
    # A heading never ends a page alone: keep it with the start of what follows.
    return [KeepTogether([heading, parts[0]]), *parts[1:]] if parts else [heading]


def _banner(text: str, styles: dict[str, ParagraphStyle]) -> Table:
    table = Table([[Paragraph(escape(text), styles["banner"])]], colWidths=[WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), BANNER_BG),
                ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#e0b64c")),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def build_pdf(
    document: ReportDocument,
    lang: str,
    font_files: tuple[Path, ...] = CJK_FONT_FILES,
    *,
    site_url: str = "",
    link_hosts: Collection[str] = (),
) -> bytes:
    """The PDF; `site_url` (scheme and host, no slash at the end) makes this site's paths
    absolute, and `link_hosts` are the hosts https links may go to."""
    font = cjk_font(font_files)
    links = _Links(site_url, link_hosts)
    styles = _styles(font, lang)
    buffer = BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=f"{document.title} {document.incident_id}",
        subject=document.incident_id,
        author=t("app.title", lang),
        creator=t("app.title", lang),
        lang="zh-CN" if lang == "zh" else "en",
    )
    meta = f"{t('report.id', lang)}: {document.incident_id} · {document.generated}"
    story: list = [
        Paragraph(escape(document.title), styles["title"]),
        Paragraph(escape(meta), styles["meta"]),
        Paragraph(escape(document.zone_note), styles["meta"]),
        Spacer(1, 6),
    ]
    if document.banner:
        story += [_banner(document.banner, styles), Spacer(1, 4)]
    for section in document.sections:
        story += _section(section, styles, links)

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.setFillColor(colors.HexColor(TONE_COLOURS["muted"]))
        page = t("report.page", lang).format(page=doc.page)
        canvas.drawString(MARGIN, MARGIN, f"{document.title} · {document.incident_id}")
        canvas.drawRightString(A4[0] - MARGIN, MARGIN, page)
        canvas.restoreState()

    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
