"""Signed links (a candidate’s status and unsubscribe links, a hiring manager’s answer link, a password reset
link, a reply address) are shown only to who may act on what they open, on every page a signed-in person
reads: the outbox and its messages, the Replies tab, timelines, previews and the admin. Emails that come
back (out-of-office notes, bounces) quote the original, links included: they are masked the same way."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from candidates.links import status_page_url, unsubscribe_url
from notifications.models import InboundMessage, OutboundMessage
from notifications.services.inbound import inbound_email_receive
from notifications.services.messages import message_check_in_queue
from notifications.services.reply_addresses import reply_address
from recruiting.client_links import client_answer_url
from recruiting.models import ClientAnswer, HiringManager, Stage
from recruiting.services import application_move
from recruiting.services.clients import client_answers_chase
from tests.factories import (
    ApplicationFactory,
    ClientFactory,
    JobFactory,
    OutboundMessageFactory,
    TeamFactory,
    UserFactory,
)
from workspace.signed_links import signed_links_masked

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
DOMAIN = "reply.northwind.example"
TUESDAY = datetime(2026, 11, 17, 10, tzinfo=UTC)
CHASED = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)
READ = CHASED + timedelta(hours=2)
SIGNED = re.compile(r"/c/(?:status|unsubscribe|answer)/[^\s\"'<>]+|reply\+[0-9a-z-]+@", re.IGNORECASE)


@pytest.fixture(autouse=True)
def reply_domain(settings):
    settings.INLOOP_REPLY_DOMAIN = DOMAIN


def _application(owner):
    return _application_of(owner, candidate_owner=owner)


def _application_of(owner, *, candidate_owner):
    return ApplicationFactory(candidate__owner=candidate_owner, owner=owner, job__owner=owner, stage=Stage.SCREENING)


def _links(candidate):
    # The part of each link that does not move with the clock (a token ends with its signing time).
    return [
        f"/c/status/{candidate.pk}.{candidate.link_version}:",
        f"/c/unsubscribe/{candidate.pk}.{candidate.link_version}:",
    ]


def _recruiter(**profile):
    return UserFactory(profile__team=TeamFactory(), **{f"profile__{key}": value for key, value in profile.items()})


def _staff_who_may_view(*codenames):
    staff = UserFactory(is_staff=True, profile__team=TeamFactory())
    staff.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return staff


def _page(client, user, url, **query) -> str:
    client.force_login(user)
    response = client.get(url, query)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_every_kind_of_signed_link_is_masked_whole_for_nobody_in_particular():
    application = _application(UserFactory())
    user = application.owner
    reset = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    answer = client_answer_url(application_id=application.pk, hiring_manager_id=1, due_at=TUESDAY)
    text = (
        f"See {status_page_url(application.candidate)}preferences/ or stop: {unsubscribe_url(application.candidate)}.\n"
        f"Answer: {answer}\nReset: https://inloop.example{reset}\nReply to {reply_address(41).upper()} please.\n"
        f"Cut short: {status_page_url(application.candidate)[:-12]}…\nPlain: /candidates/{application.candidate_id}/"
    )

    masked = signed_links_masked(text, viewer=None)

    assert masked == (
        "See [the candidate’s status link] or stop: [the candidate’s unsubscribe link].\n"
        "Answer: [the hiring manager’s answer link]\nReset: [a password reset link]\n"
        "Reply to [a reply address] please.\n"
        f"Cut short: [the candidate’s status link]…\nPlain: /candidates/{application.candidate_id}/"
    )


@pytest.fixture
def message():
    owner = UserFactory(profile__team=TeamFactory())
    return message_check_in_queue(application=_application(owner), by=owner)


def test_another_teams_recruiter_reads_the_message_without_its_links(client, message):
    page = _page(client, _recruiter(), reverse("outbox_message", args=[message.pk]))

    assert "the candidate’s unsubscribe link" in page
    assert not any(link in page for link in _links(message.candidate))


def test_the_owner_reads_the_links_and_may_edit_the_message(client, message):
    page = _page(client, message.candidate.owner, reverse("outbox_message", args=[message.pk]))

    assert all(link in page for link in _links(message.candidate))
    assert 'name="body_text"' in page


def test_a_staff_recruiter_of_another_team_reads_the_admin_message_without_its_links(client, message):
    staff = _staff_who_may_view("view_outboundmessage")

    page = _page(client, staff, reverse("admin:notifications_outboundmessage_change", args=[message.pk]))

    assert "unsubscribe link]" in page
    assert not any(link in page for link in _links(message.candidate))


def test_a_preview_on_an_application_whose_candidate_is_another_teams_masks_the_links(client):
    # An application of the user's own, on a candidate of another team (as an import once allowed).
    owner = _recruiter(role="team_lead")
    application = _application_of(owner, candidate_owner=_recruiter())
    client.force_login(owner)

    preview = client.post(
        reverse("template_preview", args=["check_in"]),
        {"application": application.pk, "subject": "News", "body_text": "{{ status_page_url }} {{ unsubscribe_url }}"},
    ).content.decode()
    move = client.get(
        reverse("application_move_preview", args=[application.pk]), {"to_stage": Stage.SUBMITTED}
    ).content.decode()

    assert "status link]" in preview
    assert not any(link in preview + move for link in _links(application.candidate))


# A chase to a hiring manager names applications of two teams, each with its one-click answer link.


@pytest.fixture
def chase():
    manager = HiringManager.objects.create(client=ClientFactory(), name="Dana Park", email="dana@lumen.example")
    ours, theirs = _recruiter(), _recruiter()
    applications = []
    for owner in (ours, theirs):
        job = JobFactory(client=manager.client, owner=owner)
        job.hiring_managers.add(manager)
        applications.append(ApplicationFactory(job=job, candidate__owner=owner, owner=owner, stage=Stage.SCREENING))
    with time_machine.travel(TUESDAY, tick=False):
        for application in applications:
            application_move(application=application, to_stage=Stage.SUBMITTED, by=application.owner, notify=False)
    with time_machine.travel(CHASED, tick=False):
        client_answers_chase()
    message = OutboundMessage.objects.get(template_code="client_chase")
    assert message.status == OutboundMessage.Status.HELD
    return message, applications


def _answer_links(page: str) -> set[int]:
    """The applications whose answer links the page shows in clear (read from the tokens themselves)."""
    return {int(token.split(".")[0]) for token in re.findall(r"/c/answer/([0-9.]+):", page)}


def test_a_chase_shows_no_answer_link_to_a_recruiter_who_may_act_on_none_of_its_applications(client, chase):
    message, applications = chase
    outsider = _recruiter()

    with time_machine.travel(READ, tick=False):
        detail = _page(client, outsider, reverse("outbox_message", args=[message.pk]))
        listing = _page(client, outsider, reverse("outbox"), owner="all", status="held")
        timeline = _page(client, outsider, reverse("candidate_detail", args=[applications[0].candidate_id]))

    assert detail.count("[the hiring manager’s answer link]") == 2
    assert not SIGNED.search(detail + listing + timeline)
    assert 'name="body_text"' not in detail, "a text with masks is read, never edited"


def test_each_owner_reads_the_answer_link_of_their_own_application_only_and_cannot_edit_the_rest(client, chase):
    message, (ours, theirs) = chase

    with time_machine.travel(READ, tick=False):
        page = _page(client, ours.owner, reverse("outbox_message", args=[message.pk]))

    assert _answer_links(page) == {ours.pk}
    assert "[the hiring manager’s answer link]" in page
    assert 'name="body_text"' not in page


def test_the_admin_reads_every_answer_link_and_a_staff_recruiter_of_another_team_none(client, chase, admin_user):
    message, applications = chase
    url = reverse("admin:notifications_outboundmessage_change", args=[message.pk])

    with time_machine.travel(READ, tick=False):
        admin_page = _page(client, admin_user, url)
        staff_page = _page(client, _staff_who_may_view("view_outboundmessage"), url)

    assert _answer_links(admin_page) == {application.pk for application in applications}
    assert not SIGNED.search(staff_page)


def test_the_owner_of_an_application_answers_through_the_link_they_read_and_nobody_else_can_read_it(client, chase):
    # The attack: read the chase, open the answer link of an application one may not touch, post "not a fit".
    message, (ours, theirs) = chase
    with time_machine.travel(READ, tick=False):
        page = _page(client, ours.owner, reverse("outbox_message", args=[message.pk]))
        assert theirs.pk not in _answer_links(page)
        [own_link] = re.findall(r"http://testserver(/c/answer/[^\s<\"]+)", page)
        client.logout()
        response = client.post(own_link, {"kind": "not_a_fit", "reason": "Not a fit for us."})

    assert response.status_code == 200
    assert ClientAnswer.objects.get(application=ours).kind == "not_a_fit"
    assert not ClientAnswer.objects.filter(application=theirs).exists()


# Emails that came back quote the original: the Replies tab, the timeline and the admin mask them too.


def _quoting(message: OutboundMessage, *, kind: str) -> bytes:
    quoted = (
        f"> Your page: {status_page_url(message.candidate)}\r\n"
        f"> Stop these emails: {unsubscribe_url(message.candidate)}\r\n"
    )
    if kind == "out of office":
        headers, subject, words = "Auto-Submitted: auto-replied\r\n", "Out of office", "I am away until Monday.\r\n"
    else:
        headers, subject, words = "", "Undelivered Mail Returned to Sender", "This message could not be delivered.\r\n"
    return (
        f"From: {message.to_address}\r\nTo: {reply_address(message.pk)}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{kind.replace(' ', '-')}-1@mail.example>\r\n{headers}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{words}\r\n{quoted}"
    ).encode()


@pytest.mark.parametrize("kind", ["out of office", "bounce"])
def test_an_email_that_came_back_quoting_the_candidates_links_is_masked_for_another_team(client, kind):
    owner = _recruiter()
    sent = OutboundMessageFactory(application=_application(owner), status="sent")
    inbound = inbound_email_receive(raw_bytes=_quoting(sent, kind=kind), source="pipe")
    assert inbound.status == InboundMessage.Status.ACCEPTED
    assert all(link in inbound.text for link in _links(sent.candidate))
    outsider, staff = _recruiter(), _staff_who_may_view("view_inboundmessage")

    replies = _page(client, outsider, reverse("outbox_replies"))
    timeline = _page(client, outsider, reverse("candidate_detail", args=[sent.candidate_id]))
    admin_page = _page(client, staff, reverse("admin:notifications_inboundmessage_change", args=[inbound.pk]))

    assert "[the candidate’s status link]" in replies
    assert "[the candidate’s status link]" in timeline
    assert not SIGNED.search(replies + timeline + admin_page)
    assert all(link in _page(client, owner, reverse("outbox_replies")) for link in _links(sent.candidate))


def test_the_raw_source_of_an_email_that_came_back_is_for_who_may_act_on_its_application(client):
    # Encoded (quoted-printable, base64), the quoted original's links are where no mask can find them.
    owner = UserFactory(is_staff=True, profile__team=TeamFactory())
    owner.user_permissions.add(Permission.objects.get(codename="view_inboundmessage"))
    sent = OutboundMessageFactory(application=_application(owner), status="sent")
    inbound = inbound_email_receive(raw_bytes=_quoting(sent, kind="bounce"), source="pipe")
    url = reverse("admin:notifications_inboundmessage_change", args=[inbound.pk])

    outsider_page = _page(client, _staff_who_may_view("view_inboundmessage"), url)
    owner_page = _page(client, owner, url)

    assert "Raw source" not in outsider_page and "Raw source" in owner_page


def test_the_candidates_own_page_keeps_its_links_for_a_signed_in_visitor(client, message):
    # A page open to anyone carries its own link in its forms: it is served as it is.
    client.force_login(_recruiter())

    page = client.get(status_page_url(message.candidate).removeprefix("http://testserver")).content.decode()

    assert f"/c/status/{message.candidate.pk}.{message.candidate.link_version}:" in page


def test_a_recruiter_who_may_act_on_one_candidate_of_a_chase_cannot_rewrite_it(client, chase):
    # Saving the text as they read it would put the masks in place of the other candidates' answer links.
    message, (ours, _theirs) = chase
    client.force_login(ours.owner)

    response = client.post(
        reverse("outbox_message", args=[message.pk]), {"subject": "Our candidates", "body_text": "Rewritten."}
    )

    assert response.status_code == 403
    message.refresh_from_db()
    assert "Rewritten." not in message.body_text and len(_answer_links(message.body_text)) == 2
