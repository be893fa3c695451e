"""Small template helpers of the workspace: the clock's colour, days silent, pager links, SVG charts."""

from datetime import datetime

from django import template
from django.utils import timezone

from recruiting import calendar, policy
from recruiting.models import Role, Stage
from recruiting.permissions import role_of

register = template.Library()


@register.filter
def is_admin(user) -> bool:
    """An admin sees the firm's settings in the navbar (the pages check the role again)."""
    return user.is_authenticated and role_of(user) == Role.ADMIN


def _end_of_today(now: datetime) -> datetime:
    tz = calendar.firm_time_zone()
    return datetime.combine(now.astimezone(tz).date(), datetime.max.time(), tzinfo=tz)


@register.filter
def clock_state(application) -> str:
    """ok, due-today, overdue, or none (nothing owed): the CSS class suffix of the clock colours."""
    due = application.next_update_due
    if due is None:
        return "none"
    now = timezone.now()
    if due <= now:
        return "overdue"
    if due <= _end_of_today(now):
        return "due-today"
    return "ok"


@register.filter
def client_waiting(application) -> str:
    """ "Waiting on <client> since Tuesday" (a date when more than a few days ago); empty when the client
    owes no answer. The application's job and client must be loaded."""
    if application.client_answer_due is None or application.client_asked_at is None:
        return ""
    tz = calendar.firm_time_zone()
    asked = application.client_asked_at.astimezone(tz)
    today = timezone.now().astimezone(tz).date()
    since = asked.strftime("%A") if (today - asked.date()).days < 6 else calendar.day_words(asked, tz=tz)
    if asked.date() == today:
        since = "today"
    words = f"Waiting on {application.job.client.name} since {since}"
    if application.client_promised_date is not None:
        words += f", promised by {calendar.day_words(application.client_promised_date)}"
    elif application.client_answer_due <= timezone.now():
        words += ", answer overdue"
    return words


CLOCK_LABELS = {"ok": "Within policy", "due-today": "Due today", "overdue": "Overdue", "none": "No update owed"}


@register.filter
def clock_label(state: str) -> str:
    return CLOCK_LABELS.get(state, "")


@register.filter
def days_silent(application) -> int:
    """Whole days since the candidate was last told anything (or since they applied)."""
    return policy.days_silent(
        last_informed_at=application.last_informed_at or application.created_at, now=timezone.now()
    )


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


@register.filter
def since_told(application) -> str:
    """How long the candidate has waited for news, in words: "never told, applied 3 days ago" rather
    than a count of days since something that never happened."""
    days = days_silent(application)
    if application.last_informed_at is None:
        return "never told, applied today" if days == 0 else f"never told, applied {_days(days)} ago"
    return "told today" if days == 0 else f"{_days(days)} since told"


@register.filter
def stage_label(value: str) -> str:
    try:
        return Stage(value).label
    except ValueError:
        return value or "—"


@register.simple_tag(takes_context=True)
def page_url(context, param: str, number: int) -> str:
    """The current URL with one page parameter changed (other filters and pages kept)."""
    query = context["request"].GET.copy()
    query[param] = number
    return "?" + query.urlencode()


@register.inclusion_tag("workspace/_pager.html", takes_context=True)
def pager(context, page, param: str = "page"):
    return {"request": context["request"], "page": page, "param": param}


@register.inclusion_tag("workspace/_bar_chart.html")
def bar_chart(rows, value_key: str, label_key: str, title: str, unit: str = "", maximum: float | None = None):
    """A horizontal bar chart as inline SVG markup (attributes only, no style: strict CSP)."""
    values = [
        float(row.get(value_key) or 0) if isinstance(row, dict) else float(getattr(row, value_key) or 0) for row in rows
    ]
    labels = [str(row.get(label_key) if isinstance(row, dict) else getattr(row, label_key)) for row in rows]
    top = maximum if maximum else max(values or [0]) or 1
    label_width, bar_width, row_height = 180, 420, 26
    bars = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = index * row_height + 10
        width = round(bar_width * min(value, top) / top, 1)
        bars.append({"label": label, "value": value, "y": y, "text_y": y + 14, "width": width})
    return {
        "bars": bars,
        "title": title,
        "unit": unit,
        "label_width": label_width,
        "value_x": label_width + bar_width + 8,
        "width": label_width + bar_width + 80,
        "height": len(bars) * row_height + 20,
        "axis_y2": len(bars) * row_height + 10,
    }
