"""What makes a password an administrator chooses acceptable: checked before it is hashed
(the commands only ever see the hash), the same rule as the command line's."""

from __future__ import annotations

import secrets

from dashboard.domain.policy import Refused

MIN_PASSWORD_LENGTH = 8  # as dashboard/cli asks
MAX_PASSWORD_LENGTH = 200
GENERATED_LENGTH = 16  # characters of a generated password (about 95 bits)


def password_problem(password: str) -> Refused | None:
    """Why `password` may not be used, or None."""
    if not password:
        return Refused(
            "missing.password", "give a password", code="missing_field", field="password"
        )
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        return Refused(
            "password_length",
            f"a password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
            code="invalid_field",
            field="password",
            params={"min": str(MIN_PASSWORD_LENGTH), "max": str(MAX_PASSWORD_LENGTH)},
        )
    return None


def generated_password() -> str:
    """A random password to hand over once, without look-alike characters (0/O, 1/l/I)."""
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(GENERATED_LENGTH))
