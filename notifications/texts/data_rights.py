"""A candidate's texts in their data rights (subscribers of candidates.events, listed in
inloop/subscriptions.py): the texts they sent us and those we handed over to their numbers, and in the
embedded mode the text files, are exported with them, erased with them and follow a merge.

The stop list (TextStop) keeps only a digest of a number: it outlives the erasure, so a number that
texted STOP stays stopped.
"""

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db.models import Q

from candidates.events import DataRightsPart
from notifications.models import InboundText, TextDelivery
from notifications.texts.file_backend import text_files_erase, text_files_to
from recruiting.personal_data import PersonalData
from recruiting.services.data_rights import when


def _numbers(personal: PersonalData) -> list[str]:
    """The phone numbers of the candidate's identities: their mobile number among them (merged records too)."""
    return [number for number in personal.phones if number]


def _about(candidate_id: int, numbers: list[str], field: str) -> Q:
    return Q(candidate_id=candidate_id) | Q(**{f"{field}__in": numbers})


def candidate_texts_export(
    *, candidate_id: int, application_ids: Iterable[int], personal: PersonalData
) -> DataRightsPart:
    numbers = _numbers(personal)
    inbound = InboundText.objects.filter(_about(candidate_id, numbers, "from_number")).order_by("received_at", "id")
    deliveries = TextDelivery.objects.filter(_about(candidate_id, numbers, "to_number")).order_by("created_at", "id")
    section = {
        "received": [
            {
                "at": when(t.received_at),
                "from": t.from_number,
                "text": t.body,
                "keyword": t.keyword,
                "kept_as": t.status,
            }
            for t in inbound
        ],
        "sent": [
            {"at": when(d.created_at), "to": d.to_number, "purpose": d.purpose, "status": d.status} for d in deliveries
        ],
        "text_files": text_files_to(settings.INLOOP_SMS_FILE_PATH, numbers=numbers),
    }
    return DataRightsPart(
        sections={"texts": section}, refs=[(InboundText._meta.label_lower, [text.pk for text in inbound])]
    )


def candidate_texts_erase(
    *,
    candidate_id: int,
    application_ids: Iterable[int],
    personal: PersonalData,
    erased_address: str,
    reason: str,
) -> DataRightsPart:
    """Empty the texts from and to the candidate (the rows stay for the figures), delete the text files."""
    numbers = _numbers(personal)
    inbound = InboundText.objects.filter(_about(candidate_id, numbers, "from_number"))
    ids = list(inbound.values_list("pk", flat=True))
    erased = inbound.update(body="", from_number="", reason=reason[:300])
    erased += TextDelivery.objects.filter(_about(candidate_id, numbers, "to_number")).update(to_number="")
    files = text_files_erase(settings.INLOOP_SMS_FILE_PATH, numbers=numbers)
    return DataRightsPart(refs=[(InboundText._meta.label_lower, ids)], counts={"texts": erased, "text_files": files})


def candidate_texts_merge(*, keep_id: int, merge_id: int, folded: Mapping[int, int]) -> int:
    """The texts of the merged record belong to the kept one, those of a folded application to the
    application it is folded into; how many rows moved."""
    moved = 0
    for duplicate_id, keeper_id in folded.items():
        moved += InboundText.objects.filter(application_id=duplicate_id).update(application_id=keeper_id)
    moved += InboundText.objects.filter(candidate_id=merge_id).update(candidate_id=keep_id)
    return moved + TextDelivery.objects.filter(candidate_id=merge_id).update(candidate_id=keep_id)
