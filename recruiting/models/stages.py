"""The pipeline's stages, their order and groupings, and the transitions allowed between them."""

from django.db import models


class Stage(models.TextChoices):
    NEW = "new", "New"
    SCREENING = "screening", "Screening"
    SUBMITTED = "submitted", "Submitted to client"
    INTERVIEWING = "interviewing", "Client interview"
    OFFER = "offer", "Offer"
    PLACED = "placed", "Placed"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The pipeline's order; the closed outcomes stand outside it.
PIPELINE = (Stage.NEW, Stage.SCREENING, Stage.SUBMITTED, Stage.INTERVIEWING, Stage.OFFER, Stage.PLACED)
ACTIVE_STAGES = (Stage.NEW, Stage.SCREENING, Stage.SUBMITTED, Stage.INTERVIEWING, Stage.OFFER)
CLOSED_STAGES = (Stage.PLACED, Stage.REJECTED, Stage.WITHDRAWN)
# Stages in which the client has already seen the candidate (docs/rules.md#confidential-client: its name may then
# be shown).
SUBMITTED_STAGES = (Stage.SUBMITTED, Stage.INTERVIEWING, Stage.OFFER, Stage.PLACED)
# A candidate with an application in one of these gets no automated rejection for other jobs
# (docs/rules.md#many-jobs).
OFFER_STAGES = (Stage.OFFER, Stage.PLACED)


def allowed_transitions(from_stage: str) -> tuple[str, ...]:
    """Every stage an application may move to from `from_stage` with application_move.

    Forward along the pipeline to any later stage, back exactly one stage (a correction), and out to
    a closed outcome from any open stage. A closed application only leaves its outcome by a reopen.
    """
    if from_stage in CLOSED_STAGES:
        return ()
    index = PIPELINE.index(from_stage)
    forward = PIPELINE[index + 1 :]
    back = PIPELINE[index - 1 : index] if index > 0 else ()
    return (*forward, *back, Stage.REJECTED, Stage.WITHDRAWN)
