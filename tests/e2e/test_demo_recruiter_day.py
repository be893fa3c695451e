"""A recruiter's day in Chromium on the demo firm itself, as `seed_demo` builds it (no fixtures of its own):
the demo recruiter opens their home page and one of their candidates, logs a call, and puts the candidate
forward to a colleague's job; the colleague then finds the application on their board and home page and may
move it. Everyone it uses is found in what the seeding made. Screenshots go to artifacts/screenshots/demo-*.png.
"""

import pytest
from django.contrib.auth import get_user_model

from candidates.models import Candidate
from inloop import demo
from recruiting.models import ACTIVE_STAGES, Application, ContactEvent, Job, Role, Stage
from tests.e2e import test_recruiter_flow as flow
from workspace import selectors as ws

pytestmark = pytest.mark.e2e

browser, contexts = flow.browser, flow.contexts


def _shot(page, name):
    page.screenshot(path=str(flow.SCREENSHOTS / f"demo-{name}.png"), full_page=True)


def _sign_in(page, url, username):
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def _opened(page, address):
    response = page.goto(address)
    assert response is not None and response.status == 200, (address, response and response.status)
    return response


def _the_day_of_the_demo_firm():
    """From the seeded firm: the demo recruiter, one of their candidates with an open application of theirs,
    and an open job of a colleague (of another team when there is one) that the candidate has not applied to."""
    recruiter = get_user_model().objects.get(username=demo.DEMO_USERNAME)
    candidate = (
        Candidate.objects.filter(
            owner=recruiter,
            erased_at__isnull=True,
            do_not_contact=False,
            applications__owner=recruiter,
            applications__stage__in=ACTIVE_STAGES,
        )
        .order_by("pk")
        .first()
    )
    assert candidate is not None, "the demo recruiter has no candidate with an open application"
    jobs = (
        Job.objects.filter(status=Job.Status.OPEN, owner__profile__role__in=(Role.RECRUITER, Role.TEAM_LEAD))
        .exclude(owner=recruiter)
        .exclude(applications__candidate=candidate)
        .select_related("owner__profile")
    )
    # Another team's job first (desks split across teams); one whose "new" column shows every card, so that
    # the new card is on the board's first view.
    ordered = sorted(jobs, key=lambda job: (job.owner.profile.team_id == recruiter.profile.team_id, job.pk))
    job = next(
        (job for job in ordered if job.applications.filter(stage=Stage.NEW).count() < ws.BOARD_CARDS_PER_COLUMN),
        None,
    )
    assert job is not None, "no colleague of the demo recruiter has an open job"
    return recruiter, candidate, job


@flow.own_connection_closed
def test_a_demo_recruiter_puts_a_candidate_forward_to_a_colleagues_job(contexts, live_server, settings):
    settings.INLOOP_BASE_URL = live_server.url
    # What seed_demo loads (the command itself refuses to run under the live server's overridden settings,
    # which hide the settings module it checks for production).
    assert demo.demo_data_load().created
    recruiter, candidate, job = _the_day_of_the_demo_firm()
    url = live_server.url
    page = contexts(viewport={"width": 1400, "height": 1000}).new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    # Home: who needs an update.
    _sign_in(page, url, recruiter.username)
    page.wait_for_selector("h1:has-text('Who needs an update')")
    _shot(page, "01-home")

    # The candidate's page, then a call logged against their application.
    _opened(page, f"{url}/candidates/{candidate.pk}/")
    page.wait_for_selector(f"h1:has-text('{candidate.full_name}')")
    calls_before = ContactEvent.objects.filter(application__candidate=candidate, by=recruiter).count()
    page.fill("#contact-form textarea[name=summary]", "Told them the client meets on Thursday and we speak Friday.")
    _shot(page, "02-candidate-page")
    page.click("#contact-form button[type=submit]")
    page.wait_for_selector("text=Contact logged.")
    assert ContactEvent.objects.filter(application__candidate=candidate, by=recruiter).count() == calls_before + 1

    # Put forward to the colleague's job, chosen from the jobs the recruiter may use.
    page.click("text=Put forward for a job")
    page.wait_for_selector("select#id_job")
    offered = page.locator("select#id_job option").evaluate_all("options => options.map(o => o.value)")
    assert str(job.pk) in offered
    page.select_option("#id_job", str(job.pk))
    _shot(page, "03-put-forward")
    page.click("main button[type=submit]")
    page.wait_for_selector(f"text=Put forward for {job.title}.")
    application = Application.objects.get(candidate=candidate, job=job)
    assert application.owner == recruiter

    # The colleague finds it on their board, may move it, and sees it on their home page.
    colleague_page = contexts(viewport={"width": 1400, "height": 1000}).new_page()
    _sign_in(colleague_page, url, job.owner.username)
    _opened(colleague_page, f"{url}/jobs/{job.pk}/")
    card = colleague_page.locator(f'article[data-application="{application.pk}"]')
    card.wait_for()
    assert candidate.full_name in card.inner_text()
    assert card.get_attribute("data-move-url") is not None
    _shot(colleague_page, "04-colleagues-board")
    _opened(colleague_page, f"{url}/")
    put_forward = colleague_page.locator("section[aria-labelledby=put-forward-title]")
    assert candidate.full_name in put_forward.inner_text()
    _shot(colleague_page, "05-colleagues-home")
    assert not [error for error in errors if "Content Security Policy" in error], errors
