"""The rules the browser applies itself (the response clocks tick there every second without
the server), handed to every page as a JSON data block by the app factory (dashboard/app.py) and
read by assets/gascc.js. The numbers come from the rules' own modules, never from a copy."""

from __future__ import annotations

from dashboard.domain.response import RESPONSE_TARGET_S

RULES_ELEMENT_ID = "gascc-rules"


def browser_rules() -> dict[str, int]:
    """responseTargetS: late iff the whole seconds elapsed exceed it (domain/response.py)."""
    return {"responseTargetS": RESPONSE_TARGET_S}
