"""Liveness of the stores, for /healthz."""

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError


def database_ok(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
