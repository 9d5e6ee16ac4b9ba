"""The tables of /inspections as files, with the page's filters and scope: the coverage table and
the inspection list, as CSV (UTF-8 with a byte-order mark, so that Excel reads Chinese right) or
Excel (openpyxl, write-only); the list at most `EXPORT_CAP` rows, in the list's order. Times in
the city's time zone, words in the reader's language (the hazard board's way:
dashboard/hazard_export.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from dashboard.i18n import t
from dashboard.table_export import csv_bytes, xlsx_bytes
from data_access.queries.inspections import CoverageRow, InspectionRow

EXPORT_CAP = 100_000
COVERAGE_KEYS = ("insp.col.area", "insp.col.due", "insp.col.inspected", "insp.col.coverage")
LIST_KEYS = (
    "insp.col.time",
    "insp.col.district",
    "insp.col.object_type",
    "insp.col.object",
    "insp.col.object_id",
    "insp.col.kind",
    "insp.col.result",
    "insp.col.items",
    "insp.col.failed",
    "insp.col.inspector",
    "insp.col.task",
    "insp.col.id",
)


def percent(share: float | None) -> str:
    """A coverage share as the page shows it: whole per cent, or a dash when nothing is due."""
    return "—" if share is None else f"{share * 100:.0f}%"


def coverage_cells(rows: Sequence[CoverageRow], names: dict[str, str]) -> list[list[object]]:
    return [
        [names.get(row.code, row.code), row.due, row.inspected, percent(row.coverage)]
        for row in rows
    ]


def object_text(row: InspectionRow, lang: str) -> str:
    """What an inspection inspected, in words: a name, or a customer's kind."""
    if row.target_name:
        return row.target_name
    if row.customer_kind:
        return t(f"customer_kind.{row.customer_kind}", lang)
    return ""


def list_cells(
    rows: Iterable[InspectionRow], names: dict[str, str], zone: ZoneInfo, lang: str
) -> list[list[object]]:
    return [
        [
            f"{row.occurred_at.astimezone(zone):%Y-%m-%d %H:%M}",
            names.get(row.district, row.district),
            t(f"target_type.{row.target_type}", lang),
            object_text(row, lang),
            row.target_id,
            t(f"inspection_kind.{row.kind}", lang),
            t("insp.passed" if row.passed else "insp.failed", lang),
            "" if row.items is None else row.items,
            "" if row.failed_items is None else row.failed_items,
            row.inspector_id,
            row.task_id or "",
            row.id,
        ]
        for row in rows
    ]


to_csv = csv_bytes
to_xlsx = xlsx_bytes


def headers(keys: Sequence[str], lang: str) -> list[str]:
    return [t(key, lang) for key in keys]
