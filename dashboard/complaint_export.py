"""The complaint queue as a file, with the queue's filters and scope: CSV (UTF-8 with a byte-order
mark, so that Excel reads Chinese right) or Excel (openpyxl, write-only), at most `EXPORT_CAP`
rows, in the queue's order; times in the city's time zone, words in the reader's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dashboard.complaint_view import category_label, handler_label, late
from dashboard.i18n import t
from dashboard.table_export import csv_bytes, xlsx_bytes
from data_access.queries.complaint_board import ComplaintRow

EXPORT_CAP = 100_000
HEADER_KEYS = (
    "cq.col.id",
    "cq.col.received",
    "cq.col.channel",
    "cq.col.category",
    "cq.col.district",
    "cq.col.enterprise",
    "cq.col.handler",
    "cq.col.status",
    "cq.col.due",
    "cq.col.late",
    "cq.col.escalations",
    "cq.col.satisfaction",
)


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def _cells(
    row: ComplaintRow, names: dict[str, str], zone: ZoneInfo, now: datetime, lang: str
) -> list[object]:
    return [
        row.id,
        _when(row.received_at, zone),
        t(f"complaint_channel.{row.channel}", lang),
        category_label(row.category, lang),
        names.get(row.district, row.district),
        row.enterprise or "",
        handler_label(row.handler, lang),
        t(f"complaint_status.{row.status}", lang),
        _when(row.due_at, zone),
        "✓" if late(row, now) else "",
        row.escalations,
        "" if row.satisfaction is None else row.satisfaction,
    ]


def to_csv(
    rows: list[ComplaintRow], names: dict[str, str], zone: ZoneInfo, now: datetime, lang: str
) -> bytes:
    header = [t(key, lang) for key in HEADER_KEYS]
    return csv_bytes(header, (_cells(row, names, zone, now, lang) for row in rows))


def to_xlsx(
    rows: list[ComplaintRow], names: dict[str, str], zone: ZoneInfo, now: datetime, lang: str
) -> bytes:
    header = [t(key, lang) for key in HEADER_KEYS]
    cells = (_cells(row, names, zone, now, lang) for row in rows)
    return xlsx_bytes(t("page.complaints", lang), header, cells)
