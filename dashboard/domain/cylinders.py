"""LPG cylinders under supervision: a cylinder's status, the problem kinds, the stage funnel,
reading a scanned code, and an enterprise's chain completeness.

Status (one of STATUSES, `cylinder_status`), the first that holds:
- black: the code is not in the registry (黑气瓶: it was never registered, whatever it does);
- scrapped: its last scan was the scrap stage (out of circulation);
- detained: an online detention (在线扣瓶) of it is open (detained or recalled, not yet closed);
- overdue: its next inspection or its scrap date has passed (超期未检 / 超期服役);
- in_service: none of these.

Chain completeness (实名追溯 / 可追溯, seed 001 part 2.1: Fuzhou scores every enterprise's
real-name sales and chain records; seed 000 part 2.2: Wuhan's "8+1" chain with a safety check at
every delivery carrying four photos): of an enterprise's deliveries in a period, the share that
were complete, a delivery being complete when
1. it was preceded by a sale to a real-name-verified customer (no `delivery_without_sale`
   finding was raised by the delivery), and
2. the cylinder has a safety check at that customer's in the period carrying all four photos
   (storefront, cylinder-hose joint, stove-hose joint, surroundings).
An enterprise with no deliveries in the period has no completeness (None), not 0 % or 100 %.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from dashboard.domain.detentions import OPEN_STATUSES

# The "8+1" chain in funnel order (inspection → filling → ... → recovery); scrap may end it.
STAGES: tuple[str, ...] = (
    "inspection",
    "filling",
    "transport",
    "storage",
    "sale",
    "delivery",
    "use",
    "recovery",
)
SCRAP = "scrap"

STATUSES: tuple[str, ...] = ("in_service", "detained", "overdue", "scrapped", "black")

# What the rules find about cylinders (data_access/projections/findings.py raises them).
PROBLEM_KINDS: tuple[str, ...] = (
    "black_cylinder",
    "overdue_filling",
    "stage_out_of_order",
    "delivery_without_sale",
    "detained_in_use",
)

# The four photos of a delivery safety check (Wuhan: 门面招牌、钢瓶与连接管连接处、
# 灶具与连接管连接处、用气环境), in the order they are shown.
SAFETY_PHOTOS: tuple[str, ...] = ("storefront", "cylinder_hose", "stove_hose", "surroundings")

# The detention statuses that are still open: dashboard/domain/detentions.py owns the machine.
OPEN_DETENTION = OPEN_STATUSES

# The chain completeness's period on /cylinders when the filters set none: a week of deliveries.
COMPLETENESS_PERIOD = timedelta(days=7)

MAX_CODE_LENGTH = 64  # cylinders.code
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_URL_PATH = re.compile(r"/q/([^/?#]+)/?$")


def cylinder_status(
    *,
    registered: bool,
    last_stage: str | None,
    detained: bool,
    next_inspection_due: date | None,
    scrap_due: date | None,
    today: date,
) -> str:
    """The cylinder's status (module docstring): black, scrapped, detained, overdue, in_service."""
    if not registered:
        return "black"
    if last_stage == SCRAP:
        return "scrapped"
    if detained:
        return "detained"
    if any(due is not None and due < today for due in (next_inspection_due, scrap_due)):
        return "overdue"
    return "in_service"


def is_code(text: str) -> bool:
    """Whether `text` is a cylinder code as registries print them (letters, digits, . _ : -)."""
    return _CODE.fullmatch(text) is not None


def code_from_scan(scanned: str | None) -> str | None:
    """The cylinder code in what a search box got: a bare code, or the URL of the cylinder's
    QR label (https://host/q/<code>, or any URL with ?code=<code>). None when it holds none."""
    text = (scanned or "").strip()
    if not text:
        return None
    if "/" in text or "?" in text:
        parts = urlsplit(text)
        query = parse_qs(parts.query).get("code")
        if query:
            text = query[0].strip()
        elif (match := _URL_PATH.search(parts.path)) is not None:
            text = match.group(1)
        else:
            return None
    return text if is_code(text) else None


def completeness(deliveries: int, complete: int) -> float | None:
    """The share (0..1) of deliveries that were complete; None without deliveries."""
    if deliveries <= 0:
        return None
    return min(1.0, max(0, complete) / deliveries)


def funnel_order(stage: str) -> int:
    """A stage's place in the funnel (scrap and unknown stages last)."""
    return STAGES.index(stage) if stage in STAGES else len(STAGES)


# The "8+1" chain: each stage to the next, recovery back to inspection or filling. Scanning the
# same stage again is allowed (a rescan); scrap may follow any stage and nothing may follow it.
ALLOWED_NEXT: dict[str, frozenset[str]] = {
    stage: frozenset({stage, following, SCRAP}) for stage, following in itertools.pairwise(STAGES)
}
ALLOWED_NEXT["recovery"] = frozenset({"recovery", "inspection", "filling", SCRAP})
ALLOWED_NEXT[SCRAP] = frozenset()
