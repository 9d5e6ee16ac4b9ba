"""The hazard board as a file, with the board's filters and scope: CSV (UTF-8 with a byte-order
mark, so that Excel reads Chinese right) or Excel (openpyxl, write-only), at most `EXPORT_CAP`
rows, in the board's order; times in the city's time zone, words in the reader's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dashboard.domain.hazards import is_overdue
from dashboard.i18n import t
from dashboard.table_export import csv_bytes, xlsx_bytes
from data_access.queries.hazard_board import HazardRow

EXPORT_CAP = 100_000
HEADER_KEYS = (
    "hz.col.number",
    "hz.col.district",
    "hz.col.enterprise",
    "hz.col.category",
    "hz.filter.origin",
    "hz.col.level",
    "hz.col.status",
    "hz.filter.escalation",
    "hz.col.reported",
    "hz.col.due",
    "hz.filter.overdue",
)


def _cells(
    row: HazardRow, names: dict[str, str], zone: ZoneInfo, now: datetime, lang: str
) -> list[object]:
    overdue = is_overdue(row.status, row.due_at, now)
    return [
        row.number or row.id,
        names.get(row.district, row.district),
        row.enterprise or "",
        row.category,
        t(f"hazard_origin.{row.origin}", lang),
        t(f"hazard_level.{row.level}", lang),
        t(f"hazard_status.{row.status}", lang),
        t(f"hz.escalation.{row.escalation}", lang) if row.escalation else "",
        f"{row.reported_at.astimezone(zone):%Y-%m-%d %H:%M}",
        f"{row.due_at.astimezone(zone):%Y-%m-%d %H:%M}",
        "✓" if overdue else "",
    ]


def to_csv(
    rows: list[HazardRow], names: dict[str, str], zone: ZoneInfo, now: datetime, lang: str
) -> bytes:
    header = [t(key, lang) for key in HEADER_KEYS]
    return csv_bytes(header, (_cells(row, names, zone, now, lang) for row in rows))


def to_xlsx(
    rows: list[HazardRow], names: dict[str, str], zone: ZoneInfo, now: datetime, lang: str
) -> bytes:
    header = [t(key, lang) for key in HEADER_KEYS]
    cells = (_cells(row, names, zone, now, lang) for row in rows)
    return xlsx_bytes(t("page.hazards", lang), header, cells)
