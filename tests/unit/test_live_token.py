"""Live-channel tokens: signed from the session, short-lived, carrying the user's scope."""

from __future__ import annotations

import pytest

from dashboard.domain.roles import Role, Scope, User
from dashboard.live_token import LIFETIME_S, LiveTokenError, check_live_token, issue_live_token

KEY = "a-test-secret-key-of-some-length"
OFFICER = User(7, "zhou", Role.DISTRICT_OFFICER, "周强", district="420102")


def test_a_token_carries_the_users_scope() -> None:
    grant = check_live_token(KEY, issue_live_token(KEY, OFFICER))
    assert (grant.user_id, grant.role, grant.scope) == (
        7,
        Role.DISTRICT_OFFICER,
        Scope(district="420102"),
    )


def test_a_token_signed_with_another_key_is_refused() -> None:
    with pytest.raises(LiveTokenError, match="not valid"):
        check_live_token(KEY, issue_live_token("another-key-entirely-0000", OFFICER))


def test_a_tampered_token_is_refused() -> None:
    token = issue_live_token(KEY, OFFICER)
    with pytest.raises(LiveTokenError):
        check_live_token(KEY, token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))


def test_a_token_is_good_for_its_lifetime_and_refused_after() -> None:
    issued_at = 1_800_000_000.0
    token = issue_live_token(KEY, OFFICER, clock=lambda: issued_at)
    check_live_token(KEY, token, clock=lambda: issued_at + LIFETIME_S)
    with pytest.raises(LiveTokenError, match="expired"):
        check_live_token(KEY, token, clock=lambda: issued_at + LIFETIME_S + 1)
