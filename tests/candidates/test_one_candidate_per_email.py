"""One candidate per email address, any case: the database refuses a second, the services say so plainly,
a candidate's details can be corrected, and the admin can join two records of one person."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from candidates.models import Candidate
from candidates.services.merge import candidates_merge
from candidates.services.people import candidate_create, candidate_update
from notifications.models import OutboundMessage
from recruiting.models import Application, AuditLog, ContactEvent, Stage, StageChange
from recruiting.services import application_create, contact_log
from tests.factories import CandidateFactory, JobFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_second_candidate_with_the_same_address_in_any_case():
    CandidateFactory(email="Ada@Example.org")

    with pytest.raises(IntegrityError), transaction.atomic():
        Candidate.objects.create(first_name="Ada", email="ada@example.ORG", owner=UserFactory())


def test_creating_a_duplicate_is_refused_on_the_email_field_naming_the_record(recruiter):
    existing = CandidateFactory(email="grace@example.org", first_name="Grace", last_name="Hopper")

    with pytest.raises(ValidationError) as refused:
        candidate_create(first_name="G", email="GRACE@example.org", owner=recruiter, by=recruiter)

    assert f"Grace Hopper (#{existing.pk})" in refused.value.message_dict["email"][0]
    assert Candidate.objects.count() == 1


def test_a_race_past_the_check_is_refused_by_the_constraint_as_a_form_error(recruiter, monkeypatch):
    CandidateFactory(email="lin@example.org")
    # Two requests checked at the same moment: the selector saw no one, the index still refuses.
    monkeypatch.setattr("candidates.selectors.candidate_with_email", lambda **kwargs: None)

    with pytest.raises(ValidationError) as refused:
        candidate_create(first_name="Lin", email="Lin@example.org", owner=recruiter, by=recruiter)

    assert "already exists" in refused.value.message_dict["email"][0]


def test_the_owner_corrects_details_and_the_audit_names_fields_only(recruiter):
    candidate = CandidateFactory(owner=recruiter, email="old@example.org", email_status="bounced")

    candidate_update(
        candidate=candidate,
        by=recruiter,
        first_name="Zoë",
        last_name="Ng",
        email="new@example.org",
        phone="+44 20 7946 0000",
        time_zone="Europe/London",
    )

    candidate.refresh_from_db()
    assert (candidate.first_name, candidate.email, candidate.time_zone) == ("Zoë", "new@example.org", "Europe/London")
    assert candidate.email_status == "ok"  # a new address is deliverable until it bounces
    audit = AuditLog.objects.get(action="candidate.update")
    assert audit.details == {"fields": ["email", "first_name", "last_name", "phone", "time_zone"]}
    assert "new@example.org" not in str(audit.details)


def test_an_update_keeps_its_own_address_in_another_case_but_not_anothers(recruiter):
    candidate = CandidateFactory(owner=recruiter, email="me@example.org")
    CandidateFactory(email="other@example.org")

    candidate_update(candidate=candidate, by=recruiter, first_name="Me", email="ME@example.org")
    with pytest.raises(ValidationError):
        candidate_update(candidate=candidate, by=recruiter, first_name="Me", email="Other@example.org")

    candidate.refresh_from_db()
    assert candidate.email == "ME@example.org"


def test_another_recruiter_cannot_change_the_details(recruiter):
    candidate = CandidateFactory(email="x@example.org")

    with pytest.raises(PermissionDenied):
        candidate_update(candidate=candidate, by=recruiter, first_name="X", email="y@example.org")


def test_merge_moves_applications_folds_the_same_job_and_keeps_every_message(admin_user):
    owner = UserFactory()
    keep = CandidateFactory(owner=owner, email="one@example.org")
    merge = CandidateFactory(owner=owner, email="two@example.org", do_not_contact=True, do_not_contact_reason="Asked")
    shared_job, other_job = JobFactory(owner=owner), JobFactory(owner=owner)
    kept_application = application_create(candidate=keep, job=shared_job, by=owner)
    folded = application_create(candidate=merge, job=shared_job, by=owner)
    moved = application_create(candidate=merge, job=other_job, by=owner)
    contact_log(application=folded, channel="phone", direction="outbound", by=owner, summary="Called")
    messages_before = OutboundMessage.objects.count()

    candidates_merge(keep=keep, merge=merge, by=admin_user)

    assert not Candidate.objects.filter(pk=merge.pk).exists()
    assert set(keep.applications.values_list("pk", flat=True)) == {kept_application.pk, moved.pk}
    assert not Application.objects.filter(pk=folded.pk).exists()
    assert ContactEvent.objects.get(summary="Called").application_id == kept_application.pk
    assert StageChange.objects.filter(application=kept_application).count() == 2  # both "new" entries kept
    assert OutboundMessage.objects.count() == messages_before
    assert not OutboundMessage.objects.filter(candidate_id=merge.pk).exists()
    keep.refresh_from_db()
    assert keep.do_not_contact and keep.do_not_contact_reason == "Asked"
    assert AuditLog.objects.get(action="candidate.merge").details["merged"] == merge.pk


def test_only_an_admin_merges_and_never_a_record_with_itself(recruiter, admin_user):
    one, two = CandidateFactory(owner=recruiter), CandidateFactory(owner=recruiter)

    with pytest.raises(PermissionDenied):
        candidates_merge(keep=one, merge=two, by=recruiter)
    with pytest.raises(ValidationError):
        candidates_merge(keep=one, merge=one, by=admin_user)

    assert Candidate.objects.count() == 2


def test_stage_is_left_alone_on_the_kept_application(admin_user):
    owner = UserFactory()
    keep, merge = CandidateFactory(owner=owner), CandidateFactory(owner=owner)
    job = JobFactory(owner=owner)
    kept = application_create(candidate=keep, job=job, by=owner)
    Application.objects.filter(pk=kept.pk).update(stage=Stage.SCREENING)
    application_create(candidate=merge, job=job, by=owner)

    candidates_merge(keep=keep, merge=merge, by=admin_user)

    assert keep.applications.get().stage == Stage.SCREENING
