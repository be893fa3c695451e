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

from candidates.models import CandidateImport
from notifications.models import OutboundMessage
from notifications.services.messages import message_check_in_queue
from recruiting.models import AuditLog, ContactEvent, RecruiterPrompt, Stage, StageChange
from recruiting.services import application_move
from tests.factories import ApplicationFactory, CandidateFactory, JobFactory, PromptFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _application(owner):
    return ApplicationFactory(candidate__owner=owner, owner=owner, job__owner=owner, stage=Stage.SCREENING)


def _message(owner, status=OutboundMessage.Status.HELD):
    message = message_check_in_queue(application=_application(owner), by=owner)
    if status != message.status:
        OutboundMessage.objects.filter(pk=message.pk).update(status=status)
        message.refresh_from_db()
    return message


def _submitted(owner):
    application = _application(owner)
    application_move(application=application, to_stage=Stage.SUBMITTED, by=owner, notify=False)
    return application


def _prompt(owner):
    application = _application(owner)
    return PromptFactory(application=application, recruiter=owner)


def _import(owner):
    return CandidateImport.objects.create(uploaded_by=owner, content=b"first_name,email\n", refused=[[2, "Bad"]])


# Reads: refused to others, nothing to write for the owner.
READS = {"application_move_preview", "import_progress", "import_refused_csv"}

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
    "application_client_promise": (lambda o: (_submitted(o).pk,), "post", {"promised_date": SNOOZE_UNTIL}),
    # Naming who answers for a job (the client's address book itself is shared by everyone signed in).
    "client_contacts": (lambda o: (_application(o).job.client_id,), "post", {"action": "job", "hiring_managers": []}),
    "outbox_send_now": (lambda o: (_message(o).pk,), "post", {}),
    "outbox_cancel": (lambda o: (_message(o).pk,), "post", {}),
    "outbox_retry": (lambda o: (_message(o, OutboundMessage.Status.FAILED).pk,), "post", {}),
    "candidate_edit": (
        lambda o: (_application(o).candidate_id,),
        "post",
        {"first_name": "Renamed", "email": "renamed@example.org", "time_zone": "UTC"},
    ),
    "candidate_application_add": (lambda o: (_application(o).candidate_id,), "post", {}),
    "job_edit": (lambda o: (_application(o).job_id,), "post", {"title": "Renamed", "status": "open"}),
    "job_application_add": (lambda o: (_application(o).job_id,), "post", {}),
    "prompt_take_over": (lambda o: (_prompt(o).pk,), "post", {}),
    "import_progress": (lambda o: (_import(o).pk,), "get", {}),
    "import_refused_csv": (lambda o: (_import(o).pk,), "get", {}),
    "prompt_reassign": (lambda o: (_prompt(o).pk,), "post", {}),
}
# Object URLs every signed-in user may read (the firm's work is visible to all of it).
READ_ONLY = {"picker", "job_board", "job_stage", "job_close_progress", "candidate_detail"}
# By role, not by owner: templates for team leads and admins (tests/recruiting/workspace/test_views_*), a
# candidate's data export and erasure for admins (tests/recruiting/workspace/test_views_data_rights.py).
ROLE_ONLY = {
    "client_edit",
    "template_edit",
    "template_preview",
    "template_reset",
    "candidate_export",
    "candidate_erase",
}
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
    if name == "client_contacts":
        return {**data, "job": owner.owned_applications.get().job_id}
    if name in ("candidate_contact_log", "candidate_email"):
        return {**data, "application": owner.owned_applications.get().pk}
    # Pickers name their record by "#<id>": another open job, another candidate, the job's own client.
    if name == "candidate_application_add":
        return {**data, "job": f"#{JobFactory(owner=owner).pk}"}
    if name == "job_application_add":
        return {**data, "candidate": f"#{CandidateFactory(owner=owner).pk}"}
    if name == "prompt_reassign":
        return {**data, "owner": f"#{UserFactory(profile__team=owner.profile.team).pk}"}
    if name == "job_edit":
        return {**data, "client": f"#{owner.owned_jobs.get().client_id}"}
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


@pytest.mark.parametrize("name", sorted(set(OBJECT_URLS) - READS))
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
            # Candidate pages (signed links), provider webhooks and the REST API (tests/api/).
            if not route.startswith(("c/", "n/", "api/")):
                yield pattern.name


def test_every_object_url_of_the_workspace_is_covered():
    names = set(_object_url_names(get_resolver().url_patterns))
    assert names == set(OBJECT_URLS) | READ_ONLY | ROLE_ONLY | SIGNED


# Ids and names in bodies: each names an object of another team, in a request to a URL the user may use.


def _csv(text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("people.csv", text.encode("utf-8"), content_type="text/csv")


def test_a_bulk_check_in_naming_another_teams_application_queues_nothing(client, outsider):
    mine = _application(outsider)
    theirs = _application(UserFactory(profile__team=TeamFactory()))
    before = _snapshot()

    response = client.post(reverse("applications_check_in"), {"applications": [mine.pk, theirs.pk]})

    assert response.status_code == 403
    assert _snapshot() == before


def test_a_bulk_move_naming_another_jobs_application_leaves_it_alone(client, outsider):
    mine = _application(outsider)
    theirs = _application(UserFactory(profile__team=TeamFactory()))

    response = client.post(
        reverse("job_bulk_move", args=[mine.job_id]),
        {"applications": [mine.pk, theirs.pk], "to_stage": Stage.SUBMITTED},
        follow=True,
    )

    # A card of another board in the selection: the move is refused whole, as a tampered form.
    assert "Nothing moved" in response.content.decode()
    assert not StageChange.objects.filter(application=theirs, to_stage=Stage.SUBMITTED).exists()


@pytest.mark.parametrize("name", ["candidate_contact_log", "candidate_email"])
def test_a_form_naming_another_owners_application_of_the_same_candidate_is_refused(client, outsider, name):
    # The candidate is the user's; the application named in the body belongs to another team's recruiter.
    mine = _application(outsider)
    theirs = ApplicationFactory(candidate=mine.candidate, owner=UserFactory(profile__team=TeamFactory()))
    data = {**OBJECT_URLS[name][2], "application": theirs.pk}
    before = _snapshot()

    response = client.post(reverse(name, args=[mine.candidate_id]), data)

    assert response.status_code == 403
    assert _snapshot() == before


def test_a_form_naming_another_candidates_application_is_not_found(client, outsider):
    mine = _application(outsider)
    other = _application(outsider)
    before = _snapshot()

    response = client.post(
        reverse("candidate_contact_log", args=[mine.candidate_id]),
        {**OBJECT_URLS["candidate_contact_log"][2], "application": other.pk},
    )

    assert response.status_code in (400, 404)
    assert _snapshot() == before


def test_a_template_preview_naming_another_teams_application_does_not_show_it(client):
    lead = UserFactory(profile__role="team_lead", profile__team=TeamFactory())
    client.force_login(lead)
    theirs = _application(UserFactory(profile__team=TeamFactory()))

    response = client.post(
        reverse("template_preview", args=["check_in"]),
        {"application": theirs.pk, "subject": "Hi {{ candidate_first_name }}", "body_text": "{{ status_page_url }}"},
    )

    assert response.status_code == 200
    assert theirs.candidate.first_name not in response.content.decode()
    assert "/c/status/" not in response.content.decode()


@pytest.mark.parametrize(
    "row",
    [
        "first_name,email,owner\nAma,ama@mail.example,{other.username}\n",
        "first_name,email,job_id\nAma,ama@mail.example,{job.pk}\n",
        "first_name,email,job_id\nAma,{candidate.email},{own_job.pk}\n",
    ],
    ids=["owner of another team", "job of another team", "candidate of another team"],
)
def test_an_import_naming_another_teams_owner_job_or_candidate_writes_nothing(client, outsider, row):
    other = UserFactory(profile__team=TeamFactory())
    job = ApplicationFactory(owner=other, job__owner=other, candidate__owner=other).job
    candidate = job.applications.get().candidate
    own_job = _application(outsider).job
    candidates_before = sorted(type(candidate).objects.values_list("pk", "owner_id"))
    before = _snapshot()

    response = client.post(
        reverse("candidate_import"),
        {"file": _csv(row.format(other=other, job=job, candidate=candidate, own_job=own_job))},
    )

    assert response.status_code == 200
    assert "1 row not imported" in response.content.decode()
    assert sorted(type(candidate).objects.values_list("pk", "owner_id")) == candidates_before
    assert _snapshot() == before


def test_a_team_lead_imports_for_their_team(client):
    team = TeamFactory()
    lead = UserFactory(profile__role="team_lead", profile__team=team)
    member = UserFactory(profile__team=team)
    job = _application(member).job
    client.force_login(lead)

    response = client.post(
        reverse("candidate_import"),
        {"file": _csv(f"first_name,email,owner,job_id\nAma,ama@mail.example,{member.username},{job.pk}\n")},
    )

    assert "not imported" not in response.content.decode()
    assert member.owned_applications.filter(candidate__email="ama@mail.example").exists()
