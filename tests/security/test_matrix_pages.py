"""Pages x principals: every page in Dash's page registry (discovered, not listed by hand),
loaded and rendered as every principal.

- no session (none, expired, revoked): the page redirects to /login, and Dash's page router
  answers 401;
- a role the page does not admit (PAGE_ROLES): the refusal layout, with no component of the
  page's own (so no callback of it ever fires, no data is shown);
- an admitted role: the page loads (200) and renders its own layout.

A page is rendered the way the browser gets it: the index page by GET, then its layout from
Dash's page router (a POST to /_dash-update-component with the location).
"""

from __future__ import annotations

import json
import re
from typing import Any

import dash
import pytest

from dashboard.domain.policy import PAGE_ROLES
from dashboard.domain.roles import Role
from dashboard.i18n import TEXT
from tests.security.conftest import NO_SESSION, PAGES_ROUTER, PRINCIPALS, World, output_specs

# What fills each placeholder of a page's path template (a page with a new placeholder fails
# until a value is given here).
PLACEHOLDERS = {
    "incident_id": lambda world: world.incident_a,
    "hazard_id": lambda world: world.hazard_a,
    "code": lambda world: world.detentions["code_a"],  # a cylinder of X's, in A
    "enterprise_id": lambda world: world.enterprise_x,  # the enterprise login's own, of A
    "complaint_id": lambda world: world.complaints["page_a"],  # of A, naming X
}
REFUSALS = {text for key, texts in TEXT.items() if key.endswith("forbidden") for text in texts}


def page_paths(world: World) -> dict[str, str]:
    """Each registered page's module -> a path that opens it (templates filled in)."""
    paths = {}
    for module, page in dash.page_registry.items():
        template = page.get("path_template")
        if template is None:
            paths[module] = page["path"]
            continue
        names = re.findall(r"<(\w+)>", template)
        missing = [name for name in names if name not in PLACEHOLDERS]
        assert not missing, f"{module}: no value for {missing} in PLACEHOLDERS"
        paths[module] = re.sub(r"<(\w+)>", lambda m: PLACEHOLDERS[m[1]](world), template)
    return paths


def rendered(client: Any, path: str) -> Any:
    """Dash's page router asked for `path`, as the browser asks after loading it."""
    body = {
        "output": PAGES_ROUTER,
        "outputs": output_specs(PAGES_ROUTER),
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
    return client.post("/_dash-update-component", json=body)


def layout_of(answer: Any) -> Any:
    assert answer.status_code == 200, (answer.status_code, answer.data[:300])
    return answer.get_json()["response"]["_pages_content"]["children"]


def component_ids(layout: Any) -> set[str]:
    """Every component id in a layout (as JSON text, pattern ids included)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("props", {})
            if isinstance(props, dict) and "id" in props:
                found.add(json.dumps(props["id"], sort_keys=True))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(layout)
    return found


def lands_on_own_file(role: Role | None, path: str, loaded: Any) -> bool:
    """An enterprise user loading "/" is sent to its own file (dashboard/auth.py home_of); the
    One Map itself still renders for it through Dash's router."""
    return (
        role is Role.ENTERPRISE
        and path == "/"
        and loaded.status_code == 302
        and loaded.location.startswith("/enterprise/")
    )


def is_refusal(layout: Any) -> bool:
    """The refusal layout: a notice whose text is one of the "...forbidden" texts."""
    text = layout.get("props", {}).get("children") if isinstance(layout, dict) else None
    return isinstance(text, str) and text in REFUSALS


@pytest.fixture(scope="module")
def admin_layouts(world) -> dict[str, Any]:
    """Each page as the admin (who opens every page) sees it: the page's own components."""
    admin = world.client("admin")
    return {module: layout_of(rendered(admin, path)) for module, path in page_paths(world).items()}


def test_every_registered_page_declares_the_roles_of_policy(world):
    """Discovery sanity: every page is in PAGE_ROLES (named after its module) and registers
    the same roles (the shell's menu and the page's own check read them)."""
    assert len(dash.page_registry) >= 7
    for module, page in dash.page_registry.items():
        roles = PAGE_ROLES[module.removeprefix("pages.")]
        assert set(page.get("roles", ())) == {role.value for role in roles}, module


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_each_page_answers_each_principal_as_its_roles_decide(world, admin_layouts, principal):
    client, role = world.client(principal), world.role_of(principal)
    wrong = []
    for module, path in page_paths(world).items():
        loaded = client.get(path)
        if principal in NO_SESSION:
            if loaded.status_code != 302 or not loaded.location.startswith("/login"):
                wrong.append((module, "load", loaded.status_code, loaded.location))
            if rendered(client, path).status_code != 401:
                wrong.append((module, "render", "expected 401"))
            continue
        if loaded.status_code != 200 and not lands_on_own_file(role, path, loaded):
            wrong.append((module, "load", loaded.status_code))
        layout = layout_of(rendered(client, path))
        own = component_ids(admin_layouts[module])
        if role not in PAGE_ROLES[module.removeprefix("pages.")]:
            if not is_refusal(layout) or component_ids(layout) & own:
                wrong.append((module, "expected the refusal, no data", str(layout)[:200]))
        elif is_refusal(layout) or not component_ids(layout) & own:
            wrong.append((module, "expected the page", str(layout)[:200]))
    assert not wrong, wrong
