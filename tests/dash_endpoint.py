"""Calling a Dash callback the way a browser (or an attacker with a session) does: a POST to
/_dash-update-component, built from the app's own /_dash-dependencies."""

from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

Id = str | dict[str, Any]


def _key(component: Id) -> str:
    """A component id as Dash writes it in its dependencies (pattern ids: sorted JSON)."""
    if isinstance(component, str):
        return component
    return json.dumps(component, sort_keys=True, separators=(",", ":"))


def _matches(registered: str, component: Id) -> bool:
    """A registered id (a pattern with ["ALL"] wildcards, or a plain id) matches `component`."""
    if isinstance(component, str):
        return registered == component
    try:
        pattern = json.loads(registered)
    except ValueError:
        return False
    return (
        isinstance(pattern, dict)
        and pattern.keys() == component.keys()
        and all(value == ["ALL"] or value == component[key] for key, value in pattern.items())
    )


def _outputs(output: str) -> list[dict[str, Any]] | dict[str, Any]:
    def one(spec: str) -> dict[str, Any]:
        component, prop = spec.rsplit(".", 1)
        return {"id": json.loads(component) if component.startswith("{") else component,
                "property": prop}  # fmt: skip

    if output.startswith(".."):
        return [one(part) for part in output.strip(".").split("...")]
    return one(output)


def post_callback(
    client: Any, trigger: Id, prop: str, value: Any, others: dict[str, Any] | None = None
) -> Any:
    """Fire the callback that `trigger`.`prop` feeds, as if it changed to `value`; `others`
    gives the other inputs' and states' values by "id.prop" (None when not given). Returns the
    Flask response."""
    others = others or {}
    registered = next(
        c
        for c in client.get("/_dash-dependencies").get_json()
        if any(i["property"] == prop and _matches(i["id"], trigger) for i in c["inputs"])
    )

    def filled(spec: dict[str, str]) -> Any:
        if spec["property"] == prop and _matches(spec["id"], trigger):
            entry = {"id": trigger, "property": prop, "value": value}
            return [entry] if spec["id"].startswith("{") else entry
        component = spec["id"]
        return {
            "id": component,
            "property": spec["property"],
            "value": others.get(f"{component}.{spec['property']}"),
        }

    body = {
        "output": registered["output"],
        "outputs": _outputs(registered["output"]),
        "inputs": [filled(spec) for spec in registered["inputs"]],
        "changedPropIds": [f"{_key(trigger)}.{prop}"],
        "state": [filled(spec) for spec in registered["state"]],
    }
    return client.post("/_dash-update-component", json=body)


def answer_text(response: Any) -> str:
    """The callback's answer as text (its JSON, Chinese unescaped), for `in` checks."""
    return json.dumps(response.get_json(), ensure_ascii=False)


class HttpSession:
    """A signed-in browser session against a running app, shaped like Flask's test client
    (`get`, `post(json=...)`, answers with `status_code`, `get_json()`, `data`). Dash's
    dependencies do not change while the app runs: they are fetched once, so an action costs one
    POST (bench/desk_action.py times it)."""

    def __init__(self, base_url: str, username: str, password: str | None = None) -> None:
        self.base_url = base_url
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        form = {"username": username, "password": password or f"{username}-demo"}
        login = urllib.parse.urlencode(form).encode()
        with self._opener.open(f"{base_url}/login", login, timeout=30) as response:
            if urllib.parse.urlsplit(response.url).path == "/login":
                raise RuntimeError(f"could not sign in as {username}")
        self._dependencies = self._send("/_dash-dependencies", None)

    def get(self, path: str) -> _Answer:
        return self._dependencies if path == "/_dash-dependencies" else self._send(path, None)

    def post(self, path: str, json: Any) -> _Answer:
        return self._send(path, json)

    def _send(self, path: str, body: Any) -> _Answer:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        request = urllib.request.Request(
            f"{self.base_url}{path}", data=data, headers={"Content-Type": "application/json"}
        )
        try:
            with self._opener.open(request, timeout=60) as response:
                return _Answer(response.status, response.read())
        except urllib.error.HTTPError as error:
            return _Answer(error.code, error.read())


class _Answer:
    def __init__(self, status_code: int, data: bytes) -> None:
        self.status_code, self.data = status_code, data

    def get_json(self) -> Any:
        return json.loads(self.data) if self.data else None
