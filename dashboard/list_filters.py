"""What the filtered, server-paged lists (the hazard board, the inspections) share: a date filter
as the moment its day starts, the page the URL names, and the page after a click."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

MAX_PAGE = 100_000


class BadDate(ValueError):
    """A date filter that is no date (typed into the URL by hand)."""


def day_start(value: Any, zone: ZoneInfo, next_day: bool = False) -> datetime | None:
    """A date input's day (in the city's zone) as the UTC moment it starts (or the next one
    starts: "until" takes in the whole day)."""
    if not value:
        return None
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        raise BadDate(value) from None
    return datetime.combine(day + timedelta(days=int(next_day)), time(), zone).astimezone(UTC)


def page_of(query: dict[str, str]) -> int:
    """The page the URL names (1 for anything else)."""
    page = query.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) < MAX_PAGE else 1


def page_after(
    trigger: object, page: int, previous: str, following: str, stay: Collection[object] = ()
) -> int:
    """The page to show after `trigger`: the previous or next one, the same one on the first
    load (the page the URL named) or a `stay` trigger (a refresh), else the first (a filter
    changed)."""
    if trigger == previous:
        return max(1, page - 1)
    if trigger == following:
        return page + 1
    if trigger is None or trigger in stay:
        return page
    return 1
