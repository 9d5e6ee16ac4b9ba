"""What the API takes and gives, as pydantic models: the query parameters of each list, and the
responses, which wrap the queries' own typed rows (frozen dataclasses, data_access/queries/).

The OpenAPI document is generated from these models (openapi.py) and the responses are
serialised through them (routes.py), so the document cannot drift from what is sent.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from dashboard.domain import complaints, hazards, incidents
from dashboard.domain.events import TeamStatus
from data_access.queries.api import (
    AlarmRow,
    ComplaintRow,
    EnterpriseRow,
    HazardRow,
    IncidentRow,
    TeamRow,
)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_ID_LENGTH = 128  # ids are event ids (dashboard/domain/events.py, Id)

TEAM_STATUSES = get_args(TeamStatus.model_fields["status"].annotation)
ALARM_STATUSES = ("raised", "acknowledged", "cleared")  # the alarms projection's states


def _in_utc(moment: datetime) -> datetime:
    """The moment in UTC; one beyond datetime's range there (year 1 or 9999 with an offset) is
    clamped to its end, which selects the same rows."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        limit = datetime.min if moment.year == datetime.min.year else datetime.max
        return limit.replace(tzinfo=UTC)


# RFC 3339, as the document's "date-time" says: pydantic alone would also take "0.5" (a Unix time)
RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


def _rfc3339(value: Any) -> Any:
    if isinstance(value, str) and not RFC3339.fullmatch(value):
        raise ValueError("not an RFC 3339 date-time")
    return value


Moment = Annotated[AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(_in_utc)]


# --- query parameters -------------------------------------------------------------------------


class Paging(BaseModel):
    """Keyset paging: `limit` rows ordered by id, after `cursor` (the previous page's
    `next_cursor`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"rows per page, 1 to {MAX_LIMIT}"
    )
    cursor: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_ID_LENGTH,
        description="the previous page's next_cursor: the rows after it",
    )


class InDistrict(Paging):
    district: str | None = Field(
        None, min_length=1, max_length=12, description="a district code (within your scope)"
    )


class InTime(InDistrict):
    since: Moment | None = Field(None, description="from this time on (inclusive)")
    until: Moment | None = Field(None, description="before this time (exclusive)")


class HazardParams(InTime):
    status: Literal[hazards.STATUSES] | None = None  # type: ignore[valid-type]
    enterprise: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="an enterprise id: hazards at the enterprise or its sites",
    )


class IncidentParams(InTime):
    status: Literal[incidents.PROGRESS] | None = None  # type: ignore[valid-type]


class TeamParams(InDistrict):
    status: Literal[TEAM_STATUSES] | None = None  # type: ignore[valid-type]


class AlarmParams(InTime):
    status: Literal[ALARM_STATUSES] | None = None  # type: ignore[valid-type]


class ComplaintParams(InTime):
    status: Literal[complaints.STATUSES] | None = None  # type: ignore[valid-type]


class EnterpriseParams(InDistrict):
    pass


# --- responses --------------------------------------------------------------------------------


class HazardPage(BaseModel):
    items: list[HazardRow]
    next_cursor: str | None = Field(description="give it as cursor for the next page; null: last")


class IncidentPage(BaseModel):
    items: list[IncidentRow]
    next_cursor: str | None = Field(description="give it as cursor for the next page; null: last")


class TeamPage(BaseModel):
    items: list[TeamRow]
    next_cursor: str | None = Field(description="give it as cursor for the next page; null: last")


class AlarmPage(BaseModel):
    items: list[AlarmRow]
    next_cursor: str | None = Field(description="give it as cursor for the next page; null: last")


class ComplaintPage(BaseModel):
    items: list[ComplaintRow]
    next_cursor: str | None = Field(description="give it as cursor for the next page; null: last")


class EnterprisePage(BaseModel):
    items: list[EnterpriseRow]
    next_cursor: str | None = Field(description="give it as cursor for the next page; null: last")


class ErrorDetail(BaseModel):
    code: Literal["bad_parameter", "unauthorized", "forbidden", "not_found"]
    message: str = Field(description="in the request's language (Accept-Language: zh or en)")


class Error(BaseModel):
    error: ErrorDetail
