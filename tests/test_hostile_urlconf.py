"""The proof of "no 500 for any input": walk the whole URLconf as each role with hostile path arguments,
query strings and form bodies, and check that nothing answers 5xx and nothing is written that the role
may not write (hypothesis; bad input and security).

Roles: anonymous, a recruiter, a team lead, an admin, and a candidate or hiring manager holding their own
signed links. Every role but the admin must leave another team's records exactly as they were, and no page
served to a signed-in role but the admin may show a signed link (status, unsubscribe, client answer) to
another team's records. The walk runs on the
suite's database (PostgreSQL), and once more on SQLite in a child pytest (INLOOP_TEST_DATABASE=sqlite).
"""

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from candidates import links
from candidates.models import Candidate
from notifications.models import MessageTemplate, OutboundMessage
from notifications.services.messages import message_check_in_queue
from recruiting.client_links import client_answer_url
from recruiting.models import (
    Application,
    AuditLog,
    ClientAnswer,
    ClientChase,
    ContactEvent,
    HiringManager,
    Job,
    RecruiterPrompt,
    Stage,
    StageChange,
)
from tests.factories import ApplicationFactory, OutboundMessageFactory, PromptFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "recruiter", "team_lead", "admin", "candidate")
HUGE = "9" * 30
HOSTILE_STRINGS = [
    "",
    "0",
    "-1",
    HUGE,
    "-" + HUGE,
    str(2**63),
    "1e309",
    "NaN",
    "0x1f",
    "²",
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "2026-02-30",
    "\x00",
    "a\x00b",
    "on",
    "true",
    "[]",
    "{}",
    "/\\evil.example/",
    "//evil.example/",
    "javascript:alert(1)",
    " ".join(["word"] * 1000),
    "x" * 5000,
    "😀" * 300,
    "\u202etxt.exe",
    "<script>alert(1)</script>",
    "{{ settings.SECRET_KEY }}",
    "{% load static %}",
    "Bob\r\nBcc: x@evil.example",
    "Mars/Olympus",
    *Stage.values,
    *MessageTemplate.Code.values,
]
FIELDS = [
    "page",
    "q",
    "next",
    "status",
    "to_stage",
    "next_step_date",
    "dont_notify",
    "note",
    "applications",
    "application",
    "subject",
    "body",
    "body_text",
    "send_token",
    "until",
    "reason",
    "summary",
    "channel",
    "direction",
    "outcome",
    "confirm",
    "automated_updates_paused",
    "do_not_contact",
    "choice",
    "timeline_page",
    "overdue_page",
    "candidates_page",
    "email",
    "username",
    "password",
    "new_password1",
    "o",
    "p",
    "action",
    "_selected_action",
    "time_zone",
    "List-Unsubscribe",
]


@dataclass
class World:
    users: dict
    victim: object  # a recruiter of a team no role below leads
    ids: list[str]
    tokens: list[str]
    candidate: Candidate
    # The start of each signed link to the victim's records: no page a signed-in role reads may show one.
    victim_links: re.Pattern


def _chased(application):
    """A chase to the client about the application, carrying the manager's one-click answer link."""
    manager = HiringManager.objects.create(
        client=application.job.client, name="Dana Park", email=f"dana{application.pk}@lumen.example"
    )
    due = timezone.now() + timedelta(days=1)
    url = client_answer_url(application_id=application.pk, hiring_manager_id=manager.pk, due_at=due)
    message = OutboundMessageFactory(
        application=None, candidate=None, template_code="client_chase", to_address=manager.email, body_text=url
    )
    ClientChase.objects.create(application=application, hiring_manager=manager, due_at=due, message=message)
    return url.rstrip("/").rsplit("/", 1)[-1]


def _owned(owner):
    application = ApplicationFactory(candidate__owner=owner, owner=owner, job__owner=owner, stage=Stage.SCREENING)
    message_check_in_queue(application=application, by=owner)
    PromptFactory(application=application, recruiter=owner)
    return application


@pytest.fixture
def world(admin_user, settings):
    # Set once: each assignment to pytest-django's settings nests one more override.
    settings.INLOOP_EMAIL_FORMS_PER_HOUR = 10**6
    team = TeamFactory()
    lead = UserFactory(profile__role="team_lead", profile__team=team)
    team.lead = lead
    team.save()
    recruiter = UserFactory(profile__team=team)
    victim = UserFactory(profile__team=TeamFactory())
    mine, theirs = _owned(recruiter), _owned(victim)
    _owned(lead)
    answers = [_chased(mine), _chased(theirs) + "x"]
    ids = sorted(
        {
            str(pk)
            for model in (Application, Job, Candidate, OutboundMessage, RecruiterPrompt)
            for pk in model.objects.values_list("pk", flat=True)
        }
    )
    tokens = [
        links.status_page_url(mine.candidate).rstrip("/").rsplit("/", 1)[-1],
        links.unsubscribe_url(mine.candidate).rstrip("/").rsplit("/", 1)[-1],
        links.status_page_url(theirs.candidate).rstrip("/").rsplit("/", 1)[-1] + "x",
        *answers,
    ]
    victim_links = re.compile(
        rf"/c/(?:status|unsubscribe)/{theirs.candidate_id}\.|/c/answer/{theirs.pk}\.", re.IGNORECASE
    )
    users = {"recruiter": recruiter, "team_lead": lead, "admin": admin_user}
    return World(
        users=users, victim=victim, ids=ids, tokens=tokens, candidate=mine.candidate, victim_links=victim_links
    )


def _routes():
    """(name, converter of each argument) for every named route, the admin's included."""

    def walk(patterns, namespace, converters):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner, converters + _converters(pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}{pattern.name}", converters + _converters(pattern)

    return sorted({(name, tuple(kinds)) for name, kinds in walk(get_resolver().url_patterns, "", [])})


def _converters(pattern) -> list[str]:
    text = str(pattern.pattern)
    if "(?P<" in text:
        return ["path"] * len(re.findall(r"\(\?P<\w+>", text))
    return [kind or "str" for kind in re.findall(r"<(?:(\w+):)?\w+>", text)]


ROUTES = _routes()
# The product's own pages weigh more than the admin's many generic ones.
WEIGHTED_ROUTES = [route for route in ROUTES if not route[0].startswith("admin:")] * 6 + ROUTES


def _victim_snapshot(victim):
    applications = Application.objects.filter(owner=victim)
    return {
        "candidates": sorted(tuple(sorted(model_to_dict(c).items())) for c in Candidate.objects.filter(owner=victim)),
        "applications": sorted(
            applications.values_list("pk", "stage", "owner_id", "job_id", "promised_next_step_date")
        ),
        "jobs": sorted(Job.objects.filter(owner=victim).values_list("pk", "status")),
        "messages": sorted(
            OutboundMessage.objects.filter(application__owner=victim).values_list(
                "pk", "status", "subject", "body_text"
            )
        ),
        "prompts": sorted(
            RecruiterPrompt.objects.filter(recruiter=victim).values_list("pk", "snoozed_until", "resolved_at")
        ),
        "stage_changes": StageChange.objects.filter(application__owner=victim).count(),
        "client_answers": ClientAnswer.objects.filter(application__owner=victim).count(),
        "contacts": ContactEvent.objects.filter(application__owner=victim).count(),
    }


@st.composite
def _requests(draw, world: World):
    name, converters = draw(st.sampled_from(WEIGHTED_ROUTES))
    values = st.sampled_from(HOSTILE_STRINGS) | st.sampled_from(world.ids + world.tokens) | st.text(max_size=40)
    args = []
    for kind in converters:
        if kind == "int":
            args.append(draw(st.sampled_from([*world.ids, "0", HUGE, str(2**63)])))
        else:
            args.append(draw(values.filter(lambda v: v and "/" not in v)))
    fields = draw(st.dictionaries(st.sampled_from(FIELDS), st.lists(values, min_size=1, max_size=3), max_size=6))
    method = draw(st.sampled_from(["get", "post"]))
    return name, args, method, fields


def _csv(world: World) -> SimpleUploadedFile:
    victim_job = Job.objects.filter(owner=world.victim).first()
    victim_candidate = Candidate.objects.filter(owner=world.victim).first()
    text = (
        "first_name,email,owner,job_id\n"
        f"Ama,ama@mail.example,{world.victim.username},\n"
        f"Kofi,kofi@mail.example,,{victim_job.pk}\n"
        f"Esi,{victim_candidate.email},,\n"
        f"Yaw,yaw\x00@mail.example,,{HUGE}\n"
    )
    return SimpleUploadedFile("people.csv", text.encode("utf-8"), content_type="text/csv")


def _client_for(role: str, world: World) -> Client:
    client = Client()
    if role in world.users:
        client.force_login(world.users[role])
    return client


def _walk(world, data):
    role = data.draw(st.sampled_from(ROLES), label="role")
    name, args, method, fields = data.draw(_requests(world), label="request")
    if role == "candidate" and data.draw(st.booleans(), label="own link"):
        name, args = data.draw(
            st.sampled_from(
                [
                    ("candidates:status", [world.tokens[0]]),
                    ("candidates:preferences", [world.tokens[0]]),
                    ("candidates:new_link", [world.tokens[0]]),
                    ("candidates:unsubscribe", [world.tokens[1]]),
                    ("candidates:ask_for_update", [world.tokens[0], data.draw(st.sampled_from(world.ids))]),
                    ("candidates:client_answer", [world.tokens[3]]),
                ]
            ),
            label="candidate page",
        )
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:  # an argument the route cannot take is not a request anyone can send
        return
    query = {key: value for key, value in fields.items() if method == "get" or key in ("page", "next")}
    body = {key: value for key, value in fields.items() if method == "post"}
    if name == "import_new" and method == "post":
        body["file"] = _csv(world)
    before = (_victim_snapshot(world.victim), AuditLog.objects.count())
    client = _client_for(role, world)
    if method == "get":
        response = client.get(url, query)
    else:
        response = client.post(url + "?" + "&".join(f"{k}={v[0]}" for k, v in query.items() if v), body)
    assert response.status_code < 500, (role, method, url, fields, response.status_code)
    if role != "admin":
        assert _victim_snapshot(world.victim) == before[0], (role, method, url, fields)
    if role in world.users and role != "admin" and not response.streaming:
        assert not world.victim_links.search(response.content.decode(errors="replace")), (role, method, url)
    if role == "anonymous":
        assert AuditLog.objects.count() == before[1], (role, method, url, fields)


@hypothesis_settings(
    max_examples=int(os.environ.get("INLOOP_WALK_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
@given(data=st.data())
def test_no_role_gets_a_5xx_or_writes_what_it_may_not(world, data):
    _walk(world, data)


PATH_ARGUMENTS = ["\x00", HUGE, "😀" * 40, "x" * 300, "..", "0"]


def test_every_route_answers_hostile_path_arguments(world):
    """Each route, each argument in turn hostile (the others valid-looking), as a team lead and as the admin."""
    clients = [_client_for("team_lead", world), _client_for("admin", world)]
    for name, converters in ROUTES:
        for position, kind in enumerate(converters):
            for value in PATH_ARGUMENTS:
                if kind == "int" and not value.isdigit():
                    continue
                args = [world.ids[0] if k == "int" else world.tokens[0] for k in converters]
                args[position] = value
                try:
                    url = reverse(name, args=args)
                except NoReverseMatch:  # a route that cannot take the argument cannot be asked for
                    continue
                for client in clients:
                    response = client.get(url)
                    assert response.status_code < 500, (name, args, response.status_code)


def test_no_page_shows_a_signed_link_to_another_teams_records(world):
    """Every page of the workspace that takes ids, with every id, and every page that takes none, read by a
    recruiter and a team lead of another team: no status, unsubscribe or client answer link of the victim's."""
    clients = [_client_for("recruiter", world), _client_for("team_lead", world)]
    for name, converters in ROUTES:
        if name.startswith(("admin:", "candidates:")) or any(kind != "int" for kind in converters):
            continue
        for value in world.ids if converters else [None]:
            url = reverse(name, args=[value] * len(converters))
            for client in clients:
                response = client.get(url)
                if not response.streaming:
                    assert not world.victim_links.search(response.content.decode(errors="replace")), url


def test_the_walk_covers_every_route():
    names = {name for name, _ in ROUTES}
    assert {"job_bulk_move", "import_new", "candidates:unsubscribe", "admin:index", "healthz"} <= names
    assert len(names) > 100, "the admin's routes are walked too"


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3", reason="this run is the SQLite one"
)
def test_the_walk_holds_on_sqlite_too(tmp_path):
    """The same walk in a child pytest on SQLite (different types, limits and errors than PostgreSQL)."""
    env = {
        **os.environ,
        "INLOOP_TEST_DATABASE": "sqlite",
        "INLOOP_RUN_DIR": str(tmp_path),
        "INLOOP_WALK_EXAMPLES": "200",
    }
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "pytest",
            __file__,
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            "5xx",
            "--show-capture=no",
            "--tb=short",
        ],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
