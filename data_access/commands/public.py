"""What the public may do without signing in: file a complaint from the QR check of a cylinder
(/q/<code>, dashboard/public_check.py).

The actor is a fixed system actor for the public (`PUBLIC_ACTOR`), never a person: the page asks
for no name, phone or address. Nothing the browser sends is trusted beyond the code, the category
and the text: the complaint's enterprise is the cylinder's registered one and its district the
cylinder's current district (else its enterprise's), both read here. Only a code nobody has ever
seen has no district of its own; then the caller's choice among the city's districts is taken.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Engine, select

from dashboard.domain.events import ComplaintReceived
from dashboard.domain.policy import Refused
from dashboard.domain.public_check import (
    CODE_MAX,
    QR_CATEGORIES,
    QR_CHANNEL,
    TEXT_MAX,
    complaint_problem,
)
from dashboard.domain.roles import system_user
from data_access.commands.base import Act, Done, Refusal, Result, run
from data_access.models import District
from data_access.queries.public_check import complaint_place

__all__ = ["PUBLIC_ACTOR", "PUBLIC_SOURCE", "file_qr_complaint"]

PUBLIC_ACTOR = "public"  # the member of the public, whoever they are
PUBLIC_SOURCE = "public:qr_check"  # the log's source of what the public page files

_PROBLEMS = {
    "code": ("code", f"the cylinder code must be 1 to {CODE_MAX} characters"),
    "category": ("category", f"the category must be one of {', '.join(QR_CATEGORIES)}"),
    "text_empty": ("text", "say what is wrong"),
    "text_long": ("text", f"the text may be at most {TEXT_MAX} characters"),
    "district": ("district", "say in which district the cylinder is"),
}


def file_qr_complaint(
    engine: Engine,
    code: str,
    category: str,
    text: str,
    *,
    district: str | None = None,
    now: datetime | None = None,
) -> Result:
    """File a `complaint.received` (channel qr_check) about cylinder `code`; `Done.subject` is
    the complaint's number. `district` counts only for a code that has none of its own."""
    problem = complaint_problem(code, category, text)
    if problem is not None:
        return _refused(problem)
    place = complaint_place(engine, code)

    def body(act: Act) -> Done:
        if now is not None:
            act.now = now
        where = place.district or _known_district(act, district)
        complaint_id = new_complaint_id(act.now)
        data = ComplaintReceived(
            complaint_id=complaint_id,
            channel=QR_CHANNEL,
            category=category,
            district=where,
            text=text.strip(),
            code=code,
            enterprise_id=place.enterprise_id,
        )
        return Done(complaint_id, act.append(data, ids=[complaint_id]))

    return run(engine, system_user(PUBLIC_ACTOR), body, source=PUBLIC_SOURCE)


def new_complaint_id(now: datetime) -> str:
    """A complaint number a caller can read out on the phone: QR-<date>-<8 hex>."""
    return f"QR-{now:%Y%m%d}-{secrets.token_hex(4).upper()}"


def _known_district(act: Act, district: str | None) -> str:
    if district:
        found = act.connection.scalar(select(District.code).where(District.code == district))
        if found is not None:
            return found
    raise Refusal(_refused("district"))


def _refused(problem: str) -> Refused:
    field, message = _PROBLEMS[problem]
    return Refused(f"qr.{problem}", message, code="invalid_field", field=field)
