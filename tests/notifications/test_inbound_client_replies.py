"""A hiring manager's reply to a chase email: the words land on every application the chase named, the
owner reviews them, and the client's clock waits; an out-of-office changes nothing; forgeries stay out."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from notifications.models import InboundMessage, OutboundMessage
from notifications.services import sending
from notifications.services.inbound import inbound_email_receive
from notifications.services.reply_addresses import reply_address
from recruiting.models import Application, AuditLog, ClientChase, ContactEvent, HiringManager, RecruiterPrompt, Stage
from recruiting.services import application_move
from recruiting.services.clients import client_answers_chase, client_prompts_scan
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
TUESDAY = datetime(2026, 11, 17, 10, tzinfo=UTC)
DUE = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)  # Friday, three business days later: the chase goes
REPLIED = DUE + timedelta(hours=3)
PAST_CALL_TIME = datetime(2026, 11, 26, 12, tzinfo=UTC)  # well past two business days after the chase
DOMAIN = "reply.northwind.example"
MANAGER = "dana@lumen.example"
Reason = RecruiterPrompt.Reason


@pytest.fixture(autouse=True)
def reply_domain(settings):
    settings.INLOOP_REPLY_DOMAIN = DOMAIN


@pytest.fixture
def owner():
    return UserFactory(email="sam@northwind.example")


@pytest.fixture
def manager():
    return HiringManager.objects.create(client=ClientFactory(name="Lumen & Loom"), name="Dana Park", email=MANAGER)


@pytest.fixture
def applications(manager, owner) -> list[Application]:
    job = JobFactory(client=manager.client, owner=owner, title="Weaver")
    job.hiring_managers.add(manager)
    made = [
        ApplicationFactory(job=job, candidate__owner=owner, candidate__first_name=name, stage=Stage.SCREENING)
        for name in ("Ana", "Ben")
    ]
    with time_machine.travel(TUESDAY, tick=False):
        for application in made:
            application_move(application=application, to_stage=Stage.SUBMITTED, by=owner, notify=False)
    return made


@pytest.fixture
def chase(applications) -> OutboundMessage:
    with time_machine.travel(DUE, tick=False):
        client_answers_chase()
    message = OutboundMessage.objects.get(template_code="client_chase")
    # As the send records it: the Message-ID the manager's mail program quotes back.
    OutboundMessage.objects.filter(pk=message.pk).update(status="sent", message_id="<chase-1@inloop.example>")
    assert ClientChase.objects.filter(message=message).count() == 2
    return OutboundMessage.objects.get(pk=message.pk)


def _raw(*, to: str, sender: str = MANAGER, headers: str = "", subject: str = "Re: A quick question") -> bytes:
    return (
        f"From: Dana Park <{sender}>\r\nTo: {to}\r\nSubject: {subject}\r\n"
        "Date: Fri, 20 Nov 2026 13:00:00 +0000\r\nMessage-ID: <dana-1@lumen.example>\r\n"
        f"{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Both look strong. We would like to meet Ana next week; Ben is not quite senior enough.\r\n\r\n"
        "Dana\r\n\r\n"
        "On Fri, 20 Nov 2026 at 10:05, Northwind <hello@northwind.example> wrote:\r\n"
        "> Hello Dana, we are waiting to hear about two candidates.\r\n"
        "> Ana, Weaver (with you since Tuesday 17 November)\r\n"
    ).encode()


def _receive(raw: bytes) -> InboundMessage:
    with time_machine.travel(REPLIED, tick=False):
        return inbound_email_receive(raw_bytes=raw, source="pipe")


def _open(application: Application, reason: str) -> list[RecruiterPrompt]:
    return list(RecruiterPrompt.objects.filter(application=application, reason=reason, resolved_at__isnull=True))


def _scan_past_call_time() -> None:
    with time_machine.travel(PAST_CALL_TIME, tick=False):
        client_prompts_scan()
        client_answers_chase()


def test_the_chase_carries_a_signed_reply_address(chase):
    assert sending._email_for(chase).reply_to == [reply_address(chase.pk)]


def test_without_a_reply_domain_the_chase_replies_go_to_the_owners(chase, settings, owner):
    settings.INLOOP_REPLY_DOMAIN = ""
    assert sending._email_for(chase).reply_to == [owner.email]


def test_a_managers_reply_lands_on_both_applications_for_review_and_the_call_waits(chase, applications, owner):
    inbound = _receive(_raw(to=reply_address(chase.pk)))

    assert (inbound.status, inbound.reason) == (InboundMessage.Status.ACCEPTED, "")
    assert inbound.message == chase and not inbound.from_candidate
    for application in applications:
        contact = ContactEvent.objects.get(application=application)
        assert contact.direction == ContactEvent.Direction.INBOUND and contact.by is None
        assert contact.summary.startswith("Reply by email from Dana Park (hiring manager): Re: A quick question")
        assert "We would like to meet Ana next week" in contact.summary
        assert "waiting to hear about" not in contact.summary and "wrote:" not in contact.summary
        [review] = _open(application, Reason.CLIENT_ANSWERED)
        assert review.recruiter == owner and "Dana Park replied" in review.detail
        assert not _open(application, Reason.REPLY_OWED)
        application.refresh_from_db()
        assert application.client_answer_due is None and application.client_answered_at == REPLIED

    _scan_past_call_time()

    for application in applications:
        assert not _open(application, Reason.CLIENT_SILENT)
    assert OutboundMessage.objects.filter(template_code="client_chase").count() == 1


def test_without_the_reply_address_only_the_manager_may_answer_by_message_id(chase, applications):
    references = "In-Reply-To: <chase-1@inloop.example>\r\nReferences: <chase-1@inloop.example>\r\n"
    stranger = _receive(_raw(to="hello@northwind.example", sender="eve@else.example", headers=references))
    assert stranger.status == InboundMessage.Status.REJECTED and "not from its recipient" in stranger.reason
    assert not ContactEvent.objects.exists()

    accepted = _receive(_raw(to="hello@northwind.example", headers=references))
    assert accepted.status == InboundMessage.Status.ACCEPTED
    assert ContactEvent.objects.filter(application__in=applications).count() == 2


def test_a_colleague_writing_from_the_reply_address_is_named(chase, applications):
    _receive(_raw(to=reply_address(chase.pk), sender="lee@lumen.example"))
    contact = ContactEvent.objects.filter(application=applications[0]).get()
    assert contact.summary.startswith("Reply by email from Dana Park (hiring manager), sent from lee@lumen.example:")


def test_an_out_of_office_from_the_manager_is_recorded_and_changes_nothing(chase, applications):
    inbound = _receive(
        _raw(to=reply_address(chase.pk), headers="Auto-Submitted: auto-replied\r\n", subject="Out of office")
    )

    assert inbound.status == InboundMessage.Status.ACCEPTED and inbound.automatic
    for application in applications:
        assert ContactEvent.objects.get(application=application).summary.startswith("Automatic answer by email")
        assert not _open(application, Reason.CLIENT_ANSWERED)
        application.refresh_from_db()
        assert application.client_answer_due is not None and application.client_answered_at is None

    _scan_past_call_time()

    for application in applications:
        assert len(_open(application, Reason.CLIENT_SILENT)) == 1


def test_a_forged_token_is_rejected_and_touches_no_application(chase, applications):
    address = reply_address(chase.pk)
    forged = address.replace(address.split("-")[1][:4], "0000")
    inbound = _receive(_raw(to=forged))

    assert inbound.status == InboundMessage.Status.REJECTED and "a token we did not sign" in inbound.reason
    assert not ContactEvent.objects.exists()
    assert not RecruiterPrompt.objects.filter(reason=Reason.CLIENT_ANSWERED).exists()


def test_a_reply_after_the_manager_was_erased_keeps_nothing(chase, manager):
    HiringManager.objects.filter(pk=manager.pk).update(erased_at=DUE)
    inbound = _receive(_raw(to=reply_address(chase.pk)))
    assert inbound.status == InboundMessage.Status.REJECTED
    assert (inbound.raw, inbound.sender, inbound.subject) == (b"", "", "")
    assert not ContactEvent.objects.exists()


def test_a_second_reply_replaces_the_review_and_each_is_audited(chase, applications):
    _receive(_raw(to=reply_address(chase.pk)))
    _receive(_raw(to=reply_address(chase.pk), subject="Re: A quick question (one more thing)"))
    for application in applications:
        assert len(_open(application, Reason.CLIENT_ANSWERED)) == 1
        assert ContactEvent.objects.filter(application=application).count() == 2
    assert AuditLog.objects.filter(action="application.client_reply").count() == 4


def test_a_reply_to_an_older_chase_leaves_the_new_steps_clock_running(chase, applications, owner):
    moved, still = applications
    with time_machine.travel(DUE + timedelta(hours=1), tick=False):
        application_move(application=moved, to_stage=Stage.INTERVIEWING, by=owner, notify=False)
    moved.refresh_from_db()
    new_due = moved.client_answer_due
    assert new_due is not None

    _receive(_raw(to=reply_address(chase.pk)))

    moved.refresh_from_db()
    assert (moved.client_answer_due, moved.client_answered_at) == (new_due, None)
    assert len(_open(moved, Reason.CLIENT_ANSWERED)) == 1
    still.refresh_from_db()
    assert still.client_answer_due is None


def test_the_pages_show_the_clients_words_with_no_candidate_reply_to_answer(client, chase, applications, owner):
    _receive(_raw(to=reply_address(chase.pk)))
    client.force_login(owner)
    replies = client.get(reverse("outbox_replies")).content.decode()
    assert '<span class="badge bg-info text-dark">hiring manager</span>' in replies and "?answer=" not in replies
    for application in applications:
        page = client.get(reverse("candidate_detail", args=[application.candidate_id])).content.decode()
        assert "Reply by email from Dana Park (hiring manager): Re: A quick question" in page
        assert "?answer=" not in page


def test_erasing_the_manager_unnames_their_reply_and_empties_the_stored_email(chase, applications, manager):
    inbound = _receive(_raw(to=reply_address(chase.pk)))
    call_command("erase_hiring_manager", str(manager.pk), "--yes", stdout=io.StringIO())

    inbound.refresh_from_db()
    assert (bytes(inbound.raw), inbound.sender, inbound.subject, inbound.text) == (b"", "", "", "")
    for application in applications:
        summary = ContactEvent.objects.get(application=application).summary
        assert summary.startswith(
            "Reply by email from a hiring manager whose details were erased: Re: A quick question"
        )
        assert "Dana Park" not in summary


def test_a_candidate_erased_since_the_chase_gets_nothing_of_the_reply(chase, applications):
    erased, kept = applications
    type(erased.candidate).objects.filter(pk=erased.candidate_id).update(erased_at=DUE)

    inbound = _receive(_raw(to=reply_address(chase.pk)))

    assert inbound.status == InboundMessage.Status.ACCEPTED and inbound.application_id == kept.pk
    assert not ContactEvent.objects.filter(application=erased).exists()
    assert not _open(erased, Reason.CLIENT_ANSWERED)
    assert len(_open(kept, Reason.CLIENT_ANSWERED)) == 1
