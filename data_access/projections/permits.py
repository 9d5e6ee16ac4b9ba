"""Per-object permission: what a source bound to one enterprise may act on.

An ingest token may be bound to an enterprise (`tokens add --enterprise ENT`). Events of such a
source are checked after the reference checks, so an unknown object is still unknown_reference (or
accepted where its type allows that, like a black cylinder's code), and are rejected
`not_permitted` when they act for another enterprise or on an object another owner holds:

- any `*.registered` whose enterprise_id names another enterprise; an `enterprise.registered` of
  another enterprise; a `team.registered` whose owner_id is not the bound enterprise (a bound
  source registers only its own teams); re-registering an existing row another owner holds (no
  take-overs); a `sensor.registered` on another's site or segment; a `resource.registered` for
  another's team;
- `cylinder.scanned`, `delivery.safety_checked`, `cylinder.detained`, `cylinder.released`: a code
  registered to another enterprise; a scan at another's site; another's worker; another's
  customer (a sale, delivery, use or safety check at a customer registered to another
  enterprise); a detention whose enterprise_id is another's;
- `inspection.completed`, `hazard.reported`: a target (enterprise, site, pipeline, customer) or an
  inspector (a registered worker) of another; `hazard.updated`, `hazard.escalated`: a hazard
  whose target is another's;
- `sensor.reading`, `alarm.*`: a sensor on another enterprise's site or segment;
- `team.position`, `team.status`, `incident.dispatched`: a team of another owner;
- `violation.recorded`: a subject that is another enterprise, or its site or worker.

Objects with no owner (a customer registered without an enterprise, a sensor on no site or
segment, incidents, complaints, excavations) may be acted on by any source allowed the type.

The extra rows these checks need are read only when the batch holds an event of a bound source,
once for the whole batch (`preload`, three rounds of IN queries: the events' objects; the sensors
of alarms; the sites and segments of sensors, the targets of hazards and the teams of resources).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Engine

from dashboard.domain.events import Event, Rejection
from data_access.projections.batch import CACHED_TABLES, Batch
from data_access.projections.registry import REGISTRY
from data_access.projections.violations import SUBJECT_TABLES

# inspection and hazard target_type -> registry table (appliances are not registered)
TARGET_TABLES = {
    "enterprise": "enterprises",
    "site": "sites",
    "customer": "customers",
    "pipeline": "pipeline_segments",
}
_NOUNS = {
    "enterprises": "enterprise",
    "sites": "site",
    "workers": "worker",
    "customers": "customer",
    "cylinders": "cylinder",
    "pipeline_segments": "pipeline segment",
    "sensors": "sensor",
    "teams": "team",
    "resources": "resource",
    "hazards": "hazard",
    "alarms": "alarm",
}
_OWNED_BY_COLUMN = frozenset({"sites", "workers", "customers", "cylinders", "pipeline_segments"})
# Events whose enterprise_id (or owner_id) says whom they act for.
_CLAIMS = {
    **{
        kind: "enterprise_id"
        for kind in (
            "enterprise.registered",
            "site.registered",
            "worker.registered",
            "customer.registered",
            "cylinder.registered",
            "pipeline.registered",
            "cylinder.detained",
        )
    },
    "team.registered": "owner_id",
}


def check(b: Batch, event: Event, enterprise: str) -> Rejection | None:
    """not_permitted when the event acts for another enterprise or on another's object."""
    data: Any = event.data
    claim = _CLAIMS.get(event.type)
    value = getattr(data, claim) if claim else None
    if value is not None and value != enterprise:
        message = (
            f"this source acts for enterprise {enterprise!r} and may not act for {value!r} "
            f"(data.{claim})"
        )
        return Rejection("not_permitted", f"data.{claim}", message, event.id)
    for field, table, key in _objects(b, event):
        owner = owner_of(b, table, key)
        if owner is not None and owner != enterprise:
            message = (
                f"{_NOUNS[table]} {key!r} belongs to {_whose(b, table, key, owner)}; "
                f"this source acts for enterprise {enterprise!r}"
            )
            return Rejection("not_permitted", field, message, event.id)
    return None


def owner_of(b: Batch, table: str, key: Any) -> str | None:
    """The enterprise (or, for a team, the owner) holding an object; None when nobody does."""
    cache = b[table]
    if key is not None and key not in cache.rows:  # missed by `preload`: an object made mid-batch
        cache.load(b.connection, [key])
    row = cache.get(key)
    if row is None:
        return None
    if table == "enterprises":
        return row["id"]
    if table in _OWNED_BY_COLUMN:
        return row["enterprise_id"]
    if table == "teams":
        return row["owner_id"]
    if table == "sensors":
        site = owner_of(b, "sites", row["site_id"])
        return site if site is not None else owner_of(b, "pipeline_segments", row["segment_id"])
    if table == "resources":
        return owner_of(b, "teams", row["team_id"])
    if table == "alarms":
        return owner_of(b, "sensors", row["sensor_id"])
    if table == "hazards":
        target = TARGET_TABLES.get(row["target_type"])
        return owner_of(b, target, row["target_id"]) if target else None
    return None


def _whose(b: Batch, table: str, key: Any, owner: str) -> str:
    team = b["teams"].get(key) if table == "teams" else None
    if team is not None and team["level"] != "enterprise":
        return f"{owner!r} (a {team['level']} team)"
    return f"enterprise {owner!r}"


def _objects(b: Batch, event: Event) -> Iterator[tuple[str, str, Any]]:
    """(data field path, table, key) of every object the event acts on."""
    data: Any = event.data
    kind = event.type
    if kind in REGISTRY:
        table, field = REGISTRY[kind]
        yield f"data.{field}", table, getattr(data, field)
    if kind == "sensor.registered":
        yield "data.site_id", "sites", data.site_id
        yield "data.segment_id", "pipeline_segments", data.segment_id
    elif kind == "resource.registered":
        yield "data.team_id", "teams", data.team_id
    elif kind in ("cylinder.scanned", "delivery.safety_checked"):
        yield "data.code", "cylinders", data.code
        if kind == "cylinder.scanned":
            yield "data.site_id", "sites", data.site_id
        yield "data.worker_id", "workers", data.worker_id
        # A customer of another enterprise (one registered with no enterprise is anyone's).
        yield "data.customer_id", "customers", data.customer_id
    elif kind in ("cylinder.detained", "cylinder.released"):
        yield "data.code", "cylinders", data.code
    elif kind in ("inspection.completed", "hazard.reported"):
        target = TARGET_TABLES.get(data.target_type)
        if target is not None:
            yield "data.target_id", target, data.target_id
        if kind == "inspection.completed":
            yield "data.inspector_id", "workers", data.inspector_id
    elif kind in ("hazard.updated", "hazard.escalated"):
        yield "data.hazard_id", "hazards", data.hazard_id
    elif kind in ("sensor.reading", "alarm.raised"):
        yield "data.sensor_id", "sensors", data.sensor_id
    elif kind in ("alarm.acknowledged", "alarm.cleared"):
        yield "data.alarm_id", "alarms", data.alarm_id
    elif kind in ("team.position", "team.status"):
        yield "data.team_id", "teams", data.team_id
    elif kind == "incident.dispatched":
        for index, team_id in enumerate(data.team_ids):
            yield f"data.team_ids.{index}", "teams", team_id
    elif kind == "violation.recorded":
        yield "data.subject_id", SUBJECT_TABLES[data.subject_type], data.subject_id


def preload(b: Batch, events: Sequence[Event]) -> None:
    """Read every row the checks of `events` may need, in three rounds of IN queries."""
    keys = _no_keys()
    for event in events:
        for _, table, key in _objects(b, event):
            keys[table].add(key)
    _load(b, keys)
    alarm_sensors = _no_keys()  # round two: the sensors of the alarms
    for key in keys["alarms"]:
        alarm = b["alarms"].get(key)
        if alarm is not None:
            alarm_sensors["sensors"].add(alarm["sensor_id"])
    _load(b, alarm_sensors)
    owners = _no_keys()  # round three: what sensors, hazards and resources hang on
    for key in keys["sensors"] | alarm_sensors["sensors"]:
        sensor = b["sensors"].get(key)
        if sensor is not None:
            owners["sites"].add(sensor["site_id"])
            owners["pipeline_segments"].add(sensor["segment_id"])
    for key in keys["hazards"]:
        hazard = b["hazards"].get(key)
        if hazard is not None and hazard["target_type"] in TARGET_TABLES:
            owners[TARGET_TABLES[hazard["target_type"]]].add(hazard["target_id"])
    for key in keys["resources"]:
        resource = b["resources"].get(key)
        if resource is not None:
            owners["teams"].add(resource["team_id"])
    _load(b, owners)


def _no_keys() -> dict[str, set[Any]]:
    return {name: set() for name, _ in CACHED_TABLES}


def _load(b: Batch, keys: dict[str, set[Any]]) -> None:
    for name, wanted in keys.items():
        if wanted:
            b[name].load(b.connection, wanted)


# --- whose an event is, for the live channel ------------------------------------------------

# data field of a logged event -> the registry table of the object it names
_OWNED_FIELDS = (
    ("code", "cylinders"),
    ("site_id", "sites"),
    ("worker_id", "workers"),
    ("customer_id", "customers"),
    ("segment_id", "pipeline_segments"),
    ("sensor_id", "sensors"),
    ("alarm_id", "alarms"),
    ("hazard_id", "hazards"),
    ("team_id", "teams"),
    ("resource_id", "resources"),
    ("inspector_id", "workers"),
)


def mark_enterprises(engine: Engine, events: Sequence[dict[str, Any]]) -> None:
    """Give each logged event (as `eventlog.events_since` returns it) an `enterprises` list:
    the enterprises whose objects it names (a scan carries only the cylinder's code, not its
    enterprise), so that the live channel can give an enterprise user its own events."""
    with engine.connect() as connection:
        b = Batch(connection)
        wanted = _no_keys()
        for event in events:
            for table, key in _named_objects(event):
                wanted[table].add(key)
        _load(b, wanted)
        for event in events:
            event["enterprises"] = sorted(_enterprises_of(b, event))


def _named_objects(event: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    data = event.get("data") or {}
    for field, table in _OWNED_FIELDS:
        key = data.get(field)
        if isinstance(key, str):
            yield table, key
    if data.get("target_type") in TARGET_TABLES and isinstance(data.get("target_id"), str):
        yield TARGET_TABLES[data["target_type"]], data["target_id"]
    if data.get("subject_type") in SUBJECT_TABLES and isinstance(data.get("subject_id"), str):
        yield SUBJECT_TABLES[data["subject_type"]], data["subject_id"]
    for team_id in data.get("team_ids") or ():
        if isinstance(team_id, str):
            yield "teams", team_id


def _enterprises_of(b: Batch, event: dict[str, Any]) -> set[str]:
    data = event.get("data") or {}
    claims = (data.get("enterprise_id"), data.get("owner_id"))
    found = {claim for claim in claims if isinstance(claim, str)}
    for table, key in _named_objects(event):
        owner = owner_of(b, table, key)
        if owner is not None:
            found.add(owner)
    return found
