"""The detention queue as a file, with the queue's filters and scope: CSV (UTF-8 with a byte-order
mark, so that Excel reads Chinese right) or Excel (openpyxl, write-only), at most `EXPORT_CAP`
rows, in the queue's order; times in the city's time zone, words in the reader's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dashboard.domain.detentions import is_late
from dashboard.i18n import t
from dashboard.table_export import csv_bytes, xlsx_bytes
from data_access.queries.detentions import DetentionRow

EXPORT_CAP = 100_000
HEADER_KEYS = (
    "dt.col.code",
    "dt.col.enterprise",
    "dt.col.district",
    "dt.col.reason",
    "dt.col.detained",
    "dt.col.recall_by",
    "dt.col.status",
    "dt.col.late",
    "dt.col.escalated",
    "dt.col.site",
    "dt.col.closed",
    "dt.col.note",
)


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def _cells(
    row: DetentionRow, names: dict[str, str], zone: ZoneInfo, now: datetime, lang: str
) -> list[object]:
    return [
        row.code,
        row.enterprise,
        names.get(row.district or "", row.district or ""),
        row.reason,
        _when(row.detained_at, zone),
        row.recall_by.isoformat(),
        t(f"dt_status.{row.status}", lang),
        "✓" if is_late(row.status, row.recall_by, now) else "",
        _when(row.escalated_at, zone),
        row.recalled_site or row.recalled_site_id or "",
        _when(row.closed_at, zone),
        row.close_note or "",
    ]


def to_csv(
    rows: list[DetentionRow], names: dict[str, str], zone: ZoneInfo, now: datetime, lang: str
) -> bytes:
    header = [t(key, lang) for key in HEADER_KEYS]
    return csv_bytes(header, (_cells(row, names, zone, now, lang) for row in rows))


def to_xlsx(
    rows: list[DetentionRow], names: dict[str, str], zone: ZoneInfo, now: datetime, lang: str
) -> bytes:
    header = [t(key, lang) for key in HEADER_KEYS]
    cells = (_cells(row, names, zone, now, lang) for row in rows)
    return xlsx_bytes(t("page.detentions", lang), header, cells)
