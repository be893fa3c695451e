"""Give every active application the later steps of its schedule (escalate_at, safety_net_at), computed as
services.clock does, and let rejection policies that kept the old 10-minute default hold 24 hours.

Historical models only, and the pure functions of recruiting.policy: the live services may change.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import migrations

ACTIVE = ("new", "screening", "submitted", "interviewing", "offer")


def _zone(name):
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ValueError, ZoneInfoNotFoundError):
        return ZoneInfo(settings.TIME_ZONE)


def backfill(apps, schema_editor):
    from recruiting import policy

    application_model = apps.get_model("recruiting", "Application")
    policies = dict(policy.DEFAULT_POLICIES)
    for row in apps.get_model("recruiting", "StagePolicy").objects.filter(stage__in=ACTIVE):
        policies[row.stage] = policy.SilencePolicy(
            row.max_silent_business_days, row.grace_business_days, row.escalate_after_business_days
        )
    holidays = frozenset(apps.get_model("recruiting", "FirmHoliday").objects.values_list("date", flat=True))
    firm = _zone(settings.TIME_ZONE)
    active = application_model.objects.filter(stage__in=ACTIVE, candidate__do_not_contact=False).select_related(
        "candidate"
    )
    changed = []
    for application in active.iterator(chunk_size=1000):
        candidate = application.candidate
        automated = not candidate.automated_updates_paused and candidate.email_status == "ok"
        schedule = policy.silence_schedule(
            last_informed_at=application.last_informed_at or application.created_at,
            policy=policies[application.stage],
            tz=firm,
            promised_date=application.promised_next_step_date,
            holidays=holidays,
            hold=timedelta(minutes=settings.INLOOP_HOLD_MINUTES) if automated else policy.PERSONAL_CONTACT_LEAD,
            window=policy.SendWindow(
                tz=_zone(candidate.time_zone), hours=settings.INLOOP_BUSINESS_HOURS, holidays=holidays
            ),
        )
        application.next_update_due = schedule.prompt_at
        application.escalate_at = schedule.escalate_at
        application.safety_net_at = schedule.safety_net_at
        changed.append(application)
    application_model.objects.bulk_update(changed, ["next_update_due", "escalate_at", "safety_net_at"], batch_size=1000)
    apps.get_model("recruiting", "StagePolicy").objects.filter(stage="rejected", hold_minutes=10).update(
        hold_minutes=None
    )


class Migration(migrations.Migration):
    dependencies = [("recruiting", "0010_silence_schedule_steps")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
