"""Helpers every admin of the project shares: a readable error line, an action run per object, and the
read-only admin and inline for records that only services write.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest


def error_text(error: Exception) -> str:
    """One readable line from a service's ValidationError or PermissionDenied."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "Not allowed."


def run_per_object(
    modeladmin: admin.ModelAdmin, request: HttpRequest, objects, act, *, done: str
) -> tuple[int, list[str]]:
    """Call `act(obj)` for each object, each in its own service transaction, and report to the user."""
    succeeded, failures = 0, []
    for obj in objects:
        try:
            act(obj)
        except (ValidationError, PermissionDenied) as error:
            failures.append(f"{obj}: {error_text(error)}")
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, done.format(count=succeeded), messages.SUCCESS)
    for failure in failures[:20]:
        modeladmin.message_user(request, failure, messages.ERROR)
    if len(failures) > 20:
        modeladmin.message_user(request, f"...and {len(failures) - 20} more not changed.", messages.ERROR)
    return succeeded, failures


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that only services write: visible to staff, never edited by hand."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
