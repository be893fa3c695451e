"""One candidate per address however it is typed: each record gets its address key (capitals of any
script, decomposed accents and a domain's ASCII form all compare equal), and the records whose keys are
the same are joined before the database refuses new ones (0071).

Each group is joined into its oldest record the way candidates.services.merge does it: applications move
over, two applications for the same job become one with everything of both (history, contacts, prompts,
safety nets, the client's chases and answers, messages and replies), outbox rows follow, and the kept
record remembers the other's details for its erasure. The migration prints each join by record number
only (no personal data) and writes an audit row per join. Clocks of joined applications are recomputed by
the next overdue scan's recompute; the kept application's due time stays valid meanwhile.
"""

import unicodedata

from django.db import migrations, models
from django.utils import timezone

MERGED_RESOLUTION = "Merged into the candidate's other record"
# The application's rows that move as they are, and those that move unless the kept application already
# has one for the same step (the same event twice; the kept one stays).
MOVED = (
    "recruiting.StageChange",
    "recruiting.ContactEvent",
    "notifications.OutboundMessage",
    "notifications.InboundMessage",
)
ONE_PER_STEP = {
    "recruiting.SafetyNet": ("silence_started_at",),
    "recruiting.ClientChase": ("hiring_manager_id", "due_at"),
    "recruiting.ClientAnswer": ("due_at",),
}


def email_key(address):
    """candidates.validators.email_key as it stood when this migration was written."""
    address = unicodedata.normalize("NFC", (address or "").strip())
    local, at, domain = address.rpartition("@")
    if not at:
        return unicodedata.normalize("NFC", address.casefold())
    local = unicodedata.normalize("NFC", local.casefold())
    domain = unicodedata.normalize("NFC", domain.casefold()).rstrip(".")
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        pass
    return f"{local}@{domain}"


def _fold(apps, duplicate, keeper):
    RecruiterPrompt = apps.get_model("recruiting", "RecruiterPrompt")
    RecruiterPrompt.objects.filter(application=duplicate, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolution=MERGED_RESOLUTION
    )
    RecruiterPrompt.objects.filter(application=duplicate).update(application=keeper)
    for label in MOVED:
        apps.get_model(label).objects.filter(application=duplicate).update(application=keeper)
    for label, step in ONE_PER_STEP.items():
        model = apps.get_model(label)
        taken = set(model.objects.filter(application=keeper).values_list(*step))
        for row in model.objects.filter(application=duplicate):
            if tuple(getattr(row, name) for name in step) not in taken:
                model.objects.filter(pk=row.pk).update(application=keeper)
    informed = [at for at in (keeper.last_informed_at, duplicate.last_informed_at) if at is not None]
    if informed:
        keeper.last_informed_at = max(informed)
        keeper.save(update_fields=["last_informed_at"])
    duplicate.delete()


def join_duplicates(apps, schema_editor):
    Candidate = apps.get_model("candidates", "Candidate")
    Application = apps.get_model("recruiting", "Application")
    OutboundMessage = apps.get_model("notifications", "OutboundMessage")
    AuditLog = apps.get_model("recruiting", "AuditLog")
    groups = {}
    for candidate in Candidate.objects.only("pk", "email").order_by("pk").iterator():
        key = email_key(candidate.email)
        Candidate.objects.filter(pk=candidate.pk).update(email_key=key)
        groups.setdefault(key, []).append(candidate.pk)
    for pks in groups.values():
        if len(pks) < 2:
            continue
        keeper = Candidate.objects.get(pk=pks[0])
        for other in Candidate.objects.filter(pk__in=pks[1:]).order_by("pk"):
            kept_by_job = {a.job_id: a for a in Application.objects.filter(candidate=keeper)}
            for application in Application.objects.filter(candidate=other).order_by("pk"):
                if application.job_id in kept_by_job:
                    _fold(apps, application, kept_by_job[application.job_id])
                else:
                    application.candidate = keeper
                    application.save(update_fields=["candidate"])
            OutboundMessage.objects.filter(candidate=other).update(candidate=keeper)
            if other.do_not_contact and not keeper.do_not_contact:
                keeper.do_not_contact, keeper.do_not_contact_at = True, other.do_not_contact_at
                keeper.do_not_contact_reason = other.do_not_contact_reason
            keeper.automated_updates_paused = keeper.automated_updates_paused or other.automated_updates_paused
            keeper.merged_details = [
                *keeper.merged_details,
                {
                    "first_name": other.first_name,
                    "last_name": other.last_name,
                    "email": other.email,
                    "phone": other.phone,
                },
                *other.merged_details,
            ]
            keeper.save()
            AuditLog.objects.create(
                actor=None,
                action="candidate.merge",
                object_type="candidates.candidate",
                object_id=keeper.pk,
                details={"merged": other.pk, "source": "migration"},
            )
            print(f"\n  Candidate #{other.pk} had the same address as #{keeper.pk}: joined into #{keeper.pk}.")
            other.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0063_candidate_import_already_imported"),
        ("recruiting", "0063_merged_choices"),
        ("notifications", "0051_merged_choices"),
    ]

    operations = [
        migrations.AddField(
            model_name="candidate",
            name="email_key",
            field=models.CharField(default="", editable=False, max_length=320),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="candidate",
            name="merged_details",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.RunPython(join_duplicates, migrations.RunPython.noop),
    ]
