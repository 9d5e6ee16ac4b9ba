"""Commands are the only way in for actions, read from the callbacks' own code.

Every callback that changes anything is listed here with the command it calls; a callback that
calls a command without being listed fails the first test, so a new action cannot slip in
unchecked. The listed ones neither check permissions themselves nor touch the database: the
command does both. Every server-side callback is registered through its page's guard
(dashboard/guard.py), so it serves only the roles its page admits."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dashboard.domain.policy import PAGE_ROLES

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted((ROOT / "callbacks").glob("*.py"))

# (module, callback) -> the command it calls: every state-changing callback of the app.
STATE_CHANGING = {
    ("one_map", "acknowledge"): "acknowledge_alarm",
    ("one_map", "escalate"): "escalate_alarm",
    ("incidents", "submit_form"): "report_incident",
    ("incident_actions", "dispatch"): "dispatch_teams",
    ("incident_actions", "radio_team_status"): "report_team_status",
    ("incident_actions", "post_update"): "post_incident_update",
    ("incident_actions", "notify"): "request_notification",
    ("incident_actions", "close"): "close_incident",
    ("admin_users", "create_account"): "create_user",
    ("admin_users", "save_account"): "change_user",
    ("admin_users", "reset_account_password"): "reset_password",
    ("admin_users", "deactivate_account"): "deactivate_user",
    ("admin_tokens", "create_source_token"): "create_token",
    ("admin_tokens", "revoke_source_token"): "revoke_token",
    ("admin_scoring", "save"): "change_scoring",
    ("hazard", "take_step"): "move_hazard",
    ("inspection_tasks", "issue"): "issue_task",
    ("inspection_tasks", "complete"): "complete_task",
    ("inspection_tasks", "withdraw"): "cancel_task",
    ("detentions", "detain"): "detain_cylinder",
    ("detentions", "recall"): "record_recall",
    ("detentions", "release"): "release_cylinder",
    ("detentions", "scrap"): "scrap_cylinder",
    ("complaint", "assign"): "assign_complaint",
    ("complaint", "reply"): "reply_complaint",
    ("complaint", "close"): "close_complaint",
    ("complaint", "escalate"): "escalate_complaint",
    ("complaint", "to_hazard"): "turn_complaint_into_hazard",
    ("complaint", "to_incident"): "turn_complaint_into_incident",
}
# What deciding "may this user?" looks like (a refusal made up, a role or scope compared); the
# commands' business, never a callback's. Telling a refusal apart (isinstance) is fine.
PERMISSION_CALLS = {"allowed", "may", "in_scope", "page_roles", "Refused"}
PERMISSION_NAMES = {"PAGE_ROLES", "ACTION_ROLES"}
PERMISSION_ATTRIBUTES = {"role", "may_dispatch", "may_handle_alarms", "require"}
# Only commands and queries of data_access; nothing of SQL, the log or Redis.
FORBIDDEN_IMPORTS = ("sqlalchemy", "redis", "data_access.eventlog", "data_access.models")
ALLOWED_DATA_ACCESS = ("data_access.commands", "data_access.queries")


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def callbacks_of(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    """Functions decorated with @callback(...)."""
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(
            isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "callback"
            for d in node.decorator_list
        )
    }


def commands_called(function: ast.FunctionDef) -> set[str]:
    return {
        node.func.attr
        for node in ast.walk(function)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "commands"
    }


def test_the_state_changing_callbacks_are_exactly_those_listed_each_calling_its_command():
    found = {}
    for path in MODULES:
        for name, function in callbacks_of(parsed(path)).items():
            called = commands_called(function)
            assert len(called) <= 1, f"{path.stem}.{name} calls several commands: {called}"
            if called:
                found[(path.stem, name)] = called.pop()
    assert found == STATE_CHANGING


def with_helpers(tree: ast.Module, function: ast.FunctionDef) -> list[ast.FunctionDef]:
    """The function and the module's own functions it calls, directly or through others (a
    permission check hidden in a helper is still the callback's)."""
    local = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    seen, todo = [function], [function]
    while todo:
        for node in ast.walk(todo.pop()):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                helper = local.get(node.func.id)
                if helper is not None and helper not in seen:
                    seen.append(helper)
                    todo.append(helper)
    return seen


@pytest.mark.parametrize(("module", "name"), sorted(STATE_CHANGING))
def test_a_state_changing_callback_checks_no_permission_and_writes_nothing_itself(module, name):
    tree = parsed(ROOT / "callbacks" / f"{module}.py")
    nodes = [n for f in with_helpers(tree, callbacks_of(tree)[name]) for n in ast.walk(f)]
    names = {node.id for node in nodes if isinstance(node, ast.Name)}
    attributes = {node.attr for node in nodes if isinstance(node, ast.Attribute)}
    calls = {
        node.func.id
        for node in nodes
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not calls & PERMISSION_CALLS, calls & PERMISSION_CALLS
    assert not names & PERMISSION_NAMES, names & PERMISSION_NAMES
    assert not attributes & PERMISSION_ATTRIBUTES, attributes & PERMISSION_ATTRIBUTES
    writes = {"append_events", "write_transaction", "execute", "begin", "connect"}
    assert not (names | attributes) & writes


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_callbacks_reach_data_only_through_commands_and_queries(path):
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.ImportFrom):
            imported = [node.module or ""]
        elif isinstance(node, ast.Import):
            imported = [alias.name for alias in node.names]
        else:
            continue
        for module in imported:
            assert not module.startswith(FORBIDDEN_IMPORTS), f"{path.stem} imports {module}"
            if module.startswith("data_access"):
                assert module.startswith(ALLOWED_DATA_ACCESS) or module == "data_access", module


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_every_server_callback_is_registered_through_its_pages_guard(path):
    tree = parsed(path)
    if not callbacks_of(tree):
        return  # clientside callbacks only: nothing runs on the server
    guards = [
        node.value.args[0].value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["callback"]
        and isinstance(node.value, ast.Call)
        and getattr(node.value.func, "id", None) == "page_callback"
    ]
    assert len(guards) == 1, f"{path.stem}: callback = page_callback(<page>) once"
    page = guards[0]
    assert page in PAGE_ROLES
    assert path.stem.startswith(page), f"{path.stem} serves page {page}: names mirror pages"
    dash_imports = [
        alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "dash"
        for alias in node.names
    ]
    assert "callback" not in dash_imports, "dash.callback would bypass the page's guard"
