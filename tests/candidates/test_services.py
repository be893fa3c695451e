"""Candidate services: creation with every kind of address and name (bad input), new links,
asking for an update."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from candidates import links
from candidates.models import Candidate
from candidates.services.people import application_update_request, candidate_create
from candidates.validators import email_address_clean
from notifications.models import OutboundMessage
from notifications.services.status_links import candidate_link_rotate
from recruiting.models import AuditLog, RecruiterPrompt, Stage
from tests.factories import ApplicationFactory, CandidateFactory

pytestmark = pytest.mark.django_db

VALID_ADDRESSES = [
    "plain@mail.example",
    "Mixed.Case+tag@Mail.Example",
    "o'connor@mail.example",
    "user@bücher.example",  # IDN domain
    "user@xn--bcher-kva.example",  # the same domain in its ASCII form
    "josé.müller@mail.example",  # non-ASCII local part (RFC 6531)
    "用户@例子.广告",
    "δοκιμή@παράδειγμα.δοκιμή",
    "अजय@डाटा.भारत",
    "x" * 64 + "@" + ".".join(["d" * 63] * 2) + ".example",  # longest local part, long domain
    "user@[192.0.2.1]",
]
INVALID_ADDRESSES = [
    ("", "Enter an email address."),
    ("   ", "Enter an email address."),
    ("no-at-sign.example", "needs a name, an @ and a domain"),
    ("@mail.example", "needs a name, an @ and a domain"),
    ("user@", "needs a name, an @ and a domain"),
    ("two words@mail.example", "cannot contain spaces"),
    ("user@mail.example\r\nBcc: x@evil.example", "cannot contain spaces or line breaks"),
    (".dot@mail.example", "before the @"),
    ("dot.@mail.example", "before the @"),
    ("two..dots@mail.example", "before the @"),
    ("a(b)@mail.example", "before the @"),
    ("user@localhost", "not a valid email domain"),
    ("user@-bad-.example", "not a valid email domain"),
    ("user@mail..example", "not a valid email domain"),
    ("x" * 65 + "@mail.example", "the limit is 64"),
    ("user@" + "d" * 64 + ".example", "not a valid email domain"),
    ("a" * 60 + "@" + ".".join(["d" * 60] * 4) + ".example", "the limit is 254"),
]
NAMES = [
    ("Zoë", "O'Brien-Ñúñez"),
    ("🦊 Sam", "🚀"),
    ("محمد", "العتيبي"),  # right to left
    ("שרה", "כהן"),
    ("李", "小龙"),
    ("A" * 150, "B" * 150),
    ("Ana\u200d", "Silva\u200f"),  # joiners and direction marks are part of how some names are written
]


@pytest.mark.parametrize("address", VALID_ADDRESSES)
def test_valid_addresses_are_kept_exactly(recruiter, address):
    candidate = candidate_create(first_name="Ama", email=f"  {address} ", owner=recruiter, by=recruiter)

    candidate.refresh_from_db()
    assert candidate.email == address


@pytest.mark.parametrize(("address", "message"), INVALID_ADDRESSES)
def test_invalid_addresses_are_refused_with_a_message(recruiter, address, message):
    with pytest.raises(ValidationError) as raised:
        candidate_create(first_name="Ama", email=address, owner=recruiter, by=recruiter)

    assert list(raised.value.message_dict) == ["email"]
    assert message in raised.value.message_dict["email"][0]
    assert not Candidate.objects.exists()


@pytest.mark.parametrize(("first", "last"), NAMES)
def test_names_in_any_script_are_kept_exactly(recruiter, first, last):
    candidate = candidate_create(first_name=first, last_name=last, email="ama@mail.example", owner=recruiter, by=None)

    candidate.refresh_from_db()
    assert (candidate.first_name, candidate.last_name) == (first, last)


@pytest.mark.parametrize(
    ("first", "last", "field", "message"),
    [
        ("", "Mensah", "first_name", "Enter the first name."),
        ("   ", "Mensah", "first_name", "Enter the first name."),
        ("Bob\r\nBcc: x@evil.example", "", "first_name", "cannot contain line breaks"),
        ("Ama", "Men\x00sah", "last_name", "control characters"),
        ("A" * 151, "", "first_name", "the limit is 150"),
        ("Ama", "B" * 151, "last_name", "the limit is 150"),
    ],
)
def test_invalid_names_are_refused_with_a_message(recruiter, first, last, field, message):
    with pytest.raises(ValidationError) as raised:
        candidate_create(first_name=first, last_name=last, email="ama@mail.example", owner=recruiter, by=None)

    assert message in raised.value.message_dict[field][0]
    assert not Candidate.objects.exists()


def test_every_problem_is_reported_at_once(recruiter):
    with pytest.raises(ValidationError) as raised:
        candidate_create(first_name="", email="nope", phone="1\n2", time_zone="Nowhere/Land", owner=recruiter, by=None)

    assert set(raised.value.message_dict) == {"first_name", "email", "phone", "time_zone"}


def test_creation_is_audited(recruiter):
    candidate = candidate_create(first_name="Ama", email="ama@mail.example", owner=recruiter, by=recruiter)

    assert AuditLog.objects.filter(action="candidate.create", object_id=candidate.pk, actor=recruiter).exists()


def test_address_check_is_the_one_the_import_uses():
    assert email_address_clean(" josé@bücher.example\t") == "josé@bücher.example"


def test_link_rotate_retires_old_links_and_queues_one_email(django_capture_on_commit_callbacks):
    candidate = CandidateFactory(email="kwame@mail.example", first_name="Kwame")
    old = links.status_page_url(candidate)

    with django_capture_on_commit_callbacks(execute=False):
        rotated = candidate_link_rotate(candidate=candidate, by=None)

    assert rotated.link_version == candidate.link_version + 1
    old_token = old.rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(Candidate.DoesNotExist):
        links.candidate_from_token(old_token)
    message = OutboundMessage.objects.get(candidate=candidate)
    assert message.template_code == "status_link"
    assert message.to_address == "kwame@mail.example"
    assert links.status_page_url(rotated) in message.body_text
    assert "Kwame" in message.body_text
    assert message.status == OutboundMessage.Status.QUEUED
    assert AuditLog.objects.filter(action="candidate.link_rotate", object_id=candidate.pk).count() == 1


def test_link_rotate_reaches_a_candidate_who_paused_automated_updates(django_capture_on_commit_callbacks):
    candidate = CandidateFactory(automated_updates_paused=True)

    with django_capture_on_commit_callbacks(execute=False):
        candidate_link_rotate(candidate=candidate, by=None)

    assert OutboundMessage.objects.get(candidate=candidate).status == OutboundMessage.Status.QUEUED


def test_update_request_opens_one_prompt_per_week():
    application = ApplicationFactory()

    assert application_update_request(application=application, candidate=application.candidate) is True
    assert application_update_request(application=application, candidate=application.candidate) is False
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        RecruiterPrompt.objects.update(resolved_at=timezone.now())
        assert application_update_request(application=application, candidate=application.candidate) is True

    assert RecruiterPrompt.objects.filter(application=application, reason="candidate_asked").count() == 2


def test_update_request_refuses_another_candidates_application():
    application = ApplicationFactory()

    with pytest.raises(ValidationError, match="not yours"):
        application_update_request(application=application, candidate=CandidateFactory())

    assert not RecruiterPrompt.objects.exists()


def test_update_request_refuses_closed_applications():
    application = ApplicationFactory(stage=Stage.PLACED, closed_at=timezone.now())

    with pytest.raises(ValidationError, match="closed"):
        application_update_request(application=application, candidate=application.candidate)


def test_a_recruiter_may_send_a_new_link_only_for_their_own_candidate(recruiter, django_capture_on_commit_callbacks):
    theirs = CandidateFactory(owner=recruiter)
    someone_elses = CandidateFactory()

    with django_capture_on_commit_callbacks(execute=False):
        candidate_link_rotate(candidate=theirs, by=recruiter)
        with pytest.raises(PermissionDenied):
            candidate_link_rotate(candidate=someone_elses, by=recruiter)

    assert AuditLog.objects.get(action="candidate.link_rotate").details["source"] == "recruiter"
    someone_elses.refresh_from_db()
    assert someone_elses.link_version == 1
