"""The API shows each role what its pages show, within its scope (docs/api.md "Scope"): a
district officer their district, an enterprise its own objects, a wall screen the KPIs only. An
object outside the scope answers exactly as one that does not exist."""

from __future__ import annotations

from tests.api.conftest import ApiCity
from tests.support import JIANGAN

DISTRICTED = ["hazards", "incidents", "teams", "alarms", "complaints", "enterprises"]


def test_a_district_officer_lists_their_district_only(api_city: ApiCity):
    for resource in DISTRICTED:
        items = api_city.get(f"/api/v1/{resource}?limit=200", "api-jiangan").get_json()["items"]
        assert items, resource
        assert {item["district"] for item in items} == {JIANGAN}, resource


def test_a_district_officer_reads_no_object_of_another_district(api_city: ApiCity):
    for path in (
        "/api/v1/incidents/INC-W",
        "/api/v1/hazards/HZ-W",
        f"/api/v1/cylinders/{api_city.wuchang_cylinder}",
    ):
        assert api_city.get(path, "api-jiangan").status_code == 404, path
    assert api_city.get("/api/v1/incidents/INC-J", "api-jiangan").status_code == 200


def test_another_districts_object_answers_as_one_that_does_not_exist(api_city: ApiCity):
    elsewhere = api_city.get("/api/v1/incidents/INC-W", "api-jiangan")
    nowhere = api_city.get("/api/v1/incidents/INC-NONE", "api-jiangan")
    assert elsewhere.status_code == nowhere.status_code == 404
    assert elsewhere.get_json()["error"]["message"].replace("INC-W", "X") == nowhere.get_json()[
        "error"
    ]["message"].replace("INC-NONE", "X")


def test_an_enterprise_reads_its_own_cylinders_hazards_and_record_only(api_city: ApiCity):
    own, other = api_city.jiangan_cylinder, api_city.wuchang_cylinder
    assert api_city.get(f"/api/v1/cylinders/{own}", "api-enterprise").status_code == 200
    assert api_city.get(f"/api/v1/cylinders/{other}", "api-enterprise").status_code == 404
    assert api_city.ids("/api/v1/hazards", "api-enterprise") == ["HZ-J"]
    assert api_city.get("/api/v1/hazards/HZ-W", "api-enterprise").status_code == 404
    assert api_city.ids("/api/v1/enterprises", "api-enterprise") == [api_city.jiangan_enterprise]


def test_an_enterprise_sees_none_of_the_authorities_teams_and_alarms(api_city: ApiCity):
    assert api_city.ids("/api/v1/teams", "api-enterprise") == []
    assert api_city.ids("/api/v1/alarms", "api-enterprise") == []


def test_the_incident_desks_data_is_refused_to_an_enterprise(api_city: ApiCity):
    for path in ("/api/v1/incidents", "/api/v1/incidents/INC-J", "/api/v1/complaints"):
        response = api_city.get(path, "api-enterprise")
        assert response.status_code == 403, path
        assert response.get_json()["error"]["code"] == "forbidden"


WALL_REFUSED = [
    "/api/v1/hazards",
    "/api/v1/hazards/HZ-J",
    "/api/v1/incidents",
    "/api/v1/incidents/INC-J",
    "/api/v1/teams",
    "/api/v1/alarms",
    "/api/v1/complaints",
    "/api/v1/enterprises",
]


def test_a_screen_account_reads_the_wall_figures_and_nothing_else(api_city: ApiCity):
    assert api_city.get("/api/v1/kpis", "api-screen").status_code == 200
    for path in WALL_REFUSED:
        assert api_city.get(path, "api-screen").status_code == 403, path
    cylinder = f"/api/v1/cylinders/{api_city.jiangan_cylinder}"
    assert api_city.get(cylinder, "api-screen").status_code == 403


def test_the_citywide_roles_read_every_resource(api_city: ApiCity):
    for reader in ("api-admin", "api-leader", "api-supervisor"):
        for path in [*WALL_REFUSED, "/api/v1/kpis"]:
            assert api_city.get(path, reader).status_code == 200, (reader, path)
