"""A table as a file: CSV (UTF-8 with a byte-order mark, so that Excel reads Chinese right) or
Excel (openpyxl, write-only). Every list's export (hazards, inspections, tasks, cylinders,
detentions, complaints) writes its header and rows through these; each cell is made safe from
spreadsheet formulas (audit_export.safe_cell)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

from dashboard.audit_export import safe_cell

SHEET_NAME_MAX = 31  # Excel's limit for a sheet's name


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for cells in rows:
        writer.writerow([safe_cell(cell) for cell in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:SHEET_NAME_MAX])
    sheet.append(list(header))
    for cells in rows:
        sheet.append([safe_cell(cell) for cell in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
