"""What a user's scope lets them see, for every kind of object, in one place.

A district officer sees their district's objects; an enterprise its own objects and none of the
authorities' (incidents, teams, resources, alarms, digs: emergencies are the city's business);
everyone else the whole city. Each kind of object says once how it belongs to a district and to
an enterprise (`REACH`), and every query applies the scope through `scoped(query, scope, Model)`;
a row already read is checked with `sees(scope, district, enterprise_id)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, false, or_, select

from dashboard.domain.roles import Scope
from data_access.models import (
    Alarm,
    AreaCount,
    Complaint,
    Customer,
    Cylinder,
    CylinderDetention,
    CylinderState,
    DailyTally,
    District,
    Enterprise,
    EventRecord,
    Excavation,
    Finding,
    GridCell,
    Hazard,
    Incident,
    IncidentNotification,
    InspectionRecord,
    InspectionTask,
    PipelineSegment,
    Resource,
    SafetyCheck,
    Sensor,
    Site,
    Team,
    Violation,
    ViolationPoints,
    Worker,
)

__all__ = ["REACH", "Reach", "scoped", "sees"]

Owned = Callable[[str], ColumnElement[bool]]  # enterprise id -> "this row is that enterprise's"
S = TypeVar("S", bound=Select[*tuple[Any, ...]])  # of any number of columns


@dataclass(frozen=True)
class Reach:
    """How one kind of object belongs: its district column, and what makes it an enterprise's
    own (None: enterprises see none of this kind)."""

    district: Any
    owned: Owned | None = None


def _own_sites(enterprise_id: str) -> Select[Any]:
    return select(Site.id).where(Site.enterprise_id == enterprise_id)


def _own_segments(enterprise_id: str) -> Select[Any]:
    return select(PipelineSegment.id).where(PipelineSegment.enterprise_id == enterprise_id)


def _target_owned(target_type: Any, target_id: Any) -> Owned:
    """Hazards and inspections point at their target: the enterprise itself or one of its sites."""
    return lambda e: or_(
        and_(target_type == "enterprise", target_id == e),
        and_(target_type == "site", target_id.in_(_own_sites(e))),
    )


REACH: dict[type, Reach] = {
    # the authorities' emergency data: no enterprise sees it
    Incident: Reach(Incident.district),
    IncidentNotification: Reach(IncidentNotification.district),
    Team: Reach(Team.district),
    Resource: Reach(Resource.district),
    Alarm: Reach(Alarm.district),
    Excavation: Reach(Excavation.district),
    # citizens' complaints go to the authorities; an enterprise sees those naming it (issue 16)
    Complaint: Reach(Complaint.district, lambda e: Complaint.enterprise_id == e),
    # the registry and what happens to it: an enterprise sees its own
    Enterprise: Reach(Enterprise.district, lambda e: Enterprise.id == e),
    Site: Reach(Site.district, lambda e: Site.enterprise_id == e),
    Customer: Reach(Customer.district, lambda e: Customer.enterprise_id == e),
    PipelineSegment: Reach(PipelineSegment.district, lambda e: PipelineSegment.enterprise_id == e),
    Sensor: Reach(
        Sensor.district,
        lambda e: or_(Sensor.site_id.in_(_own_sites(e)), Sensor.segment_id.in_(_own_segments(e))),
    ),
    Cylinder: Reach(None, lambda e: Cylinder.enterprise_id == e),
    Worker: Reach(None, lambda e: Worker.enterprise_id == e),
    CylinderState: Reach(
        CylinderState.district,
        lambda e: CylinderState.code.in_(select(Cylinder.code).where(Cylinder.enterprise_id == e)),
    ),
    SafetyCheck: Reach(SafetyCheck.district, lambda e: SafetyCheck.enterprise_id == e),
    # the rankings' daily counts of scans and safety checks (projections/tallies.py)
    DailyTally: Reach(DailyTally.district, lambda e: DailyTally.enterprise_id == e),
    # online detention (在线扣瓶): the responsible enterprise sees its own (its recall queue)
    CylinderDetention: Reach(
        CylinderDetention.district, lambda e: CylinderDetention.enterprise_id == e
    ),
    Finding: Reach(Finding.district, lambda e: Finding.enterprise_id == e),
    Violation: Reach(Violation.district, lambda e: Violation.enterprise_id == e),
    # the 12-point totals: an enterprise's own, its sites' and its workers'
    ViolationPoints: Reach(ViolationPoints.district, lambda e: ViolationPoints.enterprise_id == e),
    Hazard: Reach(Hazard.district, lambda e: Hazard.enterprise_id == e),  # its responsible one
    InspectionRecord: Reach(
        InspectionRecord.district,
        _target_owned(InspectionRecord.target_type, InspectionRecord.target_id),
    ),
    # inspection tasks: the assignee district's office sees its own; enterprises none (the
    # authorities' work on them)
    InspectionTask: Reach(InspectionTask.assignee),
    # the log, read for cylinder scans: an enterprise's are those at its sites
    EventRecord: Reach(
        EventRecord.district, lambda e: EventRecord.data["site_id"].as_string().in_(_own_sites(e))
    ),
    # areas: a district officer sees their own; outlines and names are public to the others
    District: Reach(District.code, lambda e: District.code.is_not(None)),
    GridCell: Reach(GridCell.district, lambda e: GridCell.district.is_not(None)),
    AreaCount: Reach(AreaCount.area_code),
}


def scoped(query: S, scope: Scope, model: type) -> S:
    """`query` (over `model`) limited to what `scope` may see of it."""
    reach = REACH[model]
    if scope.district is not None:
        if reach.district is None:
            raise ValueError(f"{model.__name__} has no district: scope it through its owner")
        query = query.where(reach.district == scope.district)
    if scope.enterprise_id is not None:
        owned = reach.owned(scope.enterprise_id) if reach.owned is not None else false()
        query = query.where(owned)
    return query


def sees(scope: Scope, district: str | None, enterprise_id: str | None) -> bool:
    """Whether `scope` sees an object of `district` owned by `enterprise_id` (None: no owner),
    for a row already read (the same rule as `scoped`, dashboard/domain/roles.py)."""
    return scope.covers(district, enterprise_id)
