"""Demo data for `make run` and `manage.py seed_demo`: a small firm two months into using Inloop.

Everything goes through the pipeline services. Their clock is the real one, so a stage change made now is
moved back to its place in the story right after the service wrote it; contacts take their own `at`. The
audit rows keep the moment the demo was really loaded. The same seed gives the same firm on every machine.
"""

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from candidates.models import Candidate
from candidates.services.people import candidate_create, candidate_set_preferences

from . import policy
from .audit import audit_log_record
from .demo_clients import demo_clients_load
from .models import (
    ACTIVE_STAGES,
    CLOSED_STAGES,
    PIPELINE,
    Application,
    AuditLog,
    Client,
    ContactEvent,
    FirmHoliday,
    Job,
    RecruiterProfile,
    Role,
    Stage,
    StageChange,
    StagePolicy,
    Team,
)
from .services import application_create, application_move, contact_log
from .services.branding import firm_settings_update
from .services.figure_weeks import figure_weeks_record
from .services.replies import reply_record

User = get_user_model()

DEMO_USERNAME = "demo"
ADMIN_USERNAME = "admin"
# Local demo only: `seed_demo` prints it, and production never loads demo data.
DEMO_PASSWORD = "keep-them-posted"  # noqa: S105
DEMO_MARKER_ACTION = "demo.load"
DEMO_FIRM_NAME = "Harbourside Staffing"
SEED = 20260514
CANDIDATE_COUNT = 300
HISTORY_DAYS = 60

TEAMS = ("Technology & Finance", "Operations & Care")
# (username, first name, last name, role, team index)
STAFF = (
    (DEMO_USERNAME, "Robin", "Castell", Role.RECRUITER, 0),
    ("amara", "Amara", "Nwachukwu", Role.RECRUITER, 0),
    ("diego", "Diego", "Villaseñor", Role.RECRUITER, 1),
    ("lead", "Tomasz", "Wierzbicki", Role.TEAM_LEAD, 0),
)
RECRUITERS = (DEMO_USERNAME, "amara", "diego")

# (name, industry, may candidates see the name before submission)
CLIENTS = (
    ("Alderbank Ledger Co.", "fintech", False),
    ("Corvane Community Health", "healthcare", True),
    ("Peregrine Freightways", "logistics", False),
    ("Lumen & Loom Outfitters", "retail", True),
    ("Saltmarsh Tidal Power", "renewable energy", False),
    ("Kestrelworks Studio", "software", True),
)
# (client index, title, location)
JOBS = (
    (0, "Payments Backend Engineer", "Leeds"),
    (0, "Financial Controller", "Leeds"),
    (0, "Compliance Analyst", "Remote (UK)"),
    (0, "Customer Support Lead", "Manchester"),
    (1, "Community Nurse", "Bristol"),
    (1, "Clinic Receptionist", "Bristol"),
    (1, "Healthcare Assistant", "Bath"),
    (2, "Warehouse Shift Supervisor", "Daventry"),
    (2, "Transport Planner", "Daventry"),
    (2, "HGV Driver, Class 1", "Felixstowe"),
    (2, "Fleet Maintenance Technician", "Felixstowe"),
    (3, "Store Manager", "Glasgow"),
    (3, "Visual Merchandiser", "Edinburgh"),
    (3, "E-commerce Coordinator", "Remote (UK)"),
    (4, "Site Electrician", "Aberdeen"),
    (4, "Project Engineer, Offshore", "Aberdeen"),
    (4, "Health and Safety Advisor", "Inverness"),
    (5, "Frontend Developer", "Remote (Europe)"),
    (5, "Product Designer", "London"),
    (5, "QA Engineer", "London"),
)
ON_HOLD_JOBS = (10, 16)

FIRST_NAMES = (
    "Aisha",
    "Oluwaseun",
    "Mei",
    "Santiago",
    "Freya",
    "Arjun",
    "Zainab",
    "Mateo",
    "Ingrid",
    "Kwame",
    "Sofía",
    "Hiroshi",
    "Niamh",
    "Tariq",
    "Leilani",
    "Dmitri",
    "Chloé",
    "Emeka",
    "Anjali",
    "Björn",
    "Yasmin",
    "Tomás",
    "Aroha",
    "Farhan",
    "Marguerite",
    "Kofi",
    "Ewa",
    "Rafael",
    "Siobhán",
    "Jun",
    "Amina",
    "Lars",
    "Priyanka",
    "Callum",
    "Nadia",
    "Haruto",
    "Esperanza",
    "Idris",
    "Maja",
    "Thabo",
    "Lucía",
    "Rowan",
    "Fatima",
    "Kieran",
    "Ayesha",
    "Henrik",
    "Ngozi",
    "Matteo",
    "Soo-ah",
    "Declan",
    "Imani",
    "Aleksander",
    "Zoë",
    "Bilal",
    "Catalina",
    "Oisín",
    "Rania",
    "Elif",
    "Jakub",
    "Keziah",
    "Nikhil",
    "Ama",
    "Giulia",
    "Reuben",
    "Xiaoling",
    "Malik",
    "Astrid",
    "Chidi",
    "Paloma",
    "Samir",
)
LAST_NAMES = (
    "Adeyemi",
    "Okonkwo",
    "Chen",
    "Moreno",
    "Lindqvist",
    "Patel",
    "Haddad",
    "Fernández",
    "Kowalczyk",
    "Mensah",
    "O'Sullivan",
    "Tanaka",
    "Nakamura",
    "Rahman",
    "Kealoha",
    "Volkov",
    "Dubois",
    "Eze",
    "Iyer",
    "Johansson",
    "Karimi",
    "Silva",
    "Ngata",
    "Chowdhury",
    "Lefèvre",
    "Asante",
    "Nowak",
    "Costa",
    "Gallagher",
    "Park",
    "Abdullahi",
    "Berg",
    "Sharma",
    "MacLeod",
    "Petrova",
    "Sato",
    "Quispe",
    "Bello",
    "Novák",
    "Dlamini",
    "Romero",
    "Whitfield",
    "Hussain",
    "Brennan",
    "Siddiqui",
    "Andersen",
    "Obi",
    "Ricci",
    "Kim",
    "Doherty",
    "Mwangi",
    "Zielinski",
    "Hartley",
    "Qureshi",
    "Rojas",
    "Ní Bhriain",
    "Khalil",
    "Yılmaz",
    "Horvath",
    "Ramsay",
    "Menon",
    "Boateng",
    "Esposito",
    "Achterberg",
    "Liu",
    "Farouk",
    "Halvorsen",
    "Nwosu",
    "Ortega",
    "Bakr",
)
TIME_ZONES = (
    ("Europe/London", 60),
    ("Europe/Dublin", 6),
    ("Europe/Berlin", 6),
    ("Europe/Madrid", 5),
    ("Europe/Warsaw", 5),
    ("America/New_York", 4),
    ("America/Toronto", 3),
    ("Africa/Lagos", 4),
    ("Asia/Kolkata", 4),
    ("Asia/Manila", 2),
    ("Australia/Sydney", 1),
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

# Where applications stand today, with weights: most are alive, a good share closed.
FINAL_STAGES = (
    (Stage.NEW, 12),
    (Stage.SCREENING, 18),
    (Stage.SUBMITTED, 14),
    (Stage.INTERVIEWING, 12),
    (Stage.OFFER, 5),
    (Stage.PLACED, 6),
    (Stage.REJECTED, 25),
    (Stage.WITHDRAWN, 8),
)
CONTACT_NOTES = {
    Stage.NEW: ("Called to say we have their application and what happens next.",),
    Stage.SCREENING: (
        "Screening call: went through experience, notice period and salary expectations.",
        "Emailed to book a screening call.",
    ),
    Stage.SUBMITTED: (
        "Told them their profile has gone to the client and when to expect a reply.",
        "Call: explained the client's process and likely timing.",
    ),
    Stage.INTERVIEWING: (
        "Prepared them for the client interview: format, panel, what to bring.",
        "Debrief call after the interview; they were positive about the team.",
    ),
    Stage.OFFER: ("Walked through the offer and the start date.",),
    Stage.PLACED: ("Congratulated them and confirmed the first-day details.",),
    Stage.REJECTED: ("Called to explain the decision and what the client said.",),
    Stage.WITHDRAWN: ("Confirmed their withdrawal and wished them well.",),
}
CHECK_IN_NOTES = (
    "Quick call: no news from the client yet, promised to chase.",
    "Emailed an update: the client is still reviewing profiles.",
    "Left a voicemail and followed up by email with where things stand.",
)
MOVE_NOTES = {
    Stage.SCREENING: "Strong CV for the role.",
    Stage.SUBMITTED: "Sent to the client with a short summary.",
    Stage.INTERVIEWING: "Client asked to meet them.",
    Stage.OFFER: "Client is preparing an offer.",
    Stage.PLACED: "Accepted the offer.",
    Stage.REJECTED: "Not the right fit for this role.",
    Stage.WITHDRAWN: "Candidate withdrew.",
}
DO_NOT_CONTACT_REASONS = (
    "Asked on the phone to be removed from all contact.",
    "Has taken a permanent role elsewhere and asked us not to get in touch.",
    "Asked by email that we stop contacting them.",
)
# (month, day, name): the office is closed between the years.
HOLIDAYS = ((12, 25, "Office closed"), (12, 26, "Office closed"), (1, 1, "New Year's Day"))

# Share of active applications that are overdue today, and of the others that carry a promised date.
OVERDUE_SHARE = 0.12
PROMISED_SHARE = 0.2
DO_NOT_CONTACT_COUNT = 9
PAUSED_COUNT = 6
# The demo login should open on a morning with work to do.
DEMO_OVERDUE_MINIMUM = 6
# Emails that came back to the demo login's candidates (a reply owed each); our own words.
DEMO_REPLIES = (
    "Thank you for the news. Could you tell me who I would meet at the second interview?",
    "I am away next week with little signal. Is a call on Friday morning still possible?",
    "I have had another offer with a deadline on Monday. Is there any sign of a decision before then?",
)


# Default automated email per stage entry (rule 6 and 9 of the product: rejections held longest).
STAGE_TEMPLATES = {
    Stage.NEW: "acknowledgment",
    Stage.SCREENING: "screening",
    Stage.SUBMITTED: "submitted",
    Stage.INTERVIEWING: "interviewing",
    Stage.OFFER: "offer",
    Stage.PLACED: "placed",
    Stage.REJECTED: "rejection_early",
    Stage.WITHDRAWN: "withdrawal",
}


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    users: int = 0
    clients: int = 0
    jobs: int = 0
    candidates: int = 0
    applications: int = 0
    overdue: int = 0


def demo_data_allowed() -> bool:
    """The demo's logins have published passwords: never with the production settings."""
    return not settings.SETTINGS_MODULE.endswith(".production")


def demo_data_loaded() -> bool:
    return AuditLog.objects.filter(action=DEMO_MARKER_ACTION).exists()


def stage_policies_ensure() -> int:
    """A StagePolicy row per stage with the product's defaults; rows that exist are left as edited."""
    created = 0
    for stage in Stage.values:
        silence = policy.DEFAULT_POLICIES.get(stage, policy.SilencePolicy(5))
        hold = settings.INLOOP_REJECTION_HOLD_MINUTES if stage == Stage.REJECTED else settings.INLOOP_HOLD_MINUTES
        _, was_created = StagePolicy.objects.get_or_create(
            stage=stage,
            defaults={
                "max_silent_business_days": silence.max_silent_business_days,
                "grace_business_days": silence.grace_business_days,
                "escalate_after_business_days": silence.escalate_after_business_days,
                "send_automated_email": True,
                "template_code": STAGE_TEMPLATES[stage],
                "hold_minutes": hold,
            },
        )
        created += was_created
    return created


@transaction.atomic
def demo_login_ensure() -> User:
    """The demo recruiter exists (created with the demo password if it was missing)."""
    user = User.objects.filter(username=DEMO_USERNAME).first()
    if user is not None:
        return user
    team = Team.objects.filter(name=TEAMS[0]).first()
    _, first, last, role, _ = STAFF[0]
    user = _user_create(username=DEMO_USERNAME, first_name=first, last_name=last)
    RecruiterProfile.objects.create(user=user, team=team, role=role, time_zone="Europe/London")
    audit_log_record(actor=None, action="user.create", obj=user, details={"source": "demo"})
    return user


def firm_holidays_ensure(*, today: date) -> int:
    """The firm's year-end closing days that come next after `today` (the clock skips them)."""
    created = 0
    for month, day, name in HOLIDAYS:
        holiday = date(today.year, month, day)
        if holiday < today:
            holiday = holiday.replace(year=today.year + 1)
        created += FirmHoliday.objects.get_or_create(date=holiday, defaults={"name": name})[1]
    return created


def _user_create(*, username: str, first_name: str, last_name: str, **extra) -> User:
    user = User(username=username, first_name=first_name, last_name=last_name, email=f"{username}@firm.example")
    user.set_password(DEMO_PASSWORD)
    for field, value in extra.items():
        setattr(user, field, value)
    user.save()
    return user


def _ascii_slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.lower() if ch.isascii() and ch.isalnum())


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _path_to(final: str, rng: random.Random) -> list[str]:
    """The stages an application went through after new, ending in `final`."""
    if final in PIPELINE:
        return list(PIPELINE[1 : PIPELINE.index(final) + 1])
    # Closed early or late: how far it got before the ending.
    last_open = rng.choices(ACTIVE_STAGES[:4], weights=(30, 30, 25, 15))[0]
    return [*PIPELINE[1 : PIPELINE.index(last_open) + 1], final]


def _moments(rng: random.Random, start: datetime, end: datetime, count: int) -> list[datetime]:
    """`count` sorted moments in (start, end], at least an hour apart where the span allows it."""
    span = max((end - start).total_seconds(), 3600.0 * (count + 1))
    points = sorted(rng.uniform(3600, span) for _ in range(count))
    return [min(start + timedelta(seconds=point), end) for point in points]


class _Builder:
    def __init__(self, *, now: datetime, rng: random.Random) -> None:
        self.now = now
        self.rng = rng
        self.users: dict[str, User] = {}

    def staff(self) -> None:
        teams = [Team.objects.create(name=name) for name in TEAMS]
        for username, first, last, role, team_index in STAFF:
            user = _user_create(username=username, first_name=first, last_name=last)
            RecruiterProfile.objects.create(user=user, team=teams[team_index], role=role, time_zone="Europe/London")
            self.users[username] = user
        for team in teams:
            team.lead = self.users["lead"]
            team.save(update_fields=["lead"])
        admin = _user_create(
            username=ADMIN_USERNAME, first_name="Firm", last_name="Admin", is_staff=True, is_superuser=True
        )
        RecruiterProfile.objects.create(user=admin, role=Role.ADMIN, time_zone="Europe/London")
        self.users[ADMIN_USERNAME] = admin

    def clients_and_jobs(self) -> list[Job]:
        clients = [
            Client.objects.create(
                name=name,
                industry=industry,
                name_visible_before_submission=visible,
                created_at=self.now - timedelta(days=HISTORY_DAYS + 30),
            )
            for name, industry, visible in CLIENTS
        ]
        jobs = []
        for index, (client_index, title, location) in enumerate(JOBS):
            job = Job(
                client=clients[client_index],
                title=title,
                location=location,
                owner=self.users[RECRUITERS[index % len(RECRUITERS)]],
                created_at=self.now - timedelta(days=HISTORY_DAYS + self.rng.randint(1, 20)),
            )
            job.full_clean()
            job.save()
            jobs.append(job)
        return jobs

    def candidates(self) -> list[Candidate]:
        people = set()
        candidates = []
        zones = tuple(TIME_ZONES)
        while len(candidates) < CANDIDATE_COUNT:
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            if (first, last) in people:
                continue
            people.add((first, last))
            number = len(candidates) + 1
            owner = self.users[RECRUITERS[number % len(RECRUITERS)]]
            email = f"{_ascii_slug(first)}.{_ascii_slug(last)}@{self.rng.choice(EMAIL_DOMAINS)}"
            candidate = candidate_create(
                first_name=first,
                last_name=last,
                email=email,
                # Numbers from the range set aside for fiction.
                phone=f"+44 7700 900{number:03d}",
                time_zone=_weighted(self.rng, zones),
                owner=owner,
                by=owner,
            )
            candidates.append(candidate)
        return candidates

    def application(self, *, candidate: Candidate, job: Job, overdue: bool) -> Application:
        rng, now = self.rng, self.now
        owner = candidate.owner
        final = _weighted(self.rng, FINAL_STAGES)
        if overdue and final not in ACTIVE_STAGES:
            final = rng.choice(ACTIVE_STAGES[:4])
        path = _path_to(final, rng)
        # The candidate was last told something at the end of the story. Overdue: longer ago than the stage's
        # silence allows (business days, weekends included generously), by half a day to a week.
        if overdue:
            allowed = policy.DEFAULT_POLICIES[final].max_silent_business_days * 7 / 5 + 2
            story_end = now - timedelta(days=allowed + rng.uniform(0.5, 7))
        else:
            story_end = now - timedelta(hours=rng.uniform(2, 30))
        created = story_end - timedelta(days=rng.uniform(1, HISTORY_DAYS - (now - story_end).days - 2))
        moments = _moments(rng, created, story_end, len(path))

        # The candidate applied to the job themselves (by=None): the job may be another recruiter's, which
        # a recruiter may not add to on their own.
        application = application_create(candidate=candidate, job=job, by=None, at=created, notify=False)
        if rng.random() < 0.6:
            self._contact(application, at=created + timedelta(hours=rng.uniform(1, 20)), stage=Stage.NEW)
        promise = final in ACTIVE_STAGES and not overdue and rng.random() < PROMISED_SHARE
        next_step_date = None
        for index, (stage, moment) in enumerate(zip(path, moments, strict=True)):
            is_last = index == len(path) - 1
            next_step_date = None
            if is_last and promise:
                next_step_date = timezone.localdate(now) + timedelta(days=rng.randint(1, 8))
            change = application_move(
                application=application,
                to_stage=stage,
                by=owner,
                note=MOVE_NOTES.get(stage, ""),
                next_step_date=next_step_date,
                notify=False,
            )
            self._backdate(change, at=moment)
            if rng.random() < 0.6 or (is_last and stage in CLOSED_STAGES):
                contact_at = moment + timedelta(minutes=rng.uniform(10, 240))
                self._contact(application, at=min(contact_at, story_end), stage=stage)
        if final in ACTIVE_STAGES:
            # The last news they had; from here the clock runs (and, for the overdue ones, ran out). Telling spends
            # a promise, so the recruiter repeats the promised date as they tell.
            self._contact(application, at=story_end, stage=None, next_step_date=next_step_date)
        application.refresh_from_db()
        return application

    def _backdate(self, change: StageChange, *, at: datetime) -> None:
        StageChange.objects.filter(pk=change.pk).update(at=at)
        closed_at = at if change.to_stage in CLOSED_STAGES else None
        Application.objects.filter(pk=change.application_id).update(stage_entered_at=at, closed_at=closed_at)

    def _contact(
        self, application: Application, *, at: datetime, stage: str | None, next_step_date: date | None = None
    ) -> ContactEvent:
        summary = self.rng.choice(CONTACT_NOTES[stage] if stage else CHECK_IN_NOTES)
        channel = self.rng.choice((ContactEvent.Channel.PHONE, ContactEvent.Channel.PHONE, ContactEvent.Channel.EMAIL))
        return contact_log(
            application=application,
            channel=channel,
            direction=ContactEvent.Direction.OUTBOUND,
            by=application.owner,
            summary=summary,
            at=at,
            next_step_date=next_step_date,
        )


@transaction.atomic
def _replies_owed(*, now: datetime) -> None:
    """A few of the demo login's live candidates wrote back this morning: replies owed on its home page."""
    live = Application.objects.filter(
        owner__username=DEMO_USERNAME, stage__in=ACTIVE_STAGES, candidate__do_not_contact=False
    ).select_related("candidate", "job")
    for application, words in zip(live.order_by("pk")[: len(DEMO_REPLIES)], DEMO_REPLIES, strict=False):
        reply_record(
            application=application,
            at=now - timedelta(hours=2),
            summary=f"Reply by email: Re: your application for {application.job.title}\n\n{words}",
            automatic=False,
            from_candidate=True,
        )


def demo_data_load(*, now: datetime | None = None, seed: int = SEED) -> DemoSummary:
    """Build the demo firm once. A second call finds the marker and changes nothing."""
    if demo_data_loaded():
        return DemoSummary(created=False)
    now = now or timezone.now()
    rng = random.Random(seed)
    builder = _Builder(now=now, rng=rng)
    stage_policies_ensure()
    firm_holidays_ensure(today=timezone.localdate(now))
    builder.staff()
    jobs = builder.clients_and_jobs()
    candidates = builder.candidates()

    demo_overdue: set[int] = set()
    applications = []
    open_jobs = [job for index, job in enumerate(jobs) if index not in ON_HOLD_JOBS]
    for candidate in candidates:
        count = rng.choices((1, 2, 3), weights=(70, 25, 5))[0]
        for job in rng.sample(open_jobs, count):
            owed_by_demo = candidate.owner.username == DEMO_USERNAME and len(demo_overdue) < DEMO_OVERDUE_MINIMUM
            overdue = owed_by_demo or rng.random() < OVERDUE_SHARE
            applications.append(builder.application(candidate=candidate, job=job, overdue=overdue))
            if owed_by_demo:
                demo_overdue.add(candidate.pk)

    # The demo login's overdue candidates stay contactable, so that its morning list is never empty.
    chosen = rng.sample([c for c in candidates if c.pk not in demo_overdue], DO_NOT_CONTACT_COUNT + PAUSED_COUNT)
    for candidate in chosen[:DO_NOT_CONTACT_COUNT]:
        candidate_set_preferences(
            candidate=candidate, by=candidate.owner, do_not_contact=True, reason=rng.choice(DO_NOT_CONTACT_REASONS)
        )
    for candidate in chosen[DO_NOT_CONTACT_COUNT:]:
        candidate_set_preferences(candidate=candidate, by=candidate.owner, automated_updates_paused=True)
    Job.objects.filter(pk__in=[jobs[index].pk for index in ON_HOLD_JOBS]).update(status=Job.Status.ON_HOLD)
    demo_clients_load(jobs=jobs, now=now, rng=rng)

    # The demo firm's own name and look on the candidate pages and emails, and a first reading of the trend.
    firm_settings_update(by=None, firm_name=DEMO_FIRM_NAME, sending_name=DEMO_FIRM_NAME, colour="#1f4e79")
    figure_weeks_record(now=now)
    _replies_owed(now=now)

    overdue_count = Application.objects.filter(next_update_due__lte=timezone.now()).count()
    summary = DemoSummary(
        created=True,
        users=len(builder.users),
        clients=len(CLIENTS),
        jobs=len(jobs),
        candidates=len(candidates),
        applications=len(applications),
        overdue=overdue_count,
    )
    audit_log_record(
        actor=None,
        action=DEMO_MARKER_ACTION,
        obj=builder.users[DEMO_USERNAME],
        details={"seed": seed, "candidates": summary.candidates, "applications": summary.applications},
    )
    return summary
