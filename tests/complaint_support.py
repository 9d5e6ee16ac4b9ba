"""Complaints for tests: one received as the 96511 line or a QR check sends it, and the demo
city's enterprises by district (the chain passes complaints to those of the complaint's
district)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from dashboard.domain.events import ComplaintReceived, Event
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import Complaint, Enterprise
from tests.support import IN_JIANGAN, JIANGAN

HOTLINE = "hotline-96511"


def receive_complaint(
    engine: Engine,
    complaint_id: str,
    *,
    district: str = JIANGAN,
    category: str = "服务态度",
    channel: str = "hotline_96511",
    received_at: datetime | None = None,
    code: str | None = None,
    enterprise_id: str | None = None,
    text: str = "送气工服务态度差",
    position: tuple[float, float] | None = IN_JIANGAN,
) -> str:
    """A `complaint.received` appended as the hotline sends it; returns the complaint's id."""
    data = ComplaintReceived(
        complaint_id=complaint_id,
        channel=channel,  # type: ignore[arg-type]
        category=category,
        district=district,
        text=text,
        code=code,
        enterprise_id=enterprise_id,
        lat=position[0] if position else None,
        lon=position[1] if position else None,
    )
    when = received_at or datetime.now(UTC)
    event = Event.of(data, id=f"received-{complaint_id}", occurred_at=when)
    [outcome] = append_events(engine, [Incoming(HOTLINE, event)])
    assert isinstance(outcome, Accepted), outcome
    return complaint_id


def enterprises_in(engine: Engine, district: str) -> list[str]:
    """The registered enterprises of a district, by id."""
    with engine.connect() as connection:
        return list(
            connection.scalars(
                select(Enterprise.id).where(Enterprise.district == district).order_by(Enterprise.id)
            )
        )


def complaint_row(engine: Engine, complaint_id: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(select(Complaint).where(Complaint.id == complaint_id)).first()
