"""Errors as RFC 9457 problem details (application/problem+json), one shape for every error the API gives."""

import json

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from ninja import Schema

PROBLEM_TYPE_BASE = "https://inloop.invalid/problems/"
PROBLEM_TYPE = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid request",
    429: "Too many requests",
}
SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    422: "validation",
    429: "rate-limited",
}


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


def problem_response(
    *, status: int, detail: str, instance: str | None = None, errors: list[dict] | None = None, headers=None
) -> HttpResponse:
    body: dict = {
        "type": PROBLEM_TYPE_BASE + SLUGS.get(status, "error"),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def django_validation_errors(error: DjangoValidationError) -> list[dict]:
    """A service's ValidationError as [{field, message}], the form-wide ones under the field "" ."""
    if hasattr(error, "error_dict"):
        return [
            {"field": "" if field == NON_FIELD_ERRORS else field, "message": message}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"field": "", "message": message} for message in error.messages]


def ninja_validation_errors(errors: list[dict]) -> list[dict]:
    """Ninja's (pydantic's) errors, each named by the field's path without the request part it came in."""
    found = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "header")]
        if location and location[0] == "payload":
            location = location[1:]
        found.append({"field": ".".join(location), "message": str(error.get("msg", "Invalid value."))})
    return found


# Documented on every operation: the errors it may answer with.
PROBLEMS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem}
