"""Split desks: a recruiter puts their candidate forward to a colleague's job; the application's owner, the
job's owner and their team leads act on it, nobody else; a firm may keep putting forward within teams.
Giving an application away goes only to a teammate (any recruiter when an admin gives it)."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from candidates.models import Candidate
from recruiting import services
from recruiting.models import Application, AuditLog, Job, Role, Stage
from recruiting.services import jobs_clients
from tests.factories import ApplicationFactory, CandidateFactory, JobFactory, PromptFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm():
    """Two teams with a lead and two recruiters each, an admin who recruits nobody, and an open job each."""
    people = {}
    for name in ("north", "south"):
        team = TeamFactory(name=name.title())
        lead = UserFactory(profile__team=team, profile__role=Role.TEAM_LEAD)
        team.lead = lead
        team.save()
        people[name] = {
            "team": team,
            "lead": lead,
            "ann": UserFactory(profile__team=team),
            "bo": UserFactory(profile__team=team),
        }
    people["admin"] = UserFactory(is_superuser=True, is_staff=True, profile__role=Role.ADMIN)
    return people


def _put_forward(firm):
    """North's Ann puts her candidate forward to South's Bo's job."""
    candidate = CandidateFactory(owner=firm["north"]["ann"])
    job = JobFactory(owner=firm["south"]["bo"])
    application = jobs_clients.application_add(candidate=candidate, job=job, by=firm["north"]["ann"], notify=False)
    return candidate, job, application


def test_a_recruiter_puts_their_candidate_forward_to_another_teams_job_and_the_audit_says_who_and_whose(firm):
    candidate, job, application = _put_forward(firm)

    assert (application.owner, application.job, application.stage) == (firm["north"]["ann"], job, Stage.NEW)
    row = AuditLog.objects.get(action="application.create", object_id=application.pk)
    assert row.actor == firm["north"]["ann"]
    assert row.details == {"job": job.pk, "job_owner": firm["south"]["bo"].pk, "owner": firm["north"]["ann"].pk}


def test_a_recruiter_may_not_put_a_colleagues_candidate_forward(firm):
    candidate = CandidateFactory(owner=firm["north"]["bo"])

    with pytest.raises(PermissionDenied, match="colleague's desk"):
        jobs_clients.application_add(
            candidate=candidate, job=JobFactory(owner=firm["north"]["ann"]), by=firm["north"]["ann"]
        )
    assert not Application.objects.exists()


def test_a_firm_that_keeps_putting_forward_within_teams_refuses_another_teams_job(firm, settings):
    settings.INLOOP_PUT_FORWARD_SCOPE = "team"
    ann = firm["north"]["ann"]
    candidate = CandidateFactory(owner=ann)

    with pytest.raises(PermissionDenied, match="own team's jobs"):
        jobs_clients.application_add(candidate=candidate, job=JobFactory(owner=firm["south"]["bo"]), by=ann)
    within = jobs_clients.application_add(candidate=candidate, job=JobFactory(owner=firm["north"]["bo"]), by=ann)
    # An admin is not bound by the team rule.
    across = jobs_clients.application_add(
        candidate=candidate, job=JobFactory(owner=firm["south"]["bo"]), by=firm["admin"]
    )

    assert {within.owner, across.owner} == {ann}


@pytest.mark.parametrize(
    ("who", "may"),
    [
        (("north", "ann"), True),  # the application's owner
        (("south", "bo"), True),  # the job's owner
        (("north", "lead"), True),  # the owner's team lead
        (("south", "lead"), True),  # the job owner's team lead
        (("admin",), True),
        (("north", "bo"), False),  # a teammate of the owner
        (("south", "ann"), False),  # a teammate of the job's owner
    ],
)
def test_who_may_move_an_application_put_forward_to_a_colleagues_job(firm, who, may):
    _candidate, _job, application = _put_forward(firm)
    user = firm[who[0]] if len(who) == 1 else firm[who[0]][who[1]]

    if may:
        services.application_move(application=application, to_stage=Stage.SCREENING, by=user, notify=False)
        assert Application.objects.get(pk=application.pk).stage == Stage.SCREENING
    else:
        with pytest.raises(PermissionDenied):
            services.application_move(application=application, to_stage=Stage.SCREENING, by=user, notify=False)
        assert Application.objects.get(pk=application.pk).stage == Stage.NEW


@pytest.mark.parametrize(
    ("giver", "taker", "may"),
    [
        (("north", "ann"), ("north", "bo"), True),  # a recruiter to a teammate
        (("north", "ann"), ("south", "bo"), False),  # never across teams
        (("north", "lead"), ("north", "bo"), True),  # a lead to their team
        (("north", "lead"), ("south", "ann"), False),
        (("admin",), ("south", "ann"), True),  # an admin to any recruiter
        (("admin",), ("admin",), False),  # never to an admin who recruits nobody
        (("north", "lead"), ("admin",), False),
    ],
)
def test_an_application_is_given_only_to_someone_allowed(firm, giver, taker, may):
    application = ApplicationFactory(candidate__owner=firm["north"]["ann"])
    by = firm[giver[0]] if len(giver) == 1 else firm[giver[0]][giver[1]]
    owner = firm[taker[0]] if len(taker) == 1 else firm[taker[0]][taker[1]]

    if may:
        services.application_reassign(application=application, owner=owner, by=by)
    else:
        with pytest.raises(PermissionDenied):
            services.application_reassign(application=application, owner=owner, by=by)
    assert Application.objects.get(pk=application.pk).owner == (owner if may else firm["north"]["ann"])


# Pages


def _offered_jobs(page: str) -> set[int]:
    select = re.search(r'<select name="job"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None, "no job list on the page"
    return {int(value) for value in re.findall(r'<option value="(\d+)"', select.group(1))}


@pytest.mark.parametrize("scope", ["firm", "team"])
def test_the_job_list_offers_exactly_the_jobs_one_may_use(client, firm, settings, scope):
    settings.INLOOP_PUT_FORWARD_SCOPE = scope
    ann = firm["north"]["ann"]
    candidate = CandidateFactory(owner=ann)
    own, teammates, other_teams = (
        JobFactory(owner=firm[t][p]) for t, p in (("north", "ann"), ("north", "bo"), ("south", "bo"))
    )
    JobFactory(owner=ann, status=Job.Status.CLOSED)
    applied = JobFactory(owner=firm["south"]["lead"])
    ApplicationFactory(candidate=candidate, job=applied)
    client.force_login(ann)

    from_candidate = client.get(reverse("candidate_application_add", args=[candidate.pk])).content.decode()
    for_new = client.get(reverse("candidate_new")).content.decode()

    expected = {own.pk, teammates.pk} | ({other_teams.pk} if scope == "firm" else set())
    assert _offered_jobs(from_candidate) == expected
    assert _offered_jobs(for_new) == expected | ({applied.pk} if scope == "firm" else set())


def test_a_refused_job_keeps_what_was_typed_and_says_why(client, firm, settings):
    settings.INLOOP_PUT_FORWARD_SCOPE = "team"
    ann = firm["north"]["ann"]
    other_teams = JobFactory(owner=firm["south"]["bo"])
    client.force_login(ann)
    typed = {"first_name": "Ines", "last_name": "Varga", "email": "ines@mail.example", "time_zone": "Europe/Budapest"}

    response = client.post(reverse("candidate_new"), {**typed, "job": other_teams.pk})

    assert response.status_code == 400
    page = response.content.decode()
    assert "The firm puts candidates forward only to their own team&#x27;s jobs" in page
    assert 'value="Ines"' in page and 'value="ines@mail.example"' in page
    assert '<option value="Europe/Budapest" selected>' in page
    assert not Candidate.objects.filter(email="ines@mail.example").exists()


def test_a_refusal_from_the_service_comes_back_on_the_form(client, firm, monkeypatch):
    # The job was offered, then the rule changed before the click: the form again, not a 403 page.
    ann = firm["north"]["ann"]
    candidate = CandidateFactory(owner=ann)
    job = JobFactory(owner=firm["south"]["bo"])
    client.force_login(ann)

    def refused(**kwargs):
        raise PermissionDenied("The firm puts candidates forward only to their own team's jobs.")

    monkeypatch.setattr("recruiting.services.jobs_clients.application_add", refused)
    response = client.post(
        reverse("candidate_application_add", args=[candidate.pk]), {"job": job.pk, "dont_notify": "on"}
    )

    assert response.status_code == 400
    assert "own team&#x27;s jobs" in response.content.decode()
    assert response.context["form"]["dont_notify"].value() is True


def test_the_jobs_owner_sees_the_application_on_their_board_and_home_and_may_move_it(
    client, firm, django_assert_max_num_queries
):
    candidate, job, application = _put_forward(firm)
    client.force_login(firm["south"]["bo"])

    board = client.get(reverse("job_board", args=[job.pk])).content.decode()
    with django_assert_max_num_queries(30):
        home = client.get(reverse("home")).content.decode()

    assert candidate.full_name in board
    assert f'data-move-url="{reverse("application_move", args=[application.pk])}"' in board
    section = home.split('id="put-forward-title"')[1].split("</section>")[0]
    assert candidate.full_name in section
    assert firm["north"]["ann"].get_full_name() in section


def test_another_recruiter_reads_the_application_without_acting_on_it(client, firm):
    candidate, job, application = _put_forward(firm)
    client.force_login(firm["south"]["ann"])

    board = client.get(reverse("job_board", args=[job.pk])).content.decode()
    page = client.get(reverse("candidate_detail", args=[candidate.pk])).content.decode()

    assert candidate.full_name in board and candidate.full_name in page
    assert reverse("application_move", args=[application.pk]) not in board + page
    assert "/c/status/" not in page
    assert client.get(reverse("application_move", args=[application.pk])).status_code == 403


def test_the_board_offers_add_a_candidate_only_to_those_who_may(client, firm, settings):
    settings.INLOOP_PUT_FORWARD_SCOPE = "team"
    job = JobFactory(owner=firm["south"]["bo"])
    url = reverse("job_board", args=[job.pk])
    add = reverse("job_application_add", args=[job.pk])

    client.force_login(firm["north"]["ann"])
    other_team = client.get(url).content.decode()
    client.force_login(firm["south"]["ann"])
    same_team = client.get(url).content.decode()

    assert add not in other_team
    assert add in same_team


def test_the_board_picker_suggests_only_candidates_one_may_put_forward(client, firm):
    mine = CandidateFactory(owner=firm["north"]["ann"], first_name="Zoltan", last_name="Mine")
    CandidateFactory(owner=firm["north"]["bo"], first_name="Zoltan", last_name="Theirs")
    job = JobFactory(owner=firm["south"]["bo"])
    client.force_login(firm["north"]["ann"])

    response = client.get(reverse("picker", args=["candidates"]), {"candidate": "zoltan", "for_job": job.pk})

    assert re.findall(r'<option value="([^"]+)"', response.content.decode()) == [f"Zoltan Mine #{mine.pk}"]


# Giving to a colleague, taking over


def _escalated(firm):
    application = ApplicationFactory(candidate__owner=firm["north"]["ann"], stage=Stage.SCREENING)
    return PromptFactory(
        application=application, recruiter=firm["north"]["ann"], escalated_to=firm["north"]["lead"], reason="overdue"
    )


def test_give_to_lists_the_teammates_with_the_applications_context_and_a_cancel_link(client, firm):
    prompt = _escalated(firm)
    application = prompt.application
    client.force_login(firm["north"]["lead"])

    page = client.get(reverse("prompt_reassign", args=[prompt.pk])).content.decode()

    select = re.search(r'<select name="owner"[^>]*>(.*?)</select>', page, re.S).group(1)
    offered = {int(value) for value in re.findall(r'<option value="(\d+)"', select)}
    # The team, less the current owner; nobody of the other team, not the admin.
    assert offered == {firm["north"]["lead"].pk, firm["north"]["bo"].pk}
    assert application.candidate.full_name in page and application.job.title in page
    assert firm["north"]["ann"].get_full_name() in page
    assert f'href="{reverse("team")}">Cancel</a>' in page


def test_give_to_someone_not_offered_is_refused_on_the_form(client, firm):
    prompt = _escalated(firm)
    client.force_login(firm["north"]["lead"])

    response = client.post(reverse("prompt_reassign", args=[prompt.pk]), {"owner": firm["south"]["ann"].pk})

    assert response.status_code == 400
    assert "Choose one of the colleagues listed" in response.content.decode()
    assert Application.objects.get(pk=prompt.application_id).owner == firm["north"]["ann"]


def test_after_take_over_the_row_no_longer_offers_take_over(client, firm):
    prompt = _escalated(firm)
    client.force_login(firm["north"]["lead"])
    assert "Take over" in client.get(reverse("team")).content.decode()

    client.post(reverse("prompt_take_over", args=[prompt.pk]))
    page = client.get(reverse("team")).content.decode()

    assert Application.objects.get(pk=prompt.application_id).owner == firm["north"]["lead"]
    assert prompt.application.candidate.full_name in page
    assert "Take over" not in page


# A new candidate's details


def test_a_new_candidates_time_zone_is_a_list_starting_at_the_firms(client, recruiter, settings):
    settings.TIME_ZONE = "Europe/London"
    client.force_login(recruiter)

    page = client.get(reverse("candidate_new")).content.decode()

    select = re.search(r'<select name="time_zone"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert '<option value="Europe/London" selected>' in select
    assert '<option value="America/New_York">' in select


def test_a_duplicate_address_links_the_record_to_open(client, recruiter):
    existing = CandidateFactory(email="same@mail.example")
    client.force_login(recruiter)

    response = client.post(
        reverse("candidate_new"), {"first_name": "X", "email": "same@mail.example", "time_zone": "UTC"}
    )

    assert response.status_code == 400
    assert f'<a href="{reverse("candidate_detail", args=[existing.pk])}">Open their record.</a>' in (
        response.content.decode()
    )


def test_the_job_list_of_a_colleagues_candidate_is_empty_and_says_why(client, firm):
    candidate = CandidateFactory(owner=firm["north"]["bo"])
    JobFactory(owner=firm["north"]["ann"])
    client.force_login(firm["north"]["ann"])

    page = client.get(reverse("candidate_application_add", args=[candidate.pk])).content.decode()

    assert _offered_jobs(page) == set()
    assert "This candidate is on a colleague's desk" in page


def test_the_pipeline_list_lets_the_jobs_owner_tick_the_application(client, firm):
    candidate, _job, application = _put_forward(firm)
    tick = f'name="applications" value="{application.pk}"'

    client.force_login(firm["south"]["bo"])
    jobs_owner = client.get(reverse("application_list"), {"scope": "all"}).content.decode()
    client.force_login(firm["south"]["ann"])
    third_desk = client.get(reverse("application_list"), {"scope": "all"}).content.decode()

    assert tick in jobs_owner
    assert candidate.full_name in third_desk and tick not in third_desk
