"""Joining two records of one person (candidates.services.merge): the notifications app moves its own
rows, the messages written to the other record and the messages and replies of its folded applications.
A subscriber of candidates.events.CandidatesMerging (inloop/subscriptions.py)."""

from collections.abc import Mapping

from django.db import transaction

from notifications.models import InboundMessage, OutboundMessage


@transaction.atomic
def messages_candidates_merge(*, keep_id: int, merge_id: int, folded: Mapping[int, int]) -> int:
    """The messages and replies of each folded application follow the application it is folded into (its
    id in `folded`), and the messages written to the merged record belong to the kept one; how many rows
    moved."""
    moved = 0
    for duplicate_id, keeper_id in folded.items():
        moved += OutboundMessage.objects.filter(application_id=duplicate_id).update(application_id=keeper_id)
        moved += InboundMessage.objects.filter(application_id=duplicate_id).update(application_id=keeper_id)
    return moved + OutboundMessage.objects.filter(candidate_id=merge_id).update(candidate_id=keep_id)
