"""P3: the workspace pages with 50,000 active applications. Targets: <= 15 queries each, median <= 100 ms.

A firm of 20 recruiters with 50,000 active applications (about one in ten overdue with its prompt open),
their stage changes, sent messages and contacts (bench/support_data.py). One recruiter (2,500 of those
applications, one job with 5,000 applications on its board, a candidate in ten pipelines) opens:
- the needs-update home page,
- the job board of the big job,
- the timeline of the candidate in ten pipelines.
Each page is requested through Django's test client in this process (the whole middleware stack, the
templates, the real database; no network), a few times to warm up and then `--requests` times; the
figures are the largest number of queries of any request and the median server time.

    .venv/bin/python -m bench.p3_pages [--applications N] [--requests N]
"""

import argparse
import statistics
import sys
import tempfile
import time

from bench.support import Row, django_start, report

MAX_QUERIES = 15
MEDIAN_MS = 100.0
WARM_UP = 3


def measure(client, url: str, requests: int) -> tuple[int, float]:
    """(most queries of one request, median milliseconds) over `requests` requests of `url`."""
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
    return max(counts), statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=50_000)
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
        "team page": reverse("team"),
        "figures by week": reverse("figure_trends"),
    }
    rows = []
    for name, url in pages.items():
        queries, median_ms = measure(client, url, arguments.requests)
        rows.append(Row(f"{name}: queries", queries, "", f"<= {MAX_QUERIES}", queries <= MAX_QUERIES))
        rows.append(Row(f"{name}: median", median_ms, "ms", f"<= {MEDIAN_MS:g}", median_ms <= MEDIAN_MS))
    notes = [
        f"{firm.applications:,} applications seeded in {seeded:.0f} s; {arguments.requests} requests per page "
        f"after {WARM_UP} to warm up; the recruiter owns {recruiter.owned_applications.count():,} of them."
    ]
    return report(f"P3 workspace pages, {arguments.applications:,} active applications", rows, notes)


if __name__ == "__main__":
    sys.exit(main())
