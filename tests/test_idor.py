"""Every workspace URL that names an object refuses a recruiter who may not act on it (quality.md, security).

The rule (docs/architecture.md, recruiting/permissions.py): every recruiter reads the firm's candidates,
jobs and boards, but changes only what they own; a team lead acts for their team, an admin for everyone.
Each object URL is listed below with a valid request; a recruiter of another team must get 403 and
nothing may be written. The last test fails when a URL with an object id is added without a line here.
"""

from datetime import timedelta

import pytest
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from notifications.models import OutboundMessage
from notifications.services.messages import message_check_in_queue
from recruiting.models import AuditLog, ContactEvent, RecruiterPrompt, Stage, StageChange
from tests.factories import ApplicationFactory, PromptFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _application(owner):
    return ApplicationFactory(candidate__owner=owner, owner=owner, job__owner=owner, stage=Stage.SCREENING)


def _message(owner, status=OutboundMessage.Status.HELD):
    message = message_check_in_queue(application=_application(owner), by=owner)
    if status != message.status:
        OutboundMessage.objects.filter(pk=message.pk).update(status=status)
        message.refresh_from_db()
    return message


def _prompt(owner):
    application = _application(owner)
    return PromptFactory(application=application, recruiter=owner)


SNOOZE_UNTIL = (timezone.localdate() + timedelta(days=3)).isoformat()

# name: (build the object for its owner -> (url args, the row to compare), method, data)
OBJECT_URLS = {
    "application_check_in": (lambda o: (_application(o).pk,), "post", {}),
    "application_log_call": (lambda o: (_application(o).pk,), "post", {"summary": "Told them"}),
    "application_move": (lambda o: (_application(o).pk,), "post", {"to_stage": Stage.SUBMITTED}),
    "application_move_preview": (lambda o: (_application(o).pk,), "get", {"to_stage": Stage.SUBMITTED}),
    "application_promise": (
        lambda o: (_application(o).pk,),
        "post",
        {"next_step_date": SNOOZE_UNTIL, "tell_candidate": "on", "send_token": "0b5c8a52-3f0e-4d7a-9a57-1c2d3e4f5a6b"},
    ),
    "prompt_snooze": (lambda o: (_prompt(o).pk,), "post", {"until": SNOOZE_UNTIL, "reason": "On holiday"}),
    "job_bulk_move": (lambda o: (_application(o).job_id,), "post", {"to_stage": Stage.SUBMITTED}),
    "job_close": (lambda o: (_application(o).job_id,), "post", {"outcome": Stage.REJECTED, "confirm": "on"}),
    "candidate_preferences": (lambda o: (_application(o).candidate_id,), "post", {"automated_updates_paused": "on"}),
    "candidate_contact_log": (
        lambda o: (_application(o).candidate_id,),
        "post",
        {"channel": "phone", "direction": "outbound", "summary": "Called"},
    ),
    "candidate_email": (
        lambda o: (_application(o).candidate_id,),
        "post",
        {"subject": "Hello", "body": "Hi", "send_token": "6f1c1f0e-8f1e-4f55-9d55-0d7c3d7c0a11"},
    ),
    "outbox_message": (lambda o: (_message(o).pk,), "post", {"subject": "Mine", "body_text": "Now"}),
    "outbox_send_now": (lambda o: (_message(o).pk,), "post", {}),
    "outbox_cancel": (lambda o: (_message(o).pk,), "post", {}),
    "outbox_retry": (lambda o: (_message(o, OutboundMessage.Status.FAILED).pk,), "post", {}),
}
# Object URLs every signed-in user may read (the firm's work is visible to all of it).
READ_ONLY = {"job_board", "job_stage", "job_close_progress", "candidate_detail"}
# By role, not by owner: templates for team leads and admins (tests/recruiting/workspace/test_views_*), a
# candidate's data export and erasure for admins (tests/recruiting/workspace/test_views_data_rights.py).
ROLE_ONLY = {"template_edit", "template_preview", "template_reset", "candidate_export", "candidate_erase"}
# The link of a password reset email: anonymous by design, its token is the proof.
SIGNED = {"password_reset_confirm"}


def _snapshot():
    return {
        "audit": AuditLog.objects.count(),
        "stage_changes": StageChange.objects.count(),
        "contacts": ContactEvent.objects.count(),
        "messages": sorted(OutboundMessage.objects.values_list("pk", "status", "subject", "send_after")),
        "prompts": sorted(RecruiterPrompt.objects.values_list("pk", "snoozed_until", "resolved_at")),
    }


def _candidate_rows(owner):
    return [model_to_dict(a.candidate) for a in owner.owned_applications.select_related("candidate")]


def _with_application(name, data, owner, args):
    """The application a form names, where the form names one."""
    if name == "job_bulk_move":
        return {**data, "applications": [a.pk for a in owner.owned_applications.all()]}
    if name in ("candidate_contact_log", "candidate_email"):
        return {**data, "application": owner.owned_applications.get().pk}
    return data


@pytest.fixture
def outsider(client):
    user = UserFactory(profile__team=TeamFactory())
    client.force_login(user)
    return user


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_a_recruiter_of_another_team_is_refused_and_nothing_is_written(client, outsider, name):
    build, method, data = OBJECT_URLS[name]
    owner = UserFactory(profile__team=TeamFactory())
    args = build(owner)
    data = _with_application(name, data, owner, args)
    candidate_rows = _candidate_rows(owner)
    before = _snapshot()

    response = getattr(client, method)(reverse(name, args=args), data, follow=name == "job_bulk_move")

    if name == "job_bulk_move":
        # A selection is moved card by card; the cards one may not move are named in the answer.
        assert "Moved 0. Not moved:" in response.content.decode()
    else:
        assert response.status_code == 403, (name, response.status_code)
    assert _snapshot() == before
    assert _candidate_rows(owner) == candidate_rows


@pytest.mark.parametrize("name", sorted(set(OBJECT_URLS) - {"application_move_preview"}))
def test_the_owner_gets_through_with_the_same_requests(client, django_capture_on_commit_callbacks, name):
    # Proves the requests above are valid ones: the owner's own is accepted and something is written.
    owner = UserFactory(profile__team=TeamFactory())
    client.force_login(owner)
    build, method, data = OBJECT_URLS[name]
    args = build(owner)
    data = _with_application(name, data, owner, args)
    before = _snapshot()
    candidate_rows = _candidate_rows(owner)

    with django_capture_on_commit_callbacks():
        response = getattr(client, method)(reverse(name, args=args), data)

    assert response.status_code in (200, 302), (name, response.status_code)
    assert (_snapshot(), _candidate_rows(owner)) != (before, candidate_rows), name


def _object_url_names(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            yield from _object_url_names(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name and pattern.pattern.converters:
            route = prefix + str(pattern.pattern)
            if not route.startswith(("c/", "n/")):  # candidate pages (signed links) and webhooks
                yield pattern.name


def test_every_object_url_of_the_workspace_is_covered():
    names = set(_object_url_names(get_resolver().url_patterns))
    assert names == set(OBJECT_URLS) | READ_ONLY | ROLE_ONLY | SIGNED
