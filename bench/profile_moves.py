"""Stage moves through the API under cProfile: where a move's time goes (docs/benchmarks.md, P8).

P3's firm at `--applications` (bench/support_data.py) and an admin's key, as in P8; `--moves` active
applications moved one stage forward in this process through POST /api/v1/applications/{id}/move
(Django's test client: the whole middleware stack, the real database, the cache in a Redis of its
own), after a few to warm up. Prints
the SQL statements a move (and one move's statements), this process's CPU a move, and the top functions
by cumulative time and by own time.

    .venv/bin/python -m bench.profile_moves [--applications N] [--moves N] [--top N] [--no-profile] [--cpu]
        [--dump FILE]
"""

import argparse
import cProfile
import sys
import time

from bench.p8_api import api_move
from bench.support import django_start, private_redis, profile_print

WARM_UP = 5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=2_000)
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-profile", action="store_true", help="only count (statements, CPU and wall clock)")
    parser.add_argument("--cpu", action="store_true", help="profile this process's CPU time, not the wall clock")
    parser.add_argument("--dump", default="", help="also write the profile to this file (pstats)")
    arguments = parser.parse_args(argv)
    with private_redis() as cache_url:
        django_start(
            "movesprofile",
            extra_env={
                "DJANGO_ALLOWED_HOSTS": "testserver",
                "INLOOP_API_RATE_LIMIT": "100000000",
                "CACHE_URL": cache_url,  # as in production and P8
            },
        )
        return _run(arguments)


def _run(arguments) -> int:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from api.keys import api_key_create
    from bench.support_data import firm_seed
    from recruiting.models import ACTIVE_STAGES, PIPELINE, Application, RecruiterProfile, Role

    firm_seed(applications=arguments.applications)
    admin = get_user_model().objects.create_user(username="bench-admin", email="admin@firm.example")
    RecruiterProfile.objects.create(user=admin, role=Role.ADMIN)
    key = api_key_create(user=admin, name="Bench ATS", by=None).key
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client, headers = Client(), {"Authorization": f"Bearer {key}"}
    moves = list(
        Application.objects.filter(stage__in=ACTIVE_STAGES)
        .order_by("?")
        .values_list("pk", "stage")[: arguments.moves + WARM_UP]
    )
    moves = [(pk, PIPELINE[PIPELINE.index(stage) + 1]) for pk, stage in moves]
    for pk, to_stage in moves[:WARM_UP]:
        api_move(client, headers, pk, to_stage)
    moves = moves[WARM_UP:]
    one = []
    with connection.execute_wrapper(lambda execute, sql, *rest: one.append(sql) or execute(sql, *rest)):
        api_move(client, headers, *moves[0])
    profile = cProfile.Profile(time.process_time) if arguments.cpu else cProfile.Profile()
    if arguments.no_profile:
        profile.enable = profile.disable = lambda: None
    statements = []

    def counted(execute, sql, params, many, context):
        statements.append(1)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        started, cpu = time.perf_counter(), time.process_time()
        profile.enable()
        for pk, to_stage in moves[1:]:
            api_move(client, headers, pk, to_stage)
        profile.disable()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    count = len(moves) - 1
    print("One move's statements:")
    for sql in one:
        print(f"  {sql[:200]}")
    print(
        f"\n{count} moves in {seconds:.2f} s ({count / seconds:.0f} a second in one process), "
        f"{len(statements) / count:.2f} SQL statements a move, "
        f"{cpu * 1000 / count:.2f} ms of this process's CPU a move; load {open('/proc/loadavg').read().strip()}"
    )
    if arguments.no_profile:
        return 0
    if arguments.dump:
        profile.dump_stats(arguments.dump)
    profile_print(profile, top=arguments.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
