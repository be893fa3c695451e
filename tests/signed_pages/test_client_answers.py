"""The hiring manager's one-click answer: each answer type, refused links, GET changes nothing, the limit."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import signing
from django.test import override_settings
from django.urls import reverse

from candidates.services.data_rights import candidate_erase
from recruiting.client_links import ANSWER_SALT, client_answer_token
from recruiting.models import AuditLog, ClientAnswer, HiringManager, RecruiterPrompt, Stage
from recruiting.selectors import application_timeline
from recruiting.services import application_move
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, UserFactory

UTC = ZoneInfo("UTC")
MONDAY = datetime(2026, 11, 16, 10, tzinfo=UTC)
# Thursday, after the answer fell due and was chased.
THURSDAY = datetime(2026, 11, 19, 11, tzinfo=UTC)
# An answer given on Thursday can no longer be corrected (INLOOP_CLIENT_ANSWER_CORRECTION_MINUTES, 30).
AFTER_THE_WINDOW = THURSDAY + timedelta(minutes=30)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def manager():
    return HiringManager.objects.create(
        client=ClientFactory(name="Lumen & Loom"), name="Dana Park", email="dana@lumen.example"
    )


@pytest.fixture
def application(manager, owner):
    job = JobFactory(client=manager.client, owner=owner, title="Data Analyst")
    job.hiring_managers.add(manager)
    application = ApplicationFactory(
        job=job, candidate__owner=owner, candidate__phone="+44 20 7946 0000", stage=Stage.SCREENING, created_at=MONDAY
    )
    with time_machine.travel(MONDAY, tick=False):
        application_move(application=application, to_stage=Stage.SUBMITTED, by=owner)
    application.refresh_from_db()
    return application


def url_for(application, manager, due_at=None, signed_at=MONDAY) -> str:
    """The link as the chase would carry it, signed at `signed_at`: its age, hence its expiry, never depends on
    the day the suite runs."""
    with time_machine.travel(signed_at, tick=False):
        token = client_answer_token(
            application_id=application.pk, hiring_manager_id=manager.pk, due_at=due_at or application.client_answer_due
        )
    return f"/c/answer/{token}/"


def post(client, url, at=THURSDAY, **data):
    with time_machine.travel(at, tick=False):
        return client.post(url, data)


def review_prompt(application) -> RecruiterPrompt:
    return RecruiterPrompt.objects.get(
        application=application, reason=RecruiterPrompt.Reason.CLIENT_ANSWERED, resolved_at__isnull=True
    )


def test_the_page_shows_the_candidate_and_job_never_their_contact_details(client, application, manager):
    with time_machine.travel(THURSDAY, tick=False):
        response = client.get(url_for(application, manager))
    assert response.status_code == 200
    page = response.content.decode()
    assert application.candidate.last_name in page and "Data Analyst" in page
    assert application.candidate.email not in page
    assert "7946" not in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_client_name_ending_in_a_full_stop_gets_no_second_one(client, application, manager):
    manager.client.name = "Alderbank Ledger Co."
    manager.client.save()
    with time_machine.travel(THURSDAY, tick=False):
        page = client.get(url_for(application, manager)).content.decode()
    assert "Data Analyst at Alderbank Ledger Co. Your answer" in page
    assert "Co.." not in page


def test_get_changes_nothing(client, application, manager, django_assert_max_num_queries):
    before = AuditLog.objects.count()
    with time_machine.travel(THURSDAY, tick=False), django_assert_max_num_queries(4):
        client.get(url_for(application, manager))
    assert AuditLog.objects.count() == before
    assert not ClientAnswer.objects.exists()


def test_move_forward_sets_the_candidates_date_settles_the_clock_and_asks_for_review(client, application, manager):
    response = post(
        client,
        url_for(application, manager),
        kind="move_forward",
        next_step="Second interview",
        next_step_date="2026-11-26",
    )
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    application.refresh_from_db()
    assert application.client_answer_due is None
    assert application.client_answered_at == THURSDAY
    assert application.promised_next_step_date == date(2026, 11, 26)
    assert application.stage == Stage.SUBMITTED  # the move is the recruiter's to make
    answer = ClientAnswer.objects.get()
    assert (answer.kind, answer.next_step, answer.hiring_manager) == ("move_forward", "Second interview", manager)
    assert "Second interview" in review_prompt(application).detail


def test_not_a_fit_keeps_the_reason_for_the_recruiter(client, application, manager):
    post(client, url_for(application, manager), kind="not_a_fit", reason="Needs more SQL")
    application.refresh_from_db()
    assert application.client_answer_due is None
    assert application.stage == Stage.SUBMITTED
    assert ClientAnswer.objects.get().reason == "Needs more SQL"
    assert "Needs more SQL" in review_prompt(application).detail
    [entry] = [e for e in application_timeline(candidate_id=application.candidate_id) if e.kind == "client_answer"]
    assert entry.item.reason == "Needs more SQL"


def test_more_time_moves_the_clock_and_the_candidates_promised_date(client, application, manager):
    post(client, url_for(application, manager), kind="more_time", more_time_until="2026-11-27")
    application.refresh_from_db()
    assert application.client_promised_date == date(2026, 11, 27)
    assert application.promised_next_step_date == date(2026, 11, 27)
    assert application.client_answer_due == datetime(2026, 11, 30, 9, tzinfo=UTC)
    assert "until Friday 27 November" in review_prompt(application).detail


def test_more_time_needs_a_date_that_is_not_in_the_past(client, application, manager):
    url = url_for(application, manager)
    assert "choose the date" in post(client, url, kind="more_time").content.decode()
    assert "cannot be in the past" in post(client, url, kind="more_time", more_time_until="2026-11-18").content.decode()
    assert not ClientAnswer.objects.exists()


def test_a_link_answers_once_and_is_closed_once_the_correction_window_is_over(client, application, manager):
    url = url_for(application, manager)
    post(client, url, kind="not_a_fit")
    second = post(client, url, at=AFTER_THE_WINDOW, kind="move_forward")
    assert second.status_code == 410
    assert "already been answered" in second.content.decode()
    assert "reply to the email or call the recruiter" in second.content.decode()
    assert ClientAnswer.objects.get().kind == "not_a_fit"
    with time_machine.travel(AFTER_THE_WINDOW, tick=False):
        assert client.get(url).status_code == 410


def test_after_more_time_the_old_link_is_answered_and_a_new_step_gets_a_new_link(client, application, manager):
    old = url_for(application, manager)
    post(client, old, kind="more_time", more_time_until="2026-11-27")
    assert "already been answered" in post(client, old, at=AFTER_THE_WINDOW, kind="not_a_fit").content.decode()
    application.refresh_from_db()
    new_step = datetime(2026, 11, 30, 10, tzinfo=UTC)
    post(client, url_for(application, manager, signed_at=new_step), at=new_step, kind="not_a_fit")
    assert ClientAnswer.objects.count() == 2
    assert RecruiterPrompt.objects.filter(reason="client_answered", resolved_at__isnull=True).count() == 1


def test_a_tampered_link_is_refused(client, application, manager):
    token = url_for(application, manager).split("/")[-2]
    value, _, signature = token.rpartition(":")
    with time_machine.travel(MONDAY, tick=False):
        forged = signing.TimestampSigner(salt=ANSWER_SALT).sign(f"{application.pk + 1}.{manager.pk}.0")
    for bad in (value + ":" + signature[:-2] + "xx", token.replace(f"{application.pk}.", "999."), "nonsense"):
        response = post(client, f"/c/answer/{bad}/", kind="not_a_fit")
        assert response.status_code == 404
        assert "does not work" in response.content.decode()
    assert post(client, f"/c/answer/{forged}/", kind="not_a_fit").status_code == 410
    assert not ClientAnswer.objects.exists()


def test_an_expired_link_is_refused(client, application, manager):
    # Signed on the day of the chase, not on the day the suite runs.
    with time_machine.travel(THURSDAY, tick=False):
        url = url_for(application, manager)
    response = post(client, url, at=MONDAY + timedelta(days=40), kind="not_a_fit")
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not ClientAnswer.objects.exists()


def test_a_link_for_another_clients_manager_or_a_moved_application_is_refused(client, application, manager):
    stranger = HiringManager.objects.create(client=ClientFactory(), name="Other", email="o@other.example")
    assert post(client, url_for(application, stranger), kind="not_a_fit").status_code == 410
    url = url_for(application, manager)
    with time_machine.travel(THURSDAY, tick=False):
        application_move(application=application, to_stage=Stage.REJECTED, by=application.owner)
    response = post(client, url, kind="move_forward")
    assert response.status_code == 410
    assert "no longer current" in response.content.decode()
    assert not ClientAnswer.objects.exists()


@override_settings(INLOOP_CANDIDATE_POSTS_PER_HOUR=2)
def test_posts_are_rate_limited_per_link(client, application, manager):
    url = url_for(application, manager)
    for _ in range(2):
        assert post(client, url, kind="bogus").status_code == 200
    response = post(client, url, kind="not_a_fit")
    assert response.status_code == 429
    assert not ClientAnswer.objects.exists()


def test_a_date_beyond_the_horizon_or_an_erased_candidate_is_refused(client, application, manager, admin_user):
    url = url_for(application, manager)
    far = post(client, url, kind="more_time", more_time_until="2029-06-01")
    assert "too far ahead" in far.content.decode()
    candidate_erase(candidate=application.candidate, by=admin_user)
    assert post(client, url, kind="not_a_fit").status_code == 410
    assert not ClientAnswer.objects.exists()


def test_an_answer_costs_a_fixed_number_of_queries(client, application, manager, django_assert_max_num_queries):
    with django_assert_max_num_queries(22):
        response = post(client, url_for(application, manager), kind="move_forward", next_step_date="2026-11-26")
    assert response.status_code == 200
    assert ClientAnswer.objects.count() == 1


def test_each_answer_shows_only_its_own_fields_without_a_script(client, application, manager):
    with time_machine.travel(THURSDAY, tick=False):
        page = client.get(url_for(application, manager)).content.decode()

    assert "<script" not in page
    groups = {
        kind: page.split(f'class="answer-fields answer-fields-{kind} mt-3"')[1]
        .split("</fieldset>")[0]
        .split('class="answer-fields ')[0]
        for kind in ("move_forward", "more_time", "not_a_fit")
    }
    assert 'name="next_step"' in groups["move_forward"] and 'name="next_step_date"' in groups["move_forward"]
    assert 'name="more_time_until"' in groups["more_time"] and 'name="next_step"' not in groups["more_time"]
    assert 'name="reason"' in groups["not_a_fit"] and 'name="more_time_until"' not in groups["not_a_fit"]
    # The radios come before the groups, as siblings: the stylesheet's :checked ~ rules show the chosen group.
    fieldset = page.split('<fieldset class="answer-choices">')[1]
    assert fieldset.index('value="more_time"') < fieldset.index("answer-fields-move_forward")
    css = (settings.BASE_DIR / "static" / "css" / "candidate.css").read_text()
    assert ".answer-fields {\n  display: none;" in css
    for kind in ("move_forward", "more_time", "not_a_fit"):
        assert f'.answer-choice[value="{kind}"]:checked ~ .answer-fields-{kind}' in css


def test_the_manager_corrects_their_answer_through_the_same_link_within_the_window(client, application, manager):
    url = url_for(application, manager)
    post(client, url, kind="more_time", more_time_until="2026-11-27")
    application.refresh_from_db()
    assert application.promised_next_step_date == date(2026, 11, 27)

    with time_machine.travel(THURSDAY + timedelta(minutes=20), tick=False):
        again = client.get(url)
    corrected = post(client, url, at=THURSDAY + timedelta(minutes=25), kind="not_a_fit", reason="Went elsewhere")

    assert again.status_code == 200
    shown = " ".join(again.content.decode().split())
    assert (
        "You answered “needs more time” on Thursday 19 November, 11:00 UTC. You can change that answer here until"
        " Thursday 19 November, 11:30 UTC"
    ) in shown
    assert 'value="more_time" class="form-check-input answer-choice" id="id_kind_2" required checked' in shown
    assert 'name="more_time_until" value="2026-11-27"' in shown
    assert corrected.status_code == 200
    assert "corrected answer" in corrected.content.decode()
    answer = ClientAnswer.objects.get()  # replaced, not added
    assert (answer.kind, answer.reason, answer.next_step_date, answer.at) == (
        "not_a_fit",
        "Went elsewhere",
        None,
        THURSDAY,
    )
    application.refresh_from_db()
    # What the first answer set is put back: the candidate's date, the client's promise and its clock.
    assert application.promised_next_step_date is None
    assert application.client_promised_date is None
    assert application.client_answer_due is None
    [prompt] = RecruiterPrompt.objects.filter(reason="client_answered", resolved_at__isnull=True)
    assert "says not a fit (Went elsewhere)" in prompt.detail
    assert RecruiterPrompt.objects.get(reason="client_answered", resolved_at__isnull=False).resolution == (
        "The client corrected its answer."
    )
    audit = AuditLog.objects.get(action="application.client_answer_correct")
    assert audit.details == {"kind": "not_a_fit", "was": "more_time", "hiring_manager": manager.pk, "answer": answer.pk}


def test_a_correction_keeps_a_date_the_recruiter_had_promised_before_the_answer(client, application, manager):
    application.promised_next_step_date = date(2026, 11, 24)
    application.save(update_fields=["promised_next_step_date"])
    url = url_for(application, manager)
    post(client, url, kind="move_forward", next_step="Second interview", next_step_date="2026-11-26")

    post(client, url, at=THURSDAY + timedelta(minutes=5), kind="not_a_fit")

    application.refresh_from_db()
    assert application.promised_next_step_date == date(2026, 11, 24)


def test_no_correction_once_the_recruiter_moved_the_application(client, application, manager):
    url = url_for(application, manager)
    post(client, url, kind="move_forward", next_step_date="2026-11-26")
    with time_machine.travel(THURSDAY + timedelta(minutes=5), tick=False):
        application_move(application=application, to_stage=Stage.INTERVIEWING, by=application.owner, notify=False)

    response = post(client, url, at=THURSDAY + timedelta(minutes=10), kind="not_a_fit")

    assert response.status_code == 410
    assert ClientAnswer.objects.get().kind == "move_forward"


@override_settings(INLOOP_CLIENT_ANSWER_CORRECTION_MINUTES=5)
def test_the_correction_window_is_a_setting(client, application, manager):
    url = url_for(application, manager)
    post(client, url, kind="not_a_fit")

    late = post(client, url, at=THURSDAY + timedelta(minutes=5), kind="move_forward")

    assert late.status_code == 410
    assert ClientAnswer.objects.get().kind == "not_a_fit"


def test_a_manager_taken_off_the_job_can_no_longer_answer_through_an_old_link(client, application, manager):
    """The link was sent while they were named on the job; the recruiter then took them off it (the job
    page's hiring managers). Their old link neither shows the question nor records an answer."""
    colleague = HiringManager.objects.create(client=manager.client, name="Lee Chan", email="lee@lumen.example")
    url = url_for(application, manager)
    client.force_login(application.owner)
    with time_machine.travel(THURSDAY, tick=False):
        contacts_page = client.post(
            reverse("client_contacts", args=[manager.client_id]),
            {"action": "job", "job": application.job_id, "hiring_managers": [colleague.pk]},
        )
    client.logout()
    assert contacts_page.status_code == 302
    assert list(application.job.hiring_managers.all()) == [colleague]

    with time_machine.travel(THURSDAY, tick=False):
        shown = client.get(url)
    answered = post(client, url, kind="more_time", more_time_until="2026-11-27")

    for response in (shown, answered):
        assert response.status_code == 410
        assert "no longer named as a contact for this job" in response.content.decode()
    application.refresh_from_db()
    assert application.promised_next_step_date is None and application.client_promised_date is None
    assert not ClientAnswer.objects.exists()


@pytest.mark.parametrize("day", ["9000-01-01", "9999-12-31"])
def test_a_far_date_on_the_answer_page_is_refused_and_writes_nothing(client, application, manager, day):
    response = post(client, url_for(application, manager), kind="more_time", more_time_until=day)
    assert response.status_code == 200
    assert "too far ahead" in response.content.decode()
    application.refresh_from_db()
    assert application.client_promised_date is None and application.client_answer_due is not None
    assert not ClientAnswer.objects.exists()
