"""Roles and data scopes (DESIGN.md, "Security").

A user's scope is what the server lets them see: everything, one district, or one enterprise.
Queries take a `Scope` and filter on it, so the same rule holds for pages, callbacks and the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    LEADER = "leader"
    DUTY_OFFICER = "duty_officer"
    SUPERVISOR = "supervisor"
    DISTRICT_OFFICER = "district_officer"
    ENTERPRISE = "enterprise"
    SCREEN = "screen"


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.ADMIN: ("系统管理员", "Administrator"),
    Role.LEADER: ("领导", "Leadership"),
    Role.DUTY_OFFICER: ("值班员", "Duty officer"),
    Role.SUPERVISOR: ("监管人员", "Supervisor"),
    Role.DISTRICT_OFFICER: ("区燃管办", "District officer"),
    Role.ENTERPRISE: ("燃气企业", "Enterprise"),
    Role.SCREEN: ("大屏", "Big screen"),
}


# Who opens the incident desk's pages (board, incident view, reports, notifications): the city's
# authorities. Enterprises and wall screens do not (the wall shows incidents on /screen).
INCIDENT_DESK_ROLES: tuple[str, ...] = tuple(
    role.value
    for role in (Role.ADMIN, Role.LEADER, Role.DUTY_OFFICER, Role.SUPERVISOR, Role.DISTRICT_OFFICER)
)


@dataclass(frozen=True)
class Scope:
    """The slice of the city a user may see; None means no restriction on that axis."""

    district: str | None = None
    enterprise_id: str | None = None

    @property
    def is_citywide(self) -> bool:
        return self.district is None and self.enterprise_id is None

    def covers(self, district: str | None, enterprise_id: str | None) -> bool:
        """Whether an object of `district`, owned by `enterprise_id` (None: by no enterprise),
        lies within this scope."""
        if self.district is not None and district != self.district:
            return False
        return self.enterprise_id is None or enterprise_id == self.enterprise_id


CITYWIDE = Scope()


@dataclass(frozen=True)
class User:
    """The signed-in user as the app sees it (no password hash here)."""

    id: int
    username: str
    role: Role
    display_name: str
    district: str | None = None
    enterprise_id: str | None = None

    @property
    def scope(self) -> Scope:
        if self.role is Role.DISTRICT_OFFICER:
            return Scope(district=self.district)
        if self.role is Role.ENTERPRISE:
            return Scope(enterprise_id=self.enterprise_id)
        return CITYWIDE


def system_user(name: str) -> User:
    """The system acting on its own: the notification worker, an operator at the command line.
    It may do what an administrator may; `name` is recorded as the actor."""
    return User(id=0, username=name, role=Role.ADMIN, display_name=name)


def check_binding(role: Role, district: str | None, enterprise_id: str | None) -> str | None:
    """Say what is wrong with a role's binding, or None when it is right."""
    if role is Role.DISTRICT_OFFICER and not district:
        return "a district_officer must be bound to one district (--district CODE)"
    if role is Role.ENTERPRISE and not enterprise_id:
        return "an enterprise user must be bound to one enterprise (--enterprise ID)"
    if role not in (Role.DISTRICT_OFFICER,) and district:
        return f"role {role.value} is city-wide and takes no district"
    if role not in (Role.ENTERPRISE,) and enterprise_id:
        return f"role {role.value} takes no enterprise"
    return None
