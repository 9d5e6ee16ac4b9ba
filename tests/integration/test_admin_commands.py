"""The administration commands the pages use: resetting a password, and the checks that give a
clear refusal (a field named, a text in both languages) instead of the log's bare rejection."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.domain.passwords import generated_password, password_problem
from dashboard.domain.roles import Role
from dashboard.i18n import TEXT
from data_access import commands
from data_access.commands import Done, Refused
from data_access.models import EventRecord
from data_access.users import find_login
from tests.support import JIANGAN, desk_user

ADMIN = desk_user("admin", Role.ADMIN)


@pytest.fixture
def city(city: Engine) -> Engine:
    """The demo city with an administrator's account, a duty officer's and a leader's."""
    operator = desk_user("cli:setup", Role.ADMIN)
    for name, role in (("admin", Role.ADMIN), ("duty", Role.DUTY_OFFICER), ("leader", Role.LEADER)):
        assert isinstance(commands.create_user(city, operator, name, "hash", role), Done)
    return city


def _hash(password: str) -> str:
    return generate_password_hash(password, method="pbkdf2:sha256:1000")  # fast, for tests


def _refused(result: object, reason: str, field: str) -> None:
    assert isinstance(result, Refused), result
    assert (result.reason, result.field) == (reason, field), result
    assert f"refused.{reason}" in TEXT, "every refusal has its text in both languages"


def test_reset_password_records_the_hash_and_the_new_password_signs_in(city: Engine) -> None:
    assert isinstance(
        commands.create_user(city, ADMIN, "li", _hash("old-password"), Role.LEADER), Done
    )
    result = commands.reset_password(city, ADMIN, "li", _hash("new-password-1"))
    assert isinstance(result, Done) and result.seq is not None
    found = find_login(city, "li")
    assert found is not None
    assert check_password_hash(found[1], "new-password-1")
    assert not check_password_hash(found[1], "old-password")
    with city.connect() as connection:
        logged = connection.execute(
            select(EventRecord.type, EventRecord.actor, EventRecord.data).where(
                EventRecord.seq == result.seq
            )
        ).one()
    assert (logged.type, logged.actor) == ("user.password_reset", "admin")
    assert logged.data["password_hash"] == found[1]  # the hash, as user.created keeps it
    assert "new-password-1" not in str(logged.data)


def test_reset_password_of_an_unknown_user_is_refused(city: Engine) -> None:
    _refused(commands.reset_password(city, ADMIN, "nobody", _hash("whatever-1")), "unknown", "user")


def test_only_an_admin_resets_a_password(city: Engine) -> None:
    duty = desk_user("duty", Role.DUTY_OFFICER)
    result = commands.reset_password(city, duty, "leader", _hash("whatever-12"))
    assert isinstance(result, Refused) and result.reason == "role.administer"
    assert find_login(city, "leader") is not None


@pytest.mark.parametrize(
    ("password", "reason"),
    [("", "missing.password"), ("short", "password_length"), ("x" * 201, "password_length")],
)
def test_a_password_too_short_or_long_is_refused_before_hashing(password: str, reason: str) -> None:
    _refused(password_problem(password), reason, "password")
    assert password_problem("long-enough") is None
    assert password_problem(generated_password()) is None


@pytest.mark.parametrize(
    ("username", "role", "binding", "reason", "field"),
    [
        ("duty", Role.LEADER, {}, "username_taken", "username"),
        ("", Role.LEADER, {}, "missing.username", "username"),
        ("two words", Role.LEADER, {}, "bad_username", "username"),
        ("d1", Role.DISTRICT_OFFICER, {}, "missing.district", "district"),
        ("d2", Role.DISTRICT_OFFICER, {"district": "999999"}, "unknown", "district"),
        ("e1", Role.ENTERPRISE, {}, "missing.enterprise", "enterprise"),
        ("e2", Role.ENTERPRISE, {"enterprise_id": "ENT-9999"}, "unknown", "enterprise"),
        ("l1", Role.LEADER, {"district": JIANGAN}, "binding_not_taken", "district"),
    ],
)
def test_create_user_says_which_field_is_wrong(city, username, role, binding, reason, field):
    result = commands.create_user(city, ADMIN, username, _hash("pw-long-enough"), role, **binding)
    _refused(result, reason, field)


def test_a_screen_account_is_created_like_any_other(city: Engine) -> None:
    result = commands.create_user(city, ADMIN, "wall-2", _hash("pw-long-enough"), Role.SCREEN)
    assert isinstance(result, Done)
    found = find_login(city, "wall-2")
    assert found is not None and found[0].role is Role.SCREEN


def test_an_admin_cannot_deactivate_or_demote_themself(city: Engine) -> None:
    second = desk_user("admin2", Role.ADMIN)
    assert isinstance(
        commands.create_user(city, ADMIN, "admin2", _hash("pw-long-enough"), Role.ADMIN), Done
    )
    _refused(commands.deactivate_user(city, ADMIN, "admin"), "self_deactivate", "username")
    _refused(commands.change_user(city, ADMIN, "admin", Role.LEADER), "self_demote", "role")
    # another administrator may, while one active administrator remains
    assert isinstance(commands.deactivate_user(city, second, "admin"), Done)


def test_the_last_active_admin_stays_one(city: Engine) -> None:
    # an operator's system user (not an account) acting on the only administrator account
    operator = desk_user("cli:ops", Role.ADMIN)
    _refused(commands.deactivate_user(city, operator, "admin"), "last_admin", "username")
    _refused(commands.change_user(city, operator, "admin", Role.LEADER), "last_admin", "username")
    assert find_login(city, "admin") is not None
