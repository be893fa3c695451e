"""P5: closing a job with 1,000 live applications (bulk move + messages). Target: <= 5 s, with progress.

The job's 1,000 live applications sit in every open stage, each with a history; the firm around it has
a few thousand more. `recruiting.job_services.job_close` moves them all to rejected with notify on: the
stage change, audit row, clock and the outbox message (or the feedback-owed prompt) each stage's rule
calls for. The figure is the wall time of that call; the progress callback's calls are counted, since
the recruiter watches them.

    .venv/bin/python -m bench.p5_close_job [--applications N]
"""

import argparse
import sys
import time

from bench.support import Row, django_start, private_redis, report

TARGET_SECONDS = 5.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=1_000)
    live = parser.parse_args(argv).applications
    with private_redis() as broker:
        django_start("p5", broker_url=broker)
        from bench.support_data import firm_seed
        from notifications.models import OutboundMessage
        from recruiting.models import ACTIVE_STAGES, RecruiterPrompt, Stage, StageChange
        from recruiting.services.jobs import job_close

        firm = firm_seed(applications=live + 4_000, jobs=40, big_job_size=live)
        job = firm.big_job
        assert job.applications.filter(stage__in=ACTIVE_STAGES).count() == live
        messages_before = OutboundMessage.objects.count()
        prompts_before = RecruiterPrompt.objects.filter(reason=RecruiterPrompt.Reason.FEEDBACK_OWED).count()
        updates: list[tuple[int, int]] = []
        start = time.perf_counter()
        moved = job_close(
            job=job, by=job.owner, outcome=Stage.REJECTED, notify=True, progress=lambda d, t: updates.append((d, t))
        )
        seconds = time.perf_counter() - start
        messages = OutboundMessage.objects.count() - messages_before
        prompts = RecruiterPrompt.objects.filter(reason=RecruiterPrompt.Reason.FEEDBACK_OWED).count() - prompts_before
        closes = StageChange.objects.filter(application__job=job, to_stage=Stage.REJECTED).count()
    rows = [
        Row(
            f"job_close, {live:,} live applications", seconds, "s", f"<= {TARGET_SECONDS:g}", seconds <= TARGET_SECONDS
        ),
        Row("applications moved (stage changes written)", closes, "", f"{live:,}", moved == live == closes),
        Row("rejection messages queued (early stages, held 24 h)", messages, ""),
        Row("feedback-owed prompts opened (later stages)", prompts, ""),
        Row("progress updates shown", len(updates), "", ">= 2", len(updates) >= 2 and updates[-1][0] == live),
    ]
    return report(f"P5 close a job with {live:,} live applications", rows)


if __name__ == "__main__":
    sys.exit(main())
