"""A candidate's signed links (status page, unsubscribe) are shown only to who may act on the candidate:
the outbox message page, the admin's outbox, the template preview and the move preview mask them for others."""

import pytest
from django.urls import reverse

from candidates.links import signed_links_masked, status_page_url, unsubscribe_url
from notifications.services.messages import message_check_in_queue
from recruiting.models import Stage
from tests.factories import ApplicationFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


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


def test_masking_replaces_both_links_whole():
    application = _application(UserFactory())
    text = f"See {status_page_url(application.candidate)} or stop: {unsubscribe_url(application.candidate)}."

    masked = signed_links_masked(text)

    assert masked == "See [the candidate's status link] or stop: [the candidate's unsubscribe link]."


@pytest.fixture
def message():
    owner = UserFactory(profile__team=TeamFactory())
    return message_check_in_queue(application=_application(owner), by=owner)


def test_another_teams_recruiter_reads_the_message_without_its_links(client, message):
    client.force_login(UserFactory(profile__team=TeamFactory()))

    page = client.get(reverse("outbox_message", args=[message.pk])).content.decode()

    assert "the candidate&#x27;s unsubscribe link" in page
    assert not any(link in page for link in _links(message.candidate))


def test_the_owner_reads_the_links(client, message):
    client.force_login(message.candidate.owner)

    page = client.get(reverse("outbox_message", args=[message.pk])).content.decode()

    assert all(link in page for link in _links(message.candidate))


def test_a_staff_recruiter_of_another_team_reads_the_admin_message_without_its_links(client, message):
    from django.contrib.auth.models import Permission

    staff = UserFactory(is_staff=True, profile__team=TeamFactory())
    staff.user_permissions.add(Permission.objects.get(codename="view_outboundmessage"))
    client.force_login(staff)

    page = client.get(reverse("admin:notifications_outboundmessage_change", args=[message.pk])).content.decode()

    assert "unsubscribe link]" in page
    assert not any(link in page for link in _links(message.candidate))


def test_a_preview_on_an_application_whose_candidate_is_another_teams_masks_the_links(client):
    # An application of the user's own, on a candidate of another team (as an import once allowed).
    owner = UserFactory(profile__role="team_lead", profile__team=TeamFactory())
    application = _application_of(owner, candidate_owner=UserFactory(profile__team=TeamFactory()))
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
