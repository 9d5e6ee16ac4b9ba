"""The administration pages' lists: user accounts (screen accounts among them), the districts
and enterprises an account may be bound to, and the ingest tokens with their usage
(data_access/token_usage.py). Administrators see all of them; the pages admit no one else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from data_access.models import District, Enterprise, UserAccount
from data_access.token_usage import TokenUsage, token_usage

__all__ = ["Account", "TokenUsage", "accounts", "districts", "enterprises", "token_usage"]


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    display_name: str
    role: str
    district: str | None
    enterprise_id: str | None
    active: bool
    created_at: datetime


def accounts(engine: Engine, role: str | None = None) -> list[Account]:
    """Every account (of `role` only, when given), active ones first, then by username."""
    users = UserAccount
    query = select(
        users.username,
        users.display_name,
        users.role,
        users.district,
        users.enterprise_id,
        users.active,
        users.created_at,
    ).order_by(users.active.desc(), users.username)
    if role:
        query = query.where(users.role == role)
    with engine.connect() as connection:
        return [Account(*row) for row in connection.execute(query)]


def districts(engine: Engine) -> list[tuple[str, str, str]]:
    """(code, Chinese name, English name) of every district, by code."""
    query = select(District.code, District.name_zh, District.name_en).order_by(District.code)
    with engine.connect() as connection:
        return [(row.code, row.name_zh, row.name_en) for row in connection.execute(query)]


def district_names(engine: Engine, lang: str) -> dict[str, str]:
    """Each district's name in `lang` ("zh" or "en"), by code."""
    return {code: zh if lang == "zh" else en for code, zh, en in districts(engine)}


def enterprises(engine: Engine) -> list[tuple[str, str]]:
    """(id, name) of every registered enterprise, by id."""
    query = select(Enterprise.id, Enterprise.name).order_by(Enterprise.id)
    with engine.connect() as connection:
        return [(row.id, row.name) for row in connection.execute(query)]
