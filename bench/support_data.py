"""A firm's worth of pipeline data for the page and job benchmarks (P3, P5, P7, P8), written in bulk.

This is set-up, not behaviour under test, so it writes rows directly rather than through the services:
500,000 applications through application_move would take longer than the benchmarks themselves. The
people, clients and jobs are few and written with the ORM; the candidates, applications and their
history are written by PostgreSQL itself, INSERT ... SELECT over generate_series (the way of
bench/p1_scan.py), with random figures from a seeded generator so that every run writes the same firm.
The shape follows a mid-sized staffing firm: a team of recruiters, many clients and jobs, most candidates
in one pipeline and one in ten pipelines, a history of stage changes and sent emails (each a contact)
behind every application, about one application in ten overdue with its prompt open.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from bench.support_mail import FIRST_NAMES, JOBS
from candidates.models import Candidate
from notifications.models import OutboundMessage
from recruiting.models import (
    ACTIVE_STAGES,
    PIPELINE,
    Application,
    Client,
    ContactEvent,
    Job,
    RecruiterProfile,
    RecruiterPrompt,
    Role,
    StageChange,
    Team,
)

LAST_NAMES = ("Okafor", "Lindqvist", "Moreau", "Tanaka", "Haddad", "Novak", "Castillo", "Brennan", "Osei", "Petrov")
BATCH = 2000
# The busy candidate's history: this many emails on each of their applications (one on the others).
BUSY_HISTORY = 8
# The seeded tables, vacuumed and analysed at the end as autovacuum would leave them on a live database.
SEEDED = (Candidate, Application, StageChange, OutboundMessage, ContactEvent, RecruiterPrompt)


@dataclass
class Firm:
    recruiters: list
    lead: object
    jobs: list[Job]
    big_job: Job
    busy_candidate: Candidate
    applications: int


def _bulk(model, rows: list) -> list:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def _insert_select(model, *, columns: list[str], select: str, params: dict) -> int:
    """INSERT INTO model (columns, every other column) SELECT columns FROM (select): the rows' count.

    `select` yields the named `columns`; every other column (but the key) gets the field's own default,
    or NULL, so that the seed keeps working when fields are added.
    """
    quote = connection.ops.quote_name
    names, values, bound = [quote(column) for column in columns], [f"s.{quote(c)}" for c in columns], dict(params)
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key or model_field.column in columns:
            continue
        names.append(quote(model_field.column))
        if model_field.null and not model_field.has_default():
            values.append("NULL")
        else:
            key = f"default_{model_field.column}"
            bound[key] = model_field.get_db_prep_save(model_field.get_default(), connection)
            values.append(f"%({key})s")
    table = quote(model._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(values)} FROM ({select}) AS s"
    with connection.cursor() as cursor:
        cursor.execute(sql, bound)
        return cursor.rowcount


def _last_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(max(id), 0) FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.fetchone()[0]


def _people(recruiters: int, jobs: int) -> tuple:
    """A team of `recruiters` and its lead, a client for every four jobs, `jobs` jobs: the ORM's rows."""
    users = get_user_model()
    team = Team.objects.create(name="Permanent placements")
    lead = users.objects.create_user(username="bench-lead", email="lead@firm.example", first_name="Robin")
    RecruiterProfile.objects.create(user=lead, team=team, role=Role.TEAM_LEAD)
    team.lead = lead
    team.save(update_fields=["lead"])
    people = _bulk(
        users,
        [
            users(username=f"bench-recruiter-{n}", email=f"recruiter{n}@firm.example", first_name=FIRST_NAMES[n % 10])
            for n in range(recruiters)
        ],
    )
    _bulk(RecruiterProfile, [RecruiterProfile(user=user, team=team) for user in people])
    clients = _bulk(
        Client, [Client(name=f"Client {n} of the firm", industry="logistics") for n in range(jobs // 4 + 1)]
    )
    job_rows = _bulk(
        Job,
        [
            Job(client=clients[n % len(clients)], title=JOBS[n % len(JOBS)], owner=people[n % recruiters])
            for n in range(jobs)
        ],
    )
    return lead, people, job_rows


def _candidates(count: int, people: list) -> None:
    """Candidate n: candidate{n}@mail.example, owned by recruiter n mod the team's size."""
    address = "'candidate' || i || '@mail.example'"
    _insert_select(
        Candidate,
        columns=["first_name", "last_name", "email", "email_key", "owner_id"],
        select=(
            "SELECT (%(first)s::text[])[1 + i %% 10] AS first_name, "
            "(%(last)s::text[])[1 + (i / 10) %% 10] AS last_name, "
            f"{address} AS email, {address} AS email_key, (%(people)s::bigint[])[1 + i %% %(team)s] AS owner_id "
            "FROM generate_series(0, %(count)s - 1) AS i"
        ),
        params={
            "first": list(FIRST_NAMES),
            "last": list(LAST_NAMES),
            "people": [user.pk for user in people],
            "team": len(people),
            "count": count,
        },
    )


def _applications(count: int, *, jobs: list[Job], big_job_size: int, now) -> int:
    """Candidate n's application: to the big job while n < big_job_size, else to one of the others; in a
    random open stage, created 3 to 60 days ago, last told since; one in ten overdue by up to three days,
    the others due within ten; the later steps of the schedule as the clock would space them."""
    big_job, others = jobs[0], jobs[1:]
    draws = (
        "SELECT i, floor(random() * 5)::int AS stage, "
        "%(now)s - (3 + floor(random() * 58)) * interval '1 day' AS created, "
        "random() AS told, random() < 0.1 AS overdue, random() AS hours FROM generate_series(0, %(count)s - 1) AS i"
    )
    moments = (
        "SELECT i, stage, created, created + (%(now)s - created) * told AS informed, CASE WHEN overdue "
        "THEN %(now)s - (1 + floor(hours * 72)) * interval '1 hour' "
        f"ELSE %(now)s + (1 + floor(hours * 240)) * interval '1 hour' END AS due FROM ({draws}) AS draws"
    )
    return _insert_select(
        Application,
        columns=[
            *("candidate_id", "job_id", "owner_id", "stage", "stage_entered_at", "last_informed_at"),
            *("next_update_due", "escalate_at", "safety_net_at", "created_at"),
        ],
        select=(
            "SELECT c.id AS candidate_id, CASE WHEN r.i < %(big_size)s THEN %(big_job)s "
            "ELSE (%(others)s::bigint[])[1 + r.i %% %(other_count)s] END AS job_id, c.owner_id AS owner_id, "
            "(%(stages)s::text[])[1 + r.stage] AS stage, r.informed AS stage_entered_at, "
            "r.informed AS last_informed_at, "
            "r.due AS next_update_due, r.due + interval '2 days' AS escalate_at, "
            "r.due + interval '4 days' AS safety_net_at, r.created AS created_at "
            f"FROM ({moments}) AS r JOIN {Candidate._meta.db_table} c "
            "ON c.email_key = 'candidate' || r.i || '@mail.example'"
        ),
        params={
            "now": now,
            "count": count,
            "big_size": big_job_size,
            "big_job": big_job.pk,
            "others": [job.pk for job in others],
            "other_count": len(others),
            "stages": [str(stage) for stage in ACTIVE_STAGES],
        },
    )


def _busy_pipelines(busy: Candidate, jobs: list[Job], now) -> int:
    """The busy candidate is also in nine more pipelines, at screening."""
    already = set(busy.applications.values_list("job_id", flat=True))
    more = [job for job in jobs if job.pk not in already][:9]
    _bulk(
        Application,
        [
            Application(
                candidate=busy,
                job=job,
                owner=busy.owner,
                stage=PIPELINE[1],
                stage_entered_at=now,
                last_informed_at=now,
                next_update_due=now + timedelta(days=3),
                escalate_at=now + timedelta(days=5),
                safety_net_at=now + timedelta(days=7),
                created_at=now - timedelta(days=30),
            )
            for job in more
        ],
    )
    return len(more)


def _history(*, after: int, busy: Candidate, now) -> None:
    """Behind each application written after id `after`: a stage change an hour apart for each step of the
    pipeline up to its stage; sent emails a day apart up to its last told moment (one, or BUSY_HISTORY
    for the busy candidate), each a contact on the timeline; the overdue prompt when overdue."""
    application = Application._meta.db_table
    _insert_select(
        StageChange,
        columns=["application_id", "from_stage", "to_stage", "by_id", "at", "note"],
        select=(
            "SELECT a.id AS application_id, COALESCE((%(pipeline)s::text[])[k - 1], '') AS from_stage, "
            "(%(pipeline)s::text[])[k] AS to_stage, a.owner_id AS by_id, "
            "a.created_at + (k - 1) * interval '1 hour' AS at, 'Spoke to the candidate about the role.' AS note "
            f"FROM {application} a CROSS JOIN LATERAL "
            "generate_series(1, array_position(%(pipeline)s::text[], a.stage::text)) AS k WHERE a.id > %(after)s"
        ),
        params={"pipeline": [str(stage) for stage in PIPELINE], "after": after},
    )
    messages_after = _last_id(OutboundMessage)
    _insert_select(
        OutboundMessage,
        columns=[
            *("candidate_id", "application_id", "template_code", "subject", "body_text", "to_address"),
            *("status", "send_after", "sent_at", "created_at", "idempotency_key"),
        ],
        select=(
            "SELECT a.candidate_id, a.id AS application_id, 'screening' AS template_code, "
            "'Your application: an update' AS subject, 'Hello, a short update on your application.' AS body_text, "
            "c.email AS to_address, 'sent' AS status, h.at AS send_after, h.at AS sent_at, h.at AS created_at, "
            "'bench-history-' || a.id || '-' || h.k AS idempotency_key "
            f"FROM {application} a JOIN {Candidate._meta.db_table} c ON c.id = a.candidate_id "
            "CROSS JOIN LATERAL (SELECT k, a.last_informed_at - k * interval '1 day' AS at FROM generate_series(0, "
            "CASE WHEN a.candidate_id = %(busy)s THEN %(busy_history)s - 1 ELSE 0 END) AS k) AS h "
            "WHERE a.id > %(after)s"
        ),
        params={"busy": busy.pk, "busy_history": BUSY_HISTORY, "after": after},
    )
    _insert_select(
        ContactEvent,
        columns=["application_id", "channel", "direction", "at", "message_id", "summary"],
        select=(
            "SELECT application_id, 'email' AS channel, 'outbound' AS direction, sent_at AS at, id AS message_id, "
            f"'Status email' AS summary FROM {OutboundMessage._meta.db_table} WHERE id > %(after)s"
        ),
        params={"after": messages_after},
    )
    _insert_select(
        RecruiterPrompt,
        columns=["application_id", "recruiter_id", "reason", "due_at", "created_at"],
        select=(
            "SELECT id AS application_id, owner_id AS recruiter_id, 'overdue' AS reason, next_update_due AS due_at, "
            f"next_update_due AS created_at FROM {application} WHERE id > %(after)s AND next_update_due <= %(now)s"
        ),
        params={"after": after, "now": now},
    )


def firm_seed(
    *, applications: int, recruiters: int = 20, jobs: int = 200, big_job_size: int = 0, seed: int = 7
) -> Firm:
    """`applications` active applications spread over `recruiters` and `jobs`.

    `big_job_size` of them go to one job (the board and job-close benchmarks use it). One candidate
    (`busy_candidate`) is in ten pipelines with a long history, for the timeline.
    """
    now = timezone.now()
    lead, people, job_rows = _people(recruiters, jobs)
    after = _last_id(Application)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed / 1000])
    _candidates(applications, people)
    written = _applications(applications, jobs=job_rows, big_job_size=big_job_size, now=now)
    busy = Candidate.objects.get(email_key="candidate0@mail.example")
    written += _busy_pipelines(busy, job_rows[1:], now)
    _history(after=after, busy=busy, now=now)
    with connection.cursor() as cursor:
        for model in SEEDED:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return Firm(
        recruiters=people, lead=lead, jobs=job_rows, big_job=job_rows[0], busy_candidate=busy, applications=written
    )
