"""The OpenAPI document at /api/v1/openapi.json describes every route of /api/v1, its
parameters and its status codes, and what the routes answer fits it (it is generated from the
models they serialise with)."""

from __future__ import annotations

import jsonschema_rs
import pytest

from dashboard.api_v1.routes import OPERATIONS
from tests.api.conftest import ApiCity

# HTTP and the document, no SQL of their own: SQLite only
pytestmark = pytest.mark.parametrize("api_city", ["sqlite"], indirect=True)

EXAMPLES = {"code": "cylinder", "hazard_id": "HZ-J", "incident_id": "INC-J"}


def document(api_city: ApiCity) -> dict:
    response = api_city.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_every_route_of_the_api_is_in_the_document(api_city: ApiCity):
    doc = document(api_city)
    app = api_city.client.application
    rules = {
        rule.rule.removeprefix("/api/v1").replace("<any_id:", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and rule.endpoint not in ("api_v1.openapi", "api_v1.unknown")
    }
    assert rules == set(doc["paths"])
    assert doc["openapi"].startswith("3.1")


def test_every_operation_documents_its_status_codes(api_city: ApiCity):
    for path, item in document(api_city)["paths"].items():
        statuses = set(item["get"]["responses"])
        assert {"200", "401", "403"} <= statuses, path
        assert ("404" in statuses) == ("{" in path), path
        has_query = any(p["in"] == "query" for p in item["get"]["parameters"])
        assert ("400" in statuses) == has_query, path


def test_the_list_parameters_are_described_with_their_bounds(api_city: ApiCity):
    parameters = document(api_city)["paths"]["/hazards"]["get"]["parameters"]
    by_name = {p["name"]: p["schema"] for p in parameters}
    assert set(by_name) == {"limit", "cursor", "status", "district", "since", "until", "enterprise"}
    assert (by_name["limit"]["minimum"], by_name["limit"]["maximum"]) == (1, 200)
    assert "closed" in by_name["status"]["enum"]
    assert by_name["since"]["format"] == "date-time"


def test_what_each_route_answers_fits_its_documented_schema(api_city: ApiCity):
    doc = document(api_city)
    for operation in OPERATIONS:
        check_answers(api_city, doc, operation)


def check_answers(api_city: ApiCity, doc: dict, operation) -> None:
    path = operation.rule
    for name, example in EXAMPLES.items():
        value = api_city.jiangan_cylinder if example == "cylinder" else example
        path = path.replace(f"<any_id:{name}>", value)
    spec_path = next(
        p for p in doc["paths"] if doc["paths"][p]["get"]["operationId"] == operation.operation_id
    )
    for status, url, reader in (
        ("200", f"/api/v1{path}", "api-duty"),
        ("401", f"/api/v1{path}", None),
        ("403", f"/api/v1{path}", "api-screen" if operation.resource != "kpis" else None),
    ):
        if reader is None and status == "403":
            continue
        response = api_city.get(url, reader)
        assert response.status_code == int(status), (url, reader)
        schema = doc["paths"][spec_path]["get"]["responses"][status]["content"]["application/json"][
            "schema"
        ]
        jsonschema_rs.validator_for({**schema, "components": doc["components"]}).validate(
            response.get_json()
        )
