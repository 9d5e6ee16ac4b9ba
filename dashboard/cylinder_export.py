"""The problem cylinders as a file, with the list's filters and scope: CSV (UTF-8 with a
byte-order mark, so that Excel reads Chinese right) or Excel (openpyxl, write-only), at most
`EXPORT_CAP` rows, in the list's order; times in the city's time zone, words in the reader's
language (as dashboard/hazard_export.py)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from dashboard.i18n import t
from dashboard.table_export import csv_bytes, xlsx_bytes
from data_access.queries.problem_cylinders import ProblemRow

EXPORT_CAP = 100_000
HEADER_KEYS = (
    "cp.col.code",
    "cp.col.kind",
    "cp.col.detail",
    "cp.col.enterprise",
    "cp.col.district",
    "cp.col.found",
    "cp.col.status",
)
Describe = Callable[[str, str], str]  # (a finding's detail, lang) -> it in words


def _cells(
    row: ProblemRow, names: dict[str, str], zone: ZoneInfo, lang: str, describe: Describe
) -> list[object]:
    if row.resolved:
        when = f"{row.resolved_at.astimezone(zone):%Y-%m-%d %H:%M}" if row.resolved_at else "—"
        status = t("ct.finding.resolved", lang).format(when=when, how=row.resolution or "—")
    else:
        status = t("ct.finding.open", lang)
    return [
        row.code,
        t(f"finding.{row.kind}", lang),
        describe(row.detail, lang),
        row.enterprise or row.enterprise_id or "",
        names.get(row.district or "", row.district or ""),
        f"{row.occurred_at.astimezone(zone):%Y-%m-%d %H:%M}",
        status,
    ]


def to_csv(
    rows: list[ProblemRow], names: dict[str, str], zone: ZoneInfo, lang: str, describe: Describe
) -> bytes:
    header = [t(key, lang) for key in HEADER_KEYS]
    return csv_bytes(header, (_cells(row, names, zone, lang, describe) for row in rows))


def to_xlsx(
    rows: list[ProblemRow], names: dict[str, str], zone: ZoneInfo, lang: str, describe: Describe
) -> bytes:
    header = [t(key, lang) for key in HEADER_KEYS]
    cells = (_cells(row, names, zone, lang, describe) for row in rows)
    return xlsx_bytes(t("page.cylinders", lang), header, cells)
