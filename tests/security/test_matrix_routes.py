"""Routes x principals: every Flask URL rule of the app (app.server.url_map, discovered), with
every method it takes.

- no session (none, expired, revoked): 401 under the JSON prefixes, a redirect to /login
  elsewhere; only the rules in PUBLIC answer strangers (a new public rule fails here until it is
  added, with a reason, to PUBLIC and to docs/security.md);
- a route about one incident (the PDF report), asked by a district officer of A for B's
  incident: 404, as if it did not exist (and 200 for A's own);
- /api/v1: each object route asked with another district's (or enterprise's) id: 404; each list
  route carries none of the other side's ids.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import inspect, select

from data_access.models import Base
from tests.security.conftest import DISTRICT_B, NO_SESSION, World

# Rules anyone may reach, and why: the sign-in itself, the language switch of the login page,
# static code and styles (no data), the health probe of the load balancer, and the public QR
# check of a cylinder.
PUBLIC = {
    "/login",
    "/lang/<code>",
    "/assets/<path:filename>",
    "/static/<path:filename>",
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>",
    "/_favicon.ico",
    "/healthz",
    # the public QR check of a cylinder (docs/public-check.md): safe fields only, throttled
    "/q/<path:code>",
    "/q/",
}
JSON_PREFIXES = ("/_dash-", "/_reload-hash", "/api/")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
API = "/api/v1"


def filled(rule: str, value: str = "x") -> str:
    """A concrete path for a rule: every placeholder replaced by `value`."""
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", value, rule)


def guarded_rules(world: World) -> list[Any]:
    return [r for r in world.app.server.url_map.iter_rules() if r.rule not in PUBLIC]


@pytest.mark.parametrize("principal", NO_SESSION)
def test_no_route_but_the_public_ones_answers_without_a_session(world, principal):
    client = world.client(principal)
    wrong = []
    for rule in guarded_rules(world):
        path = filled(rule.rule)
        for method in sorted(set(METHODS) & set(rule.methods or ())):
            answer = client.open(path, method=method)
            if path.startswith(JSON_PREFIXES):
                if answer.status_code != 401:
                    wrong.append((method, rule.rule, answer.status_code))
            elif answer.status_code not in (302, 303) or not answer.location.startswith("/login"):
                wrong.append((method, rule.rule, answer.status_code, answer.location))
    assert not wrong, wrong


def test_the_public_rules_still_exist(world):
    """PUBLIC lists rules the app has, so the list cannot silently go stale."""
    rules = {r.rule for r in world.app.server.url_map.iter_rules()}
    assert rules >= PUBLIC, PUBLIC - rules


def test_a_route_about_another_districts_incident_answers_as_if_it_did_not_exist(world):
    client = world.client("district_officer")
    about_incidents = [r.rule for r in guarded_rules(world) if "<incident_id>" in r.rule]
    assert about_incidents, "no route about one incident: this cell has nothing to ask"
    for rule in about_incidents:
        assert client.get(filled(rule, world.incident_b)).status_code == 404, rule
        assert client.get(filled(rule, world.incident_a)).status_code == 200, rule  # control


# --- the JSON API ---------------------------------------------------------------------------


def api_rules(world: World) -> list[str]:
    rules = [r.rule for r in world.app.server.url_map.iter_rules() if r.rule.startswith(API)]
    if not rules:
        pytest.skip(f"no {API} routes on this branch yet (the API helper's merge brings them)")
    return rules


def model_of(collection: str) -> Any:
    """The table an API collection serves ("incidents" -> Incident), or None."""
    for mapper in Base.registry.mappers:
        if mapper.class_.__tablename__ == collection:
            return mapper.class_
    return None


def outside_object(world: World, collection: str) -> tuple[str, str] | None:
    """(principal, id) of an object of `collection` the principal may not see: one of district
    B for the district officer of A, one of enterprise Y for enterprise X's user."""
    model = model_of(collection)
    if model is None:
        return None
    key = inspect(model).primary_key[0]
    columns = inspect(model).columns
    if "district" in columns and collection != "enterprises":
        principal, where = "district_officer", columns["district"] == DISTRICT_B
    elif "enterprise_id" in columns:
        principal, where = "enterprise", columns["enterprise_id"] == world.enterprise_y
    elif collection == "enterprises":
        principal, where = "enterprise", key == world.enterprise_y
    else:
        return None
    with world.engine.connect() as connection:
        found = connection.scalar(select(key).where(where).order_by(key).limit(1))
    return None if found is None else (principal, str(found))


def test_an_api_object_of_another_district_or_enterprise_is_not_found(world):
    checked, unchecked = [], []
    for rule in api_rules(world):
        match = re.fullmatch(rf"{API}/(\w+)/<(?:[^:>]+:)?\w+>", rule)
        if match is None:
            continue
        outside = outside_object(world, match[1])
        if outside is None:
            unchecked.append(rule)
            continue
        principal, object_id = outside
        answer = world.client(principal).get(filled(rule, object_id))
        checked.append((rule, principal, object_id, answer.status_code))
    wrong = [cell for cell in checked if cell[3] != 404]
    assert not wrong, wrong
    assert checked, f"no object route of {API} could be checked: {unchecked}"


def test_an_api_list_carries_no_object_of_another_district(world):
    client, wrong = world.client("district_officer"), []
    for rule in api_rules(world):
        if "<" in rule or "openapi" in rule:
            continue
        answer = client.get(rule)
        outside = [i for i in (world.incident_b, world.team_b, world.alarm_b) if i in answer.text]
        if answer.status_code >= 500 or outside:
            wrong.append((rule, answer.status_code, outside))
    assert not wrong, wrong


# --- a session copied before logout -------------------------------------------------------------


def test_a_session_copied_before_logout_is_refused_after_it(world):
    from tests.security.conftest import client_with_cookie, session_cookie, sign_in

    signed_in = sign_in(world.app, "supervisor")
    copied = client_with_cookie(world.app, session_cookie(signed_in, world.app))
    assert copied.get("/api/live-token").status_code == 200  # the copy works while signed in
    with signed_in.session_transaction() as session:
        csrf = session["csrf"]
    assert signed_in.post("/logout", data={"csrf": csrf}).status_code == 302
    assert copied.get("/api/live-token").status_code == 401


def test_the_expired_principal_differs_from_a_working_session_only_in_its_age(world):
    """The control of the "expired" principal: the same session re-signed now is let in, so
    what the matrix refuses is the age alone."""
    from tests.security.conftest import client_with_cookie, resigned, session_cookie

    duty = world.client("duty_officer")
    fresh = resigned(world.app, session_cookie(duty, world.app), 0)
    assert client_with_cookie(world.app, fresh).get("/api/live-token").status_code == 200
    assert world.client("expired").get("/api/live-token").status_code == 401
