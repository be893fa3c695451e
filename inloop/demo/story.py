"""The plan of the demo's two months, drawn up front from the seed: who arrives when, for which jobs,
who pauses email, asks not to be contacted, asks for news or has an address that bounces. What happens
after arrival (moves, clients' answers, replies) is decided as the story runs, from the same generator."""

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from inloop.demo.data import (
    CANDIDATE_COUNT,
    DEMO_USERNAME,
    DO_NOT_CONTACT_COUNT,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    PAUSED_COUNT,
    RECRUITERS,
    TIME_ZONES,
)
from inloop.demo.firm import Firm

# Candidates whose first email comes back undelivered (a provider's bounce report).
BOUNCE_COUNT = 3
# Candidates who ask for news from their status page, once, some days after they applied.
ASKING_COUNT = 10
# The last arrivals come this many days before today, so that every story has begun.
LAST_ARRIVAL_DAYS = 1


@dataclass
class Arrival:
    """One candidate to come, with what they will do."""

    at: datetime
    first_name: str
    last_name: str
    email: str
    phone: str
    time_zone: str
    owner: str
    job_ids: list[int]
    paused: bool = False
    bounces: bool = False
    do_not_contact_at: datetime | None = None
    ask_at: datetime | None = None


@dataclass
class Story:
    """One application as the story runs: when its owner next moves it, and what its client will say."""

    application_id: int
    owner_id: int
    job_id: int
    act_at: datetime | None = None
    # What the client will answer at its step, and what the owner has heard of it (by the answer link,
    # an email, or a call); empty while nothing is asked or heard.
    client_will_say: str = ""
    client_said: str = ""
    # The client answers this long after being chased, or calls on its own at `client_calls_at`.
    client_delay: timedelta | None = None
    client_calls_at: datetime | None = None
    client_by_email: bool = False
    client_answer_at: datetime | None = None
    done: bool = False


@dataclass
class World:
    """The story's state between steps of the clock."""

    rng: random.Random
    firm: Firm
    end: datetime
    arrivals: list[Arrival]
    stories: dict[int, Story] = field(default_factory=dict)
    # (moment, outbox message id, words, automatic): candidates' emails still to come back.
    replies: list[tuple[datetime, int, str, bool]] = field(default_factory=list)
    # Candidate ids whose next sent email bounces; (moment, candidate id) asks for news to come.
    bouncing: set[int] = field(default_factory=set)
    asks: list[tuple[datetime, int]] = field(default_factory=list)
    do_not_contact: list[tuple[datetime, int]] = field(default_factory=list)
    last_replies_planned: bool = False
    sent_seen_until: datetime | None = None
    chases_seen_until: datetime | None = None


def ascii_slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.lower() if ch.isascii() and ch.isalnum())


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def arrivals_plan(*, rng: random.Random, firm: Firm, start: datetime, end: datetime) -> list[Arrival]:
    """Every candidate of the demo, in order of arrival, spread over the two months."""
    span = (end - start - timedelta(days=LAST_ARRIVAL_DAYS)).total_seconds()
    # A growing firm: more candidates arrive each week than the week before.
    moments = sorted(start + timedelta(seconds=span * rng.random() ** 0.6) for _ in range(CANDIDATE_COUNT))
    people: set[tuple[str, str]] = set()
    arrivals = []
    for number, at in enumerate(moments, start=1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        while (first, last) in people:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        people.add((first, last))
        count = rng.choices((1, 2, 3), weights=(70, 25, 5))[0]
        arrivals.append(
            Arrival(
                at=at,
                first_name=first,
                last_name=last,
                email=f"{ascii_slug(first)}.{ascii_slug(last)}@{rng.choice(EMAIL_DOMAINS)}",
                # Numbers from the range set aside for fiction.
                phone=f"+44 7700 900{number:03d}",
                time_zone=_weighted(rng, TIME_ZONES),
                owner=RECRUITERS[number % len(RECRUITERS)],
                job_ids=[job.pk for job in rng.sample(firm.open_jobs, count)],
            )
        )
    _preferences_plan(rng=rng, arrivals=arrivals, end=end)
    return arrivals


def _preferences_plan(*, rng: random.Random, arrivals: list[Arrival], end: datetime) -> None:
    """Who pauses email, who asks not to be contacted (never the demo login's: its list stays full of
    people it can reach), whose address bounces, who asks for news."""
    early = arrivals[: len(arrivals) * 3 // 4]
    others = [arrival for arrival in early if arrival.owner != DEMO_USERNAME]
    chosen = rng.sample(others, DO_NOT_CONTACT_COUNT + BOUNCE_COUNT)
    for arrival in chosen[:DO_NOT_CONTACT_COUNT]:
        # Told on the phone in office hours, at least a working day before today.
        arrival.do_not_contact_at = min(arrival.at + timedelta(days=rng.uniform(2, 15)), end - timedelta(days=4))
    for arrival in chosen[DO_NOT_CONTACT_COUNT:]:
        arrival.bounces = True
    rest = [arrival for arrival in early if arrival not in chosen]
    picked = rng.sample(rest, PAUSED_COUNT + ASKING_COUNT)
    for arrival in picked[:PAUSED_COUNT]:
        arrival.paused = True
    for arrival in picked[PAUSED_COUNT:]:
        arrival.ask_at = arrival.at + timedelta(days=rng.uniform(3, 12))
