"""A month of a small firm, simulated (docs/rules.md#silence-cap): the real services and the
functions the beat jobs call, with time moved by time-machine.

Four recruiters in two teams, of whom one per team ignores every prompt; one team lead who deals with
whatever is escalated to them, one who only answers the safety net's call for help. Sixty applications
come in over the first fortnight and move through the stages as clients answer, slowly (two days to
three weeks), sometimes with a promised date; some candidates paused automated email, one address
bounces, two candidates asked not to be contacted; some hear from us by text, some by email and text
(texts written as files, the embedded mode's sender). The month runs over the change to summer time in
London (28 March 2027) and Easter (Good Friday and Easter Monday are firm holidays).

The clock steps every six hours, and also to every moment a step of the schedule or an email falls due
(what the five-minute scan and the woken workers do); at every step the scan, the outbox relay, the
sending worker (locmem mail) and the digests run, then the people act.
"""

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Min
from django.test import override_settings

from candidates.models import Candidate, TextConsent
from notifications.models import OutboundMessage
from notifications.services import digests, relay, sending
from notifications.services.digests import digest_window_open
from notifications.services.tracking import tracking_event_record
from recruiting import policy
from recruiting.models import (
    ACTIVE_STAGES,
    Application,
    ContactEvent,
    FirmHoliday,
    RecruiterPrompt,
    Role,
    Stage,
)
from recruiting.services import application_create, application_move, contact_log, scan
from tests.factories import CandidateFactory, JobFactory, TeamFactory, UserFactory
from tests.support.sqlite import pytest_on_sqlite, suite_on_sqlite

LONDON = ZoneInfo("Europe/London")
START = datetime(2027, 3, 15, 7, tzinfo=UTC)  # a Monday morning
END = START + timedelta(days=31)
HOLIDAYS = (date(2027, 3, 26), date(2027, 3, 29))  # Good Friday, Easter Monday
TICK = timedelta(hours=6)
ZONES = ("Europe/London", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Tokyo")
CEILING = timedelta(days=14)
Reason = RecruiterPrompt.Reason
# Prompts a recruiter who reads them deals with, by calling the candidate.
CALLED_FOR = (Reason.OVERDUE, Reason.CANDIDATE_ASKED, Reason.DELIVERY_FAILED, Reason.FEEDBACK_OWED, Reason.SAFETY_NET)


@dataclass
class Plan:
    """What will happen to one application, decided up front from the seed."""

    arrives: datetime
    owner: object
    candidate_kwargs: dict
    # (moment, stage): the recruiter's own moves and the clients' answers, in order.
    moves: list = field(default_factory=list)
    promise_client_date: bool = False
    application: Application | None = None


def business_moment(moment: datetime) -> bool:
    return policy.within_business_hours(moment, tz=LONDON, hours=(9, 18), holidays=HOLIDAYS)


def plan_firm(rng: random.Random, recruiters: list) -> list[Plan]:
    plans = []
    for number in range(60):
        arrives = START + timedelta(days=rng.uniform(0, 14), hours=rng.uniform(0, 10))
        candidate = {"time_zone": rng.choice(ZONES), "email": f"candidate{number}@mail.example"}
        if number % 7 == 3:
            candidate["automated_updates_paused"] = True
        if number in (11, 40):
            candidate["do_not_contact"] = True
            candidate["do_not_contact_reason"] = "Asked by phone"
        if number % 9 in (4, 7):
            candidate |= {"mobile": f"+4479111{number:05d}", "channel": "both" if number % 9 == 4 else "sms"}
        plan = Plan(arrives=arrives, owner=recruiters[number % len(recruiters)], candidate_kwargs=candidate)
        moment = arrives + timedelta(days=rng.uniform(1, 3))
        plan.moves.append((moment, Stage.SCREENING))
        if rng.random() < 0.2:
            plan.moves.append((moment + timedelta(days=rng.uniform(1, 4)), Stage.REJECTED))
        else:
            moment += timedelta(days=rng.uniform(1, 4))
            plan.moves.append((moment, Stage.SUBMITTED))
            plan.promise_client_date = rng.random() < 0.5
            for next_stage in (Stage.INTERVIEWING, Stage.OFFER):
                moment += timedelta(days=rng.uniform(2, 21))  # the client takes its time
                if rng.random() < 0.45:
                    plan.moves.append((moment, Stage.REJECTED))
                    break
                plan.moves.append((moment, next_stage))
        plans.append(plan)
    return plans


class Firm:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        for day in HOLIDAYS:
            FirmHoliday.objects.create(date=day, name="Easter")
        self.attentive_lead = UserFactory(profile__role=Role.TEAM_LEAD, profile__time_zone="Europe/London")
        self.safety_net_only_lead = UserFactory(profile__role=Role.TEAM_LEAD, profile__time_zone="Europe/London")
        north, south = TeamFactory(lead=self.attentive_lead), TeamFactory(lead=self.safety_net_only_lead)
        for lead, team in ((self.attentive_lead, north), (self.safety_net_only_lead, south)):
            lead.profile.team = team
            lead.profile.save()
        self.recruiters = [
            UserFactory(profile__team=team, profile__time_zone="Europe/London") for team in (north, north, south, south)
        ]
        self.ignoring = {self.recruiters[1].pk, self.recruiters[3].pk}
        self.plans = plan_firm(self.rng, self.recruiters)
        self.bounced_address = "candidate5@mail.example"
        self.bounce_done = False
        self.observations: list[str] = []
        self.steps = 0

    # --- what people do ---------------------------------------------------------------------------

    def arrive_and_move(self, now: datetime) -> None:
        for plan in self.plans:
            if plan.application is None and plan.arrives <= now:
                candidate = CandidateFactory(owner=plan.owner, **plan.candidate_kwargs)
                if candidate.mobile:
                    TextConsent.objects.create(candidate=candidate, given=True, number=candidate.mobile, how="spoken")
                job = JobFactory(owner=plan.owner)
                plan.application = application_create(candidate=candidate, job=job, by=plan.owner)
            if plan.application is None:
                continue
            while plan.moves and plan.moves[0][0] <= now:
                _moment, stage = plan.moves.pop(0)
                application = Application.objects.get(pk=plan.application.pk)
                if application.stage not in ACTIVE_STAGES:
                    plan.moves.clear()
                    break
                promised = None
                if stage == Stage.SUBMITTED and plan.promise_client_date and plan.moves:
                    promised = plan.moves[0][0].astimezone(LONDON).date()
                application_move(application=application, to_stage=stage, by=plan.owner, next_step_date=promised)

    def act_on_prompts(self, now: datetime) -> None:
        if not business_moment(now):
            return
        open_prompts = RecruiterPrompt.objects.filter(
            resolved_at__isnull=True, due_at__lte=now, reason__in=CALLED_FOR
        ).select_related("application")
        for prompt in open_prompts:
            actor = None
            if prompt.recruiter_id not in self.ignoring:
                actor = prompt.recruiter
            elif prompt.escalated_to_id == self.attentive_lead.pk:
                actor = self.attentive_lead
            elif prompt.escalated_to_id == self.safety_net_only_lead.pk and prompt.reason == Reason.SAFETY_NET:
                actor = self.safety_net_only_lead
            if actor is None:
                continue
            contact_log(
                application=prompt.application,
                channel=ContactEvent.Channel.PHONE,
                direction=ContactEvent.Direction.OUTBOUND,
                by=actor,
                summary="Called the candidate",
            )

    def bounce_once(self, now: datetime) -> None:
        if self.bounce_done:
            return
        sent = OutboundMessage.objects.filter(to_address=self.bounced_address, status="sent").first()
        if sent is not None:
            tracking_event_record(
                esp_name="Mailgun",
                event_type="bounced",
                recipient=sent.to_address,
                event_id="month-bounce",
                message_id=sent.message_id,
                timestamp=now,
            )
            self.bounce_done = True

    # --- the beat jobs and the workers --------------------------------------------------------------

    def machines(self, now: datetime) -> None:
        self.steps += 1
        scan.prompts_scan_overdue()
        digests.digests_send()
        relay.messages_relay()
        while sending.messages_send_due(worker="month", limit=100).claimed:
            pass

    def next_moment(self, now: datetime) -> datetime:
        """The next regular step, or earlier when a safety net or an email falls due before it."""
        after = now + timedelta(seconds=1)
        candidates = [
            now + TICK,
            Application.objects.filter(safety_net_at__gte=after).aggregate(m=Min("safety_net_at"))["m"],
        ]
        candidates.append(
            OutboundMessage.objects.filter(status__in=("held", "queued"), send_after__gte=after).aggregate(
                m=Min("send_after")
            )["m"]
        )
        return max(after, min(moment for moment in candidates if moment is not None))

    # --- what must hold at every step -----------------------------------------------------------------

    def check(self, now: datetime) -> None:
        contactable = Application.objects.filter(stage__in=ACTIVE_STAGES, candidate__do_not_contact=False)
        for pk, told, created in contactable.values_list("pk", "last_informed_at", "created_at"):
            silent = now - (told or created)
            if silent >= CEILING:
                self.observations.append(f"application #{pk} silent {silent} at {now:%Y-%m-%d %H:%M}")
        late_rejections = set(
            Application.objects.filter(stage=Stage.REJECTED, stage_changes__to_stage=Stage.SUBMITTED).values_list(
                "pk", flat=True
            )
        )
        feedback = {
            application_id: (escalate_at, resolved_at, escalated_at)
            for application_id, escalate_at, resolved_at, escalated_at in RecruiterPrompt.objects.filter(
                application__in=late_rejections, reason=Reason.FEEDBACK_OWED
            ).values_list("application_id", "escalate_at", "resolved_at", "escalated_at")
        }
        for pk in late_rejections:
            if pk not in feedback:
                self.observations.append(f"late rejection #{pk} without a feedback prompt")
                continue
            escalate_at, resolved_at, escalated_at = feedback[pk]
            if escalate_at is None:
                self.observations.append(f"late rejection #{pk}: its prompt never escalates")
            elif resolved_at is None and escalated_at is None and now >= escalate_at:
                self.observations.append(f"late rejection #{pk}: not escalated at {now}")


def run_month(seed: int) -> Firm:
    firm = Firm(seed)
    now = START
    with time_machine.travel(now, tick=False) as traveller:
        while now < END:
            traveller.move_to(now)
            firm.arrive_and_move(now)
            firm.bounce_once(now)
            firm.act_on_prompts(now)
            firm.machines(now)
            firm.check(now)
            now = firm.next_moment(now)
    return firm


@pytest.fixture
def month(db, sent_tasks, settings, tmp_path):
    settings.INLOOP_SMS_BACKEND, settings.INLOOP_SMS_FILE_PATH = "file", str(tmp_path / "texts")
    settings.INLOOP_DIGEST_HOUR = 8
    settings.INLOOP_DIGEST_WINDOW_HOURS = 3
    with override_settings(TIME_ZONE="Europe/London"):
        yield run_month(seed=11)


def test_a_month_of_a_small_firm_keeps_every_candidate_in_the_loop(month):
    assert month.observations == []
    assert month.steps >= 31 * 24 // 6
    applications = Application.objects.all()
    assert applications.count() == 60
    # The month was a month: candidates placed and rejected late, safety nets used both ways, the lead
    # told, an address bounced.
    stages = Counter(applications.values_list("stage", flat=True))
    assert stages[Stage.REJECTED] >= 5 and stages[Stage.SUBMITTED] + stages[Stage.INTERVIEWING] >= 1
    assert OutboundMessage.objects.filter(template_code="safety_net", status="sent").exists()
    assert RecruiterPrompt.objects.filter(reason=Reason.SAFETY_NET, escalated_to__isnull=False).exists()
    assert RecruiterPrompt.objects.filter(reason=Reason.OVERDUE, escalated_at__isnull=False).exists()
    assert RecruiterPrompt.objects.filter(reason=Reason.FEEDBACK_OWED, escalated_at__isnull=False).exists()
    assert ContactEvent.objects.filter(delivered=False).count() == 1
    # Digests: every morning of the month's business days, and only in their window.
    holidays = frozenset(HOLIDAYS)
    digests_sent = OutboundMessage.objects.filter(template_code="digest").select_related("recipient_user__profile")
    assert digests_sent.count() >= 40
    for message in digests_sent:
        tz = ZoneInfo(message.recipient_user.profile.time_zone)
        assert digest_window_open(now=message.created_at, tz=tz, holidays=holidays), message.created_at
        assert digest_window_open(now=message.sent_at, tz=tz, holidays=holidays), message.sent_at


def test_a_month_sends_each_candidate_at_most_one_automated_email_a_day(month):
    per_day: dict[tuple[int, date, str], int] = defaultdict(int)
    # One email (one text) per lead: the messages combined into it (combined_into) went in the same one.
    automated = OutboundMessage.objects.filter(
        status="sent", candidate__isnull=False, combined_into__isnull=True
    ).exclude(template_code__in=("personal", "status_link"))
    rows = automated.values_list("candidate_id", "sent_at", "candidate__time_zone", "channel")
    for candidate_id, sent_at, zone, channel in rows:
        per_day[(candidate_id, sent_at.astimezone(ZoneInfo(zone)).date(), channel)] += 1
    assert max(per_day.values()) == 1


def test_across_channels_a_candidate_gets_one_message_a_day(month):
    """A candidate on email and texts gets a day's news once, as an email and a text carrying the same
    messages; anyone else by one channel a day."""
    sent: dict[tuple[int, date, str], set[str]] = defaultdict(set)
    automated = OutboundMessage.objects.filter(status="sent", candidate__isnull=False).exclude(
        template_code__in=("personal", "status_link", "digest")
    )
    rows = automated.values_list("candidate_id", "sent_at", "candidate__time_zone", "channel", "idempotency_key")
    for candidate_id, sent_at, zone, channel, key in rows:
        sent[(candidate_id, sent_at.astimezone(ZoneInfo(zone)).date(), channel)].add(key.removesuffix(":sms"))
    assert {channel for _candidate, _day, channel in sent} == {"email", "sms"}
    channel_of = dict(Candidate.objects.values_list("pk", "channel"))
    for (candidate_id, day, channel), keys in sent.items():
        other = sent.get((candidate_id, day, "sms" if channel == "email" else "email"))
        if other is not None:
            assert channel_of[candidate_id] == "both" and other == keys, (candidate_id, day)


@pytest.mark.skipif(suite_on_sqlite(), reason="this run is the SQLite one")
def test_the_month_holds_on_sqlite_too(tmp_path):
    """The same month on SQLite, the embedded default of `make run`, in a child pytest."""
    assert pytest_on_sqlite(__file__, tmp_path, select="not sqlite_too") == 3
