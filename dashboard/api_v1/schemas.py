"""What the API takes and gives, as pydantic models: the query parameters of each list, and the
responses, which wrap the queries' own typed rows (frozen dataclasses, data_access/queries/).

The OpenAPI document is generated from these models (openapi.py) and the responses are
serialised through them (routes.py), so the document cannot drift from what is sent.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from dashboard.domain import complaints, hazards, incidents
from dashboard.domain.events import TeamStatus
from dashboard.domain.scoring import BANDS, COMPONENTS, DEDUCTIONS, Period, parse_period
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


# A quarter of 1900..2099: a pattern that JSON Schema can state exactly, so that every value it
# allows is a period the rankings can compute (a range of days, which the page and the CLI take,
# has calendar rules no pattern states). ASCII digits only: "\d" would take other scripts'.
QUARTER = r"^(19|20)[0-9]{2}Q[1-4]$"


class RankingParams(BaseModel):
    """The quarter of a ranking."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    period: str | None = Field(
        None,
        pattern=QUARTER,
        description="a quarter as 2026Q4 (1900Q1 to 2099Q4); by default the current quarter",
    )

    @property
    def chosen(self) -> Period | None:
        return None if self.period is None else parse_period(self.period)


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


class ComponentItem(BaseModel):
    name: Literal[COMPONENTS]  # type: ignore[valid-type]
    numerator: float = Field(description="what met the rate (weighted for complaints)")
    denominator: int = Field(description="what the rate is of; 0: the component does not apply")
    rate: float | None = Field(description="numerator / denominator, 0..1")
    weight: float
    points: float | None = Field(description="its share of the index; null: does not apply")


class DeductionItem(BaseModel):
    name: Literal[DEDUCTIONS]  # type: ignore[valid-type]
    count: int
    points: float = Field(description="deducted from the index, after the cap")
    capped: bool


class DistrictRankingItem(BaseModel):
    code: str
    name_zh: str
    name_en: str
    rank: int | None = Field(description="1 = best; equal indexes share a rank; null: no index")
    index: float | None = Field(description="0..100; null when no component applies")
    band: Literal[BANDS] | None  # type: ignore[valid-type]
    previous: float | None = Field(description="the previous period's index, same version")
    change: float | None = Field(description="index - previous")
    previous_rank: int | None
    components: list[ComponentItem]
    deductions: list[DeductionItem]


class DistrictRankingBody(BaseModel):
    period: str = Field(description="2026Q4, or 2026-10-01..2026-11-15")
    first_day: date
    last_day: date
    previous_period: str
    version: str = Field(description="the scoring configuration's version the figures use")
    city_index: float | None = Field(description="the mean of the districts' indexes")
    items: list[DistrictRankingItem] = Field(description="best first; without an index last")


class ErrorDetail(BaseModel):
    code: Literal["bad_parameter", "unauthorized", "forbidden", "not_found"]
    message: str = Field(description="in the request's language (Accept-Language: zh or en)")


class Error(BaseModel):
    error: ErrorDetail
