"""What identifies a person wherever it was written, and the sweep that finds it by content in one app's
tables. At the bottom of the layers: each app's data rights sweep their own tables with it, whoever the
person (a candidate or a client's hiring manager), when the person is erased."""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.db.models import F, Q, Value
from django.db.models.functions import Cast

ERASED = "[erased]"


@dataclass(frozen=True)
class PersonalData:
    """What identifies one person wherever it was written: every address they ever had, their full names
    (as typed, in the orders people write them) and phone numbers."""

    addresses: tuple[str, ...]
    names: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    @property
    def strings(self) -> list[str]:
        return list(dict.fromkeys(s for s in (*self.addresses, *self.names, *self.phones) if s))


def _full_names(first: str, last: str) -> list[str]:
    """A first or last name alone would also match unrelated words ("Ann" in "Announcement"), so names
    are searched for only in full."""
    if not (first and last):
        return []
    return [f"{first} {last}", f"{last} {first}", f"{last}, {first}"]


def _phone(phone: str) -> list[str]:
    return [phone] if len(re.sub(r"\D", "", phone)) >= 6 else []


def personal_data_of(*, identities: Iterable[Mapping[str, str]], addresses: Iterable[str] = ()) -> PersonalData:
    """A person's data from the identities they had (first_name, last_name, email, phone: their record's
    and those merged into it) and the other addresses they were written to at."""
    identities = list(identities)
    return PersonalData(
        addresses=tuple(dict.fromkeys(a for a in [*(i.get("email", "") for i in identities), *addresses] if a)),
        names=tuple(
            dict.fromkeys(n for i in identities for n in _full_names(i.get("first_name", ""), i.get("last_name", "")))
        ),
        phones=tuple(dict.fromkeys(p for i in identities for p in _phone(i.get("phone", "")))),
    )


def _replace_strings(value: Any, pattern: re.Pattern) -> Any:
    if isinstance(value, dict):
        return {k: _replace_strings(v, pattern) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_strings(v, pattern) for v in value]
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    return value


def _pattern(strings: list[str]) -> re.Pattern:
    """The strings as whole words (a name inside a longer word is someone else's), longest first."""
    alternatives = "|".join(re.escape(s) for s in sorted(strings, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _bytes_as_text(field: models.Field) -> tuple[models.Func, Callable[[str], str]]:
    """A binary column read as text by the database, and how a string is written in that text: what lets
    the database find the rows whose stored bytes hold a string (ASCII letters in any case)."""
    if connection.vendor == "postgresql":
        # encode(..., 'escape') writes each byte outside printable ASCII as \ooo, and a backslash as \\.
        def written(value: str) -> str:
            return "".join(
                "\\\\" if b == 0x5C else (f"\\{b:03o}" if b >= 0x80 or b < 0x20 else chr(b)) for b in value.encode()
            )

        return models.Func(
            F(field.attname), Value("escape"), function="encode", output_field=models.TextField()
        ), written
    return Cast(F(field.attname), models.TextField()), str


def tables_sweep(*, app_label: str, personal: PersonalData, skip: Iterable[type[models.Model]] = ()) -> int:
    """Replace the person's strings in every free-text column of the app's tables and in their stored raw
    bytes; returns how many rows changed.

    One scan per table (all its text columns at once); columns with fixed choices hold only codes and
    are skipped, and so are the models in `skip` (the records of people: another record of the same
    person is erased on its own, never mangled by a sweep).
    """
    strings = personal.strings
    if not strings:
        return 0
    pattern = _pattern(strings)
    raw_pattern = re.compile(pattern.pattern.encode(), re.IGNORECASE)
    skipped = set(skip)
    return sum(
        _sweep_text(model, strings, pattern) + _sweep_binary(model, strings, raw_pattern)
        for model in apps.get_app_config(app_label).get_models()
        if model not in skipped
    )


def _sweep_text(model: type[models.Model], strings: list[str], pattern: re.Pattern) -> int:
    fields = [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField) and not f.choices
    ]
    if not fields:
        return 0
    condition = Q()
    for field in fields:
        for value in strings:
            condition |= Q(**{f"{field.attname}__icontains": value})
    changed = 0
    for row in model.objects.filter(condition).only("pk", *(f.attname for f in fields)):
        updates = {}
        for field in fields:
            value = getattr(row, field.attname)
            new = _replace_strings(value, pattern)
            if new != value:
                is_address = isinstance(field, models.EmailField)
                updates[field.attname] = (
                    f"erased-{model._meta.model_name}-{row.pk}@erased.invalid" if is_address else new
                )
        if updates:
            model.objects.filter(pk=row.pk).update(**updates)
            changed += 1
    return changed


def _sweep_binary(model: type[models.Model], strings: list[str], pattern: re.Pattern) -> int:
    """Stored raw bytes (a received email's source, an uploaded file) lose the person's strings too."""
    changed = 0
    for field in (f for f in model._meta.concrete_fields if isinstance(f, models.BinaryField)):
        as_text, written = _bytes_as_text(field)
        hits = Q()
        for value in strings:
            hits |= Q(raw_text__icontains=written(value))
        found = model.objects.annotate(raw_text=as_text).filter(hits)
        for pk, value in found.values_list("pk", field.attname):
            new = pattern.sub(ERASED.encode(), bytes(value))
            if new != bytes(value):
                model.objects.filter(pk=pk).update(**{field.attname: new})
                changed += 1
    return changed
