"""The job board: columns, the move form with its email preview, bulk moves, closing a job."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboundMessage
from recruiting import calendar
from recruiting.models import ACTIVE_STAGES, Application, Job, JobClosing, RecruiterPrompt, Role, Stage, StageChange
from recruiting.services import application_clock_recompute
from recruiting.services.jobs import job_close, job_close_progress
from tests.factories import ApplicationFactory, JobFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def application_in(job, owner, *, stage=Stage.NEW, days=0):
    created = timezone.now() - timedelta(days=days)
    application = ApplicationFactory(
        job=job, candidate__owner=owner, owner=owner, stage=stage, created_at=created, stage_entered_at=created
    )
    application_clock_recompute(application=application)
    return application


def test_the_board_has_one_column_per_stage_with_cards_coloured_by_the_clock(client, recruiter):
    job = JobFactory(owner=recruiter)
    fresh = application_in(job, recruiter, stage=Stage.SCREENING)
    late = application_in(job, recruiter, stage=Stage.SCREENING, days=12)
    client.force_login(recruiter)

    response = client.get(reverse("job_board", args=[job.pk]))

    assert response.status_code == 200
    columns = {column.stage: column for column in response.context["columns"]}
    assert list(columns) == Stage.values
    assert columns[Stage.SCREENING].total == 2
    page = response.content.decode()
    assert f'class="board-card clock-overdue" data-application="{late.pk}"' in page
    assert f'class="board-card clock-ok" data-application="{fresh.pk}"' in page
    assert "Never told, applied 12 days ago" in page
    assert "since told" not in page


def test_a_card_says_how_long_since_the_candidate_was_told_or_that_they_never_were(client, recruiter):
    job = JobFactory(owner=recruiter)
    never = application_in(job, recruiter, stage=Stage.SCREENING)
    told = application_in(job, recruiter, stage=Stage.SCREENING, days=9)
    told.last_informed_at = timezone.now() - timedelta(days=4)
    told.save(update_fields=["last_informed_at"])
    client.force_login(recruiter)

    board = client.get(reverse("job_board", args=[job.pk])).content.decode()
    column = client.get(reverse("job_stage", args=[job.pk, Stage.SCREENING])).content.decode()

    for page in (board, column):
        assert "Never told, applied today" in page
        assert "4 days since told" in page
        assert "0 days" not in page
    assert str(never.candidate) in board


def test_the_board_costs_the_same_queries_at_60_cards(client, recruiter, django_assert_max_num_queries):
    job = JobFactory(owner=recruiter)
    for index in range(60):
        application_in(job, recruiter, stage=ACTIVE_STAGES[index % len(ACTIVE_STAGES)], days=index % 15)
    client.force_login(recruiter)

    with django_assert_max_num_queries(15):
        response = client.get(reverse("job_board", args=[job.pk]))

    assert sum(column.total for column in response.context["columns"]) == 60


def test_a_column_shows_its_first_cards_and_links_to_the_rest(client, recruiter, django_assert_max_num_queries):
    job = JobFactory(owner=recruiter)
    for _ in range(53):
        application_in(job, recruiter)
    client.force_login(recruiter)

    board = client.get(reverse("job_board", args=[job.pk]))
    new = next(column for column in board.context["columns"] if column.stage == Stage.NEW)
    assert len(new.cards) == 50
    assert new.hidden == 3
    assert reverse("job_stage", args=[job.pk, Stage.NEW]) in board.content.decode()

    with django_assert_max_num_queries(15):
        second = client.get(reverse("job_stage", args=[job.pk, Stage.NEW]), {"page": 3})
    assert len(second.context["applications"].items) == 3


def test_a_closed_column_shows_its_latest_few_and_links_to_the_rest(client, recruiter):
    job = JobFactory(owner=recruiter)
    closed = [
        ApplicationFactory(
            job=job,
            owner=recruiter,
            stage=Stage.REJECTED,
            closed_at=timezone.now() - timedelta(days=day),
        )
        for day in range(14)
    ]
    client.force_login(recruiter)

    board = client.get(reverse("job_board", args=[job.pk]))

    rejected = next(column for column in board.context["columns"] if column.stage == Stage.REJECTED)
    assert [card.pk for card in rejected.cards] == [application.pk for application in closed[:10]]
    assert rejected.hidden == 4
    assert reverse("job_stage", args=[job.pk, Stage.REJECTED]) in board.content.decode()


def test_the_move_form_offers_allowed_stages_and_previews_the_email(client, recruiter):
    application = application_in(JobFactory(owner=recruiter), recruiter, stage=Stage.SUBMITTED)
    client.force_login(recruiter)

    response = client.get(reverse("application_move", args=[application.pk]), {"to_stage": Stage.INTERVIEWING})

    choices = [value for value, _ in response.context["form"].fields["to_stage"].choices]
    assert choices == [Stage.INTERVIEWING, Stage.OFFER, Stage.PLACED, Stage.SCREENING, Stage.REJECTED, Stage.WITHDRAWN]
    code, rendered, note = response.context["preview"]
    assert code == "interviewing"
    assert application.candidate.first_name in rendered.body_text
    assert "waits 10 minutes" in note


def test_the_preview_follows_the_chosen_stage(client, recruiter):
    application = application_in(JobFactory(owner=recruiter), recruiter, stage=Stage.INTERVIEWING)
    client.force_login(recruiter)

    late_rejection = client.get(
        reverse("application_move_preview", args=[application.pk]), {"to_stage": Stage.REJECTED}
    )

    assert "No automated email after the client has seen the candidate" in late_rejection.content.decode()


def test_moving_a_card_with_a_promised_date_writes_the_change_and_holds_the_email(client, recruiter):
    application = application_in(JobFactory(owner=recruiter), recruiter, stage=Stage.SUBMITTED)
    promised = timezone.localdate() + timedelta(days=7)
    client.force_login(recruiter)

    response = client.post(
        reverse("application_move", args=[application.pk]),
        {"to_stage": Stage.INTERVIEWING, "next_step_date": promised.isoformat(), "note": "First round"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("job_board", args=[application.job_id])
    application.refresh_from_db()
    assert application.stage == Stage.INTERVIEWING
    assert application.promised_next_step_date == promised
    change = StageChange.objects.get(application=application, to_stage=Stage.INTERVIEWING)
    assert change.by == recruiter
    assert change.note == "First round"
    message = OutboundMessage.objects.get(application=application)
    assert message.template_code == "interviewing"
    assert message.status == OutboundMessage.Status.HELD


def test_dont_notify_moves_without_an_email(client, recruiter):
    application = application_in(JobFactory(owner=recruiter), recruiter, stage=Stage.NEW)
    client.force_login(recruiter)

    client.post(reverse("application_move", args=[application.pk]), {"to_stage": Stage.SCREENING, "dont_notify": "on"})

    application.refresh_from_db()
    assert application.stage == Stage.SCREENING
    assert not OutboundMessage.objects.filter(application=application).exists()


def test_an_htmx_move_answers_with_a_redirect_header(client, recruiter):
    application = application_in(JobFactory(owner=recruiter), recruiter)
    client.force_login(recruiter)

    response = client.post(
        reverse("application_move", args=[application.pk]),
        {"to_stage": Stage.SCREENING},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("job_board", args=[application.job_id])


def test_a_promised_date_in_the_past_is_refused_on_the_form(client, recruiter):
    application = application_in(JobFactory(owner=recruiter), recruiter, stage=Stage.SUBMITTED)
    client.force_login(recruiter)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()

    response = client.post(
        reverse("application_move", args=[application.pk]),
        {"to_stage": Stage.INTERVIEWING, "next_step_date": yesterday},
    )

    assert response.status_code == 200
    assert "The promised next-step date cannot be in the past." in response.content.decode()
    assert response.context["form"].errors["next_step_date"]
    application.refresh_from_db()
    assert application.stage == Stage.SUBMITTED


def test_the_move_preview_warns_of_a_promised_date_in_the_past(client, recruiter):
    application = application_in(JobFactory(owner=recruiter), recruiter, stage=Stage.SUBMITTED)
    client.force_login(recruiter)
    today = timezone.localdate(timezone=calendar.firm_time_zone())
    url = reverse("application_move_preview", args=[application.pk])

    past = client.get(url, {"to_stage": Stage.INTERVIEWING, "next_step_date": (today - timedelta(days=2)).isoformat()})
    future = client.get(
        url, {"to_stage": Stage.INTERVIEWING, "next_step_date": (today + timedelta(days=2)).isoformat()}
    )
    form = client.get(
        reverse("application_move", args=[application.pk]),
        {"to_stage": Stage.INTERVIEWING},
    )

    warning = "is in the past: the move will refuse it"
    assert warning in past.content.decode()
    assert warning not in future.content.decode()
    assert warning not in form.content.decode()


def test_a_refused_past_date_keeps_the_warning_beside_the_form(client, recruiter):
    application = application_in(JobFactory(owner=recruiter), recruiter, stage=Stage.SUBMITTED)
    client.force_login(recruiter)
    past = timezone.localdate(timezone=calendar.firm_time_zone()) - timedelta(days=3)

    response = client.post(
        reverse("application_move", args=[application.pk]),
        {"to_stage": Stage.INTERVIEWING, "next_step_date": past.isoformat(), "note": "Kept"},
    )

    page = response.content.decode()
    assert "The promised next-step date cannot be in the past." in page
    assert "is in the past: the move will refuse it" in page
    assert "Kept" in page
    assert not StageChange.objects.filter(application=application, to_stage=Stage.INTERVIEWING).exists()


def test_a_stage_not_allowed_is_refused_on_the_form(client, recruiter):
    application = application_in(JobFactory(owner=recruiter), recruiter, stage=Stage.OFFER)
    client.force_login(recruiter)

    response = client.post(reverse("application_move", args=[application.pk]), {"to_stage": Stage.NEW})

    assert response.status_code == 200
    assert response.context["form"].errors["to_stage"]
    application.refresh_from_db()
    assert application.stage == Stage.OFFER


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_recruiter_cannot_move_another_recruiters_application(client, recruiter, method):
    application = application_in(JobFactory(), UserFactory(), stage=Stage.NEW)
    client.force_login(recruiter)

    response = getattr(client, method)(
        reverse("application_move", args=[application.pk]), {"to_stage": Stage.SCREENING}
    )

    assert response.status_code == 403
    assert "only the application&#x27;s owner, the job&#x27;s owner" in response.content.decode().lower()
    application.refresh_from_db()
    assert application.stage == Stage.NEW


def test_a_team_lead_moves_a_team_members_application(client):
    lead = UserFactory(profile__role=Role.TEAM_LEAD)
    member = UserFactory(profile__team=TeamFactory(lead=lead))
    application = application_in(JobFactory(owner=member), member)
    client.force_login(lead)

    client.post(reverse("application_move", args=[application.pk]), {"to_stage": Stage.SCREENING})

    application.refresh_from_db()
    assert application.stage == Stage.SCREENING


def test_bulk_move_moves_mine_and_reports_what_it_may_not_move(client, recruiter):
    # A colleague's job (its owner may move every card of it): the recruiter moves only their own.
    job = JobFactory()
    mine = [application_in(job, recruiter) for _ in range(3)]
    theirs = application_in(job, UserFactory())
    client.force_login(recruiter)

    response = client.post(
        reverse("job_bulk_move", args=[job.pk]),
        {"applications": [a.pk for a in [*mine, theirs]], "to_stage": Stage.SCREENING, "note": "Batch"},
        follow=True,
    )

    assert {a.stage for a in Application.objects.filter(pk__in=[a.pk for a in mine])} == {Stage.SCREENING}
    theirs.refresh_from_db()
    assert theirs.stage == Stage.NEW
    assert "Moved 3. Not moved:" in response.content.decode()


def test_bulk_move_ignores_applications_of_other_jobs(client, recruiter):
    job = JobFactory(owner=recruiter)
    elsewhere = application_in(JobFactory(owner=recruiter), recruiter)
    client.force_login(recruiter)

    client.post(reverse("job_bulk_move", args=[job.pk]), {"applications": [elsewhere.pk], "to_stage": Stage.SCREENING})

    elsewhere.refresh_from_db()
    assert elsewhere.stage == Stage.NEW


def test_bulk_move_without_a_tick_says_so(client, recruiter):
    job = JobFactory(owner=recruiter)
    client.force_login(recruiter)

    response = client.post(reverse("job_bulk_move", args=[job.pk]), {"to_stage": Stage.SCREENING}, follow=True)

    assert "Tick at least one card to move." in response.content.decode()


def test_closing_a_job_moves_every_live_application_and_shows_progress(
    client, recruiter, django_capture_on_commit_callbacks
):
    from inloop.celery import app

    app.conf.task_always_eager = True
    job = JobFactory(owner=recruiter)
    early = [application_in(job, recruiter, stage=Stage.SCREENING) for _ in range(3)]
    late = application_in(job, recruiter, stage=Stage.INTERVIEWING)
    placed = application_in(job, recruiter, stage=Stage.PLACED)
    client.force_login(recruiter)
    try:
        form = client.get(reverse("job_close", args=[job.pk]))
        assert "4 live applications will leave the pipeline" in form.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            with_callbacks = client.post(
                reverse("job_close", args=[job.pk]), {"outcome": Stage.REJECTED, "confirm": "on"}
            )
    finally:
        app.conf.task_always_eager = False

    assert with_callbacks.status_code == 302
    progress_url = with_callbacks["Location"]
    job.refresh_from_db()
    assert job.status == Job.Status.CLOSED
    assert {a.stage for a in Application.objects.filter(pk__in=[a.pk for a in [*early, late]])} == {Stage.REJECTED}
    placed.refresh_from_db()
    assert placed.stage == Stage.PLACED
    rejections = OutboundMessage.objects.filter(application__in=early, template_code="rejection_early")
    assert rejections.count() == 3
    assert RecruiterPrompt.objects.filter(application=late, reason="feedback_owed").exists()
    page = client.get(progress_url)
    assert page.context["progress"].state == "finished"
    assert "Done: 4 applications closed." in page.content.decode()


def test_closing_a_job_needs_confirmation(client, recruiter):
    job = JobFactory(owner=recruiter)
    application_in(job, recruiter)
    client.force_login(recruiter)

    response = client.post(reverse("job_close", args=[job.pk]), {"outcome": Stage.REJECTED})

    assert response.status_code == 200
    assert "Tick the box to confirm." in response.content.decode()
    job.refresh_from_db()
    assert job.status == Job.Status.OPEN


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_recruiter_cannot_close_another_recruiters_job(client, recruiter, method):
    job = JobFactory(owner=UserFactory())
    client.force_login(recruiter)

    response = getattr(client, method)(
        reverse("job_close", args=[job.pk]), {"outcome": Stage.REJECTED, "confirm": "on"}
    )

    assert response.status_code == 403
    job.refresh_from_db()
    assert job.status == Job.Status.OPEN


def test_job_close_moves_in_batches_and_reports_progress(recruiter, django_capture_on_commit_callbacks):
    job = JobFactory(owner=recruiter)
    other_owner = UserFactory()
    for index in range(7):
        application_in(job, recruiter if index % 2 else other_owner, stage=Stage.NEW)
    updates = []

    moved = job_close(
        job=job,
        by=recruiter,
        outcome=Stage.WITHDRAWN,
        notify=False,
        progress=lambda d, t: updates.append((d, t)),
        batch_size=3,
    )

    assert moved == 7
    assert updates == [(0, 7), (3, 7), (6, 7), (7, 7)]
    assert not Application.objects.filter(job=job, stage__in=ACTIVE_STAGES).exists()
    assert StageChange.objects.filter(application__job=job, to_stage=Stage.WITHDRAWN, notify=False).count() == 7
    assert not OutboundMessage.objects.filter(application__job=job).exists()


def test_job_close_run_twice_changes_nothing_the_second_time(recruiter):
    job = JobFactory(owner=recruiter)
    application_in(job, recruiter)

    assert job_close(job=job, by=recruiter, outcome=Stage.REJECTED, notify=True) == 1
    assert job_close(job=job, by=recruiter, outcome=Stage.REJECTED, notify=True) == 0
    assert StageChange.objects.filter(application__job=job, to_stage=Stage.REJECTED).count() == 1


def test_job_close_refuses_an_outcome_that_is_not_a_closing(recruiter):
    from django.core.exceptions import ValidationError

    job = JobFactory(owner=recruiter)
    with pytest.raises(ValidationError):
        job_close(job=job, by=recruiter, outcome=Stage.PLACED, notify=True)
    job.refresh_from_db()
    assert job.status == Job.Status.OPEN


def test_progress_comes_from_the_database_when_the_worker_cache_is_elsewhere(recruiter):
    job = JobFactory(owner=recruiter)
    for _ in range(4):
        application_in(job, recruiter)
    _closing_requested(job, "abc")
    cache.set("inloop:job-close:abc", {"state": "waiting", "done": 0, "total": 4})
    Application.objects.filter(pk__in=list(job.applications.values_list("pk", flat=True)[:1])).update(
        stage=Stage.WITHDRAWN, closed_at=timezone.now()
    )

    progress = job_close_progress(job=job, close_id="abc")

    assert (progress.state, progress.done, progress.total) == ("running", 1, 4)


def test_the_progress_page_polls_until_finished(client, recruiter):
    job = JobFactory(owner=recruiter)
    application_in(job, recruiter)
    _closing_requested(job, "xyz")
    cache.set("inloop:job-close:xyz", {"state": "running", "done": 0, "total": 1})
    client.force_login(recruiter)

    running = client.get(reverse("job_close_progress", args=[job.pk, "xyz"]), headers={"HX-Request": "true"})

    assert 'hx-trigger="every 1s"' in running.content.decode()
    assert "<html" not in running.content.decode()


def test_the_job_list_paginates_and_counts_live_and_overdue(client, recruiter, django_assert_max_num_queries):
    job = JobFactory(owner=recruiter)
    application_in(job, recruiter, stage=Stage.SCREENING, days=12)
    application_in(job, recruiter)
    for _ in range(30):
        JobFactory()
    client.force_login(recruiter)

    with django_assert_max_num_queries(15):
        response = client.get(reverse("job_list"))

    assert len(response.context["jobs"].items) == 25
    listed = client.get(reverse("job_list"), {"q": job.title})
    [row] = listed.context["jobs"].items
    assert (row.live, row.overdue) == (2, 1)


@pytest.mark.parametrize("name", ["job_board", "job_close", "job_bulk_move"])
def test_unknown_jobs_are_404(client, recruiter, name):
    client.force_login(recruiter)
    assert client.post(reverse(name, args=[999999])).status_code in (404, 405)
    assert client.get(reverse("job_board", args=[999999])).status_code == 404


def test_unknown_stage_column_is_404(client, recruiter):
    client.force_login(recruiter)
    assert client.get(reverse("job_stage", args=[JobFactory().pk, "nowhere"])).status_code == 404


def test_the_preview_uses_the_promised_date_the_recruiter_typed(client, recruiter):
    from notifications.rendering import format_day
    from recruiting.policy import add_business_days

    application = application_in(JobFactory(owner=recruiter), recruiter, stage=Stage.SUBMITTED)
    promised = timezone.localdate() + timedelta(days=9)
    client.force_login(recruiter)

    response = client.get(
        reverse("application_move_preview", args=[application.pk]),
        {"to_stage": Stage.INTERVIEWING, "next_step_date": promised.isoformat()},
    )

    _, rendered, _ = response.context["preview"]
    assert format_day(add_business_days(promised, 1)) in rendered.body_text
    application.refresh_from_db()
    assert application.stage == Stage.SUBMITTED
    assert application.promised_next_step_date is None


def test_the_close_task_records_a_failure_for_the_progress_page(recruiter):
    from recruiting.tasks import job_close_run

    job = JobFactory(owner=recruiter)
    application_in(job, recruiter)

    _closing_requested(job, "broken")
    with pytest.raises(Exception, match="rejected or withdrawn"):
        job_close_run(job.pk, recruiter.pk, Stage.OFFER, True, "broken")

    progress = job_close_progress(job=job, close_id="broken")
    assert progress.state == "failed"
    assert "The job could not be closed" in progress.error
    assert progress.finished


def test_the_close_task_moves_everything_and_records_it(recruiter):
    from recruiting.tasks import job_close_run

    job = JobFactory(owner=recruiter)
    for _ in range(3):
        application_in(job, recruiter)

    _closing_requested(job, "fine")
    assert job_close_run(job.pk, recruiter.pk, Stage.WITHDRAWN, False, "fine") == 3

    assert cache.get("inloop:job-close:fine")["state"] == "finished"
    progress = job_close_progress(job=job, close_id="fine")
    assert (progress.state, progress.done, progress.total) == ("finished", 3, 3)


def test_the_move_preview_of_another_recruiters_application_is_403(client, recruiter):
    application = application_in(JobFactory(), UserFactory(), stage=Stage.SUBMITTED)
    client.force_login(recruiter)

    response = client.get(reverse("application_move_preview", args=[application.pk]), {"to_stage": Stage.OFFER})

    assert response.status_code == 403


def test_the_board_offers_move_only_on_cards_the_user_may_move(client, recruiter):
    # A colleague's job (its owner may move every card of it): the recruiter moves only their own.
    job = JobFactory()
    mine = application_in(job, recruiter)
    theirs = application_in(job, UserFactory())
    client.force_login(recruiter)

    page = client.get(reverse("job_board", args=[job.pk])).content.decode()

    assert reverse("application_move", args=[mine.pk]) in page
    assert reverse("application_move", args=[theirs.pk]) not in page


def _closing_requested(job, close_id):
    """The row a close request writes before any work starts (the progress page reads only real closings)."""
    return JobClosing.objects.create(job=job, close_id=close_id, outcome=Stage.WITHDRAWN, notify=False)


def test_the_progress_page_of_a_closing_that_was_never_requested_is_not_found(client, recruiter):
    job = JobFactory(owner=recruiter)
    application_in(job, recruiter)
    client.force_login(recruiter)

    response = client.get(reverse("job_close_progress", args=[job.pk, "abcdef"]))

    assert response.status_code == 404
    assert Job.objects.get(pk=job.pk).status == Job.Status.OPEN


def test_the_move_preview_gives_the_dates_of_the_email_as_it_will_go(client, recruiter, time_machine):
    """The preview's "you will hear from us again by" is the email's: counted from when it is sent, not
    from the candidate's last news before the move (docs/rules.md#no-surprise)."""
    time_machine.move_to(datetime(2026, 12, 6, 16, 0, tzinfo=UTC), tick=False)  # a Sunday afternoon
    application = application_in(JobFactory(owner=recruiter), recruiter, stage=Stage.NEW, days=6)
    client.force_login(recruiter)
    promised = {"to_stage": Stage.SCREENING, "next_step_date": "2026-12-25"}
    preview = client.get(reverse("application_move_preview", args=[application.pk]), promised).content.decode()

    client.post(reverse("application_move", args=[application.pk]), promised)
    message = OutboundMessage.objects.get(application=application, template_code="screening")
    outbox = client.get(reverse("outbox_message", args=[message.pk])).content.decode()

    said = re.compile(r"You will hear from us again by ([^,]+),")
    assert said.search(outbox)[1] == said.search(preview)[1] == "Monday 14 December 2026"
