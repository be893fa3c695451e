"""The demo firm as a person meets it: every page reachable by a link, as every one of its people, and every
beat job run once against it; on the suite's database and once more on SQLite (`make run`'s default).

The firm is what `seed_demo` builds, after a round of the beat jobs, read generically: its people from the
database, its pages from the links on its pages, its candidates' and hiring managers' pages from the links in
its messages. The clock is a Tuesday morning (the digests' window open), so the walk and the jobs see the same
world on any day.
"""

import re
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from inloop.celery import app
from notifications.models import OutboundMessage
from recruiting import selectors
from recruiting.models import Application, RecruiterPrompt, SafetyNet
from tests.support.sqlite import pytest_on_sqlite, suite_on_sqlite

MOMENT = datetime(2026, 12, 8, 9, 40, tzinfo=UTC)
# URLs of one shape (a route with one of its query parameters, or with none: _shapes) visited per person.
PER_SHAPE = 3
SITE = urlsplit(settings.INLOOP_BASE_URL).netloc
MESSAGE_LINK = re.compile(re.escape(settings.INLOOP_BASE_URL) + r"(/[^\s\"'<>)\]]*)")


@pytest.fixture(scope="module")
def demo_firm(django_db_setup, django_db_blocker):
    """The demo firm, seeded once for the module at MOMENT and rolled back after it. Task messages (the
    wake-ups a job sends) are dropped: each job is run here, by hand."""
    with (
        time_machine.travel(MOMENT, tick=True),
        pytest.MonkeyPatch.context() as patch,
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        patch.setattr(app, "send_task", lambda *args, **kwargs: None)
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_firm, db):
    """Each test's changes are rolled back: every test starts from the firm as seeded."""


@pytest.fixture
def demo_after_beat(demo):
    """The firm as a person meets it in `make run`, whose beat runs each job as it starts: prompts opened,
    safety nets acted on, digests queued."""
    beat_jobs_run()


class _Links(HTMLParser):
    """The targets of a page's links (href) and of its htmx GETs (hx-get): what a browser would ask for."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and ((tag == "a" and name == "href") or name == "hx-get"):
                self.found.append(value)


@dataclass
class Walk:
    """What one person's walk asked for and what answered badly."""

    who: str
    visited: list[str] = field(default_factory=list)
    routes: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _same_site(base: str, href: str) -> str | None:
    """The path and query of a link on this site, None for anything else (another site, mail, a fragment)."""
    url = urlsplit(urljoin(base, href))
    if url.scheme not in ("http", "https") or url.netloc != SITE:
        return None
    if url.path.startswith(settings.STATIC_URL):
        return None
    return url.path + (f"?{url.query}" if url.query else "")


def _shapes(path_and_query: str) -> list[tuple[str, str]]:
    """A URL's shapes: its route with each of its query parameters' names (values left out), or with none.

    Counted per parameter rather than per set of parameters: the admin's filters keep each other in their
    links, and every combination of them would be a shape of its own."""
    url = urlsplit(path_and_query)
    names = sorted({name for name, _ in parse_qsl(url.query, keep_blank_values=True)})
    return [(_route(url.path), name) for name in names or [""]]


def _route(path_and_query: str) -> str:
    path = urlsplit(path_and_query).path
    try:
        return resolve(path).view_name
    except Resolver404:
        return path


def _skipped(path_and_query: str) -> bool:
    """Signing out ends the walk; it is never a link worth following."""
    return "logout" in _route(path_and_query)


def crawl(client: Client, who: str, start: list[str], *, every: set[str] = frozenset()) -> Walk:
    """Breadth first from `start`, GET only, following every same-site link and redirect: at most PER_SHAPE
    URLs of each shape (_shapes), except the URLs of `every`, all of which are visited."""
    walk = Walk(who)
    seen: set[str] = set()
    per_shape: Counter = Counter()
    queue = deque(start)
    while queue:
        url = queue.popleft()
        if url in seen or _skipped(url):
            continue
        seen.add(url)
        shapes = _shapes(url)
        if url not in every:
            if all(per_shape[shape] >= PER_SHAPE for shape in shapes):
                continue
            per_shape.update(shapes)
        response = client.get(url)
        walk.visited.append(url)
        walk.routes[_route(url)] += 1
        if response.status_code >= 500:
            error = getattr(response, "exc_info", None)
            walk.failures.append(f"{who}: GET {url} answered {response.status_code} {error[1]!r}" if error else url)
            continue
        links = []
        if response.status_code in (301, 302, 303, 307, 308):
            links.append(response["Location"])
        elif response.get("Content-Type", "").startswith("text/html"):
            parser = _Links()
            parser.feed(response.content.decode())
            links.extend(parser.found)
        for href in links:
            target = _same_site(settings.INLOOP_BASE_URL + url, href)
            if target and target not in seen:
                queue.append(target)
    return walk


def _client(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _message_links() -> dict[str, set[str]]:
    """Every link to this site in the firm's messages (outbox rows, held or gone), by route."""
    links: dict[str, set[str]] = defaultdict(set)
    for texts in OutboundMessage.objects.values_list("subject", "body_text", "body_html"):
        for text in texts:
            for path in MESSAGE_LINK.findall(text or ""):
                links[_route(path)].add(path)
    return links


def beat_jobs_run() -> dict[str, object]:
    """Each task of the beat schedule, once, in the schedule's order, as a worker runs it; their results."""
    results = {}
    for entry, spec in app.conf.beat_schedule.items():
        outcome = app.tasks[spec["task"]].apply()
        assert outcome.successful(), (entry, outcome.traceback)
        results[entry] = outcome.result
    return results


def test_every_page_a_person_reaches_answers_without_a_server_error(demo_after_beat):
    """As every person of the firm (recruiters, team lead, admin: /admin/ too) and as someone signed out."""
    people = list(get_user_model().objects.filter(is_active=True).select_related("profile").order_by("pk"))
    assert len(people) >= 5
    walks = [crawl(_client(), "signed out", ["/"])]
    for person in people:
        start = ["/", "/admin/"] if person.is_staff else ["/"]
        walks.append(crawl(_client(person), person.username, start))
    failures = [failure for walk in walks for failure in walk.failures]
    assert not failures, "\n".join(failures)
    by_person = {walk.who: walk for walk in walks}
    assert {"login", "password_reset"} <= set(by_person["signed out"].routes)
    for person in people:
        routes = by_person[person.username].routes
        if person.is_staff:
            assert {
                "admin:index",
                "admin:recruiting_application_changelist",
                "admin:recruiting_application_change",
            } <= set(routes), person.username
        else:
            # The pages of a working day: the candidate page among them, every one of its kind.
            assert {"home", "candidate_detail", "job_board", "outbox", "application_list"} <= set(routes), (
                person.username
            )
            assert routes["candidate_detail"] >= PER_SHAPE, person.username


def test_every_candidate_and_hiring_manager_page_in_the_messages_answers(demo_after_beat):
    """Every status page and answer page the firm's messages link to (the safety net's emails to long-silent
    candidates among them), and the pages they link to, for the person who got the message (signed out)."""
    links = _message_links()
    status_pages, answer_pages = links["candidates:status"], links["candidates:client_answer"]
    assert status_pages and answer_pages, dict(links)
    every = status_pages | answer_pages
    walk = crawl(_client(), "a candidate or a hiring manager", sorted(every), every=every)
    assert not walk.failures, "\n".join(walk.failures)
    assert walk.routes["candidates:status"] >= len(status_pages)
    assert walk.routes["candidates:client_answer"] >= len(answer_pages)


def test_each_beat_job_runs_clean_and_nobody_stays_silent_past_the_safety_net(demo):
    assert set(app.conf.beat_schedule) >= {"scan-overdue", "relay-outbox", "send-digests"}
    results = beat_jobs_run()
    now = timezone.now()
    assert set(results) == set(app.conf.beat_schedule)
    # Every application owing news now has its owner prompted.
    assert not selectors.applications_overdue(now=now).exists()
    assert RecruiterPrompt.objects.filter(reason=RecruiterPrompt.Reason.OVERDUE, resolved_at__isnull=True).exists()
    # Every silence that reached its safety net was acted on: an email to go, or a call escalated.
    acted = SafetyNet.objects.filter(
        application=OuterRef("pk"), silence_started_at=Coalesce(OuterRef("last_informed_at"), OuterRef("created_at"))
    )
    assert not Application.objects.filter(safety_net_at__lte=now).exclude(Exists(acted)).exists()
    assert SafetyNet.objects.exists()
    # Tuesday morning: every recruiter with an open prompt has today's digest (the demo's own story runs
    # the beat jobs up to now, so it may have gone before this run; a second run queues none).
    prompted = set(
        RecruiterPrompt.objects.filter(resolved_at__isnull=True, recruiter__is_active=True).values_list(
            "recruiter_id", flat=True
        )
    )
    digested = set(
        OutboundMessage.objects.filter(
            template_code="digest", created_at__gte=now.replace(hour=0, minute=0, second=0)
        ).values_list("recipient_user_id", flat=True)
    )
    assert prompted and prompted <= digested
    assert beat_jobs_run()["send-digests"]["queued"] == 0


@pytest.mark.skipif(suite_on_sqlite(), reason="this run is the SQLite one")
def test_the_demo_firm_holds_on_sqlite_too(tmp_path):
    assert pytest_on_sqlite(__file__, tmp_path, select="not sqlite_too") == 3
