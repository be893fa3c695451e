"""The client's answer in a real browser: a submitted candidate's answer falls due, the chase goes out,
the hiring manager answers "need more time" from its link, and the recruiter and the candidate see the
date. Same set-up as test_recruiter_flow (Chromium, live server, tasks run eagerly)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import OutboundMessage
from notifications.rendering import format_day
from notifications.services.messages import message_check_in_queue
from recruiting import calendar
from recruiting.models import Application, ClientAnswer, HiringManager, Stage
from recruiting.services import application_move
from recruiting.services.clients import client_answers_chase
from tests.e2e.test_recruiter_flow import (  # noqa: F401 (fixtures)
    PASSWORD,
    browser,
    contexts,
    eager_tasks,
    own_connection_closed,
    shot,
)
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, UserFactory

pytestmark = pytest.mark.e2e


@own_connection_closed
def test_a_manager_asks_for_more_time_and_the_candidate_is_given_that_date(
    contexts,  # noqa: F811
    live_server,
    settings,
    eager_tasks,  # noqa: F811
):
    settings.INLOOP_BASE_URL = live_server.url
    recruiter = UserFactory(username="imani", first_name="Imani", last_name="Roe")
    lumen = ClientFactory(name="Lumen & Loom")
    manager = HiringManager.objects.create(
        client=lumen, name="Dana Park", email="dana@lumen.example", time_zone="Europe/Lisbon"
    )
    job = JobFactory(owner=recruiter, title="Data Analyst", client=lumen)
    job.hiring_managers.add(manager)
    application = ApplicationFactory(
        job=job,
        owner=recruiter,
        candidate__owner=recruiter,
        candidate__first_name="Tomas",
        candidate__last_name="Ferreira",
        candidate__email="tomas@mail.example",
        stage=Stage.SCREENING,
    )
    application_move(application=application, to_stage=Stage.SUBMITTED, by=recruiter, notify=False)
    # Time passes: the client's answer is due.
    Application.objects.filter(pk=application.pk).update(client_answer_due=timezone.now() - timedelta(minutes=1))
    client_answers_chase()
    chase = OutboundMessage.objects.get(template_code="client_chase")
    assert chase.status == OutboundMessage.Status.HELD

    # The recruiter reads the held request and sends it now.
    recruiter_page = contexts(viewport={"width": 1400, "height": 1000}).new_page()
    recruiter_page.goto(f"{live_server.url}/login/")
    recruiter_page.fill("#id_username", "imani")
    recruiter_page.fill("#id_password", PASSWORD)
    recruiter_page.click("button[type=submit]")
    recruiter_page.goto(f"{live_server.url}/outbox/{chase.pk}/")
    shot(recruiter_page, "30-client-chase-held")
    recruiter_page.get_by_role("button", name="Send now").click()
    recruiter_page.get_by_text("Released").wait_for()
    [email] = [sent for sent in mail.outbox if sent.to == ["dana@lumen.example"]]
    assert "Tomas Ferreira" in email.body and "tomas@mail.example" not in email.body

    # The manager opens the link and asks for more time.
    answer_url = re.search(r"https?://\S+/c/answer/[^\s/]+/", email.body).group(0)
    manager_page = contexts(viewport={"width": 900, "height": 900}).new_page()
    manager_page.goto(answer_url)
    assert "Tomas Ferreira" in manager_page.content() and "tomas@mail.example" not in manager_page.content()
    until = timezone.localdate() + timedelta(days=6)
    # Only the chosen answer's fields show (CSS, no script).
    assert not manager_page.locator("#id_more_time_until").is_visible()
    manager_page.get_by_label("Needs more time").check()
    assert not manager_page.locator("#id_reason").is_visible()
    assert not manager_page.locator("#id_next_step").is_visible()
    manager_page.locator("#id_more_time_until").fill(until.isoformat())
    shot(manager_page, "31-client-answer-form")
    manager_page.get_by_role("button", name="Send my answer").click()
    manager_page.get_by_text("Thank you").first.wait_for()
    shot(manager_page, "32-client-answer-done")
    assert ClientAnswer.objects.get().kind == ClientAnswer.Kind.MORE_TIME

    # The recruiter sees the answer and the candidate's promised date.
    recruiter_page.goto(f"{live_server.url}/candidates/{application.candidate_id}/")
    shot(recruiter_page, "33-candidate-after-client-answer")
    assert "Lumen &amp; Loom answered:" in recruiter_page.content()
    assert f"promised {calendar.day_words(until)}" in recruiter_page.inner_text("body")

    # The candidate's held update states that date.
    check_in = message_check_in_queue(application=Application.objects.get(pk=application.pk), by=recruiter)
    assert check_in.status == OutboundMessage.Status.HELD
    assert f"The next step is planned for {format_day(until)}." in check_in.body_text
