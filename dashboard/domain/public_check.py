"""The public QR check (/q/<code>, Fuzhou's WeChat check, seed 001 part 2.4): what a member of
the public may see of a cylinder, the rule that says whether it may be used, and the complaint
they may file from the page.

Shown, and nothing else: whether the code is registered, the enterprise's name and licence
number, the date of the last filling and the filling station's name, whether the periodic
inspection is in date and whether the scrap date has passed. Never shown: any person (customer,
worker, caller), any address or position, the cylinder's holder or route. Of an unregistered
code only that: where a black cylinder was seen is the supervisors' lead, not the public's.
`PublicCheck` is the one place that lists the fields; the page renders nothing but it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

# What the page says of a cylinder, most serious first.
Verdict = Literal["unregistered", "scrapped", "overdue", "in_date"]
DO_NOT_USE: frozenset[str] = frozenset({"unregistered", "scrapped", "overdue"})
HOTLINE = "96511"  # Wuhan's gas service and complaint line (seed 000 part 2.5)

# The categories of a complaint from the QR page (Fuzhou: the enterprise does not match the scan,
# the delivery worker does not match, the inspection is overdue), in the labels the complaint
# queue and the simulators use (simulators/streams/complaints.py QR_TOPICS).
QR_CATEGORIES: tuple[str, ...] = ("企业信息不符", "送气工信息不符", "检验超期", "其他")
QR_CHANNEL: Final = "qr_check"
TEXT_MAX = 500  # characters of the free text: a complaint, not a letter
CODE_MAX = 128  # the longest cylinder code (an event's `Id`)
# A form is good for this long after the page was served: long enough to type on a phone,
# short enough that a harvested token goes stale.
FORM_MAX_AGE_S = 2 * 60 * 60

# Throttles per client address (Flask-Limiter notation); settings may raise them (the benchmark).
VIEW_LIMIT = "60 per minute"
COMPLAINT_LIMIT = "3 per 10 minutes; 10 per day"


@dataclass(frozen=True)
class CylinderFacts:
    """What the registry and the log say of a code: the query's answer, before the rule."""

    code: str
    registered: bool
    enterprise_name: str | None = None
    licence_no: str | None = None
    next_inspection_due: date | None = None
    scrap_due: date | None = None
    last_filled_on: date | None = None  # the city's local date
    filling_station: str | None = None


@dataclass(frozen=True)
class PublicCheck:
    """Everything the public page shows, and only that."""

    code: str
    registered: bool
    verdict: Verdict
    enterprise_name: str | None
    licence_no: str | None
    last_filled_on: date | None
    filling_station: str | None
    inspection_due: date | None
    inspection_in_date: bool | None  # None: unregistered, nothing to say
    scrap_due: date | None
    scrap_passed: bool | None

    @property
    def do_not_use(self) -> bool:
        return self.verdict in DO_NOT_USE


def verdict_of(facts: CylinderFacts, today: date) -> Verdict:
    """The in-date rule: an unregistered code, a passed scrap date or a passed inspection date
    each mean "do not use"; a cylinder is in date up to and including its due day."""
    if not facts.registered or facts.next_inspection_due is None or facts.scrap_due is None:
        return "unregistered"
    if facts.scrap_due < today:
        return "scrapped"
    if facts.next_inspection_due < today:
        return "overdue"
    return "in_date"


def public_check(facts: CylinderFacts, today: date) -> PublicCheck:
    verdict = verdict_of(facts, today)
    registered = verdict != "unregistered"
    return PublicCheck(
        code=facts.code,
        registered=registered,
        verdict=verdict,
        enterprise_name=facts.enterprise_name if registered else None,
        licence_no=facts.licence_no if registered else None,
        last_filled_on=facts.last_filled_on if registered else None,
        filling_station=facts.filling_station if registered else None,
        inspection_due=facts.next_inspection_due if registered else None,
        inspection_in_date=(facts.next_inspection_due >= today)  # type: ignore[operator]
        if registered
        else None,
        scrap_due=facts.scrap_due if registered else None,
        scrap_passed=(facts.scrap_due < today) if registered else None,  # type: ignore[operator]
    )


ComplaintProblem = Literal["category", "text_empty", "text_long", "code", "district"]


def complaint_problem(code: str, category: str, text: str) -> ComplaintProblem | None:
    """What is wrong with a complaint as the public typed it (None: nothing)."""
    if not code or len(code) > CODE_MAX:
        return "code"
    if category not in QR_CATEGORIES:
        return "category"
    if not text.strip():
        return "text_empty"
    if len(text.strip()) > TEXT_MAX:
        return "text_long"
    return None
