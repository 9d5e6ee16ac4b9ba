"""Bulk INSERT, UPDATE and keyed SELECT straight through the driver, for the ingest path.

The ingest path writes tens of thousands of rows a second. SQLAlchemy's Core executemany builds
a parameter dict per row and walks it per column (`construct_params`), which cost more than the
database itself did. Here the statement text and each column's bind processor (the very
functions SQLAlchemy would apply: UTC datetimes, JSON, booleans, ...) are worked out once per
table, column list and dialect; each row then becomes a tuple with one call per column and goes
to the driver's `executemany` as is. A `JsonText` value (JSON pydantic already serialised) is
written without a second serialisation. `select_rows` reads rows by key the same way on SQLite
(on PostgreSQL it leaves the reading to Core, whose result processors need the driver's types).
Only `data_access` uses this; the statements name tables and columns from the models only.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table, select
from sqlalchemy.engine import Dialect

__all__ = ["JsonText", "insert_rows", "select_rows", "update_rows"]


class JsonText(str):
    """A JSON column's value already serialised (by pydantic, in C): written as it is."""


Processor = Callable[[Any], Any] | None


def insert_rows(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], columns: Sequence[str]
) -> None:
    """INSERT `rows` (dicts with at least `columns`) into `table` in one executemany."""
    if not rows:
        return
    statement, processors = _insert(table, tuple(columns), connection.dialect)
    connection.exec_driver_sql(statement, _tuples(rows, tuple(columns), processors))


def update_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    key: str,
) -> None:
    """UPDATE the `columns` of each row of `table` whose `key` column equals the row's key."""
    if not rows:
        return
    names = (*columns, key)
    statement, processors = _update(table, tuple(columns), key, connection.dialect)
    connection.exec_driver_sql(statement, _tuples(rows, names, processors))


def select_rows(
    connection: Connection, table: Table, key: str, keys: Sequence[Any]
) -> list[dict[str, Any]]:
    """Every column of the rows of `table` whose `key` column is one of `keys`, as dicts."""
    if not keys:
        return []
    if connection.dialect.name != "sqlite":
        # Result processors on PostgreSQL depend on the driver's column types: let Core do it.
        query = select(table).where(table.c[key].in_(keys))
        return [dict(row) for row in connection.execute(query).mappings()]
    names, prefix, processors = _select(table, connection.dialect)
    statement = f"{prefix} WHERE {_quote(connection, key)} IN ({', '.join(['?'] * len(keys))})"
    rows = connection.exec_driver_sql(statement, tuple(keys)).all()
    converted = [(n, process) for n, process in zip(names, processors, strict=True) if process]
    out = []
    for values in rows:
        row = dict(zip(names, values, strict=True))
        for name, process in converted:
            row[name] = process(row[name])
        out.append(row)
    return out


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def _tuples(
    rows: Sequence[dict[str, Any]], names: tuple[str, ...], processors: tuple[Processor, ...]
) -> list[Sequence[Any]]:
    values_of = _getter(names)
    converted = [(i, process) for i, process in enumerate(processors) if process is not None]
    if not converted:
        return [values_of(row) for row in rows]
    out: list[Sequence[Any]] = []
    for row in rows:
        values = list(values_of(row))
        for i, process in converted:
            if values[i] is not None:
                values[i] = process(values[i])
        out.append(tuple(values))
    return out


def _getter(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    get = operator.itemgetter(*names)
    return get if len(names) > 1 else lambda row: (get(row),)


@functools.lru_cache(maxsize=512)
def _insert(table: Table, columns: tuple[str, ...], dialect: Dialect) -> tuple[str, tuple]:
    quote = dialect.identifier_preparer.quote
    marks = ", ".join(_placeholder(table, name, dialect) for name in columns)
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) "
        f"VALUES ({marks})"
    )
    return statement, _processors(table, columns, dialect)


@functools.lru_cache(maxsize=512)
def _update(
    table: Table, columns: tuple[str, ...], key: str, dialect: Dialect
) -> tuple[str, tuple]:
    quote = dialect.identifier_preparer.quote
    assignments = ", ".join(
        f"{quote(name)} = {_placeholder(table, name, dialect)}" for name in columns
    )
    statement = (
        f"UPDATE {quote(table.name)} SET {assignments} "
        f"WHERE {quote(key)} = {_placeholder(table, key, dialect)}"
    )
    return statement, _processors(table, (*columns, key), dialect)


@functools.lru_cache(maxsize=512)
def _select(table: Table, dialect: Dialect) -> tuple[tuple[str, ...], str, tuple]:
    quote = dialect.identifier_preparer.quote
    names = tuple(column.name for column in table.columns)
    prefix = f"SELECT {', '.join(quote(name) for name in names)} FROM {quote(table.name)}"
    processors = tuple(
        column.type._cached_result_processor(dialect, None) for column in table.columns
    )
    return names, prefix, processors


def _placeholder(table: Table, name: str, dialect: Dialect) -> str:
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    if dialect.name == "postgresql" and isinstance(table.c[name].type, JSON):
        return f"{mark}::JSON"  # psycopg sends the serialised text untyped; say what it is
    return mark


def _processors(table: Table, names: tuple[str, ...], dialect: Dialect) -> tuple[Processor, ...]:
    processors = []
    for name in names:
        process: Processor = table.c[name].type._cached_bind_processor(dialect)
        if isinstance(table.c[name].type, JSON):
            process = _json_processor(process)
        processors.append(process)
    return tuple(processors)


def _json_processor(process: Processor) -> Processor:
    def serialise(value: Any) -> Any:
        if type(value) is JsonText:
            return str(value)
        return process(value) if process is not None else value

    return serialise
