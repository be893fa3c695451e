"""The pipeline list (filters, sorting, totals, numbered pages, all in the URL) and its bulk actions with
a result per row; nothing offered that the user may not do."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboundMessage
from recruiting.models import Application, Role, Stage
from tests.factories import ApplicationFactory, CandidateFactory, JobFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST_BUDGET = 12


def _names(response):
    return [row.record.candidate.first_name for row in response.context["table"].page.object_list]


@pytest.fixture
def signed_in(client, recruiter):
    client.force_login(recruiter)
    return client


def test_mine_by_default_then_everyones(signed_in, recruiter):
    ApplicationFactory(owner=recruiter, candidate__first_name="Mine", stage=Stage.SCREENING)
    ApplicationFactory(candidate__first_name="Theirs", stage=Stage.SCREENING)

    assert _names(signed_in.get(reverse("application_list"))) == ["Mine"]
    assert sorted(_names(signed_in.get(reverse("application_list"), {"scope": "all"}))) == ["Mine", "Theirs"]


def test_a_lead_sees_the_teams_list(client):
    team = TeamFactory()
    lead = UserFactory(profile__team=team, profile__role=Role.TEAM_LEAD)
    member = UserFactory(profile__team=team)
    ApplicationFactory(owner=member, candidate__first_name="Member")
    ApplicationFactory(candidate__first_name="Outsider")
    client.force_login(lead)

    assert _names(client.get(reverse("application_list"), {"scope": "team"})) == ["Member"]
    # The team page's link to one recruiter's list.
    assert _names(client.get(reverse("application_list"), {"owner": member.pk})) == ["Member"]


def test_filters_by_stage_job_client_overdue_and_paused(signed_in, recruiter):
    job = JobFactory(title="Welder")
    past = timezone.now() - timedelta(days=1)
    ApplicationFactory(owner=recruiter, job=job, candidate__first_name="Welder", stage=Stage.SUBMITTED)
    ApplicationFactory(owner=recruiter, candidate__first_name="Late", next_update_due=past)
    ApplicationFactory(owner=recruiter, candidate__first_name="Paused", candidate__automated_updates_paused=True)
    ApplicationFactory(owner=recruiter, candidate__first_name="Placed", stage=Stage.PLACED)
    url = reverse("application_list")

    assert _names(signed_in.get(url, {"stage": "submitted"})) == ["Welder"]
    assert _names(signed_in.get(url, {"job": job.pk})) == ["Welder"]
    assert _names(signed_in.get(url, {"client": job.client_id})) == ["Welder"]
    assert _names(signed_in.get(url, {"overdue": "true"})) == ["Late"]
    assert _names(signed_in.get(url, {"paused": "true"})) == ["Paused"]
    assert "Placed" not in _names(signed_in.get(url))  # live applications unless a closed stage is asked for
    assert _names(signed_in.get(url, {"stage": "placed"})) == ["Placed"]


def test_sorting_and_numbered_pages_stay_in_the_url(signed_in, recruiter, django_assert_max_num_queries):
    for n in range(30):
        ApplicationFactory(owner=recruiter, candidate__first_name=f"C{n:02}", candidate__last_name=f"L{n:02}")

    with django_assert_max_num_queries(LIST_BUDGET):
        response = signed_in.get(reverse("application_list"), {"sort": "-candidate", "page": 2})

    assert _names(response) == [f"C{n:02}" for n in range(4, -1, -1)]
    page = response.content.decode()
    assert "<strong>30</strong> applications" in page
    assert "sort=-candidate" in page and "page=1" in page  # the pager keeps the sort


@pytest.mark.parametrize("page", ["9" * 30, "abc", "-3", "1e400", "0"])
def test_any_page_number_answers(signed_in, recruiter, page):
    ApplicationFactory(owner=recruiter)

    response = signed_in.get(reverse("application_list"), {"page": page})

    assert response.status_code == 200
    assert len(response.context["table"].page.object_list) == 1


def test_bad_filter_values_answer_with_the_form_errors_not_a_500(signed_in):
    response = signed_in.get(
        reverse("application_list"), {"stage": "nope", "job": "x", "owner": "9" * 30, "sort": "-silent"}
    )

    assert response.status_code == 200
    assert response.context["filters"].errors


def test_rows_one_may_not_act_on_are_disabled_with_the_reason(signed_in, recruiter):
    mine = ApplicationFactory(owner=recruiter)
    other = ApplicationFactory(owner=UserFactory(first_name="Ola", last_name="Berg"))

    page = signed_in.get(reverse("application_list"), {"scope": "all"}).content.decode()

    assert f'name="applications" value="{mine.pk}"' in page
    assert f'name="applications" value="{other.pk}"' not in page
    assert "Only Ola Berg, the job&#x27;s owner, their team leads or an admin can act on this one." in page


def test_bulk_check_in_reports_each_row(signed_in, recruiter, django_capture_on_commit_callbacks):
    mine = ApplicationFactory(owner=recruiter, stage=Stage.SCREENING)
    paused = ApplicationFactory(
        owner=recruiter,
        stage=Stage.SCREENING,
        candidate=CandidateFactory(owner=recruiter, automated_updates_paused=True),
    )
    other = ApplicationFactory(stage=Stage.SCREENING)

    with django_capture_on_commit_callbacks():
        response = signed_in.post(
            reverse("applications_bulk"), {"action": "check_in", "applications": [mine.pk, paused.pk, other.pk]}
        )

    results = {result.application.pk: result for result in response.context["results"]}
    assert results[mine.pk].ok
    assert not results[paused.pk].ok
    assert results[paused.pk].text == "Check-in suppressed, not sent: The candidate paused automated updates."
    assert not results[other.pk].ok and "Only the application's owner" in results[other.pk].text
    assert not OutboundMessage.objects.filter(application=other).exists()
    assert "1 of 3 done." in response.content.decode()


def test_bulk_move_and_reassign(signed_in, recruiter):
    team = TeamFactory()
    recruiter.profile.team = team
    recruiter.profile.save()
    one, two = (ApplicationFactory(owner=recruiter, stage=Stage.NEW) for _ in range(2))
    colleague = UserFactory(first_name="Kim", last_name="Lee", profile__team=team)

    moved = signed_in.post(
        reverse("applications_bulk"), {"action": "move", "to_stage": "screening", "applications": [one.pk, two.pk]}
    )
    given = signed_in.post(
        reverse("applications_bulk"),
        {"action": "reassign", "owner": f"Kim Lee #{colleague.pk}", "applications": [one.pk]},
    )

    assert [r.ok for r in moved.context["results"]] == [True, True]
    assert Application.objects.filter(stage=Stage.SCREENING).count() == 2
    assert given.context["results"][0].text == "Now Kim Lee's."
    assert Application.objects.get(pk=one.pk).owner == colleague


def test_bulk_without_rows_or_stage_does_nothing(signed_in, recruiter):
    application = ApplicationFactory(owner=recruiter)

    assert signed_in.post(reverse("applications_bulk"), {"action": "move"}).status_code == 400
    assert (
        signed_in.post(reverse("applications_bulk"), {"action": "move", "applications": [application.pk]}).status_code
        == 400
    )
    assert Application.objects.get(pk=application.pk).stage == Stage.NEW


def test_the_back_link_never_leaves_the_site(signed_in, recruiter):
    application = ApplicationFactory(owner=recruiter)

    response = signed_in.post(
        reverse("applications_bulk"),
        {"action": "check_in", "applications": [application.pk], "next": "//evil.example/"},
    )

    assert response.context["back"] == reverse("application_list")


def test_my_jobs_then_the_teams_sorted_with_counts(client, django_assert_max_num_queries):
    team = TeamFactory()
    lead = UserFactory(profile__team=team, profile__role=Role.TEAM_LEAD)
    member = UserFactory(profile__team=team)
    mine = JobFactory(owner=lead, title="Lead's job")
    theirs = JobFactory(owner=member, title="Member's job")
    JobFactory(title="Outsider's job")
    ApplicationFactory(job=theirs, stage=Stage.SCREENING, next_update_due=timezone.now() - timedelta(days=1))
    client.force_login(lead)
    url = reverse("job_table")

    with django_assert_max_num_queries(LIST_BUDGET):
        own = client.get(url)
    team_jobs = client.get(url, {"scope": "team", "sort": "-overdue"})

    assert [row.record for row in own.context["table"].page.object_list] == [mine]
    rows = [
        (row.record.title, row.record.live, row.record.overdue) for row in team_jobs.context["table"].page.object_list
    ]
    assert rows == [("Member's job", 1, 1), ("Lead's job", 0, 0)]
    assert client.get(url, {"page": "9" * 30, "status": "nope"}).status_code == 200


def test_the_most_urgent_come_first_and_no_update_owed_last(signed_in, recruiter):
    now = timezone.now()
    ApplicationFactory(owner=recruiter, candidate__first_name="Owed nothing", next_update_due=None)
    ApplicationFactory(owner=recruiter, candidate__first_name="Later", next_update_due=now + timedelta(days=3))
    ApplicationFactory(owner=recruiter, candidate__first_name="Very late", next_update_due=now - timedelta(days=4))
    ApplicationFactory(owner=recruiter, candidate__first_name="Late", next_update_due=now - timedelta(days=1))
    url = reverse("application_list")

    assert _names(signed_in.get(url)) == ["Very late", "Late", "Later", "Owed nothing"]
    assert _names(signed_in.get(url, {"sort": "-next_update_due"})) == ["Later", "Late", "Very late", "Owed nothing"]


def test_days_silent_sorts_by_the_days_its_arrow_shows(signed_in, recruiter):
    now = timezone.now()
    for name, days in (("Two", 2), ("Nine", 9), ("Five", 5)):
        ApplicationFactory(owner=recruiter, candidate__first_name=name, created_at=now - timedelta(days=days))
    url = reverse("application_list")

    ascending = signed_in.get(url, {"sort": "silent"})
    descending = signed_in.get(url, {"sort": "-silent"})

    assert _names(ascending) == ["Two", "Five", "Nine"]
    assert _names(descending) == ["Nine", "Five", "Two"]
    assert ascending.context["table"].columns["silent"].order_by_alias == "silent"


def test_the_columns_and_filters_speak_plainly(signed_in, recruiter):
    ApplicationFactory(owner=recruiter)

    response = signed_in.get(reverse("application_list"))

    headers = [column.header for column in response.context["table"].columns]
    assert headers[1:] == ["Candidate", "Job", "Client", "Stage", "Recruiter", "Days silent", "Update due"]
    page = response.content.decode()
    assert ">Title<" not in page and ">Name<" not in page and "Unknown" not in page
    form = response.context["filters"].form
    for name in ("overdue", "paused"):
        assert list(form.fields[name].widget.choices) == [("", "Any"), ("true", "Yes"), ("false", "No")]
        assert '<option value="" selected>Any</option>' in str(form[name])


def test_the_job_table_heads_its_columns_plainly(client):
    user = UserFactory()
    JobFactory(owner=user)
    client.force_login(user)

    response = client.get(reverse("job_table"))

    headers = [column.header for column in response.context["table"].columns]
    assert headers[:4] == ["Job", "Client", "Owner", "Status"]


def test_my_teams_scope_lists_the_whole_team_and_mine_includes_applications_on_my_jobs(client):
    team = TeamFactory()
    me, teammate, stranger = (UserFactory(profile__team=team), UserFactory(profile__team=team), UserFactory())
    own = ApplicationFactory(owner=me, candidate__owner=me, job__owner=me)
    teammates = ApplicationFactory(owner=teammate, candidate__owner=teammate, job__owner=teammate)
    put_forward_to_me = ApplicationFactory(owner=stranger, candidate__owner=stranger, job__owner=me)
    elsewhere = ApplicationFactory(owner=stranger, candidate__owner=stranger, job__owner=stranger)
    client.force_login(me)

    def listed(scope):
        table = client.get(reverse("application_list"), {"scope": scope}).context["table"]
        return {row.record.pk for row in table.rows}

    assert listed("mine") == {own.pk, put_forward_to_me.pk}
    assert listed("team") == {own.pk, teammates.pk, put_forward_to_me.pk}
    assert elsewhere.pk in listed("all")
