"""What the public QR check (/q/<code>) reads of a cylinder: its registry record with the
enterprise's name and licence, and its last filling with the station's name.

Public, so unscoped by design: it reads only the fields dashboard/domain/public_check.py allows
(no person, no address, no position) and answers for one code. It is hit by the public, so each
read is by a key: the registry by primary key, and the last filling through the event log's
subject index (EVENT_SUBJECT_SQL, seq), newest first, stopping at the first filling — never a
scan of the log's JSON for the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, bindparam, literal_column, select

from dashboard.domain.public_check import CylinderFacts
from data_access.models import (
    EVENT_SUBJECT_SQL,
    Cylinder,
    CylinderState,
    District,
    Enterprise,
    EventRecord,
    Site,
)


@dataclass(frozen=True, slots=True)
class LastFilling:
    filled_at: datetime
    site_id: str | None
    station: str | None  # the site's name


@dataclass(frozen=True, slots=True)
class ComplaintPlace:
    """Where a complaint about a code goes (never shown on the page): the cylinder's registered
    enterprise, and its current district, else its enterprise's."""

    enterprise_id: str | None
    district: str | None


@dataclass(frozen=True, slots=True)
class DistrictChoice:
    code: str
    name_zh: str
    name_en: str


def _subject() -> Any:
    """The log's subject, as the index has it: the same SQL text, or the index is not used."""
    return literal_column(EVENT_SUBJECT_SQL)


# Built once: on a busy page, building a statement cost more than running it.
_REGISTRY = (
    select(Cylinder.next_inspection_due, Cylinder.scrap_due, Enterprise.name, Enterprise.licence_no)
    .select_from(Cylinder)
    .outerjoin(Enterprise, Enterprise.id == Cylinder.enterprise_id)
    .where(Cylinder.code == bindparam("code"))
)
_LAST_FILLING = (
    select(EventRecord.occurred_at, EventRecord.data)
    .where(
        _subject() == bindparam("code"),
        EventRecord.type == "cylinder.scanned",
        literal_column("data ->> 'stage'") == "filling",
    )
    .order_by(EventRecord.seq.desc())
    .limit(1)
)
_STATION = select(Site.name).where(Site.id == bindparam("site_id"))


def cylinder_facts(engine: Engine, code: str, time_zone: str) -> CylinderFacts:
    """The registry's and the log's facts about `code` (an unknown code: registered False)."""
    with engine.connect() as connection:
        record = connection.execute(_REGISTRY, {"code": code}).first()
        if record is None:  # nothing to say of a code the registry does not know
            return CylinderFacts(code, False)
        filling = last_filling(connection, code)
    filled_on = _local_date(filling.filled_at, time_zone) if filling else None
    return CylinderFacts(
        code=code,
        registered=True,
        enterprise_name=record.name,
        licence_no=record.licence_no,
        next_inspection_due=record.next_inspection_due,
        scrap_due=record.scrap_due,
        last_filled_on=filled_on,
        filling_station=filling.station if filling else None,
    )


def last_filling(connection: Connection, code: str) -> LastFilling | None:
    """The newest `cylinder.scanned` of stage filling for `code`, with the station's name."""
    found = connection.execute(_LAST_FILLING, {"code": code}).first()
    if found is None:
        return None
    data: dict[str, Any] = found.data if isinstance(found.data, dict) else {}
    site_id = data.get("site_id")
    station = None
    if isinstance(site_id, str):
        station = connection.scalar(_STATION, {"site_id": site_id})
    return LastFilling(found.occurred_at, site_id, station)


def complaint_place(engine: Engine, code: str) -> ComplaintPlace:
    """The enterprise and district a complaint about `code` belongs to."""
    with engine.connect() as connection:
        enterprise_id = connection.scalar(
            select(Cylinder.enterprise_id).where(Cylinder.code == code)
        )
        district = connection.scalar(
            select(CylinderState.district).where(CylinderState.code == code)
        )
        if district is None and enterprise_id is not None:
            district = connection.scalar(
                select(Enterprise.district).where(Enterprise.id == enterprise_id)
            )
    return ComplaintPlace(enterprise_id, district)


def district_choices(engine: Engine) -> list[DistrictChoice]:
    """The city's districts, for a complaint about a code nobody has seen (the caller says
    where they are)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(District.code, District.name_zh, District.name_en).order_by(District.code)
        )
        return [DistrictChoice(*row) for row in rows]


def _local_date(moment: datetime, time_zone: str) -> date:
    return moment.astimezone(ZoneInfo(time_zone)).date()
