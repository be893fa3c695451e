"""Adding and editing candidates, clients, jobs and applications in the workspace, with pickers that
search by name; every page within its query budget, nothing offered or done that the user may not do."""

import pytest
from django.urls import reverse

from candidates.models import Candidate
from recruiting.models import Application, AuditLog, Client, Job, Role, Stage
from tests.factories import ApplicationFactory, CandidateFactory, ClientFactory, JobFactory, UserFactory

pytestmark = pytest.mark.django_db

FORM_PAGE_BUDGET = 6


@pytest.fixture
def signed_in(client, recruiter):
    client.force_login(recruiter)
    return client


@pytest.mark.parametrize("name", ["candidate_new", "client_new", "job_new"])
def test_the_add_pages_answer_within_budget(signed_in, name, django_assert_max_num_queries):
    with django_assert_max_num_queries(FORM_PAGE_BUDGET):
        response = signed_in.get(reverse(name))
    assert response.status_code == 200
    assert b"<form" in response.content


def test_a_recruiter_adds_a_candidate_and_puts_them_forward_in_one_form(signed_in, recruiter):
    job = JobFactory(title="Night nurse", owner=recruiter)

    response = signed_in.post(
        reverse("candidate_new"),
        {
            "first_name": "Amaka",
            "last_name": "Obi",
            "email": "amaka@example.org",
            "time_zone": "Africa/Lagos",
            "job": job.pk,
        },
    )

    candidate = Candidate.objects.get(email="amaka@example.org")
    assert response.status_code == 302 and response.url == reverse("candidate_detail", args=[candidate.pk])
    assert candidate.owner == recruiter
    application = Application.objects.get(candidate=candidate)
    assert (application.job, application.owner, application.stage) == (job, recruiter, Stage.NEW)


def test_a_second_candidate_with_the_same_address_is_refused_with_a_link_to_the_first(signed_in):
    existing = CandidateFactory(email="same@example.org")

    response = signed_in.post(
        reverse("candidate_new"), {"first_name": "X", "email": "SAME@example.org", "time_zone": "UTC"}
    )

    assert response.status_code == 400
    assert f"#{existing.pk}" in response.content.decode()
    assert Candidate.objects.count() == 1


def test_bad_input_is_refused_field_by_field(signed_in):
    response = signed_in.post(
        reverse("candidate_new"), {"first_name": "Ann", "email": "not an address", "time_zone": "Mars/Olympus"}
    )

    assert response.status_code == 400
    assert {"email", "time_zone"} <= set(response.context["form"].errors)
    assert Candidate.objects.count() == 0


def test_a_job_picker_naming_a_closed_or_unknown_job_is_refused(signed_in):
    closed = JobFactory(status=Job.Status.CLOSED)
    for value in (f"#{closed.pk}", "#999999999999999999", "no such job"):
        response = signed_in.post(
            reverse("candidate_new"), {"first_name": "A", "email": "a@example.org", "time_zone": "UTC", "job": value}
        )
        assert response.status_code == 400, value
        assert "job" in response.context["form"].errors
    assert Candidate.objects.count() == 0


def test_the_owner_edits_details(signed_in, recruiter, django_assert_max_num_queries):
    candidate = CandidateFactory(owner=recruiter)
    with django_assert_max_num_queries(FORM_PAGE_BUDGET):
        assert signed_in.get(reverse("candidate_edit", args=[candidate.pk])).status_code == 200

    response = signed_in.post(
        reverse("candidate_edit", args=[candidate.pk]),
        {"first_name": "Ana", "last_name": "Lima", "email": "ana@example.org", "time_zone": "America/Sao_Paulo"},
    )

    assert response.status_code == 302
    candidate.refresh_from_db()
    assert (candidate.first_name, candidate.email) == ("Ana", "ana@example.org")


def test_another_recruiter_is_not_offered_the_edit_and_is_refused_it(signed_in):
    candidate = CandidateFactory()

    page = signed_in.get(reverse("candidate_detail", args=[candidate.pk])).content.decode()
    refused = signed_in.get(reverse("candidate_edit", args=[candidate.pk]))

    assert reverse("candidate_edit", args=[candidate.pk]) not in page
    assert refused.status_code == 403


def test_a_client_then_its_job_confidential_by_default(signed_in, recruiter):
    response = signed_in.post(reverse("client_new"), {"name": "  Northwind   Traders ", "industry": "Logistics"})

    client_row = Client.objects.get(name="Northwind Traders")
    assert not client_row.name_visible_before_submission
    assert response.url == reverse("job_new") + f"?client={client_row.pk}"
    form_page = signed_in.get(response.url).content.decode()
    assert f"Northwind Traders #{client_row.pk}" in form_page

    response = signed_in.post(
        reverse("job_new"), {"title": "Dispatcher", "client": "northwind traders", "location": "Leeds"}
    )

    job = Job.objects.get(title="Dispatcher")
    assert (job.client, job.owner, job.status) == (client_row, recruiter, Job.Status.OPEN)
    assert response.url == reverse("job_board", args=[job.pk])
    assert AuditLog.objects.filter(action__in=["client.create", "job.create"]).count() == 2


def test_a_client_name_is_unique_in_any_case(signed_in):
    ClientFactory(name="Acme")

    response = signed_in.post(reverse("client_new"), {"name": "ACME"})

    assert response.status_code == 400
    assert Client.objects.count() == 1


def test_a_recruiter_cannot_give_a_new_job_to_someone_else(signed_in):
    client_row, colleague = ClientFactory(), UserFactory()

    response = signed_in.post(
        reverse("job_new"), {"title": "T", "client": f"#{client_row.pk}", "owner": f"#{colleague.pk}"}
    )

    assert response.status_code == 403
    assert not Job.objects.exists()


def test_only_leads_and_admins_edit_a_client(client, recruiter):
    client_row = ClientFactory(name="Old")
    lead = UserFactory(profile__role=Role.TEAM_LEAD)
    client.force_login(recruiter)
    assert client.post(reverse("client_edit", args=[client_row.pk]), {"name": "New"}).status_code == 403

    client.force_login(lead)
    response = client.post(
        reverse("client_edit", args=[client_row.pk]),
        {"name": "New", "industry": "Retail", "name_visible_before_submission": "on"},
    )

    assert response.status_code == 302
    client_row.refresh_from_db()
    assert (client_row.name, client_row.industry, client_row.name_visible_before_submission) == ("New", "Retail", True)


def test_the_job_owner_edits_but_cannot_close_it_here(signed_in, recruiter):
    job = JobFactory(owner=recruiter)
    url = reverse("job_edit", args=[job.pk])

    refused = signed_in.post(url, {"title": "T", "client": f"#{job.client_id}", "status": "closed"})
    saved = signed_in.post(url, {"title": "Senior T", "client": f"#{job.client_id}", "status": "on_hold"})

    assert refused.status_code == 400
    assert saved.status_code == 302
    job.refresh_from_db()
    assert (job.title, job.status) == ("Senior T", Job.Status.ON_HOLD)


def test_put_forward_from_the_candidate_page_and_from_the_board(signed_in, recruiter):
    candidate = CandidateFactory(owner=recruiter)
    first, second = JobFactory(owner=recruiter), JobFactory(owner=recruiter)

    from_candidate = signed_in.post(
        reverse("candidate_application_add", args=[candidate.pk]), {"job": first.pk, "dont_notify": "on"}
    )
    from_board = signed_in.post(reverse("job_application_add", args=[second.pk]), {"candidate": candidate.email})
    twice = signed_in.post(reverse("job_application_add", args=[second.pk]), {"candidate": f"#{candidate.pk}"})

    assert (from_candidate.status_code, from_board.status_code) == (302, 302)
    assert set(candidate.applications.values_list("job_id", flat=True)) == {first.pk, second.pk}
    assert twice.status_code == 400
    assert "already has an application" in twice.content.decode()


def test_a_recruiter_may_not_attach_another_teams_candidate_to_their_own_job(signed_in, recruiter):
    # Every record a write names is checked against the user (the candidate is another desk's to put
    # forward): refused on the form, with the reason and what was typed kept.
    candidate = CandidateFactory()
    job = JobFactory(owner=recruiter)
    typed = f"{candidate.full_name} #{candidate.pk}"

    response = signed_in.post(reverse("job_application_add", args=[job.pk]), {"candidate": typed})

    assert response.status_code == 400
    assert "on a colleague&#x27;s desk" in response.content.decode()
    assert response.context["form"]["candidate"].value() == typed
    assert not Application.objects.filter(candidate=candidate).exists()


@pytest.mark.parametrize("kind", ["candidates", "jobs", "clients", "users"])
def test_pickers_suggest_by_name_within_budget(signed_in, kind, django_assert_max_num_queries):
    candidate = CandidateFactory(first_name="Wilhelmina", last_name="Quist")
    job = JobFactory(title="Wilhelmina's crane", client__name="Wilhelmina Docks")
    user = UserFactory(first_name="Wilhelmina", last_name="Jones")
    ApplicationFactory(candidate=candidate, job=job)
    expected = {
        "candidates": f"Wilhelmina Quist #{candidate.pk}",
        "jobs": f"#{job.pk}",
        "clients": f"Wilhelmina Docks #{job.client_id}",
        "users": f"Wilhelmina Jones #{user.pk}",
    }[kind]

    with django_assert_max_num_queries(4):
        response = signed_in.get(reverse("picker", args=[kind]), {"q": "wilhel"})

    assert expected in response.content.decode()
    assert signed_in.get(reverse("picker", args=["secrets"]), {"q": "a"}).status_code == 404


def test_the_forms_name_their_suggestion_lists(signed_in):
    page = signed_in.get(reverse("job_new")).content.decode()

    assert 'list="clients-options"' in page and '<datalist id="clients-options">' in page
    assert f'hx-get="{reverse("picker", args=["clients"])}"' in page


def test_board_cards_carry_their_drop_targets_and_others_cards_are_not_tickable(signed_in, recruiter):
    # A colleague's job: the recruiter's own card there is theirs to move, another desk's card is not.
    job = JobFactory()
    mine = ApplicationFactory(job=job, owner=recruiter, stage=Stage.SCREENING)
    theirs = ApplicationFactory(job=job, stage=Stage.SCREENING)

    page = signed_in.get(reverse("job_board", args=[job.pk])).content.decode()

    assert f'data-move-url="{reverse("application_move", args=[mine.pk])}"' in page
    assert 'data-allowed="submitted interviewing offer placed new rejected withdrawn"' in page
    assert f'name="applications" value="{theirs.pk}"' not in page
    assert reverse("application_move", args=[theirs.pk]) not in page
    assert 'section class="board-column" aria-labelledby="column-submitted" data-stage="submitted"' in page


def test_a_job_refused_after_the_candidate_was_made_leaves_no_candidate(signed_in, monkeypatch):
    from django.core.exceptions import ValidationError

    job = JobFactory()

    def closed_meanwhile(**kwargs):
        raise ValidationError({"job": "This job is not open for new applications."})

    monkeypatch.setattr("recruiting.services.jobs_clients.application_add", closed_meanwhile)
    response = signed_in.post(
        reverse("candidate_new"), {"first_name": "A", "email": "a@example.org", "time_zone": "UTC", "job": job.pk}
    )

    assert response.status_code == 400
    assert "not open" in response.content.decode()
    assert not Candidate.objects.exists()


def test_only_leads_see_the_link_to_the_clients_settings(client, recruiter):
    job = JobFactory(owner=recruiter)
    link = reverse("client_edit", args=[job.client_id])
    client.force_login(recruiter)
    assert link not in client.get(reverse("job_board", args=[job.pk])).content.decode()

    client.force_login(UserFactory(profile__role=Role.TEAM_LEAD))
    assert link in client.get(reverse("job_board", args=[job.pk])).content.decode()


def test_the_candidate_page_offers_the_move_form_only_for_applications_one_may_move(signed_in, recruiter):
    candidate = CandidateFactory(owner=recruiter)
    mine = ApplicationFactory(candidate=candidate, owner=recruiter, stage=Stage.SCREENING)
    theirs = ApplicationFactory(candidate=candidate, owner=UserFactory(), stage=Stage.SCREENING)

    page = signed_in.get(reverse("candidate_detail", args=[candidate.pk])).content.decode()

    assert f'href="{reverse("application_move", args=[mine.pk])}?next=' in page
    assert reverse("application_move", args=[theirs.pk]) not in page


def test_a_move_started_on_the_candidate_page_goes_back_there(signed_in, recruiter):
    application = ApplicationFactory(owner=recruiter, candidate__owner=recruiter, job__owner=recruiter)
    page = reverse("candidate_detail", args=[application.candidate_id])
    url = reverse("application_move", args=[application.pk])

    form = signed_in.get(url, {"next": page})
    response = signed_in.post(url + f"?next={page}", {"to_stage": Stage.SCREENING, "next": page})

    assert f'value="{page}"' in form.content.decode()
    assert response.status_code == 302 and response.url == page
    application.refresh_from_db()
    assert application.stage == Stage.SCREENING
