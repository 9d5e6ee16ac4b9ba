"""Ingest tokens acting outside their grant (/ingest on a real gateway, in-process).

- a token for source S sending a type it is not granted: rejected;
- a token bound to enterprise X acting on enterprise Y's cylinder, site, worker or customer:
  rejected (and the same event about X's own objects is accepted: the control);
- administration types (user.*, token.*), sent by a token granted every type a source may have:
  rejected.

Each cell checks the gateway's answer and that the log holds nothing of the rejected events.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from dashboard.domain.events import ADMIN_EVENT_TYPES, EVENT_TYPES
from data_access.models import Customer, Cylinder, EventRecord, Site, Worker
from tests.security.conftest import World, ingest
from tests.support import IN_JIANGAN, incident, issue_token

pytestmark = pytest.mark.timeout(120)
PHOTO = "sha256:" + "ab" * 32


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def event(event_id: str, kind: str, **data: Any) -> dict[str, Any]:
    return {"id": event_id, "type": kind, "occurred_at": now(), "data": data}


def logged(world: World, event_ids: list[str]) -> int:
    query = select(func.count()).select_from(EventRecord).where(EventRecord.event_id.in_(event_ids))
    with world.engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def owned(world: World, model: Any, key: Any, enterprise: str) -> str:
    with world.engine.connect() as connection:
        found = connection.scalar(
            select(key).where(model.enterprise_id == enterprise).order_by(key).limit(1)
        )
    assert found is not None, (model, enterprise)
    return str(found)


def objects_of(world: World, enterprise: str) -> dict[str, str]:
    return {
        "cylinder": owned(world, Cylinder, Cylinder.code, enterprise),
        "site": owned(world, Site, Site.id, enterprise),
        "worker": owned(world, Worker, Worker.id, enterprise),
        "customer": owned(world, Customer, Customer.id, enterprise),
    }


def scan(event_id: str, objects: dict[str, str], **overrides: str) -> dict[str, Any]:
    data = {
        "code": objects["cylinder"],
        "stage": "filling",
        "lat": IN_JIANGAN[0],
        "lon": IN_JIANGAN[1],
        "site_id": objects["site"],
        "worker_id": objects["worker"],
    }
    return event(event_id, "cylinder.scanned", **{**data, **overrides})


def safety_check(event_id: str, objects: dict[str, str], **overrides: str) -> dict[str, Any]:
    photos = dict.fromkeys(("storefront", "cylinder_hose", "stove_hose", "surroundings"), PHOTO)
    data = {
        "code": objects["cylinder"],
        "customer_id": objects["customer"],
        "worker_id": objects["worker"],
        "passed": True,
        "photos": photos,
    }
    return event(event_id, "delivery.safety_checked", **{**data, **overrides})


def assert_rejected(answer: dict[str, Any], world: World, event_ids: list[str]) -> None:
    rejected = {entry["id"] for entry in answer["rejected"]}
    assert answer["accepted"] == [] and rejected == set(event_ids), answer
    assert logged(world, event_ids) == 0


async def test_a_token_sending_a_type_it_was_not_granted_is_rejected(world, gateway):
    _, token = issue_token(world.engine, "hotline-sec", ["incident.reported"])
    position = event("POS-1", "team.position", team_id=world.team_a, lat=30.6, lon=114.3)
    scanned = scan("GRANT-SCAN", objects_of(world, world.enterprise_x))
    answer = await ingest(gateway.url, token, [position, scanned])
    assert_rejected(answer, world, ["POS-1", "GRANT-SCAN"])
    assert {entry["code"] for entry in answer["rejected"]} == {"not_permitted"}, answer
    control = await ingest(gateway.url, token, [incident("GRANT-OK", *IN_JIANGAN)])
    assert control["accepted"] == ["GRANT-OK"], control


@pytest.fixture
def bound_token(world) -> str:
    """A token of an enterprise's own source, bound to enterprise X."""
    types = ["cylinder.scanned", "delivery.safety_checked"]
    return issue_token(world.engine, "ent-x-sec", types, enterprise=world.enterprise_x)[1]


@pytest.mark.parametrize("theirs", ["cylinder", "site", "worker"])
async def test_an_enterprise_bound_scan_of_another_enterprises_object_is_rejected(
    world, gateway, bound_token, theirs
):
    own, other = objects_of(world, world.enterprise_x), objects_of(world, world.enterprise_y)
    field = {"cylinder": "code", "site": "site_id", "worker": "worker_id"}[theirs]
    crafted = scan(f"SCAN-{theirs}", own, **{field: other[theirs]})
    assert_rejected(await ingest(gateway.url, bound_token, [crafted]), world, [crafted["id"]])
    control = await ingest(gateway.url, bound_token, [scan(f"SCAN-OWN-{theirs}", own)])
    assert control["accepted"] == [f"SCAN-OWN-{theirs}"], control


async def test_an_enterprise_bound_safety_check_on_another_enterprises_cylinder_is_rejected(
    world, gateway, bound_token
):
    own, other = objects_of(world, world.enterprise_x), objects_of(world, world.enterprise_y)
    crafted = safety_check("CHECK-CYL", own, code=other["cylinder"])
    assert_rejected(await ingest(gateway.url, bound_token, [crafted]), world, ["CHECK-CYL"])


async def test_an_enterprise_bound_safety_check_at_another_enterprises_customer_is_rejected(
    world, gateway, bound_token
):
    own, other = objects_of(world, world.enterprise_x), objects_of(world, world.enterprise_y)
    crafted = safety_check("CHECK-CUST", own, customer_id=other["customer"])
    assert_rejected(await ingest(gateway.url, bound_token, [crafted]), world, ["CHECK-CUST"])


async def test_the_safety_check_control_about_enterprise_xs_own_objects_is_accepted(
    world, gateway, bound_token
):
    own = objects_of(world, world.enterprise_x)
    answer = await ingest(gateway.url, bound_token, [safety_check("CHECK-OWN", own)])
    assert answer["accepted"] == ["CHECK-OWN"], answer


async def test_administration_types_are_rejected_from_any_source(world, gateway):
    everything = sorted(set(EVENT_TYPES) - set(ADMIN_EVENT_TYPES))
    _, token = issue_token(world.engine, "everything-sec", everything)
    crafted = [
        event(f"ADMIN-{n}", kind, username="intruder", role="admin", password_hash="x")
        for n, kind in enumerate(sorted(ADMIN_EVENT_TYPES))
    ]
    assert_rejected(await ingest(gateway.url, token, crafted), world, [e["id"] for e in crafted])
