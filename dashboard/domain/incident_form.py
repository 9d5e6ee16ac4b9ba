"""The duty desk's "new incident" form: every field checked, every mistake named.

`validate_incident_form` takes what the form holds (strings and numbers as typed) and returns
either a draft ready for `data_access.commands.report_incident` or, per field, the i18n key of
what is wrong with it. The location is a point clicked on the map, typed coordinates
("30.59, 114.30": latitude first), or a place chosen from the registry (which fills both).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from dashboard.domain.events import Bounds

KINDS = ("leak", "odor", "fire", "explosion", "pipeline_damage", "cylinder")
CHANNELS = ("hotline_96511", "fire_119", "patrol", "public", "sensor")
SEVERITIES = (1, 2, 3, 4)  # 1 minor … 4 major (the catalogue's scale)
MAX_ADDRESS = 300
MAX_DESCRIPTION = 2000
FIELDS = ("kind", "severity", "channel", "location", "address", "description")
_COORDINATES = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,，\s]\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class IncidentDraft:
    kind: str
    severity: int
    channel: str
    lat: float
    lon: float
    address: str
    description: str

    def as_event_fields(self) -> dict[str, Any]:
        return asdict(self)


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """ "30.59, 114.30" (or with a Chinese comma, or a space) as (lat, lon); None if not that."""
    match = _COORDINATES.match(text or "")
    if match is None:
        return None
    return float(match.group(1)), float(match.group(2))


def validate_incident_form(
    form: Mapping[str, Any], bounds: Bounds
) -> tuple[IncidentDraft | None, dict[str, str]]:
    """A draft, or for each wrong field the i18n key of its message ("form.error.*")."""
    errors: dict[str, str] = {}
    kind = form.get("kind")
    if not kind:
        errors["kind"] = "form.error.kind_missing"
    elif kind not in KINDS:
        errors["kind"] = "form.error.kind_unknown"
    severity = _severity(form.get("severity"), errors)
    channel = form.get("channel") or "hotline_96511"
    if channel not in CHANNELS:
        errors["channel"] = "form.error.channel_unknown"
    point = _location(form, bounds, errors)
    address = str(form.get("address") or "").strip()
    if not address:
        errors["address"] = "form.error.address_missing"
    elif len(address) > MAX_ADDRESS:
        errors["address"] = "form.error.address_long"
    description = str(form.get("description") or "").strip()
    if not description:
        errors["description"] = "form.error.description_missing"
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = "form.error.description_long"
    if errors or point is None or severity is None:
        return None, errors
    draft = IncidentDraft(
        kind=str(kind),
        severity=severity,
        channel=channel,
        lat=round(point[0], 6),
        lon=round(point[1], 6),
        address=address,
        description=description,
    )
    return draft, {}


def _severity(value: Any, errors: dict[str, str]) -> int | None:
    if value in (None, ""):
        errors["severity"] = "form.error.severity_missing"
        return None
    try:
        severity = int(value)
    except (TypeError, ValueError):
        severity = 0
    if severity not in SEVERITIES or str(value).strip() not in {str(s) for s in SEVERITIES}:
        errors["severity"] = "form.error.severity_range"
        return None
    return severity


def _location(
    form: Mapping[str, Any], bounds: Bounds, errors: dict[str, str]
) -> tuple[float, float] | None:
    lat, lon = form.get("lat"), form.get("lon")
    text = str(form.get("coordinates") or "").strip()
    if text:
        point = parse_coordinates(text)
        if point is None:
            errors["location"] = "form.error.coordinates_format"
            return None
    elif isinstance(lat, int | float) and isinstance(lon, int | float):
        point = (float(lat), float(lon))
    else:
        errors["location"] = "form.error.location_missing"
        return None
    if not bounds.contains(*point):
        swapped = bounds.contains(point[1], point[0])
        errors["location"] = (
            "form.error.coordinates_swapped" if swapped else "form.error.outside_city"
        )
        return None
    return point
