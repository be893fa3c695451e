"""Template filters of the job board's drag and drop."""

from django import template

from recruiting.models import allowed_transitions
from recruiting.services.jobs_clients import can_edit_client

register = template.Library()


@register.filter
def allowed_stages(application) -> str:
    """The stages the card may be dropped on, space-separated (the same rule as the move form's choices)."""
    return " ".join(allowed_transitions(application.stage))


@register.filter
def can_edit_clients(user) -> bool:
    """Team leads and admins change a client's settings (recruiting.services.jobs_clients)."""
    return can_edit_client(user)
