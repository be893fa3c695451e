"""One candidate per email address, any case: join existing duplicates, before the database refuses new ones (0061).

Each group of records sharing an address (compared in lower case) is joined into its oldest record, the
way candidates.services.merge does it: applications move over, two applications for the same job become
one (history, contacts and messages kept), outbox rows follow. The migration prints each join by record
number only (no personal data) and writes an audit row per join. Clocks of joined applications are
recomputed by the next overdue scan's recompute; the kept application's due time stays valid meanwhile.
"""

from django.db import migrations, models
from django.db.models.functions import Lower
from django.utils import timezone

MERGED_RESOLUTION = "Merged into the candidate's other record"


def _fold(apps, duplicate, keeper):
    for label in ("recruiting.StageChange", "recruiting.ContactEvent", "recruiting.RecruiterPrompt", "notifications.OutboundMessage"):
        model = apps.get_model(label)
        if label == "recruiting.RecruiterPrompt":
            model.objects.filter(application=duplicate, resolved_at__isnull=True).update(
                resolved_at=timezone.now(), resolution=MERGED_RESOLUTION
            )
        model.objects.filter(application=duplicate).update(application=keeper)
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
    groups = (
        Candidate.objects.annotate(address=Lower("email"))
        .values("address")
        .annotate(n=models.Count("pk"))
        .filter(n__gt=1)
        .values_list("address", flat=True)
    )
    for address in list(groups):
        keeper, *others = Candidate.objects.annotate(address=Lower("email")).filter(address=address).order_by("pk")
        for other in others:
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
        ("candidates", "0002_time_zone_validators"),
        ("recruiting", "0003_time_zone_validators"),
        ("notifications", "0005_one_source_templates"),
    ]

    operations = [migrations.RunPython(join_duplicates, migrations.RunPython.noop)]
