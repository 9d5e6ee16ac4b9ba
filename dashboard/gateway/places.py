"""Where an ingested event says it happened, checked against the city pack.

shared/spec/events.md makes `district` a field the source sends ("a district code from the city
pack"), not one the gateway derives, so the gateway checks it rather than overwriting it:

- a `district` that is not a code of the city pack is rejected (`invalid_field`, data.district);
- a hazard, complaint or inspection whose coordinates lie in another district is rejected
  (`invalid_field`, data.district, naming the district the point is in): filed under the wrong
  district, the officer who should act would never see it.

The district outlines in the pack are simplified, so a real address near a boundary may fall a
little outside its district's polygon: a point up to `DISTRICT_TOLERANCE_M` outside the named
district is accepted.
"""

from __future__ import annotations

from typing import Any

from dashboard.citypack import CityPack
from dashboard.domain.events import Event, Rejection

DISTRICT_TOLERANCE_M = 300.0
# The types whose coordinates must lie in their district (issue 13, item 5b).
PLACED_TYPES = frozenset({"hazard.reported", "complaint.received", "inspection.completed"})


def district_rejection(
    event: Event, city: CityPack, tolerance_m: float = DISTRICT_TOLERANCE_M
) -> Rejection | None:
    """Why the event's district cannot be right (None when it may be, or it has none)."""
    data: Any = event.data
    code = getattr(data, "district", None)
    if code is None:
        return None
    if not city.has_district(code):
        message = f"district {code!r} is not a district of {city.name_en}"
        return Rejection("invalid_field", "data.district", message, event.id)
    lat, lon = getattr(data, "lat", None), getattr(data, "lon", None)
    if event.type not in PLACED_TYPES or lat is None or lon is None:
        return None
    if city.metres_outside(code, lat, lon) <= tolerance_m:
        return None
    found = city.district_at(lat, lon)
    where = f"in district {found.code} ({found.name_en})" if found else "outside every district"
    message = f"the point ({lat}, {lon}) lies {where}, not in district {code}"
    return Rejection("invalid_field", "data.district", message, event.id)
