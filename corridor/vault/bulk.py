"""Plain-SQL bulk writes for the rebuilds that run inside a re-key.

A re-key rebuilds every keyed hash of a compartment in one transaction (decision 0011): at
100,000 cases that is hundreds of thousands of rows. Django's bulk_create builds a model
instance per row and bulk_update a CASE per column, which cost more than the hashing; these
two helpers send one prepared statement through executemany instead. Values are bound, and
table and column names come from the models, quoted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models


def _prepared(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> list[list[Any]]:
    """The rows as the database takes them (UUIDs, bytes), each field's own conversion."""
    by_column = {field.column: field for field in model._meta.concrete_fields}
    fields = [by_column[column] for column in columns]
    conn = connections[DEFAULT_DB_ALIAS]  # resolved once: the proxy costs a lookup per use
    return [
        [field.get_db_prep_save(value, conn) for field, value in zip(fields, row, strict=True)]
        for row in rows
    ]


def rows_insert(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """INSERT INTO model (columns) VALUES (...) for every row."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    statement = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608 - names quoted, values bound
    batch = _prepared(model, columns, rows)
    if batch:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.executemany(statement, batch)


def rows_update(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """UPDATE model SET columns = values WHERE pk = the row's last value, for every row."""
    pk = model._meta.pk
    assert pk is not None  # noqa: S101 - every model has one
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
    statement = (
        f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(pk.column)} = %s"  # noqa: S608 - names quoted, values bound
    )
    batch = _prepared(model, [*columns, pk.column], rows)
    if batch:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.executemany(statement, batch)
