"""What the outbox and its messages say is what happens: a second check-in, the text a held message will
go with, the counts, the chase's signature, the answer that threads."""

import datetime as dt
import re
from email.message import EmailMessage

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from notifications.models import InboundMessage, OutboundMessage
from notifications.services import messages as message_services
from notifications.services import sending
from notifications.services.inbound import inbound_email_receive
from notifications.services.reply_addresses import reply_address
from recruiting.models import ClientChase, ContactEvent, HiringManager, Role, Stage
from recruiting.services import application_clock_recompute, application_move, contact_log
from recruiting.services.clients import client_answers_chase
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    ClientFactory,
    JobFactory,
    OutboundMessageFactory,
    TeamFactory,
    UserFactory,
)
from workspace.signed_links import signed_links_masked

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status
# Tuesday 1 December 2026, 10:00 in London (UTC in winter): inside business hours.
DECEMBER_1 = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def december_first():
    with time_machine.travel(DECEMBER_1, tick=False) as traveller:
        yield traveller


def overdue_application(owner, **fields):
    candidate = CandidateFactory(owner=owner, first_name="Amira", last_name="Haddad", time_zone="Europe/London")
    told = DECEMBER_1 - dt.timedelta(days=12)
    application = ApplicationFactory(
        candidate=candidate,
        job=JobFactory(title="Payroll Analyst", owner=owner),
        stage=Stage.SCREENING,
        created_at=told,
        stage_entered_at=told,
        last_informed_at=told,
        **fields,
    )
    application_clock_recompute(application=application)
    application.refresh_from_db()
    return application


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def check_in(client, application) -> str:
    """What the page says after one click on "Send check-in" (the newest flash message)."""
    return flashed(client.post(reverse("application_check_in", args=[application.pk])))[-1]


# A second check-in the same day


def test_a_second_check_in_the_same_day_says_the_first_is_waiting_and_queues_nothing(client, recruiter):
    application = overdue_application(recruiter)
    client.force_login(recruiter)

    assert check_in(client, application) == (
        "A check-in to Amira Haddad is in the outbox; you can still read or cancel it there."
    )
    second = check_in(client, application)

    assert OutboundMessage.objects.filter(application=application, template_code="check_in").count() == 1
    assert second == (
        "No check-in queued for Amira Haddad: Today's check-in is already in the outbox (held for review, goes "
        "out after Tuesday 1 December, 10:10 UTC); one check-in a day is the most we send, so nothing new was "
        "queued. You can read or cancel it there."
    )


def test_a_check_in_after_todays_went_says_it_went_and_queues_nothing(client, recruiter, december_first):
    application = overdue_application(recruiter)
    client.force_login(recruiter)
    check_in(client, application)
    december_first.shift(dt.timedelta(minutes=11))
    assert sending.messages_send_due(worker="w").sent == 1

    again = check_in(client, application)

    assert again == (
        "No check-in queued for Amira Haddad: Today's check-in already went (Tuesday 1 December, 10:11 UTC); "
        "one check-in a day is the most we send, so nothing new was queued. A personal email can still reach "
        "them today."
    )
    assert OutboundMessage.objects.filter(application=application, template_code="check_in").count() == 1
    assert len(mail.outbox) == 1


def test_a_check_in_after_todays_was_cancelled_says_none_can_go_before_tomorrow(client, recruiter, december_first):
    application = overdue_application(recruiter)
    client.force_login(recruiter)
    check_in(client, application)
    message_services.message_cancel(
        message=OutboundMessage.objects.get(application=application), by=recruiter, reason="Called instead"
    )

    again = check_in(client, application)

    assert "Today's check-in was cancelled; one check-in a day is the most we send" in again
    assert "before tomorrow" in again
    december_first.shift(dt.timedelta(days=1))
    assert check_in(client, application) == (
        "A check-in to Amira Haddad is in the outbox; you can still read or cancel it there."
    )
    assert OutboundMessage.objects.filter(application=application, template_code="check_in").count() == 2


def test_a_check_in_to_a_candidate_told_today_says_it_goes_on_their_next_day(client, recruiter, december_first):
    application = overdue_application(recruiter)
    other = ApplicationFactory(candidate=application.candidate, stage=Stage.SCREENING)
    OutboundMessageFactory(
        application=other, status=Status.SENT, sent_at=DECEMBER_1 - dt.timedelta(hours=1), template_code="screening"
    )
    client.force_login(recruiter)

    said = check_in(client, application)

    assert said == (
        "A check-in to Amira Haddad is in the outbox. They already had an email from us today and get one a "
        "day at most, so it goes on their next day; you can still read or cancel it there."
    )
    # And so it does: the worker holds it over to Wednesday.
    december_first.shift(dt.timedelta(minutes=11))
    assert sending.messages_send_due(worker="w").sent == 0
    held = OutboundMessage.objects.get(application=application, template_code="check_in")
    assert held.send_after.date() == dt.date(2026, 12, 2)


# The text a held message will go with


def shown_on_the_outbox(client, message) -> tuple[str, str]:
    """The subject and text the outbox's page of a message offers to read and edit."""
    page = client.get(reverse("outbox_message", args=[message.pk]))
    assert page.status_code == 200
    initial = page.context["form"].initial
    return initial["subject"], initial["body_text"]


def test_after_a_logged_call_the_outbox_shows_the_text_the_sender_then_sends(client, recruiter, december_first):
    application = overdue_application(recruiter, promised_next_step_date=dt.date(2026, 12, 11))
    message = message_services.message_check_in_queue(application=application, by=recruiter)
    assert "The next step is planned for Friday 11 December 2026." in message.body_text
    client.force_login(recruiter)
    december_first.shift(dt.timedelta(minutes=2))
    # The call tells the candidate: the promise is spent, and their clock starts again from the call.
    contact_log(
        application=application,
        channel=ContactEvent.Channel.PHONE,
        direction=ContactEvent.Direction.OUTBOUND,
        by=recruiter,
        summary="Told her the client is still deciding.",
    )
    assert "next step is planned" in OutboundMessage.objects.get(pk=message.pk).body_text  # the row is as written

    subject, body = shown_on_the_outbox(client, message)

    assert "next step is planned" not in body
    assert "You will hear from us again by" in body
    december_first.move_to(message.send_after)
    assert sending.messages_send_due(worker="w").sent == 1
    sent = mail.outbox[0]
    # Exactly the same text; only the signature of the candidate's own links is made afresh when it goes.
    assert (sent.subject, signed_links_masked(sent.body, viewer=None)) == (
        subject,
        signed_links_masked(body, viewer=None),
    )


def test_a_new_promise_and_a_renamed_job_show_in_the_outbox_list_and_page(client, recruiter, december_first):
    application = overdue_application(recruiter)
    message = message_services.message_check_in_queue(application=application, by=recruiter)
    client.force_login(recruiter)
    application.job.title = "Senior Payroll Analyst"
    application.job.save(update_fields=["title"])
    application.promised_next_step_date = dt.date(2026, 12, 9)
    application.save(update_fields=["promised_next_step_date"])

    listed = client.get(reverse("outbox")).content.decode()
    subject, body = shown_on_the_outbox(client, message)

    assert subject == "An update on your application for Senior Payroll Analyst"
    assert subject in listed
    assert "The next step is planned for Wednesday 9 December 2026." in body
    december_first.move_to(message.send_after)
    sending.messages_send_due(worker="w")
    assert (mail.outbox[0].subject, signed_links_masked(mail.outbox[0].body, viewer=None)) == (
        subject,
        signed_links_masked(body, viewer=None),
    )


def test_saving_the_shown_text_unchanged_is_no_edit_and_it_stays_rendered_at_send_time(client, recruiter):
    application = overdue_application(recruiter, promised_next_step_date=dt.date(2026, 12, 11))
    message = message_services.message_check_in_queue(application=application, by=recruiter)
    contact_log(
        application=application,
        channel=ContactEvent.Channel.PHONE,
        direction=ContactEvent.Direction.OUTBOUND,
        by=recruiter,
    )
    client.force_login(recruiter)
    subject, body = shown_on_the_outbox(client, message)

    client.post(reverse("outbox_message", args=[message.pk]), {"subject": subject, "body_text": body})

    message.refresh_from_db()
    assert message.edited_at is None
    assert "next step is planned" not in message.body_text


# The counts of the outbox's tabs


def chase_naming(*applications) -> OutboundMessage:
    """A held feedback request to a hiring manager about these applications."""
    manager = HiringManager.objects.create(client=ClientFactory(), name="Dana Park", email="dana@lumen.example")
    message = OutboundMessageFactory(
        application=None, candidate=None, template_code="client_chase", to_address=manager.email, status=Status.HELD
    )
    for application in applications:
        ClientChase.objects.create(application=application, hiring_manager=manager, due_at=DECEMBER_1, message=message)
    return message


def badges(page: str) -> dict[str, str]:
    """Each tab's label and its count, as the page shows them."""
    found = re.findall(r'class="nav-link[^"]*"[^>]*>([^<]+?) <span class="badge bg-secondary">(\d+)</span>', page)
    return dict(found)


def test_the_tab_counts_count_what_the_tabs_list_in_each_scope(client, django_assert_max_num_queries):
    lead = UserFactory(profile__role=Role.TEAM_LEAD)
    team = TeamFactory(lead=lead)
    me = UserFactory(profile__team=team)
    mate = UserFactory(profile__team=team)
    lead.profile.team = team
    lead.profile.save(update_fields=["team"])
    outsider = UserFactory()
    mine = [ApplicationFactory(candidate__owner=me) for _ in range(2)]
    for application in mine:
        OutboundMessageFactory(application=application, status=Status.HELD)
    OutboundMessageFactory(application=ApplicationFactory(candidate__owner=me), status=Status.FAILED)
    chase_naming(mine[0], ApplicationFactory(candidate__owner=outsider))
    for _ in range(3):
        OutboundMessageFactory(application=ApplicationFactory(candidate__owner=mate), status=Status.HELD)
    for _ in range(2):
        OutboundMessageFactory(application=ApplicationFactory(candidate__owner=outsider), status=Status.HELD)
    OutboundMessageFactory(application=ApplicationFactory(candidate__owner=outsider), status=Status.SENT)
    expected = {
        # owner scope: (held, failed, sent, needs a look)
        (me, "mine"): ("3", "1", "0", "4"),
        (lead, "team"): ("6", "1", "0", "7"),
        (me, "all"): ("8", "1", "1", "9"),
    }
    for (user, scope), (held, failed, sent, needs_a_look) in expected.items():
        client.force_login(user)
        with django_assert_max_num_queries(14):
            response = client.get(reverse("outbox"), {"owner": scope, "status": "held"})
        counts = badges(response.content.decode())
        assert (counts["Held for review"], counts["Failed"], counts["Sent"], counts["Needs a look"]) == (
            held,
            failed,
            sent,
            needs_a_look,
        ), scope
        assert len(response.context["messages_page"].items) == int(held)


# The feedback request's signature


def test_a_request_about_three_recruiters_candidates_is_signed_with_their_names_listed():
    lumen = ClientFactory(name="Lumen & Loom")
    manager = HiringManager.objects.create(client=lumen, name="Dana Park", email="dana@lumen.example")
    owners = [
        UserFactory(first_name=first, last_name=last)
        for first, last in (("Ana", "Silva"), ("Ben", "Okafor"), ("Cleo", "Marsh"))
    ]
    submitted_on = DECEMBER_1 - dt.timedelta(days=6)  # Wednesday 25 November
    for owner in owners:
        job = JobFactory(client=lumen, owner=owner)
        job.hiring_managers.add(manager)
        application = ApplicationFactory(
            job=job, candidate__owner=owner, stage=Stage.SCREENING, created_at=submitted_on
        )
        with time_machine.travel(submitted_on, tick=False):
            application_move(application=application, to_stage=Stage.SUBMITTED, by=owner, notify=False)

    client_answers_chase()

    message = OutboundMessage.objects.get(template_code="client_chase")
    assert message.body_text.rstrip().endswith("\n\nAna Silva, Ben Okafor and Cleo Marsh")
    assert message.body_text.count("(with you since Wednesday 25 November)") == 3


# An answer to the candidate's email threads


@pytest.fixture
def reply_domain(settings):
    settings.INLOOP_REPLY_DOMAIN = "reply.northwind.example"


def candidates_reply(message, *, references: str | None) -> InboundMessage:
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = message.to_address, reply_address(message.pk), "Re: Your application"
    email["Message-ID"] = "<reply-1@mail.example>"
    email["In-Reply-To"] = message.message_id
    if references is not None:
        email["References"] = references
    email.set_content("When will I hear back?")
    return inbound_email_receive(raw_bytes=email.as_bytes(), source="pipe")


@pytest.mark.parametrize(
    ("references", "expected"),
    [
        (
            "<first@inloop.example> <m-sent@inloop.example>",
            "<first@inloop.example> <m-sent@inloop.example> <reply-1@mail.example>",
        ),
        (None, "<m-sent@inloop.example> <reply-1@mail.example>"),
    ],
)
def test_an_answer_to_the_candidates_email_goes_in_their_thread(client, recruiter, reply_domain, references, expected):
    application = overdue_application(recruiter)
    ours = OutboundMessageFactory(application=application, status=Status.SENT, message_id="<m-sent@inloop.example>")
    reply = candidates_reply(ours, references=references)
    assert reply.application_id == application.pk
    client.force_login(recruiter)
    form = client.get(reverse("candidate_detail", args=[application.candidate_id]), {"answer": application.pk}).context[
        "email_form"
    ]
    assert form.initial["answering"] == reply.pk

    response = client.post(
        reverse("candidate_email", args=[application.candidate_id]),
        {
            "application": application.pk,
            "subject": form.initial["subject"],
            "body": "Hello Amira, the client decides on Friday.",
            "send_token": "4a0c5d2e-5e2c-4bb8-9d4e-0c3fb0c2a111",
            "answering": reply.pk,
        },
    )
    assert response.status_code == 302
    assert sending.messages_send_due(worker="w").sent == 1

    sent = mail.outbox[0].message()
    assert (sent["In-Reply-To"], sent["References"]) == ("<reply-1@mail.example>", expected)


def test_an_answer_naming_another_candidates_email_is_refused_and_keeps_the_text(client, recruiter, reply_domain):
    application = overdue_application(recruiter)
    someone_else = ApplicationFactory()
    theirs = OutboundMessageFactory(
        application=someone_else, status=Status.SENT, message_id="<m-theirs@inloop.example>"
    )
    reply = candidates_reply(theirs, references=None)
    client.force_login(recruiter)

    response = client.post(
        reverse("candidate_email", args=[application.candidate_id]),
        {
            "application": application.pk,
            "subject": "Re: Your application",
            "body": "Hello Amira, the client decides on Friday.",
            "send_token": "4a0c5d2e-5e2c-4bb8-9d4e-0c3fb0c2a112",
            "answering": reply.pk,
        },
    )

    assert response.status_code == 400
    form = response.context["email_form"]
    assert form.errors["body"] == ["The email you are answering is not this candidate's: open their page again."]
    assert "the client decides on Friday." in response.content.decode()
    assert not OutboundMessage.objects.filter(template_code="personal").exists()
