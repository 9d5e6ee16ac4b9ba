"""How a complaint's category, status, holder and time left read, in the queue, on its page and
in the exports."""

from __future__ import annotations

from datetime import datetime, timedelta

from dash import html

from dashboard.domain.complaints import category_of, is_late, is_timely
from dashboard.i18n import t, t_or
from data_access.queries.complaint_board import ComplaintRow


def category_label(category: str, lang: str) -> str:
    """A category as the reader reads it: the Chinese label as it came, or its English name."""
    known = category_of(category)
    if lang == "zh" or known is None:
        return category
    return t_or(f"complaint_category.{known.key}", category, lang)


def handler_label(handler: str | None, lang: str) -> str:
    return t(f"complaint_handler.{handler or 'city'}", lang)


def status_badge(status: str, lang: str) -> html.Span:
    return html.Span(
        t(f"complaint_status.{status}", lang), className=f"cq-status cq-status-{status}"
    )


def escalation_badge(escalations: int, lang: str) -> html.Span | str:
    if not escalations:
        return ""
    return html.Span(
        [html.I(className="bi bi-megaphone-fill me-1"), str(escalations)],
        className="cq-escalated",
        title=t("cq.escalated_times", lang).format(n=escalations),
    )


def time_left(row: ComplaintRow, now: datetime, lang: str) -> str:
    """剩 3 小时 / 超时 2 天 for an open complaint; in time or late for a closed one."""
    if row.due_at is None:
        return "—"
    if row.closed_at is not None:
        return t(
            "cq.closed_in_time" if is_timely(row.closed_at, row.due_at) else "cq.closed_late", lang
        )
    gap = row.due_at - now
    words = duration(abs(gap), lang)
    return t("cq.left" if gap.total_seconds() >= 0 else "cq.late_by", lang).format(d=words)


def late(row: ComplaintRow, now: datetime) -> bool:
    return is_late(row.status, row.due_at, now)


def duration(gap: timedelta, lang: str) -> str:
    """A span in its largest whole unit: days, hours or minutes."""
    if gap >= timedelta(days=1):
        return t("cq.days", lang).format(n=gap.days)
    if gap >= timedelta(hours=1):
        return t("cq.hours", lang).format(n=int(gap.total_seconds() // 3600))
    return t("cq.minutes", lang).format(n=int(gap.total_seconds() // 60))


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"
