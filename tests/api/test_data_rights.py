"""The API's own rows in a candidate's erasure: an answer kept to replay an Idempotency-Key request, and a
webhook event, lose the candidate's name and address (api.data_rights, a subscriber of the sweep)."""

import pytest

from api.models import IdempotentRequest, WebhookEvent
from candidates.services.data_rights import candidate_erase
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def test_the_api_rows_naming_the_candidate_are_swept(admin_user):
    candidate = ApplicationFactory().candidate
    candidate.first_name, candidate.last_name, candidate.email = "Ilse", "Vantongeren", "ilse.v@mail.example"
    candidate.save()
    answer = IdempotentRequest.objects.create(
        user=admin_user,
        key="k-1",
        request_hash="0" * 64,
        status_code=201,
        content_type="application/json",
        body=b'{"candidate": {"name": "Ilse Vantongeren", "email": "ilse.v@mail.example"}}',
    )
    event = WebhookEvent.objects.create(
        public_id="evt_1", event_type="candidate.updated", payload={"note": "Call Ilse Vantongeren"}
    )

    candidate_erase(candidate=candidate, by=admin_user)

    answer.refresh_from_db()
    event.refresh_from_db()
    assert b"Vantongeren" not in bytes(answer.body) and b"ilse.v@mail.example" not in bytes(answer.body)
    assert event.payload == {"note": "Call [erased]"}
