"""Model instances from one SQL row that joins several tables, for the few reads made on every request
(the API key, the application a move locks).

The ORM compiles a select_related query each time it runs: for a read of five joined tables, several
times the CPU that PostgreSQL takes to answer it. A caller writes its statement once from the models'
columns (`select_list`), runs it, and makes each model's instance from its slice of the row (`instances`):
the same instances from_db makes, loaded with their columns' converters. Caching the related instances
on each other, as select_related does, stays with the caller (`related_cache`).
"""

from collections.abc import Sequence
from functools import cache

from django.db import connection
from django.db.models import Model


@cache
def _fields(model: type[Model]) -> tuple:
    return tuple(model._meta.concrete_fields)


def table(model: type[Model]) -> str:
    """The model's table, quoted."""
    return connection.ops.quote_name(model._meta.db_table)


def select_list(model: type[Model], alias: str) -> str:
    """Every column of `model`, qualified by the table's alias in the statement, in the model's order."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in _fields(model))


def instances(row: Sequence, models: Sequence[type[Model]], *, using: str = "default") -> list[Model | None]:
    """The instance of each model from its columns in `row`, one after the other as select_list wrote
    them; None for a model whose columns are all NULL (an outer join that found nothing)."""
    found, start = [], 0
    for model in models:
        fields = _fields(model)
        values = list(row[start : start + len(fields)])
        start += len(fields)
        if values[0] is None:
            found.append(None)
            continue
        for index, field in enumerate(fields):
            for converter in field.get_db_converters(connection):
                values[index] = converter(values[index], field, connection)
        found.append(model.from_db(using, [field.attname for field in fields], values))
    return found


def related_cache(instance: Model, name: str, related: Model | None) -> None:
    """Keep `related` as `instance.<name>` and, for a one-to-one, `instance` on it too, as select_related
    does (a reverse one-to-one cached as None raises DoesNotExist without a query)."""
    descriptor = getattr(type(instance), name)
    field = getattr(descriptor, "field", None)
    if field is not None:  # a forward relation
        field.set_cached_value(instance, related)
        if related is not None and field.one_to_one:
            field.remote_field.set_cached_value(related, instance)
        return
    descriptor.related.set_cached_value(instance, related)  # a reverse one-to-one
    if related is not None:
        descriptor.related.field.set_cached_value(related, instance)
