"""Every workspace URL that names an object refuses a recruiter who may not act on it (security).

The rule (docs/architecture.md, recruiting/permissions.py): every recruiter reads the firm's candidates,
jobs and boards, but changes only what they own; a team lead acts for their team, an admin for everyone.
Desks are split: an application put forward to a colleague's job is its job owner's to act on as well.
Each object URL is listed below with a valid request; a recruiter of another team must get 403 (or, on
a form that puts a candidate forward, the form back with the reason) and nothing may be written. The
last test fails when a URL with an object id is added without a line here.
"""

import re
import sys
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from candidates.models import CandidateImport
from candidates.services.import_runs import candidate_import_run
from notifications.models import InboundMessage, OutboundMessage
from notifications.services.inbound import inbound_email_receive
from notifications.services.messages import message_check_in_queue
from notifications.services.reply_addresses import reply_address
from recruiting.client_links import client_answer_url
from recruiting.models import (
    AuditLog,
    ClientChase,
    ContactEvent,
    HiringManager,
    RecruiterPrompt,
    Stage,
    StageChange,
)
from recruiting.services import application_move
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    JobFactory,
    OutboundMessageFactory,
    PromptFactory,
    TeamFactory,
    UserFactory,
)

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


def _prompt_on_own_job(owner):
    """An overdue reminder of a teammate's candidate, put forward to the owner's job: theirs to take over."""
    teammate = UserFactory(profile__team=owner.profile.team)
    application = ApplicationFactory(candidate__owner=teammate, owner=teammate, job__owner=owner, stage=Stage.SCREENING)
    return PromptFactory(application=application, recruiter=teammate)


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
    "candidate_texts": (
        lambda o: (_application(o).candidate_id,),
        "post",
        {"mobile": "+447911123456", "channel": "sms", "consent_how": "spoken"},
    ),
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
    "prompt_take_over": (lambda o: (_prompt_on_own_job(o).pk,), "post", {}),
    "import_progress": (lambda o: (_import(o).pk,), "get", {}),
    "import_refused_csv": (lambda o: (_import(o).pk,), "get", {}),
    "prompt_reassign": (lambda o: (_prompt(o).pk,), "post", {}),
}
# Forms that put a candidate forward: a refusal is the form again, with what was typed and the reason.
REFUSED_ON_THE_FORM = {"candidate_application_add", "job_application_add"}
# Object URLs every signed-in user may read (the firm's work is visible to all of it).
READ_ONLY = {"picker", "job_board", "job_stage", "job_close_progress", "candidate_detail"}
# By role, not by owner: templates for team leads and admins (tests/workspace/test_views_*), a
# candidate's data export and erasure for admins (tests/workspace/test_views_data_rights.py), the API keys
# and webhooks of the integrations pages for admins (tests/workspace/test_views_integrations.py).
ROLE_ONLY = {
    "client_edit",
    "template_edit",
    "template_preview",
    "template_reset",
    "candidate_export",
    "candidate_erase",
    "api_key_revoke",
    "webhook_edit",
    "webhook_redeliver",
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
    # Lists name their record by id, pickers by "#<id>": another open job, another candidate, a teammate,
    # the job's own client.
    if name == "candidate_application_add":
        return {**data, "job": JobFactory(owner=owner).pk}
    if name == "job_application_add":
        return {**data, "candidate": f"#{CandidateFactory(owner=owner).pk}"}
    if name == "prompt_reassign":
        return {**data, "owner": UserFactory(profile__team=owner.profile.team).pk}
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
    elif name in REFUSED_ON_THE_FORM:
        assert response.status_code == 400, (name, response.status_code)
        assert "on a colleague&#x27;s desk" in response.content.decode()
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


# Split desks: what an application's URL lets its owner do, it lets its job's owner do, and nobody else.
APPLICATION_URLS = [
    "application_check_in",
    "application_client_promise",
    "application_log_call",
    "application_move",
    "application_promise",
    "outbox_cancel",
    "outbox_message",
    "outbox_retry",
    "outbox_send_now",
]


def _put_forward_to(job_owner):
    """An application of another team's recruiter, put forward to `job_owner`'s job."""
    desk = UserFactory(profile__team=TeamFactory())
    return ApplicationFactory(candidate__owner=desk, owner=desk, job__owner=job_owner, stage=Stage.SCREENING)


@pytest.mark.parametrize("name", APPLICATION_URLS)
def test_the_jobs_owner_acts_on_an_application_put_forward_to_their_job(
    client, monkeypatch, django_capture_on_commit_callbacks, name
):
    # Every builder above makes its application through _application: here, onto the user's job.
    monkeypatch.setattr(sys.modules[__name__], "_application", _put_forward_to)
    job_owner = UserFactory(profile__team=TeamFactory())
    client.force_login(job_owner)
    build, method, data = OBJECT_URLS[name]
    args = build(job_owner)
    before = _snapshot()

    with django_capture_on_commit_callbacks():
        response = getattr(client, method)(reverse(name, args=args), data)

    assert response.status_code in (200, 302), (name, response.status_code)
    assert _snapshot() != before, name


@pytest.mark.parametrize("name", APPLICATION_URLS)
def test_a_third_desk_is_refused_on_an_application_put_forward_to_a_colleagues_job(client, outsider, monkeypatch, name):
    monkeypatch.setattr(sys.modules[__name__], "_application", _put_forward_to)
    build, method, data = OBJECT_URLS[name]
    args = build(UserFactory(profile__team=TeamFactory()))
    before = _snapshot()

    response = getattr(client, method)(reverse(name, args=args), data)

    assert response.status_code == 403, (name, response.status_code)
    assert _snapshot() == before


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
def test_an_import_naming_another_teams_owner_job_or_candidate_writes_nothing(client, outsider, row, settings):
    # Another team's job is refused where the firm keeps putting forward within teams (split desks below).
    settings.INLOOP_PUT_FORWARD_SCOPE = "team"
    other = UserFactory(profile__team=TeamFactory())
    job = ApplicationFactory(owner=other, job__owner=other, candidate__owner=other).job
    candidate = job.applications.get().candidate
    own_job = _application(outsider).job
    candidates_before = sorted(type(candidate).objects.values_list("pk", "owner_id"))
    response = client.post(
        reverse("import_new"),
        {"file": _csv(row.format(other=other, job=job, candidate=candidate, own_job=own_job))},
    )
    run = CandidateImport.objects.get()
    before = _snapshot()

    candidate_import_run(import_id=run.pk)

    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.rows, len(run.refused)) == (1, 1)
    assert sorted(type(candidate).objects.values_list("pk", "owner_id")) == candidates_before
    assert _snapshot() == before


def test_a_team_lead_imports_for_their_team(client):
    team = TeamFactory()
    lead = UserFactory(profile__role="team_lead", profile__team=team)
    member = UserFactory(profile__team=team)
    job = _application(member).job
    client.force_login(lead)

    client.post(
        reverse("import_new"),
        {"file": _csv(f"first_name,email,owner,job_id\nAma,ama@mail.example,{member.username},{job.pk}\n")},
    )
    run = candidate_import_run(import_id=CandidateImport.objects.get().pk)

    assert run.refused == []
    assert member.owned_applications.filter(candidate__email="ama@mail.example").exists()


def test_an_import_puts_the_importers_new_candidate_forward_to_another_teams_job(client, outsider):
    # Split desks: the candidate is the importer's, the job a colleague's of another team.
    other = UserFactory(profile__team=TeamFactory())
    job = JobFactory(owner=other)

    client.post(reverse("import_new"), {"file": _csv(f"first_name,email,job_id\nAma,ama@mail.example,{job.pk}\n")})
    run = candidate_import_run(import_id=CandidateImport.objects.get().pk)

    assert run.refused == []
    application = job.applications.get(candidate__email="ama@mail.example")
    assert (application.owner, application.candidate.owner) == (outsider, outsider)


# Signed links: a page that shows message text hands nobody a key to records they may not act on.
# (The link kinds: the candidate's status and unsubscribe links, the client's answer link, a reply address.)

SIGNED_LINK = re.compile(r"/c/(?:status|unsubscribe|answer)/[0-9]+\.|reply\+[0-9]+-[0-9a-f]+@", re.IGNORECASE)


@dataclass
class SignedWorld:
    application: object
    check_in: OutboundMessage
    chase: OutboundMessage


def _signed_world(owner) -> SignedWorld:
    """An application of the owner's with a check-in held (status and unsubscribe links), a chase to the
    client naming it (answer link) and an out-of-office that came back quoting both (reply address)."""
    application = _application(owner)
    check_in = message_check_in_queue(application=application, by=owner)
    manager = HiringManager.objects.create(client=application.job.client, name="Dana Park", email="dana@lumen.example")
    due = timezone.now() + timedelta(days=1)
    answer = client_answer_url(application_id=application.pk, hiring_manager_id=manager.pk, due_at=due)
    chase = OutboundMessageFactory(
        application=None,
        candidate=None,
        template_code="client_chase",
        to_address=manager.email,
        body_text=f"Hello Dana,\n\n{application.candidate.full_name}\n{answer}\n",
    )
    ClientChase.objects.create(application=application, hiring_manager=manager, due_at=due, message=chase)
    OutboundMessage.objects.filter(pk=check_in.pk).update(status=OutboundMessage.Status.SENT)
    quoted = "\r\n".join(f"> {line}" for line in check_in.body_text.splitlines())
    inbound_email_receive(
        raw_bytes=(
            f"From: {check_in.to_address}\r\nTo: {reply_address(check_in.pk)}\r\nSubject: Out of office\r\n"
            "Auto-Submitted: auto-replied\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Away until Monday. Write to {reply_address(check_in.pk)} for my assistant.\r\n\r\n{quoted}\r\n"
        ).encode(),
        source="pipe",
    )
    return SignedWorld(application=application, check_in=check_in, chase=chase)


# name: the URL of a page that shows the owner's message text, and the signed link kinds it then shows the owner.
SIGNED_LINK_PAGES = {
    "outbox_message (check-in)": (lambda w: reverse("outbox_message", args=[w.check_in.pk]), {"status"}),
    "outbox_message (client chase)": (lambda w: reverse("outbox_message", args=[w.chase.pk]), {"answer"}),
    "outbox (everyone's)": (lambda w: reverse("outbox") + "?owner=all", set()),
    # The tab shows the start of each email (the quoted links come later in this one).
    "outbox_replies": (lambda w: reverse("outbox_replies"), {"reply"}),
    "candidate_detail": (lambda w: reverse("candidate_detail", args=[w.application.candidate_id]), {"status"}),
    "home": (lambda w: reverse("home"), set()),
    "application_move_preview": (
        lambda w: reverse("application_move_preview", args=[w.application.pk]) + f"?to_stage={Stage.SUBMITTED}",
        {"status"},
    ),
    "admin outbound message": (
        lambda w: reverse("admin:notifications_outboundmessage_change", args=[w.chase.pk]),
        {"answer"},
    ),
    "admin inbound messages": (lambda w: reverse("admin:notifications_inboundmessage_changelist"), set()),
    "admin inbound message": (
        lambda w: reverse("admin:notifications_inboundmessage_change", args=[InboundMessage.objects.get().pk]),
        {"status", "unsubscribe", "reply"},
    ),
}
LINK_KINDS = {"status": "/c/status/", "unsubscribe": "/c/unsubscribe/", "answer": "/c/answer/", "reply": "reply+"}


def _staff(user):
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_outboundmessage", "view_inboundmessage"]))
    return user


@pytest.mark.parametrize("page", sorted(SIGNED_LINK_PAGES))
def test_no_page_shows_a_recruiter_of_another_team_a_signed_link_of_what_they_may_not_act_on(client, settings, page):
    settings.INLOOP_REPLY_DOMAIN = "reply.northwind.example"
    world = _signed_world(UserFactory(profile__team=TeamFactory()))
    client.force_login(_staff(UserFactory(profile__team=TeamFactory())))

    response = client.get(SIGNED_LINK_PAGES[page][0](world))

    # The move preview is the owner's alone (refused whole); every other page is the firm's to read.
    assert response.status_code == (403 if page == "application_move_preview" else 200), (page, response.status_code)
    assert not SIGNED_LINK.search(response.content.decode()), page


@pytest.mark.parametrize("page", sorted(SIGNED_LINK_PAGES))
def test_the_owner_reads_the_signed_links_of_their_own_records_on_the_same_pages(client, settings, page):
    # Proves the pages above do carry the links: masking is for others, not for everyone.
    settings.INLOOP_REPLY_DOMAIN = "reply.northwind.example"
    owner = _staff(UserFactory(profile__team=TeamFactory()))
    world = _signed_world(owner)
    client.force_login(owner)
    url, kinds = SIGNED_LINK_PAGES[page]

    content = client.get(url(world)).content.decode()

    assert {kind for kind, path in LINK_KINDS.items() if path in content} >= kinds, page
