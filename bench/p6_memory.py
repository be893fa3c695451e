"""P6: worker memory while sending 10,000 messages. Target: peak RSS <= 300 MB.

One worker host (a Celery worker, prefork, one child per core) sends P2's 10,000 queued messages into a
local SMTP sink. Memory of the whole process tree (the parent and its children) is sampled every 50 ms;
the peak of the summed resident memory is the figure held against the target (it counts pages shared
between parent and children once per process, so it errs high), with the proportional set size and the
largest single process's high-water mark beside it. MB are 10^6 bytes.

    .venv/bin/python -m bench.p6_memory [--messages N] [--concurrency N]
"""

import argparse
import sys
import time

from bench.p2_outbox import CORES, outbox_seed
from bench.support import MemoryWatch, Row, SmtpSink, celery_worker, django_start, private_redis, report, wait_for

TARGET_MB = 300


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=CORES, help="worker pool processes (default: cores)")
    arguments = parser.parse_args(argv)
    count, children = arguments.messages, arguments.concurrency
    with private_redis() as broker, SmtpSink() as sink:
        env = django_start("p6", broker_url=broker, smtp_port=sink.port)
        from notifications.models import OutboundMessage
        from notifications.services.relay import messages_relay

        outbox_seed(count)
        sent = OutboundMessage.objects.filter(status=OutboundMessage.Status.SENT)
        with celery_worker(env, name="bench-p6", concurrency=children) as worker:
            with MemoryWatch(worker.pid) as idle:
                time.sleep(3)  # a few seconds at rest, for the baseline
            with MemoryWatch(worker.pid) as busy:
                messages_relay()
                wait_for(lambda: sink.count() >= count, timeout=1800, what=f"{count} messages", interval=0.2)
                wait_for(lambda: sent.count() >= count, timeout=120, what="every row marked sent", interval=0.2)
        stats = sink.stats()
    rows = [
        Row(f"worker tree at rest ({children + 1} processes), RSS summed", idle.peak_rss_mb, "MB"),
        Row(
            f"peak RSS of the worker tree, sending {count:,} (summed)",
            busy.peak_rss_mb,
            "MB",
            f"<= {TARGET_MB}",
            busy.peak_rss_mb <= TARGET_MB,
        ),
        Row("peak PSS of the worker tree (shared pages counted once)", busy.peak_pss_mb, "MB"),
        Row("peak RSS of the largest single process (VmHWM)", busy.peak_process_mb, "MB"),
        Row(
            "messages at the sink (distinct Message-IDs)",
            stats["distinct"],
            "",
            f"{count:,}",
            stats["distinct"] == count,
        ),
    ]
    return report(f"P6 worker memory, {count:,} messages", rows)


if __name__ == "__main__":
    sys.exit(main())
