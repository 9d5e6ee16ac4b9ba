"""The audit trail as a file: CSV (UTF-8 with a byte-order mark, so that Excel reads Chinese
right) or Excel (openpyxl's write-only mode, row by row, so memory stays flat), at most
`EXPORT_CAP` rows, newest first. Times are in the city's time zone, as on the page."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from data_access.queries.audit import AuditRow

EXPORT_CAP = 100_000
HEADER_KEYS = (
    "admin.col.time",
    "admin.col.actor",
    "admin.col.type",
    "admin.col.subject",
    "admin.col.summary",
)


def _cells(row: AuditRow, zone: ZoneInfo) -> list[object]:
    when = row.occurred_at.astimezone(zone)
    return [f"{when:%Y-%m-%d %H:%M:%S}", row.actor, row.type, row.subject or "", row.summary]


def to_csv(rows: Iterable[AuditRow], header: list[str], zone: ZoneInfo) -> tuple[bytes, int]:
    """The file's bytes and the number of rows in it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["seq", *header])
    count = 0
    for row in rows:
        writer.writerow([row.seq, *(safe_cell(cell) for cell in _cells(row, zone))])
        count += 1
    return ("\ufeff" + out.getvalue()).encode("utf-8"), count


def to_xlsx(rows: Iterable[AuditRow], header: list[str], zone: ZoneInfo) -> tuple[bytes, int]:
    """The file's bytes and the number of rows in it."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("audit")
    sheet.append(["seq", *header])
    count = 0
    for row in rows:
        sheet.append([row.seq, *(safe_cell(cell) for cell in _cells(row, zone))])
        count += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), count


def safe_cell(cell: object) -> object:
    """Text a spreadsheet would run as a formula stays text (a leading apostrophe): summaries
    hold what sources sent."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@"):
        return "'" + cell
    return cell
