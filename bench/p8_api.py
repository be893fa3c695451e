"""P8: the REST API at 50,000 active applications. Targets: the list endpoints' p95 <= 50 ms with the same
number of queries at two sizes of the firm; >= 100 stage moves a second through the API.

The firm of P3 (bench/support_data.py), written in bulk: first a tenth of `--applications`, on which each
list's queries are counted; then the rest (candidates and their applications, without history: the lists
read neither), on which they are counted again and timed. An admin's key (the whole firm, the largest
lists) reads, through Django's test client in this process (the whole middleware stack, the real
database; no network):
- /api/v1/applications and /api/v1/candidates, following next_cursor page after page from the first,
- the same with an updated_since filter (a poll of the last day's changes).
Then `--movers` processes (as many web workers: by default the number gunicorn.conf.py starts on this
machine, two a core and one more) each move their own applications one stage forward
with POST /api/v1/applications/{id}/move (the candidate's email held, the clock, the prompts, the audit row,
as from the job board), `--moves` in all; the figure is the moves over the wall time from the start
signal, given once every process has set Django up and made one move to warm up (a web worker is
already running when its requests come), to the last move. The cache is a Redis server of the
benchmark's own, as in production.
The per-key rate limit (INLOOP_API_RATE_LIMIT, 600 a minute by default) is lifted for the run: it caps
one client, not the server measured here.

    .venv/bin/python -m bench.p8_api [--applications N] [--requests N] [--moves N] [--movers N]
"""

import argparse
import json
import multiprocessing
import os
import random
import runpy
import statistics
import sys
import time
from datetime import timedelta

from bench.support import ROOT, Row, django_start, percentile, private_redis, report

P95_MS = 50.0
MOVES_PER_SECOND = 100.0
# The web server's own worker count (WEB_CONCURRENCY, else two a core and one more): the processes that
# take the API's requests in production.
WEB_WORKERS = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"]
WARM_UP = 3
BATCH = 2000


def api_move(client, headers: dict, pk: int, to_stage: str) -> None:
    """One stage move through POST /api/v1/applications/{pk}/move, as the firm's ATS makes it."""
    response = client.post(
        f"/api/v1/applications/{pk}/move",
        json.dumps({"stage": to_stage, "note": "Moved by the firm's ATS."}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, (pk, response.status_code, response.content[:300])


def applications_add(firm, count: int, seed: int = 11) -> None:
    """`count` more active applications, each with a candidate of its own, spread over the firm's jobs."""
    from django.utils import timezone

    from candidates.models import Candidate
    from recruiting.models import ACTIVE_STAGES, Application

    rng = random.Random(seed)
    now = timezone.now()
    owners = firm.recruiters
    candidates = Candidate.objects.bulk_create(
        [
            Candidate(first_name="Added", last_name=f"Person {n}", email=f"added{n}@mail.example", owner=owners[n % 20])
            for n in range(count)
        ],
        batch_size=BATCH,
    )
    rows = []
    for n, candidate in enumerate(candidates):
        created = now - timedelta(days=rng.randint(3, 60))
        rows.append(
            Application(
                candidate=candidate,
                job=firm.jobs[1 + n % (len(firm.jobs) - 1)],
                owner=candidate.owner,
                stage=ACTIVE_STAGES[rng.randrange(len(ACTIVE_STAGES))],
                stage_entered_at=created,
                last_informed_at=created,
                next_update_due=now + timedelta(hours=rng.randint(1, 240)),
                created_at=created,
                updated_at=created,
            )
        )
    Application.objects.bulk_create(rows, batch_size=BATCH)


def _get(client, headers, url: str, params: dict):
    response = client.get(url, params, headers=headers)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return response.json()


def walk(client, headers, url: str, params: dict, requests: int) -> tuple[list[int], list[float]]:
    """Follow next_cursor from the first page for `requests` pages (from the first again at the end):
    each request's queries and milliseconds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UP):
        _get(client, headers, url, params)
    counts, times, cursor = [], [], None
    for _ in range(requests):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            page = _get(client, headers, url, params | ({"cursor": cursor} if cursor else {}))
            times.append((time.perf_counter() - started) * 1000)
        counts.append(len(queries.captured_queries))
        cursor = page["next_cursor"]
    return counts, times


def _mover(env: dict, key: str, application_ids: list[int], ready, start, results) -> None:
    """One web worker's moves: each application one stage forward, through the API. The first is a
    warm-up, before the start (a web worker already running has served requests)."""
    os.environ.update(env)
    import django

    django.setup()
    from django.test import Client

    from recruiting.models import PIPELINE, Application

    stages = dict(Application.objects.filter(pk__in=application_ids).values_list("pk", "stage"))
    client, headers = Client(), {"Authorization": f"Bearer {key}"}

    def move(pk: int) -> None:
        api_move(client, headers, pk, PIPELINE[PIPELINE.index(stages[pk]) + 1])

    move(application_ids[0])
    ready.put(True)
    start.wait()
    started, cpu = time.perf_counter(), time.process_time()
    for pk in application_ids[1:]:
        move(pk)
    results.put((len(application_ids) - 1, time.perf_counter() - started, time.process_time() - cpu))


def moves_run(env: dict, key: str, moves: int, movers: int) -> tuple[float, float, float]:
    """(moves a second from the start signal to the last move, the slowest mover's seconds, the movers'
    CPU milliseconds a move)."""
    from recruiting.models import ACTIVE_STAGES, Application

    ids = list(
        Application.objects.filter(stage__in=ACTIVE_STAGES).order_by("?").values_list("pk", flat=True)[: moves + movers]
    )
    context = multiprocessing.get_context("spawn")
    ready, start, results = context.Queue(), context.Event(), context.Queue()
    processes = [
        context.Process(target=_mover, args=(env, key, ids[index::movers], ready, start, results))
        for index in range(movers)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get(timeout=600)
    started = time.perf_counter()
    start.set()
    outcomes = [results.get(timeout=600) for _ in processes]
    wall = time.perf_counter() - started
    for process in processes:
        process.join(timeout=30)
    done = sum(count for count, _, _ in outcomes)
    cpu_ms = sum(cpu for _, _, cpu in outcomes) * 1000 / done
    return done / wall, max(seconds for _, seconds, _ in outcomes), cpu_ms


def lists_measure(client, headers, requests: int) -> dict[str, tuple[list[int], list[float]]]:
    from django.utils import timezone

    since = (timezone.now() - timedelta(days=1)).isoformat()
    lists = {
        "applications": ("/api/v1/applications", {}),
        "candidates": ("/api/v1/candidates", {}),
        "applications updated in the last day": ("/api/v1/applications", {"updated_since": since}),
    }
    return {name: walk(client, headers, url, params, requests) for name, (url, params) in lists.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--moves", type=int, default=1_000)
    parser.add_argument("--movers", type=int, default=WEB_WORKERS)
    arguments = parser.parse_args(argv)
    with private_redis() as cache_url:
        env = django_start(
            "p8",
            extra_env={
                "DJANGO_ALLOWED_HOSTS": "testserver",
                "INLOOP_API_RATE_LIMIT": "100000000",
                # The shared cache in Redis, as in production (the rate limit's counter, the webhooks
                # listening), rather than the local settings' folder of files.
                "CACHE_URL": cache_url,
            },
        )
        return _run(env, arguments)


def _run(env: dict, arguments) -> int:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from api.keys import api_key_create
    from bench.support_data import firm_seed
    from recruiting.models import Application, RecruiterProfile, Role

    started = time.perf_counter()
    small = max(1, arguments.applications // 10)
    firm = firm_seed(applications=small)
    admin = get_user_model().objects.create_user(username="bench-admin", email="admin@firm.example")
    RecruiterProfile.objects.create(user=admin, role=Role.ADMIN)
    key = api_key_create(user=admin, name="Bench ATS", by=None).key
    client, headers = Client(), {"Authorization": f"Bearer {key}"}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    at_small = lists_measure(client, headers, requests=10)
    applications_add(firm, arguments.applications - Application.objects.count())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seeded = time.perf_counter() - started
    at_full = lists_measure(client, headers, requests=arguments.requests)
    total = Application.objects.count()

    rows = []
    for name, (counts, times) in at_full.items():
        small_counts = at_small[name][0]
        same = set(counts) == set(small_counts) and len(set(counts)) == 1
        rows.append(Row(f"{name}: queries at {small:,}", max(small_counts), "", "", None))
        rows.append(Row(f"{name}: queries at {total:,}", max(counts), "", "the same, every page", same))
        rows.append(Row(f"{name}: median", statistics.median(times), "ms"))
        p95 = percentile(times, 0.95)
        rows.append(Row(f"{name}: p95", p95, "ms", f"<= {P95_MS:g}", p95 <= P95_MS))
    load = open("/proc/loadavg").read().split()[:3]
    per_second, slowest, cpu_ms = moves_run(env, key, arguments.moves, arguments.movers)
    moved = per_second >= MOVES_PER_SECOND
    rows.append(Row(f"moves, {arguments.movers} processes", per_second, "/s", f">= {MOVES_PER_SECOND:g}", moved))
    notes = [
        f"{total:,} active applications ({small:,} with their history, the rest without) seeded in {seeded:.0f} s;",
        f"{arguments.requests} pages of 50 per list at the full size (10 at {small:,}), after {WARM_UP} to warm up;",
        f"{arguments.moves:,} moves through the API shared by {arguments.movers} processes, the slowest busy "
        f"{slowest:.1f} s; timed from the start signal, each process set up and warmed by one move before it;",
        f"{cpu_ms:.1f} ms of a mover's CPU a move; load average before the moves {' / '.join(load)}.",
    ]
    return report(f"P8 the REST API, {total:,} active applications", rows, notes)


if __name__ == "__main__":
    sys.exit(main())
