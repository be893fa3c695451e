"""Applications of two candidates found to be one person: their histories folded into one."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from recruiting.models import Application, ClientAnswer, ClientChase, ContactEvent, SafetyNet, StageChange
from recruiting.services import prompts

MERGED_RESOLUTION = "Merged into the candidate's other record"
# The rows an application holds at most once per step; when both applications have one for the same step
# (the same event recorded twice), the kept application's stays and the other's copy goes.
_ONE_PER_STEP = (
    (SafetyNet, ("silence_started_at",)),
    (ClientChase, ("hiring_manager_id", "due_at")),
    (ClientAnswer, ("due_at",)),
)


@transaction.atomic
def application_history_fold(*, duplicate: Application, keeper: Application) -> None:
    """Two applications of one person for the same job (their records merged): the kept one takes the
    other's history, contacts, prompts, safety nets and the client's chases and answers, and the later of
    the two last-told moments. The pipeline's rows only: each other app moves its own (the outbox its
    messages and replies) before the other application is deleted with `applications_delete_folded`."""
    StageChange.objects.filter(application_id=duplicate.pk).update(application_id=keeper.pk)
    ContactEvent.objects.filter(application_id=duplicate.pk).update(application_id=keeper.pk)
    prompts.prompts_fold(duplicate_id=duplicate.pk, keeper_id=keeper.pk, resolution=MERGED_RESOLUTION)
    for model, step in _ONE_PER_STEP:
        taken = set(model.objects.filter(application_id=keeper.pk).values_list(*step))
        rows = list(model.objects.filter(application_id=duplicate.pk))
        model.objects.filter(pk__in=[row.pk for row in rows if _step(row, step) not in taken]).update(
            application_id=keeper.pk
        )
        # The same event on both: the kept application's record of it is the one that counts.
        model.objects.filter(pk__in=[row.pk for row in rows if _step(row, step) in taken]).delete()
    informed = [at for at in (keeper.last_informed_at, duplicate.last_informed_at) if at is not None]
    if informed and max(informed) != keeper.last_informed_at:
        keeper.last_informed_at = max(informed)
        keeper.save(update_fields=["last_informed_at"])


def _step(row, fields: tuple[str, ...]) -> tuple:
    return tuple(getattr(row, name) for name in fields)


@dataclass(frozen=True)
class ApplicationsMerged:
    folded: dict[int, int]  # duplicate application id -> the kept one it was folded into
    moved: int


@transaction.atomic
def applications_merge(*, keep_id: int, merge_id: int) -> ApplicationsMerged:
    """Two records of one person joined (candidates.services.merge): the merged record's applications move
    to the kept one, except one for a job the kept record applied to as well, which is folded into that
    application (application_history_fold). Each other app then moves its own rows from the folded ones, before
    `applications_delete_folded`."""
    kept_by_job = {
        application.job_id: application
        for application in Application.objects.select_for_update().filter(candidate_id=keep_id)
    }
    folded, moved = {}, 0
    for application in Application.objects.select_for_update().filter(candidate_id=merge_id).order_by("pk"):
        keeper = kept_by_job.get(application.job_id)
        if keeper is not None:
            application_history_fold(duplicate=application, keeper=keeper)
            folded[application.pk] = keeper.pk
        else:
            application.candidate_id = keep_id
            application.save(update_fields=["candidate"])
            moved += 1
    return ApplicationsMerged(folded=folded, moved=moved)


@transaction.atomic
def applications_delete_folded(*, duplicate_ids: Iterable[int]) -> None:
    """Delete applications whose rows were all folded into others; refused while one still holds any (a
    row some app did not move would go with it)."""
    for duplicate_id in duplicate_ids:
        held = [
            related.related_model._meta.label
            for related in Application._meta.related_objects
            if related.related_model.objects.filter(**{related.field.name: duplicate_id}).exists()
        ]
        if held:
            raise ValidationError(f"Application #{duplicate_id} still holds rows: {', '.join(sorted(held))}.")
        Application.objects.filter(pk=duplicate_id).delete()
