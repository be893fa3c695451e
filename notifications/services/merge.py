"""Joining two records of one person (candidates.services.merge): the notifications app moves its own
rows, the messages written to the other record and the replies received about its applications."""

from django.db import transaction

from notifications.models import InboundMessage, OutboundMessage


@transaction.atomic
def messages_application_fold(*, duplicate_id: int, keeper_id: int) -> int:
    """The messages and replies of an application folded into another follow it; how many rows moved."""
    moved = OutboundMessage.objects.filter(application_id=duplicate_id).update(application_id=keeper_id)
    return moved + InboundMessage.objects.filter(application_id=duplicate_id).update(application_id=keeper_id)


@transaction.atomic
def messages_candidate_move(*, from_candidate_id: int, to_candidate_id: int) -> int:
    """The messages written to a merged record belong to the kept one; how many moved."""
    return OutboundMessage.objects.filter(candidate_id=from_candidate_id).update(candidate_id=to_candidate_id)
