"""The enterprise list and an enterprise's file as files, with the viewer's filters and scope:
CSV (UTF-8 with a byte-order mark, so that Excel reads Chinese right) or Excel (openpyxl,
write-only). The list is one table (at most EXPORT_CAP rows); the file is one table per section:
a sheet each in the workbook, one block each (its title, its header, its rows) in the CSV. Times
in the city's time zone, words in the reader's language."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from dashboard.audit_export import safe_cell
from dashboard.domain.enterprises import BLACK, CYLINDER_STATUSES, VEHICLE_WINDOW
from dashboard.i18n import t, t_or
from data_access.queries.enterprise_file import EnterpriseFile, EnterpriseRow

EXPORT_CAP = 100_000
Table = tuple[str, list[str], list[list[object]]]  # (title, header, rows)

LIST_HEADER = (
    "el.col.id",
    "el.col.name",
    "el.col.kind",
    "el.col.district",
    "el.col.licence",
    "el.col.sites",
    "el.col.workers",
    "el.col.cylinders",
    "el.col.open_hazards",
    "el.col.open_detentions",
    "el.col.open_complaints",
    "el.col.points",
    "el.col.suspended",
    "el.col.suspended_subjects",
)


def _list_cells(row: EnterpriseRow, names: dict[str, str], lang: str) -> list[object]:
    return [
        row.id,
        row.name,
        t(f"enterprise_kind.{row.kind}", lang),
        names.get(row.district, row.district),
        row.licence_no or "",
        row.sites,
        row.workers,
        row.cylinders,
        row.open_hazards,
        row.open_detentions,
        row.open_complaints,
        row.points,
        t("el.yes", lang) if row.suspended else "",
        row.suspended_subjects,
    ]


def list_table(rows: list[EnterpriseRow], names: dict[str, str], lang: str) -> Table:
    header = [t(key, lang) for key in LIST_HEADER]
    return t("page.enterprises", lang), header, [_list_cells(row, names, lang) for row in rows]


def list_to_csv(rows: list[EnterpriseRow], names: dict[str, str], lang: str) -> bytes:
    return tables_to_csv([list_table(rows, names, lang)], titled=False)


def list_to_xlsx(rows: list[EnterpriseRow], names: dict[str, str], lang: str) -> bytes:
    return tables_to_xlsx([list_table(rows, names, lang)])


# --- one enterprise's file -----------------------------------------------------------------------


def file_tables(
    found: EnterpriseFile, names: dict[str, str], zone: ZoneInfo, lang: str
) -> list[Table]:
    """Every section of the file as a table."""

    def when(moment: object) -> str:
        return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}" if moment else ""  # type: ignore[attr-defined]

    def h(*keys: str) -> list[str]:
        return [t(key, lang) for key in keys]

    head = found.head
    yes = t("el.yes", lang)
    overview: Table = (
        t("ef.section.overview", lang),
        h("el.col.id", "el.col.name", "el.col.kind", "el.col.district", "el.col.licence"),
        [[head.id, head.name, t(f"enterprise_kind.{head.kind}", lang),
          names.get(head.district, head.district), head.licence_no or ""]],
    )  # fmt: skip
    sites: Table = (
        t("ef.section.sites", lang),
        h("el.col.id", "ef.col.kind", "ef.col.name", "ef.col.district", "ef.col.grid",
          "ef.col.points", "ef.suspended"),
        [[s.id, t(f"site.{s.kind}", lang), s.name, names.get(s.district, s.district),
          s.grid_cell or "", s.points, yes if s.suspended else ""] for s in found.sites],
    )  # fmt: skip
    vehicles: Table = (
        t("ef.vehicles_note", lang).format(days=VEHICLE_WINDOW.days),
        h("ef.col.vehicle", "ef.col.scans", "ef.col.last_seen"),
        [[v.vehicle_id, v.scans, when(v.last_seen)] for v in found.vehicles],
    )
    workers: Table = (
        t("ef.section.workers", lang),
        h("el.col.id", "ef.col.name", "ef.col.role", "ef.col.certificate", "ef.col.expires",
          "ef.col.state", "ef.col.points", "ef.suspended"),
        [[w.id, w.name, t_or(f"worker_role.{w.role}", w.role, lang), w.certificate_no or "",
          w.certificate_expires.isoformat() if w.certificate_expires else "",
          t(f"ef.cert.{w.certificate}", lang), w.points, yes if w.suspended else ""]
         for w in found.workers],
    )  # fmt: skip
    cylinders: Table = (
        t("ef.section.cylinders", lang),
        h("ef.col.status", "ef.col.count"),
        [[t(f"ef.cyl.{key}", lang), found.cylinders[key]] for key in (*CYLINDER_STATUSES, BLACK)],
    )
    findings: Table = (
        t("ef.section.findings", lang),
        h("ef.col.code", "ef.col.finding", "ef.col.when"),
        [[f.code, t_or(f"finding.{f.kind}", f.kind, lang), when(f.occurred_at)]
         for f in found.findings],
    )  # fmt: skip
    hazards: Table = (
        t("ef.section.hazards", lang),
        h("ef.col.number", "ef.col.category", "ef.col.level", "ef.col.status", "ef.col.due",
          "ef.overdue"),
        [[z.number or z.id, z.category, t(f"hazard_level.{z.level}", lang),
          t(f"hazard_status.{z.status}", lang), when(z.due_at), yes if z.overdue else ""]
         for z in found.hazards],
    )  # fmt: skip
    detentions: Table = (
        t("ef.section.detentions", lang),
        h("ef.col.code", "ef.col.status", "ef.col.reason", "ef.col.recall_by", "ef.col.late"),
        [[d.code, t_or(f"dt_status.{d.status}", d.status, lang), d.reason,
          d.recall_by.isoformat(), yes if d.late else ""] for d in found.detentions],
    )  # fmt: skip
    complaints: Table = (
        t("ef.section.complaints", lang),
        h("ef.col.complaint", "ef.col.category", "ef.col.channel", "ef.col.status",
          "ef.col.received", "ef.col.due", "ef.col.late"),
        [[c.id, c.category, t_or(f"channel.{c.channel}", c.channel, lang),
          t_or(f"ef.cp_status.{c.status}", c.status, lang), when(c.received_at),
          when(c.due_at), yes if c.late else ""] for c in found.complaints.rows],
    )  # fmt: skip
    points: Table = (
        t("ef.section.points", lang).format(year=found.year),
        h("ef.col.subject", "el.col.id", "ef.col.name", "ef.col.points", "ef.col.violations",
          "ef.suspended"),
        [[t(f"ef.subject.{p.subject_type}", lang), p.subject_id, p.name, p.points,
          p.violations, yes if p.suspended else ""] for p in found.points],
    )  # fmt: skip
    violations: Table = (
        t("ef.section.violations", lang).format(year=found.year),
        h("ef.col.when", "ef.col.subject", "ef.col.name", "ef.col.rule", "ef.col.points"),
        [[when(v.occurred_at), t(f"ef.subject.{v.subject_type}", lang), v.subject_name,
          v.rule, v.points] for v in found.violations],
    )  # fmt: skip
    inspections: Table = (
        t("ef.section.inspections", lang),
        h("ef.col.when", "ef.col.inspection", "ef.col.target", "ef.col.result"),
        [[when(i.occurred_at), t_or(f"inspection_kind.{i.kind}", i.kind, lang),
          i.target_name, t("ef.passed" if i.passed else "ef.failed", lang)]
         for i in found.inspections],
    )  # fmt: skip
    return [overview, sites, vehicles, workers, cylinders, findings, hazards, detentions,
            complaints, points, violations, inspections]  # fmt: skip


def file_to_csv(found: EnterpriseFile, names: dict[str, str], zone: ZoneInfo, lang: str) -> bytes:
    return tables_to_csv(file_tables(found, names, zone, lang), titled=True)


def file_to_xlsx(found: EnterpriseFile, names: dict[str, str], zone: ZoneInfo, lang: str) -> bytes:
    return tables_to_xlsx(file_tables(found, names, zone, lang))


# --- writing -------------------------------------------------------------------------------------


def tables_to_csv(tables: Sequence[Table], titled: bool) -> bytes:
    """The tables one after another; `titled`: each under its title, a blank line between."""
    out = io.StringIO()
    writer = csv.writer(out)
    for index, (title, header, rows) in enumerate(tables):
        if titled:
            if index:
                writer.writerow([])
            writer.writerow([safe_cell(title)])
        writer.writerow([safe_cell(cell) for cell in header])
        for row in rows:
            writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_name(title: str, taken: set[str]) -> str:
    """A sheet's name: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    name = "".join(" " if c in "[]:*?/\\" else c for c in title)[:31] or "-"
    base, n = name, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def tables_to_xlsx(tables: Sequence[Table]) -> bytes:
    book = Workbook(write_only=True)
    taken: set[str] = set()
    for title, header, rows in tables:
        sheet = book.create_sheet(_sheet_name(title, taken))
        sheet.append([safe_cell(cell) for cell in header])
        for row in rows:
            sheet.append([safe_cell(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
