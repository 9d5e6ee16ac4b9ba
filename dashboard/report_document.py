"""The close-out report as a document: sections of labelled cells, in the reader's language.

dashboard/reports.py fills it from the incident; the page (pages/incident_report.py) and the PDF
(dashboard/report_pdf.py) draw it, so the two cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    """One value as shown: its text, a tone for colour (good, bad, warn, muted), and links."""

    text: str
    tone: str | None = None
    links: tuple[tuple[str, str], ...] = ()  # (label, url), shown after the text


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    fields: tuple[tuple[str, Cell], ...] = ()  # label: value pairs
    wide_tail: int = 0  # how many of the last fields are long texts (a whole row each)
    columns: tuple[str, ...] = ()  # a table, when there are columns
    rows: tuple[tuple[Cell, ...], ...] = ()
    empty: str | None = None  # said instead of a table without rows
    note: str | None = None


@dataclass(frozen=True)
class ReportDocument:
    incident_id: str
    title: str
    generated: str  # "Generated: <time>"
    zone_note: str
    banner: str | None  # the "not closed yet" warning
    sections: tuple[Section, ...]
