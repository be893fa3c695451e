"""Template filters of the job board's drag and drop."""

from django import template

from recruiting.models import allowed_transitions

register = template.Library()


@register.filter
def allowed_stages(application) -> str:
    """The stages the card may be dropped on, space-separated (the same rule as the move form's choices)."""
    return " ".join(allowed_transitions(application.stage))
