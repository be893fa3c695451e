"""Replies through the inbound webhook under cProfile: where a post's time goes (docs/benchmarks.md, P7).

P7's firm and replies (bench/p7_inbound.py) in P7's database; `--replies` posts through Postmark's
inbound webhook in this process (Django's test client: basic auth, the whole middleware stack), after a
few to warm up. Prints the SQL statements of one post, this process's CPU a post and the wall clock,
then (unless `--no-profile`) the top functions by cumulative and by own time.

    .venv/bin/python -m bench.profile_inbound [--replies N] [--top N] [--no-profile] [--cpu]
"""

import argparse
import base64
import cProfile
import sys
import time

from bench.p7_inbound import DOMAIN, SECRET, postmark_json
from bench.support import django_start, profile_print

WARM_UP = 5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-profile", action="store_true", help="only count (statements, CPU and wall clock)")
    parser.add_argument("--cpu", action="store_true", help="profile this process's CPU time, not the wall clock")
    arguments = parser.parse_args(argv)
    env = {
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "INLOOP_INBOUND_ESP": "postmark",
        "ANYMAIL_WEBHOOK_SECRET": SECRET,
        "INLOOP_REPLY_DOMAIN": DOMAIN,
    }
    django_start("p7", extra_env=env)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench.support_data import firm_seed
    from notifications.models import OutboundMessage

    count = arguments.replies + WARM_UP + 1
    firm_seed(applications=count, recruiters=5, jobs=20)
    url = reverse("notifications:inbound_webhook", args=["postmark"])
    auth = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}
    posts = [postmark_json(message) for message in OutboundMessage.objects.filter(status="sent").order_by("pk")[:count]]
    client = Client()

    def post(body: str) -> None:
        response = client.post(url, body, content_type="application/json", **auth)
        assert response.status_code == 200, response.status_code

    for body in posts[:WARM_UP]:
        post(body)
    with CaptureQueriesContext(connection) as queries:
        post(posts[WARM_UP])
    print(f"one post: {len(queries.captured_queries)} statements")
    for query in queries.captured_queries:
        print("  ", query["sql"][:160])
    with CaptureQueriesContext(connection) as queries:
        post(posts[WARM_UP])
    print(f"the same post again: {len(queries.captured_queries)} statements")
    rest = posts[WARM_UP + 1 :]
    profiler = (
        None if arguments.no_profile else cProfile.Profile(time.process_time if arguments.cpu else time.perf_counter)
    )
    cpu, wall = time.process_time(), time.perf_counter()
    statements = []
    if profiler:
        profiler.enable()
    with connection.execute_wrapper(lambda execute, sql, *args: statements.append(sql) or execute(sql, *args)):
        for body in rest:
            post(body)
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{len(statements) / len(rest):.2f} statements a post (BEGIN and COMMIT not counted)")
    with open("/proc/loadavg") as load:
        print(f"{len(rest)} posts: {cpu / len(rest) * 1000:.2f} ms CPU a post, {len(rest) / wall:.1f} a second"
              f" (load {load.read().split()[:3]})")  # fmt: skip
    if profiler:
        profile_print(profiler, top=arguments.top, strip_dirs=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
