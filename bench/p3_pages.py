"""P3: the workspace pages at 500,000 active applications. Targets: <= 15 queries each, median <= 100 ms,
p95 <= 200 ms; the EXPLAIN of each page's slowest query is printed.

A firm of 20 recruiters with `--applications` active applications (500,000 in `make bench`; about one
in ten overdue with its prompt open), their stage changes, sent messages and contacts
(bench/support_data.py). One recruiter (a twentieth of those applications, one job with 5,000
applications on its board, a candidate in ten pipelines) opens:
- the needs-update home page,
- the job board of the big job,
- the timeline of the candidate in ten pipelines.
Each page is requested through Django's test client in this process (the whole middleware stack, the
templates, the real database; no network), a few times to warm up and then `--requests` times; the
figures are the largest number of queries of any request, the median and the 95th percentile of the
server time; the slowest statement of the last request of each page is EXPLAINed (ANALYZE) afterwards.

    .venv/bin/python -m bench.p3_pages [--applications N] [--requests N]
"""

import argparse
import statistics
import sys
import tempfile
import time

from bench.support import Row, django_start, percentile, report

MAX_QUERIES = 15
MEDIAN_MS = 100.0
P95_MS = 200.0
WARM_UP = 3


def measure(client, url: str, requests: int) -> tuple[int, list[float], dict]:
    """(most queries of one request, each request's milliseconds, the slowest statement of the last one)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UP):
        assert client.get(url).status_code == 200, url
    counts, times = [], []
    for _ in range(requests):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        counts.append(len(queries.captured_queries))
    slowest = max(queries.captured_queries, key=lambda query: float(query["time"]))
    return max(counts), times, slowest


def explain(sql: str) -> list[str]:
    """EXPLAIN ANALYZE of a statement the page ran (a read: the pages only read)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return [line for (line,) in cursor.fetchall()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=500_000)
    parser.add_argument("--requests", type=int, default=30)
    arguments = parser.parse_args(argv)
    static_root = tempfile.mkdtemp(prefix="inloop-bench-static-")
    django_start("p3", extra_env={"DJANGO_ALLOWED_HOSTS": "testserver", "DJANGO_STATIC_ROOT": static_root})
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from bench.support_data import firm_seed

    call_command("collectstatic", interactive=False, verbosity=0)
    started = time.perf_counter()
    firm = firm_seed(applications=arguments.applications, big_job_size=5_000)
    seeded = time.perf_counter() - started
    # Statistics as autovacuum would leave them on a live database: without them the planner guesses the
    # freshly seeded tables are tiny and joins the sorted lists the slow way.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    recruiter = firm.big_job.owner
    client = Client()
    client.force_login(recruiter)
    pipeline = reverse("application_list")
    pages = {
        "needs-update home": reverse("home"),
        "job board (5,000 applications)": reverse("job_board", args=[firm.big_job.pk]),
        "candidate timeline (10 pipelines)": reverse("candidate_detail", args=[firm.busy_candidate.pk]),
        # The lists of the whole day in the workspace: filtered, sorted and paged in the database.
        "pipeline, mine": reverse("application_list"),
        "pipeline, everyone's, by days silent, page 40": f"{pipeline}?scope=all&sort=-silent&page=40",
        "pipeline, everyone's overdue in screening": f"{pipeline}?scope=all&overdue=true&stage=screening",
        "jobs, everyone's, by overdue": reverse("job_table") + "?scope=all&sort=-overdue",
        "outbox, everyone's": reverse("outbox") + "?owner=all",
        "replies, everyone's": reverse("outbox_replies") + "?owner=all",
        "team page": reverse("team"),
        "figures by week": reverse("figure_trends"),
    }
    rows, plans = [], []
    for name, url in pages.items():
        queries, times, slowest = measure(client, url, arguments.requests)
        median_ms, p95_ms = statistics.median(times), percentile(times, 0.95)
        rows.append(Row(f"{name}: queries", queries, "", f"<= {MAX_QUERIES}", queries <= MAX_QUERIES))
        rows.append(Row(f"{name}: median", median_ms, "ms", f"<= {MEDIAN_MS:g}", median_ms <= MEDIAN_MS))
        rows.append(Row(f"{name}: p95", p95_ms, "ms", f"<= {P95_MS:g}", p95_ms <= P95_MS))
        plans += [f"{name}: slowest statement {float(slowest['time']) * 1000:.0f} ms", *explain(slowest["sql"]), ""]
    notes = [
        f"{firm.applications:,} applications seeded in {seeded:.0f} s; {arguments.requests} requests per page "
        f"after {WARM_UP} to warm up; the recruiter owns {recruiter.owned_applications.count():,} of them."
    ]
    notes += ["EXPLAIN (ANALYZE) of each page's slowest statement:", *(f"  {line}" for line in plans)]
    return report(f"P3 workspace pages, {arguments.applications:,} active applications", rows, notes)


if __name__ == "__main__":
    sys.exit(main())
