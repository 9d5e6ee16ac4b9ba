"""Who may read which resource: the roles of the page that shows the same data
(dashboard/domain/policy.py PAGE_ROLES), and the user's scope for the rows (data_access/scope.py).

- the One Map's data (cylinders, hazards, enterprises, teams, alarms, the KPI strip): the One
  Map's roles; the scope then gives an enterprise only its own cylinders, hazards and enterprise,
  and none of the authorities' teams and alarms (empty lists), a district officer their district.
- incidents (and their timelines) and complaints: the incident desk's roles (the board and the
  incident view); enterprises and wall screens are refused.
- a wall screen account reads what the wall shows, the KPI figures, and nothing else: it is a
  display, not a person, and the issue's item 6 is exactly a screen reading desk data. (The
  wall's ranking panel reads the rankings query itself, not this API.)
- rankings (the district safety index): /rankings' roles, leadership, the offices, the desk
  and a district officer (their own district's row, with its rank among all the districts);
  not enterprises, not wall screens.
"""

from __future__ import annotations

from collections.abc import Mapping

from dashboard.domain.policy import PAGE_ROLES
from dashboard.domain.roles import Role, User

# resource -> the page whose roles it follows
RESOURCE_PAGES: Mapping[str, str] = {
    "cylinders": "one_map",
    "hazards": "one_map",
    "enterprises": "one_map",
    "teams": "one_map",
    "alarms": "one_map",
    "kpis": "one_map",
    "incidents": "incident",
    "complaints": "incidents",
    "rankings": "rankings",
}
WALL_RESOURCES = frozenset({"kpis"})  # what a screen account may read


def resource_roles(resource: str) -> frozenset[Role]:
    roles = PAGE_ROLES[RESOURCE_PAGES[resource]]
    return roles if resource in WALL_RESOURCES else roles - {Role.SCREEN}


def may_read(user: User, resource: str) -> bool:
    return user.role in resource_roles(resource)
