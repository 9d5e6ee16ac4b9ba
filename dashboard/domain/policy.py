"""Who may do what: each action's roles, and the scope every object it touches must be in.

Every state-changing command (data_access.commands) asks `may(user, action, *places)` before it
appends anything: the user's role must be one the action allows, and every object the action
touches (the incident, each team, the alarm) must lie in the user's scope. An object outside the
scope is refused as if it did not exist, so a refusal never tells what lies beyond a user's
reach. Pages ask `allowed(user, action)` only to decide which buttons to show; the command
decides.

A refusal is a `Refused`: `reason` names its text in the user's language
(dashboard/texts/refusals.py, "refused.<reason>", filled in with `params`); `code`, `field` and
`message` are the ingest protocol's shape, in English, for logs, the CLI and the JSON API.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from dashboard.domain.events import RejectionCode
from dashboard.domain.roles import INCIDENT_DESK_ROLES, Role, User


class Action(StrEnum):
    ACKNOWLEDGE_ALARM = "acknowledge_alarm"
    ESCALATE_ALARM = "escalate_alarm"
    REPORT_INCIDENT = "report_incident"
    DISPATCH = "dispatch"
    REPORT_TEAM_STATUS = "report_team_status"
    POST_INCIDENT_UPDATE = "post_incident_update"
    NOTIFY = "notify"
    CLOSE_INCIDENT = "close_incident"
    ADMINISTER = "administer"  # user accounts and ingest tokens
    # the hazard loop (dashboard/domain/hazards.py STEPS)
    ASSIGN_HAZARD = "assign_hazard"  # to its enterprise, and set a new due date
    RECTIFY_HAZARD = "rectify_hazard"  # rectifying, rectified (with a photo)
    VERIFY_HAZARD = "verify_hazard"  # verified, or sent back (reopened) with a reason
    CLOSE_HAZARD = "close_hazard"  # 销号
    # inspection tasks issued downward (dashboard/domain/tasks.py)
    ISSUE_TASK = "issue_task"  # the city to any district; a district's office to its own
    COMPLETE_TASK = "complete_task"  # the assignee's office, the issuer's office
    CANCEL_TASK = "cancel_task"  # the issuer's office
    PUBLISH_CHECKLIST = "publish_checklist"  # the city's office
    # complaints (dashboard/domain/complaints.py): the chain city → district → enterprise
    ASSIGN_COMPLAINT = "assign_complaint"  # pass down: the city to a district, it to an enterprise
    REPLY_COMPLAINT = "reply_complaint"  # the enterprise holding it, or the district office
    CLOSE_COMPLAINT = "close_complaint"  # with the caller's satisfaction: district office or city
    ESCALATE_COMPLAINT = "escalate_complaint"  # by hand, by the city (late ones: the rules runner)
    COMPLAINT_TO_HAZARD = "complaint_to_hazard"  # the gas offices
    COMPLAINT_TO_INCIDENT = "complaint_to_incident"  # the duty desk
    # online detention, 在线扣瓶 (dashboard/domain/detentions.py)
    DETAIN_CYLINDER = "detain_cylinder"  # the city's supervisors; a district officer in theirs
    RECALL_CYLINDER = "recall_cylinder"  # the cylinder's enterprise, to one of its own sites
    CLOSE_DETENTION = "close_detention"  # release or scrap after the recall
    # the scoring weights and thresholds (dashboard/domain/scoring.py): a new version
    CHANGE_SCORING = "change_scoring"


# The duty desk's work: the city's desk and a district's officer (for their district's incidents).
_DESK = frozenset({Role.ADMIN, Role.DUTY_OFFICER, Role.DISTRICT_OFFICER})
# Acknowledging an alarm is also a supervisor's job (they watch the sensors); leadership and the
# wall only look, and enterprises see alarms only of their own network.
_ALARM_DESK = _DESK | {Role.SUPERVISOR}

# The hazard loop (seeds/000): the city's and the districts' gas offices supervise, verify and
# close out; the responsible enterprise rectifies (its own hazards only, by its scope).
_GAS_OFFICES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.DISTRICT_OFFICER})
# Complaints (seed 002 art. 6): the city's 96511 desk (supervisors, the duty officer) and the
# district offices pass them down and close them; enterprises answer what they hold.
_COMPLAINT_OFFICES = _GAS_OFFICES | {Role.DUTY_OFFICER}

ACTION_ROLES: Mapping[Action, frozenset[Role]] = {
    Action.ACKNOWLEDGE_ALARM: _ALARM_DESK,
    Action.ESCALATE_ALARM: _DESK,
    Action.REPORT_INCIDENT: _DESK,
    Action.DISPATCH: _DESK,
    Action.REPORT_TEAM_STATUS: _DESK,
    Action.POST_INCIDENT_UPDATE: _DESK,
    Action.NOTIFY: _DESK,
    Action.CLOSE_INCIDENT: _DESK,
    Action.ADMINISTER: frozenset({Role.ADMIN}),
    Action.ASSIGN_HAZARD: _GAS_OFFICES,
    Action.RECTIFY_HAZARD: frozenset({Role.ADMIN, Role.ENTERPRISE}),
    Action.VERIFY_HAZARD: _GAS_OFFICES,
    Action.CLOSE_HAZARD: _GAS_OFFICES,
    Action.ISSUE_TASK: _GAS_OFFICES,
    Action.COMPLETE_TASK: _GAS_OFFICES,
    Action.CANCEL_TASK: _GAS_OFFICES,
    Action.PUBLISH_CHECKLIST: frozenset({Role.ADMIN, Role.SUPERVISOR}),
    Action.ASSIGN_COMPLAINT: _COMPLAINT_OFFICES,
    Action.REPLY_COMPLAINT: frozenset({Role.ADMIN, Role.DISTRICT_OFFICER, Role.ENTERPRISE}),
    Action.CLOSE_COMPLAINT: _COMPLAINT_OFFICES,
    Action.ESCALATE_COMPLAINT: _COMPLAINT_OFFICES - {Role.DISTRICT_OFFICER},
    Action.COMPLAINT_TO_HAZARD: _GAS_OFFICES,
    Action.COMPLAINT_TO_INCIDENT: _DESK,
    Action.DETAIN_CYLINDER: _GAS_OFFICES,
    Action.RECALL_CYLINDER: frozenset({Role.ENTERPRISE}),
    Action.CLOSE_DETENTION: _GAS_OFFICES,
    Action.CHANGE_SCORING: frozenset({Role.ADMIN}),
}
# Which action each step of the hazard loop is.
STEP_ACTIONS: Mapping[str, Action] = {
    "assign": Action.ASSIGN_HAZARD,
    "redate": Action.ASSIGN_HAZARD,
    "start": Action.RECTIFY_HAZARD,
    "rectified": Action.RECTIFY_HAZARD,
    "verify": Action.VERIFY_HAZARD,
    "reject": Action.VERIFY_HAZARD,
    "close": Action.CLOSE_HAZARD,
}


_EVERYONE = frozenset(Role)
_INCIDENT_DESK = frozenset(Role(role) for role in INCIDENT_DESK_ROLES)

# Who opens each page; the page's callbacks serve the same roles only (dashboard/guard.py), so
# nothing a page refuses can be had through Dash's endpoint either.
PAGE_ROLES: Mapping[str, frozenset[Role]] = {
    "one_map": _EVERYONE,
    "screen": _EVERYONE,
    "incidents": _INCIDENT_DESK,
    "incident": _INCIDENT_DESK,
    "incident_report": _INCIDENT_DESK,
    "response_times": _INCIDENT_DESK,
    "notifications": _INCIDENT_DESK,
    # the hazard loop: the offices, leadership and the desk read; enterprises see their own
    "hazards": _EVERYONE - {Role.SCREEN},
    "hazard": _EVERYONE - {Role.SCREEN},
    # inspection work: coverage, the inspections, an object's history (enterprises: their own)
    "inspections": _EVERYONE - {Role.SCREEN},
    # inspection tasks issued downward: the gas offices, leadership and the desk (not enterprises)
    "inspection_tasks": _EVERYONE - {Role.SCREEN, Role.ENTERPRISE},
    # cylinder traceability: a cylinder's trace and the problem cylinders (enterprises: their own)
    "cylinder": _EVERYONE - {Role.SCREEN},
    "cylinders": _EVERYONE - {Role.SCREEN},
    # online detention: the gas offices, leadership and the desk; enterprises their own queue
    "detentions": _EVERYONE - {Role.SCREEN},
    # complaints: the offices, the desk and leadership; an enterprise the ones naming it
    "complaints": _EVERYONE - {Role.SCREEN},
    "complaint": _EVERYONE - {Role.SCREEN},
    # one file per enterprise (一企一档): the list for the authorities; a file for whoever may
    # see the enterprise (an enterprise user its own: its landing page)
    "enterprises": _EVERYONE - {Role.SCREEN, Role.ENTERPRISE},
    "enterprise": _EVERYONE - {Role.SCREEN},
    # administration: users and roles, ingest tokens, the audit trail
    "admin_users": frozenset({Role.ADMIN}),
    "admin_tokens": frozenset({Role.ADMIN}),
    "admin_audit": frozenset({Role.ADMIN}),
    "admin_scoring": frozenset({Role.ADMIN}),  # the scoring weights and their versions
    # rankings (/rankings): leadership, the offices and the desk; a district officer sees their
    # own district's figures (the queries are scoped); not enterprises, not the wall (/screen)
    "rankings": _EVERYONE - {Role.SCREEN, Role.ENTERPRISE},
}


def page_roles(page: str) -> tuple[str, ...]:
    """The role values that may open `page`, as dash.register_page takes them."""
    return tuple(role.value for role in Role if role in PAGE_ROLES[page])


@dataclass(frozen=True)
class Place:
    """Where an object belongs, as scopes see it: its district and its enterprise (None: none).

    `noun` and `id` name the object in a refusal ("team TEAM-007")."""

    noun: str
    id: str
    district: str | None = None
    enterprise_id: str | None = None


@dataclass(frozen=True)
class Refused:
    """Why an action was refused; nothing of it was recorded."""

    reason: str  # the text's key: "refused.<reason>"
    message: str  # the same in English, for logs, the CLI and the API
    code: RejectionCode = "not_permitted"  # the ingest protocol's codes
    field: str = ""
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)


def allowed(user: User, action: Action) -> bool:
    """Whether the user's role may take this action at all (scope aside)."""
    return user.role in ACTION_ROLES[action]


def may(user: User, action: Action, *places: Place) -> Refused | None:
    """None when `user` may take `action` on objects at `places`, else why not."""
    if not allowed(user, action):
        return Refused(
            f"role.{action.value}",
            f"role {user.role.value} may not {action.value.replace('_', ' ')}",
            params={"role": user.role.value},
        )
    for place in places:
        if not in_scope(user, place):
            return unknown(place.noun, place.id)
    return None


def in_scope(user: User, place: Place) -> bool:
    """A district officer reaches their district's objects, an enterprise its own objects;
    everyone else the whole city."""
    return user.scope.covers(place.district, place.enterprise_id)


def unknown(noun: str, object_id: str, field_name: str = "") -> Refused:
    """The object is not known, or not in the user's scope: the two look the same, so a
    refusal never tells whether an object exists outside the user's reach."""
    return Refused(
        "unknown",
        f"{noun} {object_id!r} is not known",
        code="unknown_reference",
        field=field_name or noun,
        params={"noun": noun, "id": object_id},
    )


def missing(field_name: str, message: str) -> Refused:
    return Refused(f"missing.{field_name}", message, code="missing_field", field=field_name)
