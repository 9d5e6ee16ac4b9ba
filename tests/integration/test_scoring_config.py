"""Versioned scoring weights (docs/rankings.md, "Weights and versions"): the command by role on
SQLite and PostgreSQL, the event and the `scoring_versions` row it leaves, refusals naming the
bad key, the version names, recomputation under an old version, and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from dashboard.cli import main
from dashboard.domain.events import ScoringChanged
from dashboard.domain.roles import Role
from dashboard.domain.scoring import (
    COMPONENTS,
    DistrictCounts,
    Rate,
    district_index,
    load_config_file,
    with_value,
)
from dashboard.i18n import TEXT, refusal_text
from data_access import commands
from data_access.commands import Done, Refused
from data_access.commands.base import Act, run
from data_access.commands.scoring import next_version
from data_access.db import make_engine
from data_access.models import EventRecord, ScoringVersion
from data_access.queries import scoring_config
from tests.support import desk_user

ADMIN = desk_user("admin", Role.ADMIN)
WEIGHT = "district.weights.hazard_closure"
SHIPPED = load_config_file()


def _recorded(engine: Engine) -> tuple[int, int]:
    """(scoring.changed events, scoring_versions rows)."""
    with engine.connect() as connection:
        events = connection.scalar(
            select(func.count()).where(EventRecord.type == "scoring.changed")
        )
        rows = connection.scalar(select(func.count()).select_from(ScoringVersion))
    return events or 0, rows or 0


def test_a_change_is_an_event_and_a_version_with_who_when_old_and_new(engine: Engine) -> None:
    result = commands.set_scoring_value(engine, ADMIN, WEIGHT, 5, "2027 rules")
    assert isinstance(result, Done), result
    assert result.subject == "2026.2"  # the next after the shipped 2026.1
    with engine.connect() as connection:
        logged = connection.execute(
            select(EventRecord.type, EventRecord.actor, EventRecord.source, EventRecord.data).where(
                EventRecord.seq == result.seq
            )
        ).one()
    assert (logged.type, logged.actor, logged.source) == ("scoring.changed", "admin", "user:admin")
    assert logged.data["version"] == "2026.2"
    assert logged.data["old_version"] == "2026.1"
    assert logged.data["keys"] == [WEIGHT]
    assert logged.data["reason"] == "2027 rules"
    assert logged.data["old"]["district"]["weights"]["hazard_closure"] == 10
    assert logged.data["new"]["district"]["weights"]["hazard_closure"] == 5
    [row] = scoring_config.versions(engine)
    assert (row.version, row.previous_version, row.keys) == ("2026.2", "2026.1", (WEIGHT,))
    assert (row.changed_by, row.reason) == ("admin", "2027 rules")
    assert row.changed_at.tzinfo is not None
    active = scoring_config.active_config(engine)
    assert active.version == "2026.2"
    assert active.district.weights["hazard_closure"] == 5
    assert active.district.weights["inspection_coverage"] == 25  # the rest kept


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_an_admin_changes_the_weights(engine: Engine, role: Role) -> None:
    district = "420102" if role is Role.DISTRICT_OFFICER else None
    enterprise = "ENT-0007" if role is Role.ENTERPRISE else None
    user = desk_user("someone", role, district=district, enterprise_id=enterprise)
    result = commands.set_scoring_value(engine, user, WEIGHT, 5)
    assert isinstance(result, Refused)
    assert result.reason == "role.change_scoring"
    assert refusal_text(result, "zh") == TEXT["refused.role.change_scoring"][0]
    assert refusal_text(result, "en") == TEXT["refused.role.change_scoring"][1]
    assert _recorded(engine) == (0, 0)
    assert scoring_config.active_config(engine).version == "2026.1"


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("district.weights.safety_checks", -1, "district.weights.safety_checks"),
        ("district.bands.blue", 50, "district.bands"),  # below yellow: bands must descend
        ("enterprise.frequency_days.red", 0, "enterprise.frequency_days.red"),
        ("lists.size", 1000, "lists.size"),
        ("district.weights.speed", 5, "district.weights.speed"),  # no such key
    ],
)
def test_a_bad_value_is_refused_naming_its_key(
    engine: Engine, key: str, value: float, field: str
) -> None:
    result = commands.set_scoring_value(engine, ADMIN, key, value)
    assert isinstance(result, Refused), result
    assert (result.reason, result.field, result.code) == ("scoring_invalid", field, "invalid_field")
    assert result.message.startswith(f"{field}: ")
    assert field in refusal_text(result, "zh") and field in refusal_text(result, "en")
    assert _recorded(engine) == (0, 0)


def test_a_whole_configuration_is_validated_too(engine: Engine) -> None:
    data = SHIPPED.as_dict()
    data["district"]["weights"].pop("hazard_closure")
    result = commands.change_scoring(engine, ADMIN, data)
    assert isinstance(result, Refused)
    assert (result.field, result.params["message"]) == (
        "district.weights.hazard_closure",
        "missing",
    )
    data = SHIPPED.as_dict()
    data["colour"] = "red"
    result = commands.change_scoring(engine, ADMIN, data)
    assert isinstance(result, Refused) and result.field == "colour"
    assert _recorded(engine) == (0, 0)


def test_a_change_that_changes_nothing_is_refused(engine: Engine) -> None:
    result = commands.change_scoring(engine, ADMIN, SHIPPED.as_dict(), "same again")
    assert isinstance(result, Refused) and result.reason == "scoring_unchanged"
    assert "scoring_unchanged" in result.reason and "refused.scoring_unchanged" in TEXT
    renamed = {**SHIPPED.as_dict(), "version": "brand-new"}  # a new name alone is no change
    result = commands.change_scoring(engine, ADMIN, renamed)
    assert isinstance(result, Refused) and result.reason == "scoring_unchanged"
    assert _recorded(engine) == (0, 0)


def test_version_names(engine: Engine) -> None:
    v2 = commands.set_scoring_value(engine, ADMIN, WEIGHT, 5)
    v3 = commands.set_scoring_value(engine, ADMIN, WEIGHT, 6)
    assert [getattr(v, "subject", v) for v in (v2, v3)] == ["2026.2", "2026.3"]
    named = with_value(scoring_config.active_config(engine), WEIGHT, 7)
    named["version"] = "wuhan-2027"
    result = commands.change_scoring(engine, ADMIN, named)
    assert isinstance(result, Done) and result.subject == "wuhan-2027"  # a new name is taken
    back = commands.change_scoring(engine, ADMIN, SHIPPED.as_dict(), "back to the defaults")
    assert isinstance(back, Done) and back.subject == "wuhan-2028"  # 2026.1 was used: the next
    assert scoring_config.active_config(engine).district.weights["hazard_closure"] == 10
    assert [row.version for row in scoring_config.versions(engine)] == [
        "wuhan-2028",
        "wuhan-2027",
        "2026.3",
        "2026.2",
    ]
    assert _recorded(engine) == (4, 4)


def test_next_version() -> None:
    assert next_version("2026.1") == "2026.2"
    assert next_version("2026.9") == "2026.10"
    assert next_version("city-7") == "city-8"
    assert next_version("shenzhen") == "shenzhen.2"
    assert next_version("2026.1", {"2026.2", "2026.3"}) == "2026.4"


def test_recomputing_under_the_old_version_reproduces_the_old_figures(engine: Engine) -> None:
    counts = DistrictCounts(
        rates={
            **{name: Rate(9, 10) for name in COMPONENTS},
            "hazard_closure": Rate(2, 10),
        },
        deductions={"black_cylinders": 3, "major_hazards_overdue": 1},
    )
    before = district_index(counts, scoring_config.active_config(engine))
    assert isinstance(commands.set_scoring_value(engine, ADMIN, WEIGHT, 40), Done)
    now = district_index(counts, scoring_config.active_config(engine))
    assert (now.version, before.version) == ("2026.2", "2026.1")
    assert now.index is not None and before.index is not None and now.index < before.index
    old = scoring_config.config_of_version(engine, "2026.1")
    assert old is not None
    assert district_index(counts, old) == before  # every figure, component and deduction
    newer = scoring_config.config_of_version(engine, "2026.2")
    assert newer is not None and district_index(counts, newer) == now
    assert scoring_config.config_of_version(engine, "1999.1") is None


def test_the_projection_refuses_a_change_from_a_version_not_in_force(engine: Engine) -> None:
    """The log's last line of defence: two admins saving at once, the second starts from a
    version no longer in force."""
    assert isinstance(commands.set_scoring_value(engine, ADMIN, WEIGHT, 5), Done)
    new = with_value(SHIPPED, WEIGHT, 6)
    new["version"] = "2026.9"
    stale = ScoringChanged(
        version="2026.9", old_version="2026.1", old=SHIPPED.as_dict(), new=new, keys=[WEIGHT]
    )

    def body(act: Act) -> Done:
        return Done("2026.9", act.append(stale))

    result = run(engine, ADMIN, body)
    assert isinstance(result, Refused) and result.reason == "rejected"
    assert result.field == "data.old_version"
    assert _recorded(engine) == (1, 1)


# --- the command line -------------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return tmp_path


def cli(data_dir: Path, *args: str) -> int:
    return main([*args, "--data-dir", str(data_dir)])


def test_cli_set_show_versions_export_and_load(data_dir: Path, tmp_path: Path, capsys) -> None:
    assert cli(data_dir, "scoring", "versions") == 0
    assert "2026.1" in capsys.readouterr().out
    assert cli(data_dir, "scoring", "set", WEIGHT, "5", "--reason", "trial", "--by", "ops") == 0
    assert "scoring version 2026.2 is in force" in capsys.readouterr().out
    assert cli(data_dir, "scoring", "show") == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0] == "version = 2026.2"
    assert f"{WEIGHT} = 5" in shown
    assert cli(data_dir, "scoring", "versions") == 0
    listed = capsys.readouterr().out
    assert "2026.2" in listed and "cli:ops" in listed and WEIGHT in listed and "trial" in listed
    out = tmp_path / "v1.toml"
    assert cli(data_dir, "scoring", "export", "--version", "2026.1", "--out", str(out)) == 0
    assert load_config_file(out) == SHIPPED  # the export reads back to the same values
    assert cli(data_dir, "scoring", "load", str(out), "--by", "ops", "--reason", "undo") == 0
    assert "scoring version 2026.3 is in force" in capsys.readouterr().out
    engine = make_engine(f"sqlite:///{data_dir / 'gascc.sqlite3'}")
    try:
        rows = scoring_config.versions(engine)
        assert [(r.version, r.changed_by, r.reason) for r in rows] == [
            ("2026.3", "cli:ops", "undo"),
            ("2026.2", "cli:ops", "trial"),
        ]
        assert scoring_config.active_config(engine).district.weights["hazard_closure"] == 10
        with engine.connect() as connection:
            actors = connection.execute(
                select(EventRecord.actor, EventRecord.source).where(
                    EventRecord.type == "scoring.changed"
                )
            ).all()
        assert set(actors) == {("cli:ops", "user:cli:ops")}
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("set", "district.weights.safety_checks", "-1"), "district.weights.safety_checks"),
        (("set", "district.weights.speed", "1"), "district.weights.speed: unknown key"),
        (("set", WEIGHT, "lots"), "VALUE must be a number"),
        (("set", WEIGHT, "nan"), "VALUE must be a finite number"),
        (("set", WEIGHT, "10"), "nothing changes"),
        (("export", "--version", "1999.1", "--out", "x.toml"), "no scoring version '1999.1'"),
    ],
)
def test_cli_refuses_in_one_line_and_records_nothing(data_dir, capsys, args, message) -> None:
    by = ("--by", "ops") if args[0] == "set" else ()
    assert cli(data_dir, "scoring", *args, *by) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err
    engine = make_engine(f"sqlite:///{data_dir / 'gascc.sqlite3'}")
    try:
        assert _recorded(engine) == (0, 0)
    finally:
        engine.dispose()


def test_cli_load_names_the_bad_key_of_a_file(data_dir: Path, tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    text = (Path(__file__).resolve().parents[2] / "dashboard" / "scoring.toml").read_text()
    bad.write_text(text.replace("hazard_closure = 10", "hazard_closure = -3"), encoding="utf-8")
    assert cli(data_dir, "scoring", "load", str(bad), "--by", "ops") == 2
    assert "district.weights.hazard_closure" in capsys.readouterr().err


def test_a_past_ranking_recomputed_under_the_old_version_is_the_old_ranking(city: Engine) -> None:
    """Through the rankings query (data_access/queries/rankings.py), on the demo city with two
    hazards reported in Jiang'an this quarter, one of them major and overdue."""
    from datetime import UTC, datetime, timedelta

    from dashboard.domain.roles import CITYWIDE
    from dashboard.domain.scoring import current_quarter
    from data_access.queries import rankings
    from tests.support import JIANGAN, report_hazard

    now = datetime.now(UTC)
    period = current_quarter(now)
    when = max(now - timedelta(hours=2), period.bounds()[0] + timedelta(minutes=1))
    report_hazard(city, "HZ-SCORING-1", occurred_at=when)
    report_hazard(city, "HZ-SCORING-2", level="major", occurred_at=when, due_at=when)

    def figures(ranking: rankings.DistrictRanking) -> list[tuple[str, object, object, object]]:
        return [(row.code, row.score, row.rank, row.previous) for row in ranking.rows]

    def jiangan(ranking: rankings.DistrictRanking) -> dict[str, float | None]:
        """Jiang'an's points from its hazards' two components."""
        row = next(row for row in ranking.rows if row.code == JIANGAN)
        hazards = (WEIGHT.rsplit(".", 1)[1], "on_time_rectification")
        return {c.name: c.points for c in row.score.components if c.name in hazards}

    old = rankings.district_ranking(city, CITYWIDE, period, scoring_config.active_config(city), now)
    assert old.version == "2026.1"
    assert None not in jiangan(old).values()  # both apply: two hazards, one due
    # the hazards' two components out: no component applies to Jiang'an any more
    changed = with_value(scoring_config.active_config(city), WEIGHT, 0)
    changed["district"]["weights"]["on_time_rectification"] = 0
    assert isinstance(commands.change_scoring(city, ADMIN, changed), Done)
    new = rankings.district_ranking(city, CITYWIDE, period, scoring_config.active_config(city), now)
    assert new.version == "2026.2"
    assert set(jiangan(new).values()) == {None}  # both out under the new version
    again = scoring_config.config_of_version(city, "2026.1")
    assert again is not None
    recomputed = rankings.district_ranking(city, CITYWIDE, period, again, now)
    assert recomputed.version == "2026.1"
    assert figures(recomputed) == figures(old)
    assert recomputed.city_index == old.city_index
