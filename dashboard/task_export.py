"""The inspection tasks as files, with the page's filters and the user's scope: the task list,
and one task's objects with the comparison. CSV (UTF-8 with a byte-order mark, so that Excel reads
Chinese right) or Excel (openpyxl, write-only), as dashboard/hazard_export.py writes the hazards;
times in the city's time zone, words in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from dashboard.domain.tasks import checklist_words
from dashboard.i18n import t
from dashboard.table_export import csv_bytes, xlsx_bytes
from data_access.queries.inspection_tasks import ObjectRow, TaskDetail, TaskRow

TASK_HEADER = (
    "tk.col.task",
    "tk.col.checklist",
    "tk.col.assignee",
    "tk.col.issuer",
    "tk.col.issued",
    "tk.col.deadline",
    "tk.col.done_due",
    "tk.col.progress",
    "tk.col.status",
    "tk.col.overdue",
)
OBJECT_HEADER = (
    "tk.col.object",
    "tk.col.enterprise",
    "tk.col.result",
    "tk.col.inspected_at",
    "tk.col.failed",
    "tk.col.self_check",
    "tk.col.self_checked_at",
    "tk.detail.verdict",
)


def _when(value: datetime | None, zone: ZoneInfo) -> str:
    return f"{value.astimezone(zone):%Y-%m-%d %H:%M}" if value is not None else ""


def task_cells(row: TaskRow, names: dict[str, str], zone: ZoneInfo, lang: str) -> list[object]:
    progress = row.progress
    checklist, _ = checklist_words(row.checklist_id, row.checklist_title, [], lang)
    return [
        row.title,
        checklist,
        names.get(row.assignee, row.assignee),
        t(f"tk.office.{row.office}", lang),
        _when(row.issued_at, zone),
        _when(row.deadline, zone),
        f"{row.done}/{row.due}",
        f"{progress:.0%}" if progress is not None else "",
        t(f"task_status.{row.status}", lang),
        "✓" if row.overdue else "",
    ]


def _result(passed: bool | None, none_key: str, lang: str) -> str:
    if passed is None:
        return t(none_key, lang)
    return t("tk.passed" if passed else "tk.failed", lang)


def object_cells(row: ObjectRow, zone: ZoneInfo, lang: str) -> list[object]:
    name = f"{t(f'target_type.{row.target_type}', lang)} {row.name or row.target_id}"
    return [
        name,
        row.enterprise or "",
        _result(row.passed, "tk.not_inspected", lang),
        _when(row.inspected_at, zone),
        "；".join(row.failed_items),
        _result(row.self_check_passed, "tk.no_self_check", lang),
        _when(row.self_checked_at, zone),
        t(f"verdict.{row.verdict}", lang),
    ]


def _csv(header: Sequence[str], rows: Iterable[list[object]], lang: str) -> bytes:
    return csv_bytes([t(key, lang) for key in header], rows)


def _xlsx(title: str, header: Sequence[str], rows: Iterable[list[object]], lang: str) -> bytes:
    return xlsx_bytes(title, [t(key, lang) for key in header], rows)


def tasks_to_csv(
    rows: list[TaskRow], names: dict[str, str], zone: ZoneInfo, now: datetime, lang: str
) -> bytes:
    return _csv(TASK_HEADER, (task_cells(row, names, zone, lang) for row in rows), lang)


def tasks_to_xlsx(
    rows: list[TaskRow], names: dict[str, str], zone: ZoneInfo, now: datetime, lang: str
) -> bytes:
    cells = (task_cells(row, names, zone, lang) for row in rows)
    return _xlsx(t("page.inspection_tasks", lang), TASK_HEADER, cells, lang)


def objects_to_csv(detail: TaskDetail, zone: ZoneInfo, lang: str) -> bytes:
    return _csv(OBJECT_HEADER, (object_cells(row, zone, lang) for row in detail.objects), lang)


def objects_to_xlsx(detail: TaskDetail, zone: ZoneInfo, lang: str) -> bytes:
    cells = (object_cells(row, zone, lang) for row in detail.objects)
    return _xlsx(detail.task.title, OBJECT_HEADER, cells, lang)
