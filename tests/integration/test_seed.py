"""The registry generator (`python -m simulators seed`) against real databases."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from sqlalchemy import Engine, select

from dashboard.citypack import CityPack, load_city_pack
from dashboard.domain import events
from data_access.db import make_engine
from data_access.migrate import upgrade
from data_access.models import AreaCount, Base
from data_access.registry import (
    REGISTRY_TABLES,
    clear_registry,
    insert_rows,
    registry_counts,
    registry_is_empty,
)
from simulators.__main__ import main
from simulators.seed import (
    REFERENCE_DATE,
    SCALES,
    RegistryNotEmptyError,
    Scale,
    allocate,
    district_customer_weights,
    expected_counts,
    generate,
    polyline_length_m,
    registry_event,
    seed_registry,
)

DEMO_COUNTS = {
    "districts": 13,
    "grid_cells": 1165,
    "enterprises": 24,
    "sites": 80,
    "workers": 450,
    "customers": 20_000,
    "cylinders": 10_000,
    "pipeline_segments": 400,
    "sensors": 306,
    "teams": 30,
    "resources": 105,
}
# Small enough to seed twice in a second; same shape as the demo.
TINY = dataclasses.replace(
    SCALES["demo"],
    name="tiny",
    customers=3000,
    cylinders=2000,
    pipeline_km=40.0,
    pipeline_segments=60,
    segment_sensors=20,
    area_methane_sensors=10,
)


@pytest.fixture(scope="module")
def pack() -> CityPack:
    return load_city_pack("wuhan")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, pack: CityPack) -> Iterator[Engine]:
    """One demo city on SQLite, shared by the read-only tests below."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    seed_registry(engine, SCALES["demo"], pack, seed=0)
    yield engine
    engine.dispose()


def _fresh(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def _rows(engine: Engine, table: str) -> list[dict[str, Any]]:
    t = Base.metadata.tables[table]
    query = select(t).order_by(*t.primary_key.columns)
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(query)]


def _dump(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    return {table: _rows(engine, table) for table in (*REGISTRY_TABLES, "area_counts")}


# --- counts ---------------------------------------------------------------------------------


def test_demo_seed_has_exact_counts(engine: Engine, pack: CityPack) -> None:
    written = seed_registry(engine, SCALES["demo"], pack, seed=0)
    assert written == DEMO_COUNTS
    assert registry_counts(engine) == DEMO_COUNTS
    assert expected_counts(SCALES["demo"], pack) == DEMO_COUNTS


def test_counts_are_exact_for_every_seed(tmp_path: Path, pack: CityPack) -> None:
    engine = _fresh(tmp_path / "s7.sqlite3")
    seed_registry(engine, TINY, pack, seed=7)
    assert registry_counts(engine) == expected_counts(TINY, pack)


def test_demo_registry_has_the_mix_of_a_real_city(demo_db: Engine) -> None:
    enterprises = Counter(r["kind"] for r in _rows(demo_db, "enterprises"))
    assert enterprises == {"pipeline": 6, "bottled": 14, "vehicle": 4}
    sites = Counter(r["kind"] for r in _rows(demo_db, "sites"))
    assert sites == {
        "filling_station": 14,
        "supply_point": 36,
        "gate_station": 4,
        "regulator_station": 14,
        "storage": 4,
        "vehicle_station": 8,
    }
    teams = Counter(r["level"] for r in _rows(demo_db, "teams"))
    assert teams == {"city": 2, "district": 13, "street": 7, "enterprise": 8}
    resources = Counter(r["kind"] for r in _rows(demo_db, "resources"))
    assert resources == {"vehicle": 57, "supply_depot": 6, "expert": 42}
    roles = Counter(r["role"] for r in _rows(demo_db, "workers"))
    assert roles == {"filler": 70, "driver": 60, "delivery": 180, "inspector": 60, "rescuer": 80}


# --- determinism ----------------------------------------------------------------------------


def test_same_seed_gives_identical_registry(tmp_path: Path, pack: CityPack) -> None:
    first, second = _fresh(tmp_path / "a.sqlite3"), _fresh(tmp_path / "b.sqlite3")
    seed_registry(first, TINY, pack, seed=3)
    seed_registry(second, TINY, pack, seed=3)
    assert _dump(first) == _dump(second)


def test_different_seed_gives_different_registry(tmp_path: Path, pack: CityPack) -> None:
    first, second = _fresh(tmp_path / "a.sqlite3"), _fresh(tmp_path / "b.sqlite3")
    seed_registry(first, TINY, pack, seed=1)
    seed_registry(second, TINY, pack, seed=2)
    a, b = _dump(first), _dump(second)
    assert registry_counts(first) == registry_counts(second)
    for table in ("enterprises", "sites", "customers", "cylinders", "pipeline_segments"):
        assert a[table] != b[table], table


# --- geography ------------------------------------------------------------------------------


def test_every_customer_lies_in_its_district(demo_db: Engine, pack: CityPack) -> None:
    customers = _rows(demo_db, "customers")
    for d in pack.districts:  # all of them, vectorised per district
        mine = [c for c in customers if c["district"] == d.code]
        lats = np.array([c["lat"] for c in mine])
        lons = np.array([c["lon"] for c in mine])
        assert shapely.contains_xy(d.shape, lons, lats).all(), d.code
    # A sample through the map's own lookup, which also sees overlaps between neighbours.
    sample = [customers[i] for i in np.random.default_rng(0).choice(len(customers), 2000)]
    cells = {c.code: c for c in pack.grid_cells}
    for c in sample:
        district = pack.district_at(c["lat"], c["lon"])
        assert district is not None and district.code == c["district"], c
        assert cells[c["grid_cell"]].district == c["district"]
        assert shapely.contains_xy(cells[c["grid_cell"]].shape, c["lon"], c["lat"]), c


def test_customers_follow_population_and_density(demo_db: Engine, pack: CityPack) -> None:
    per_district = Counter(r["district"] for r in _rows(demo_db, "customers"))
    expected = allocate(20_000, district_customer_weights(pack.districts))
    assert [per_district[d.code] for d in pack.districts] == expected.tolist()


def test_places_lie_in_the_district_they_are_registered_in(demo_db: Engine, pack: CityPack) -> None:
    for table in ("enterprises", "sites", "sensors", "teams"):
        for row in _rows(demo_db, table):
            district = pack.district_at(row["lat"], row["lon"])
            assert district is not None and district.code == row["district"], (table, row)
    for depot in (r for r in _rows(demo_db, "resources") if r["lat"] is not None):
        assert pack.district_at(depot["lat"], depot["lon"]).code == depot["district"]


def test_pipelines_are_polylines_inside_their_district(demo_db: Engine, pack: CityPack) -> None:
    segments = _rows(demo_db, "pipeline_segments")
    for s in segments:
        assert len(s["coords"]) >= 3
        line = shapely.LineString([(lon, lat) for lat, lon in s["coords"]])
        assert pack.district(s["district"]).shape.contains(line), s["id"]
        assert s["length_m"] == pytest.approx(polyline_length_m(s["coords"]), abs=0.1)
    total_km = sum(s["length_m"] for s in segments) / 1000
    assert total_km == pytest.approx(300.0, rel=0.02)
    assert {s["pressure_class"] for s in segments} == {"low", "medium", "high"}
    assert {s["material"] for s in segments} == {"PE", "steel", "cast_iron"}
    assert all(1985 <= s["laid_year"] <= 2024 for s in segments)


# --- the things supervisors look for --------------------------------------------------------


def test_some_cylinders_are_overdue_and_some_past_scrap(demo_db: Engine) -> None:
    cylinders = _rows(demo_db, "cylinders")
    overdue = sum(c["next_inspection_due"] < REFERENCE_DATE for c in cylinders)
    past_scrap = sum(c["scrap_due"] < REFERENCE_DATE for c in cylinders)
    assert 0.03 <= overdue / len(cylinders) <= 0.05
    assert 0.005 <= past_scrap / len(cylinders) <= 0.015
    for c in cylinders:
        assert c["code"].startswith("WH") and len(c["code"]) == 12
        assert c["capacity_kg"] in (5.0, 15.0, 50.0)
        assert c["manufactured_on"] <= c["last_inspected_on"] <= REFERENCE_DATE
        assert c["scrap_due"] == c["manufactured_on"] + timedelta(days=2922)
        assert c["last_inspected_on"] < c["next_inspection_due"] <= c["scrap_due"]


def test_bottled_gas_customers_are_mostly_real_name_verified(demo_db: Engine) -> None:
    kinds = {e["id"]: e["kind"] for e in _rows(demo_db, "enterprises")}
    customers = _rows(demo_db, "customers")
    bottled = [c for c in customers if kinds[c["enterprise_id"]] == "bottled"]
    assert 0.12 <= len(bottled) / len(customers) <= 0.30
    verified = sum(c["real_name_verified"] for c in bottled) / len(bottled)
    assert 0.89 <= verified <= 0.95
    assert Counter(c["kind"] for c in customers).keys() == {"household", "commercial", "industrial"}


def test_references_point_at_registered_things(demo_db: Engine) -> None:
    kinds = {e["id"]: e["kind"] for e in _rows(demo_db, "enterprises")}
    sites = {s["id"] for s in _rows(demo_db, "sites")}
    segments = {s["id"] for s in _rows(demo_db, "pipeline_segments")}
    teams = {t["id"]: t for t in _rows(demo_db, "teams")}
    assert {kinds[c["enterprise_id"]] for c in _rows(demo_db, "cylinders")} == {"bottled"}
    assert all(kinds[c["enterprise_id"]] != "vehicle" for c in _rows(demo_db, "customers"))
    for sensor in _rows(demo_db, "sensors"):
        assert sensor["site_id"] is None or sensor["site_id"] in sites
        assert sensor["segment_id"] is None or sensor["segment_id"] in segments
    for team in teams.values():
        if team["level"] == "enterprise":
            assert team["owner_id"] in kinds
    for resource in _rows(demo_db, "resources"):
        assert resource["team_id"] is None or resource["team_id"] in teams
        if resource["kind"] == "expert":
            assert resource["skills"]
        else:
            assert resource["skills"] is None  # SQL NULL, not JSON null


def test_some_worker_certificates_have_expired(demo_db: Engine) -> None:
    workers = _rows(demo_db, "workers")
    expires = [w["certificate_expires"] for w in workers if w["certificate_expires"]]
    expired = sum(e < REFERENCE_DATE for e in expires)
    assert 0 < expired < 0.15 * len(workers)


def test_generated_rows_are_valid_registry_events(pack: CityPack) -> None:
    models = {m.event_type: m for m in events._DATA_MODELS}
    seen = set()
    for table, rows in generate(TINY, pack, seed=0):
        for row in rows[:200]:
            event_type, data = registry_event(table, row)
            models[event_type].model_validate(data)
        seen.add(table)
    assert seen == set(REGISTRY_TABLES) - {"districts", "grid_cells"}


# --- area counts ----------------------------------------------------------------------------


def _area_counts(engine: Engine) -> dict[tuple[str, str, str], int]:
    with engine.connect() as connection:
        rows = connection.execute(select(AreaCount.__table__)).all()
    return {(r.area_type, r.area_code, r.metric): r.value for r in rows}


def test_area_counts_match_the_registry(engine: Engine, pack: CityPack) -> None:
    seed_registry(engine, TINY, pack, seed=0)
    counts = _area_counts(engine)
    customers = _rows(engine, "customers")
    home = {e["id"]: e["district"] for e in _rows(engine, "enterprises")}
    cylinders = _rows(engine, "cylinders")
    for d in pack.districts:
        mine = [c for c in customers if c["district"] == d.code]
        owned = [c for c in cylinders if home[c["enterprise_id"]] == d.code]
        expected = {
            "customers": len(mine),
            "customers_real_name": sum(c["real_name_verified"] for c in mine),
            "cylinders": len(owned),
            "cylinders_overdue_inspection": sum(
                c["next_inspection_due"] < REFERENCE_DATE for c in owned
            ),
            "cylinders_past_scrap": sum(c["scrap_due"] < REFERENCE_DATE for c in owned),
            "population": d.population,
        }
        for table, metric in (
            ("sites", "sites"),
            ("enterprises", "enterprises"),
            ("sensors", "sensors"),
            ("teams", "teams"),
        ):
            expected[metric] = sum(r["district"] == d.code for r in _rows(engine, table))
        pipeline_m = sum(
            s["length_m"] for s in _rows(engine, "pipeline_segments") if s["district"] == d.code
        )
        for metric, value in expected.items():
            assert counts[("district", d.code, metric)] == value, (d.code, metric)
        assert abs(counts[("district", d.code, "pipeline_m")] - pipeline_m) <= 1
    per_cell = Counter(c["grid_cell"] for c in customers)
    sites_per_cell = Counter(s["grid_cell"] for s in _rows(engine, "sites"))
    for cell in pack.grid_cells:
        assert counts[("grid", cell.code, "customers")] == per_cell[cell.code]
        assert counts[("grid", cell.code, "sites")] == sites_per_cell[cell.code]


# --- the registry functions and the command line --------------------------------------------


def test_registry_functions_clear_and_insert(engine: Engine, pack: CityPack) -> None:
    assert registry_is_empty(engine)
    seed_registry(engine, TINY, pack, seed=0)
    assert not registry_is_empty(engine)
    with pytest.raises(RegistryNotEmptyError, match="--replace"):
        seed_registry(engine, TINY, pack, seed=0)
    clear_registry(engine)
    assert registry_is_empty(engine)
    assert _area_counts(engine) == {}
    with pytest.raises(ValueError, match="not a registry table"):
        insert_rows(engine, "users", [{"username": "x"}])


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("DATABASE_URL", "SECRET_KEY", "GASCC_DATA_DIR", "GASCC_CITY_PACK"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "data"


def test_seed_refuses_a_non_empty_registry(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["seed", "--scale", "demo", "--data-dir", str(cli_env)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("seeded demo (seed 0) in ") and "20,000 customers" in out
    assert main(["seed", "--scale", "demo", "--data-dir", str(cli_env)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the registry is not empty (")
    assert "--replace" in err and err.count("\n") == 1


def test_replace_reseeds(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{cli_env / 'city.sqlite3'}"
    args = ["seed", "--data-dir", str(cli_env), "--database-url", url]
    assert main(args) == 0
    engine = make_engine(url)
    before = _rows(engine, "customers")[:50]
    assert main([*args, "--replace", "--seed", "5"]) == 0
    assert registry_counts(engine) == DEMO_COUNTS
    assert _rows(engine, "customers")[:50] != before
    engine.dispose()


def test_bad_settings_exit_2(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://nobody@nowhere/db")
    assert main(["seed", "--data-dir", str(cli_env)]) == 2
    assert capsys.readouterr().err.startswith("error: DATABASE_URL: unsupported database")


# --- scales ---------------------------------------------------------------------------------


def test_wuhan_scale_reaches_the_seed_figures(pack: CityPack) -> None:
    wuhan = SCALES["wuhan"]
    assert (wuhan.pipeline_enterprises, wuhan.bottled_enterprises, wuhan.vehicle_enterprises) == (
        12,
        48,
        12,
    )
    assert wuhan.enterprises == 72
    assert wuhan.sites == 556
    assert wuhan.customers == 4_930_000
    assert wuhan.cylinders == 2_010_000
    assert wuhan.pipeline_km == 4800.0
    assert 1000 <= wuhan.sensors <= 9999
    assert 2000 <= wuhan.workers <= 9999
    assert wuhan.teams(len(pack.districts)) == 60
    assert wuhan.experts >= 40
    assert SCALES["demo"].experts >= 40


def test_city_scale_is_a_tenth_of_wuhan() -> None:
    wuhan, city = SCALES["wuhan"], SCALES["city"]
    assert city.customers == 493_000 and city.cylinders == 201_000
    assert city.pipeline_km == pytest.approx(480.0)
    assert (city.enterprises, city.sites, city.workers) == (72, 556, wuhan.workers)


def _proportions(scale: Scale, pack: CityPack) -> dict[str, Any]:
    """Run the generator without a database and measure what it made."""
    stats: Counter[str] = Counter()
    per_district: Counter[str] = Counter()
    kinds: dict[str, str] = {}
    for table, rows in generate(scale, pack, seed=11):
        stats[table] += len(rows)
        if table == "enterprises":
            kinds.update((r["id"], r["kind"]) for r in rows)
        elif table == "customers":
            per_district.update(r["district"] for r in rows)
            bottled = [r for r in rows if kinds[r["enterprise_id"]] == "bottled"]
            stats["bottled"] += len(bottled)
            stats["bottled_verified"] += sum(r["real_name_verified"] for r in bottled)
        elif table == "cylinders":
            stats["overdue"] += sum(r["next_inspection_due"] < REFERENCE_DATE for r in rows)
            stats["past_scrap"] += sum(r["scrap_due"] < REFERENCE_DATE for r in rows)
        elif table == "pipeline_segments":
            stats["pipeline_m"] += round(sum(r["length_m"] for r in rows))
    return {"stats": stats, "per_district": per_district}


def test_scaled_down_wuhan_keeps_the_proportions(pack: CityPack) -> None:
    small = SCALES["wuhan"].scaled(0.005, "wuhan/200")
    measured = _proportions(small, pack)
    stats, per_district = measured["stats"], measured["per_district"]
    assert stats["customers"] == small.customers == 24_650
    assert stats["cylinders"] == small.cylinders == 10_050
    assert stats["enterprises"] == 72 and stats["sites"] == 556
    expected = allocate(small.customers, district_customer_weights(pack.districts))
    assert [per_district[d.code] for d in pack.districts] == expected.tolist()
    # Wuhan: about 1 million bottled-gas users for 2.01 M cylinders; 92 % real-name verified.
    assert 0.17 <= stats["bottled"] / stats["customers"] <= 0.23
    assert 0.90 <= stats["bottled_verified"] / stats["bottled"] <= 0.94
    assert 0.03 <= stats["overdue"] / stats["cylinders"] <= 0.05
    assert 0.006 <= stats["past_scrap"] / stats["cylinders"] <= 0.014
    assert stats["pipeline_m"] / 1000 == pytest.approx(small.pipeline_km, rel=0.02)


def test_scales_reject_impossible_figures(pack: CityPack) -> None:
    broken = dataclasses.replace(SCALES["demo"], segment_sensors=10_000)
    with pytest.raises(ValueError, match="more segment sensors than segments"):
        next(generate(broken, pack))


def test_reference_date_moves_every_date(tmp_path: Path, pack: CityPack) -> None:
    later = REFERENCE_DATE + timedelta(days=365)
    rows_now = next(rows for table, rows in generate(TINY, pack) if table == "cylinders")
    rows_later = next(
        rows for table, rows in generate(TINY, pack, reference_date=later) if table == "cylinders"
    )
    pairs = zip(rows_now, rows_later, strict=True)
    shifted = [b["manufactured_on"] - a["manufactured_on"] for a, b in pairs]
    assert set(shifted) == {timedelta(days=365)}
    assert isinstance(rows_now[0]["manufactured_on"], date)


def test_central_districts_have_more_gas_users_per_resident(pack: CityPack) -> None:
    weights = dict(
        zip(
            [d.code for d in pack.districts], district_customer_weights(pack.districts), strict=True
        )
    )
    per_resident = {d.code: weights[d.code] / d.population for d in pack.districts}
    assert per_resident["420102"] > per_resident["420116"]  # Jiang'an (centre) > Huangpi (outer)
    assert 0.30 <= min(per_resident.values()) < max(per_resident.values()) <= 0.55
