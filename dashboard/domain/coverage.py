"""Inspection coverage: every supervised object inspected at least once a quarter (seeds/000).

Objects due: every enterprise, every site (stations, shops, depots) and every commercial or
industrial gas customer (SUPERVISED_CUSTOMER_KINDS; households are not on the quarter plan).
Inspected: those of them with at least one inspection of a counted kind (COUNTED_KINDS) since the
quarter began. Coverage is
inspected / due, capped at 100 % (an object inspected and since removed from the registry must not
push a district past full), and unknown when nothing is due.
"""

from __future__ import annotations

SUPERVISED_CUSTOMER_KINDS: tuple[str, ...] = ("commercial", "industrial")
# The registry objects an inspection of an object due names (customers: of the kinds above).
REGISTRY_TARGET_TYPES: tuple[str, ...] = ("enterprise", "site")
CUSTOMER_TARGET_TYPE = "customer"
# The inspections that count: the authorities' and their contractors', not an enterprise's own
# check of its objects (kind "self_check", compared with them on /inspections instead).
COUNTED_KINDS: tuple[str, ...] = ("daily", "special", "third_party")


def coverage(inspected: float, due: float) -> float | None:
    """Share (0..1) of the objects due that were inspected this quarter; None when none is due."""
    if not due:
        return None
    return min(inspected / due, 1.0)
