"""Errors answer JSON {"error": {"code", "message"}}: 400 for a bad parameter in the request's
language, 401 without a session or a valid token, 404 for an unknown object."""

from __future__ import annotations

import pytest

from tests.api.conftest import ApiCity

# HTTP and the document, no SQL of their own: SQLite only
pytestmark = pytest.mark.parametrize("api_city", ["sqlite"], indirect=True)

BAD = [
    "/api/v1/hazards?limit=0",
    "/api/v1/hazards?limit=201",
    "/api/v1/hazards?limit=ten",
    "/api/v1/incidents?status=lost",
    "/api/v1/alarms?since=yesterday",
    "/api/v1/complaints?until=2026-12-02T08:00:00",  # no offset: which city's 08:00?
    "/api/v1/teams?district=" + "9" * 13,
]


def test_a_bad_parameter_answers_400_naming_it(api_city: ApiCity):
    for path in BAD:
        response = api_city.get(path, Accept_Language="en")
        assert response.status_code == 400, path
        error = response.get_json()["error"]
        assert error["code"] == "bad_parameter"
        parameter = path.split("?")[1].split("=")[0]
        assert error["message"].startswith(f"Parameter {parameter} is not valid"), error


def test_the_error_is_in_the_requests_language_else_the_apps(api_city: ApiCity):
    path = "/api/v1/incidents?status=lost"
    english = api_city.get(path, Accept_Language="en-GB,en;q=0.9").get_json()["error"]["message"]
    chinese = api_city.get(path, Accept_Language="zh-CN,zh;q=0.9").get_json()["error"]["message"]
    default = api_city.get(path).get_json()["error"]["message"]  # the app's language: zh
    assert english.startswith("Parameter status is not valid: expected one of")
    assert chinese.startswith("参数 status 无效")
    assert default == chinese


def test_an_unknown_object_answers_404_in_json(api_city: ApiCity):
    for path in ("/api/v1/incidents/NOPE", "/api/v1/hazards/NOPE", "/api/v1/cylinders/NOPE"):
        response = api_city.get(path, Accept_Language="en")
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


def test_an_unknown_route_under_the_api_answers_404_in_json(api_city: ApiCity):
    response = api_city.get("/api/v1/nothing/here", Accept_Language="en")
    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "not_found")
    assert api_city.get("/api/v1/nothing", as_=None).status_code == 401


def test_an_id_with_a_slash_is_an_unknown_object_too(api_city: ApiCity):
    response = api_city.get("/api/v1/incidents/INC-J/extra")
    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "not_found")


def test_no_session_and_no_token_answers_401(api_city: ApiCity):
    for path in ("/api/v1/hazards", "/api/v1/kpis", "/api/v1/openapi.json", "/api/v1/cylinders/x"):
        response = api_city.get(path, as_=None, Accept_Language="en")
        assert response.status_code == 401, path
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
