"""Settings come from the environment; a wrong value names its variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.settings import Settings, SettingsError

GOOD_KEY = "k" * 32


def test_defaults_give_a_sqlite_database_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings.from_env({"SECRET_KEY": GOOD_KEY}, data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'gascc.sqlite3'}"
    assert settings.time_zone == "Asia/Shanghai"
    assert settings.language == "zh"
    assert settings.redis_url is None
    assert settings.port == 8050


def test_secret_key_is_required_outside_the_demo(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({}, data_dir=tmp_path)


def test_demo_keeps_one_generated_secret_key_across_runs(tmp_path: Path) -> None:
    first = Settings.from_env({}, demo=True, data_dir=tmp_path).secret_key
    second = Settings.from_env({}, demo=True, data_dir=tmp_path).secret_key
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_bare_postgresql_url_uses_psycopg3(tmp_path: Path) -> None:
    env = {"SECRET_KEY": GOOD_KEY, "DATABASE_URL": "postgresql://u:p@db/gas"}
    assert Settings.from_env(env, data_dir=tmp_path).database_url.startswith(
        "postgresql+psycopg://"
    )


def test_no_tiles_is_a_valid_choice(tmp_path: Path) -> None:
    env = {"SECRET_KEY": GOOD_KEY, "GASCC_TILE_URL": "none"}
    assert Settings.from_env(env, data_dir=tmp_path).tile_url is None


def test_the_big_screen_rotates_every_30_s_unless_told(tmp_path: Path) -> None:
    assert Settings.from_env({"SECRET_KEY": GOOD_KEY}, data_dir=tmp_path).screen_rotate_s == 30
    env = {"SECRET_KEY": GOOD_KEY, "GASCC_SCREEN_ROTATE_S": "45"}
    assert Settings.from_env(env, data_dir=tmp_path).screen_rotate_s == 45


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://x/y"),
        ("REDIS_URL", "http://localhost"),
        ("GASCC_TIME_ZONE", "Mars/Olympus"),
        ("GASCC_LANGUAGE", "fr"),
        ("GASCC_TILE_URL", "https://tiles.example/{z}.png"),
        ("GASCC_TILE_URL", "ftp://tiles.example/{z}/{x}/{y}.png"),
        ("GASCC_TILES", "google"),
        ("GASCC_TILE_CRS", "gcj02"),  # OSM's tiles are WGS84: only custom URLs say their datum
        ("GASCC_PORT", "eighty"),
        ("GASCC_PORT", "70000"),
        ("GASCC_WORKERS", "0"),
        ("GASCC_SCREEN_ROTATE_S", "1"),
        ("GASCC_SCREEN_ROTATE_S", "half a minute"),
        ("SECRET_KEY", "short"),
    ],
)
def test_wrong_value_names_the_variable(tmp_path: Path, variable: str, value: str) -> None:
    env = {"SECRET_KEY": GOOD_KEY, variable: value}
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env, data_dir=tmp_path)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ")


def test_cli_reports_a_bad_setting_in_one_line_with_exit_code_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dashboard", "db", "upgrade", "--data-dir", str(tmp_path)],
        env={"PATH": "/usr/bin:/bin", "GASCC_TIME_ZONE": "Nowhere/City"},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 2
    assert result.stderr == "error: GASCC_TIME_ZONE: 'Nowhere/City' is not a known time zone\n"
    assert "Traceback" not in result.stderr


def test_commands_that_sign_nothing_need_no_secret_key(tmp_path: Path) -> None:
    settings = Settings.from_env({}, data_dir=tmp_path, require_secret=False)
    assert settings.secret_key == ""
    assert not (tmp_path / "secret_key").exists()


# --- tiles ---
CUSTOM_TILES = "http://tiles.intranet/{z}/{x}/{y}.png"


def test_tile_presets_name_their_provider_and_datum(tmp_path: Path) -> None:
    def tiles(**env: str) -> tuple[str, str, str | None]:
        settings = Settings.from_env({"SECRET_KEY": GOOD_KEY, **env}, data_dir=tmp_path)
        return settings.tiles, settings.tile_crs, settings.tile_url

    assert tiles() == ("osm", "wgs84", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert tiles(GASCC_TILES="none") == ("none", "wgs84", None)
    assert tiles(GASCC_TILES="amap")[:2] == ("amap", "gcj02")
    key = "0123456789abcdef0123456789abcdef"
    provider, crs, url = tiles(GASCC_TILES="tianditu", GASCC_TIANDITU_KEY=key)
    assert (provider, crs) == ("tianditu", "wgs84") and url and url.endswith(f"tk={key}")
    custom = "/tiles/{z}/{x}/{y}.png"
    assert tiles(GASCC_TILE_URL=custom, GASCC_TILE_CRS="gcj02") == ("custom", "gcj02", custom)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"GASCC_TILES": "amap", "GASCC_TILE_URL": CUSTOM_TILES}, "GASCC_TILES"),
        ({"GASCC_TILES": "osm", "GASCC_TILE_URL": "none"}, "GASCC_TILES"),
        ({"GASCC_TILE_URL": CUSTOM_TILES, "GASCC_TILE_CRS": "bd09"}, "GASCC_TILE_CRS"),
        ({"GASCC_TILES": "amap", "GASCC_TILE_CRS": "wgs84"}, "GASCC_TILE_CRS"),
        ({"GASCC_TILES": "tianditu"}, "GASCC_TIANDITU_KEY"),
        ({"GASCC_TILES": "tianditu", "GASCC_TIANDITU_KEY": "abc&x=1"}, "GASCC_TIANDITU_KEY"),
    ],
)
def test_conflicting_or_wrong_tile_settings_name_the_variable(
    tmp_path: Path, env: dict[str, str], variable: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"SECRET_KEY": GOOD_KEY, **env}, data_dir=tmp_path)
    assert caught.value.variable == variable


def test_no_tiles_said_twice_is_not_a_conflict(tmp_path: Path) -> None:
    env = {"SECRET_KEY": GOOD_KEY, "GASCC_TILES": "none", "GASCC_TILE_URL": "none"}
    assert Settings.from_env(env, data_dir=tmp_path).tile_url is None
