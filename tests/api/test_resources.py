"""Each resource of /api/v1 answers its rows, within the reader's scope (on SQLite and
PostgreSQL): cylinders with their chain, hazards, incidents with their timeline, teams, alarms,
complaints, enterprises and the KPI figures."""

from __future__ import annotations

from tests.api.conftest import ApiCity
from tests.support import JIANGAN, WUCHANG

LISTS = ["hazards", "incidents", "teams", "alarms", "complaints", "enterprises"]


def test_each_list_answers_rows_of_the_whole_city_to_the_duty_officer(api_city):
    for resource in LISTS:
        response = api_city.get(f"/api/v1/{resource}?limit=200")
        assert response.status_code == 200
        body = response.get_json()
        districts = {item["district"] for item in body["items"]}
        assert {JIANGAN, WUCHANG} <= districts, (resource, districts)
        assert response.headers["Cache-Control"] == "no-store"


def test_the_seeded_objects_are_listed_with_their_fields(api_city: ApiCity):
    assert api_city.ids("/api/v1/hazards") == ["HZ-J", "HZ-W"]
    assert api_city.ids("/api/v1/incidents") == ["INC-J", "INC-W"]
    assert api_city.ids("/api/v1/complaints") == ["CP-J", "CP-W"]
    (hazard,) = [
        h for h in api_city.get("/api/v1/hazards").get_json()["items"] if h["id"] == "HZ-W"
    ]
    assert (hazard["status"], hazard["target_id"]) == ("assigned", api_city.wuchang_enterprise)
    alarms = api_city.get("/api/v1/alarms").get_json()["items"]
    assert {alarm["status"] for alarm in alarms} == {"raised"}


def test_a_cylinder_is_read_by_its_code_with_its_chain_of_scans(api_city: ApiCity):
    body = api_city.get(f"/api/v1/cylinders/{api_city.jiangan_cylinder}").get_json()
    assert body["enterprise_id"] == api_city.jiangan_enterprise
    assert body["stage"] == "filling"
    assert [scan["stage"] for scan in body["scans"]] == ["filling"]


def test_an_incident_comes_with_its_timeline(api_city: ApiCity):
    body = api_city.get("/api/v1/incidents/INC-J").get_json()
    assert body["incident"]["district"] == JIANGAN
    assert [entry["kind"] for entry in body["timeline"]] == ["reported"]


def test_a_hazard_comes_with_its_status_changes(api_city: ApiCity):
    body = api_city.get("/api/v1/hazards/HZ-W").get_json()
    assert [change["status"] for change in body["history"]] == ["reported", "assigned"]


def test_the_kpis_are_the_one_maps_strip_in_the_readers_scope(api_city: ApiCity):
    city = api_city.get("/api/v1/kpis").get_json()
    jiangan = api_city.get("/api/v1/kpis", "api-jiangan").get_json()
    assert (city["hazards_open"], city["emergency"]["incidents_open"]) == (2, 2)
    assert (jiangan["hazards_open"], jiangan["emergency"]["incidents_open"]) == (1, 1)
    assert api_city.get("/api/v1/kpis", "api-enterprise").get_json()["emergency"] is None
