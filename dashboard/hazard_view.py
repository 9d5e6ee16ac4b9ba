"""How a hazard's level, status, escalation and time left read, on the board and its page."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dash import html

from dashboard.actors import channel_name
from dashboard.i18n import t
from data_access.queries.hazard_board import HazardRow


def level_badge(level: str, lang: str) -> html.Span:
    return html.Span(t(f"hazard_level.{level}", lang), className=f"hz-level hz-level-{level}")


def status_badges(status: str, escalation: str | None, lang: str) -> list[html.Span]:
    badges = [
        html.Span(t(f"hazard_status.{status}", lang), className=f"hz-status hz-status-{status}")
    ]
    if escalation:
        badges.append(
            html.Span(
                [
                    html.I(className="bi bi-megaphone-fill me-1"),
                    t(f"hz.escalation.{escalation}", lang),
                ],
                className=f"hz-escalated hz-escalated-{escalation} ms-1",
            )
        )
    return badges


def time_left(row: HazardRow, zone: ZoneInfo, now: datetime, lang: str) -> str:
    if row.closed_at is not None:
        return t("hz.closed_on", lang).format(when=f"{row.closed_at.astimezone(zone):%m-%d}")
    gap = row.due_at - now
    words = duration(abs(gap), lang)
    return t("hz.left" if gap.total_seconds() >= 0 else "hz.overdue_by", lang).format(t=words)


def duration(gap: timedelta, lang: str) -> str:
    """A span in its largest whole unit: days, hours or minutes."""
    if gap >= timedelta(days=1):
        return t("hz.days", lang).format(n=gap.days)
    if gap >= timedelta(hours=1):
        return t("hz.hours", lang).format(n=int(gap.total_seconds() // 3600))
    return t("hz.minutes", lang).format(n=int(gap.total_seconds() // 60))


def history_note(status: str, note: str | None, lang: str) -> str:
    """A history entry's note as a person reads it: an escalation's note is recorded as
    "<level>: <note>" and a notice's as "<channel>: <who>" (data_access/projections/
    operations.py), their level and channel put into words here."""
    if not note:
        return ""
    head, colon, rest = note.partition(": ")
    separator = "：" if lang == "zh" else ": "
    if status == "escalated" and colon and head in ("district", "city"):
        return f"{t('hz.escalation.' + head, lang)}{separator}{rest}"
    if status == "notified" and colon:  # "<channel>: <who>" (hazard.notified)
        return f"{channel_name(head, lang)}{separator}{rest}"
    return note
