"""The base of every request body: no text may hold a NUL character (PostgreSQL refuses them in text, so
one would otherwise end in a server error); the guard in front of every view covers paths and queries."""

from ninja import Schema
from pydantic import field_validator

NUL = "\x00"


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    return False


class InputSchema(Schema):
    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if _holds_nul(value):
            raise ValueError("Text here cannot hold a NUL character.")
        return value
