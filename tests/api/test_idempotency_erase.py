"""Kept Idempotency-Key answers hold what the API answered (a candidate's name and address): each is linked
to the candidates it is about, and erasing a candidate erases them (api.idempotency)."""

import pytest

from api.idempotency import idempotency_answers_erase
from api.models import IdempotentAnswerCandidate, IdempotentRequest
from candidates.models import Candidate
from candidates.services.data_rights import candidate_erase
from candidates.services.merge import candidates_merge
from recruiting.models import Stage
from tests.factories import ApplicationFactory, CandidateFactory

pytestmark = pytest.mark.django_db


def test_answers_about_a_candidate_are_linked_and_erased_with_them(api_for, recruiter):
    api = api_for(recruiter)
    made = api.post(
        "/candidates",
        {"first_name": "Ines", "last_name": "Silva", "email": "ines@mail.example"},
        headers={"Idempotency-Key": "make-ines"},
    )
    assert made.status_code == 201, made.content
    ines = made.json()["id"]
    application = ApplicationFactory(candidate_id=ines, owner=recruiter, stage=Stage.SCREENING)
    moved = api.post(
        f"/applications/{application.pk}/move", {"stage": "submitted"}, headers={"Idempotency-Key": "move-ines"}
    )
    assert moved.status_code == 200, moved.content
    other = ApplicationFactory(candidate=CandidateFactory(owner=recruiter), owner=recruiter, stage=Stage.SCREENING)
    api.post(f"/applications/{other.pk}/move", {"stage": "submitted"}, headers={"Idempotency-Key": "move-other"})
    assert set(IdempotentAnswerCandidate.objects.values_list("answer__key", "candidate_id")) == {
        ("make-ines", ines),
        ("move-ines", ines),
        ("move-other", other.candidate_id),
    }

    assert idempotency_answers_erase(candidate_ids=[ines]) == 2
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["move-other"]
    assert all(b"ines@mail.example" not in bytes(answer.body) for answer in IdempotentRequest.objects.all())


def test_a_merge_moves_the_answers_to_the_record_kept_and_its_erasure_erases_them(api_for, recruiter, admin_user):
    api = api_for(recruiter)
    keep = CandidateFactory(owner=recruiter, email="kept@mail.example")
    duplicate = api.post(
        "/candidates",
        {"first_name": "Ines", "last_name": "Silva", "email": "ines.other@mail.example"},
        headers={"Idempotency-Key": "make-duplicate"},
    ).json()["id"]
    candidates_merge(keep=keep, merge=Candidate.objects.get(pk=duplicate), by=admin_user)
    assert list(IdempotentAnswerCandidate.objects.values_list("answer__key", "candidate_id")) == [
        ("make-duplicate", keep.pk)
    ]
    candidate_erase(candidate=keep, by=admin_user)
    assert not IdempotentRequest.objects.filter(key="make-duplicate").exists()
