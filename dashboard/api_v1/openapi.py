"""The OpenAPI 3.1 document of /api/v1, generated from the operations table (routes.py) and the
pydantic models and typed rows the responses are serialised with (schemas.py): a field added to
a row appears in the document by itself. Served at /api/v1/openapi.json, behind the same
sign-in as the API (a session or a token): it describes no data, but a deployment need not
advertise its surface to strangers.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from flask import Response, jsonify
from pydantic.json_schema import models_json_schema

from dashboard.api_v1 import schemas
from dashboard.api_v1.access import resource_roles
from dashboard.api_v1.routes import OPERATIONS, Operation

REF = "#/components/schemas/{model}"
ERROR_RESPONSES = {
    "400": "A parameter is not valid (the message names it)",
    "401": "Neither a valid API token nor a signed-in session",
    "403": "The user's role may not read this resource",
    "404": "No such object within the user's scope (whether it exists elsewhere is not told)",
}
# Refused by gunicorn before the app sees it, as an HTML page: a request line (method, path and
# query) over its 4,094-byte limit. Query parameters have their own length limits, but several
# long ones, percent-encoded, can still add up to more.
TOO_LONG = {
    "description": "The request line is longer than 4,094 bytes (gunicorn's limit)",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def openapi_document() -> Response:
    return jsonify(build_openapi())


@cache
def build_openapi() -> dict[str, Any]:
    wrapped = [(_wrapper(op), "serialization") for op in OPERATIONS]
    refs, definitions = models_json_schema(
        [*wrapped, (schemas.Error, "serialization")], ref_template=REF
    )
    components = definitions.get("$defs", {})
    paths: dict[str, Any] = {}
    for operation, (model, _mode) in zip(OPERATIONS, wrapped, strict=True):
        name = refs[(model, "serialization")]["$ref"].rsplit("/", 1)[-1]
        body = components.pop(name)["properties"]["body"]
        paths.setdefault(_path(operation.rule), {})["get"] = _operation(operation, body)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Gas safety command center API",
            "version": "1",
            "description": "Read-only; docs/api.md. Every list is paged by key (cursor).",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a personal API token: python -m dashboard api-tokens create",
                },
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }


def _wrapper(operation: Operation) -> Any:
    """A model with the response type as its one field, so that dataclass rows and models
    alike come out of one models_json_schema call with shared definitions."""
    from pydantic import create_model

    return create_model(f"_{operation.operation_id}", body=(operation.response, ...))


def _path(rule: str) -> str:
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule)


def _operation(operation: Operation, body: dict[str, Any]) -> dict[str, Any]:
    parameters = _path_parameters(operation) + _query_parameters(operation)
    roles = ", ".join(sorted(role.value for role in resource_roles(operation.resource)))
    statuses = ["401", "403"] + (["404"] if operation.noun else [])
    if operation.params is not None:
        statuses.insert(0, "400")
    responses: dict[str, Any] = {
        "200": {"description": "OK", "content": {"application/json": {"schema": body}}}
    }
    for status in statuses:
        responses[status] = {
            "description": ERROR_RESPONSES[status],
            "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
        }
    responses["414"] = TOO_LONG
    return {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "description": f"Roles: {roles}; rows within the user's scope.",
        "parameters": parameters,
        "responses": responses,
    }


def _path_parameters(operation: Operation) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "minLength": 1, "maxLength": schemas.MAX_ID_LENGTH},
        }
        for name in re.findall(r"<(?:[a-z_]+:)?([a-z_]+)>", operation.rule)
    ]


def _query_parameters(operation: Operation) -> list[dict[str, Any]]:
    if operation.params is None:
        return []
    schema = operation.params.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "description": field.get("description", ""),
            "schema": _not_null(field),
        }
        for name, field in schema["properties"].items()
    ]


def _not_null(field: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or has a value: `X | None` is just X."""
    schema = {key: value for key, value in field.items() if key not in ("title", "description")}
    branches = [branch for branch in schema.pop("anyOf", []) if branch != {"type": "null"}]
    if len(branches) == 1:
        schema.update(branches[0])
    elif branches:
        schema["anyOf"] = branches
    if schema.get("default", "") is None:
        del schema["default"]
    return schema
