"""Which incidents a user may see: every one city-wide, their district's for a district officer,
none for an enterprise (incidents belong to the city's desk, not to an enterprise)."""

from __future__ import annotations

from sqlalchemy import Select, false

from dashboard.domain.roles import Scope
from data_access.models import Incident


def scoped(query: Select, scope: Scope) -> Select:
    """`query` (over incidents) limited to what `scope` may see."""
    if scope.enterprise_id is not None:
        return query.where(false())
    if scope.district is not None:
        return query.where(Incident.district == scope.district)
    return query
