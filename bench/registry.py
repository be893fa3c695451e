"""The one list of benchmarks: each one's key, module, what it measures, its targets and its size option.

`python -m bench` runs what is listed here, in this order; a new benchmark is one more `Benchmark(...)`
entry and a module `bench/p<N>_<name>.py` whose `main()` prints its table with
`bench.support.report` (figures beside targets) and returns 1 when a target is missed.

`size` is the module's option that sets how much data it works on and its value in a `make bench`
run (always passed, so that this list is where the sizes are read); the runner's `--scale` multiplies
it (`--scale 0.1` for a quick look, `--scale 10` for ten times the firm).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Benchmark:
    key: str  # "p1": what `python -m bench p1` names
    module: str  # "p1_scan": bench/p1_scan.py
    work: str
    targets: tuple[str, ...]
    size: tuple[str, float] | None = None  # (the module's option, its default value)

    def arguments(self, scale: float) -> list[str]:
        """The command-line arguments that give this benchmark its size here, times `scale`."""
        if self.size is None:
            return []
        option, default = self.size
        value = default * scale
        return [option, f"{value:g}" if isinstance(default, float) else str(max(1, round(value)))]


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark(
        "p1",
        "p1_scan",
        "the keep-in-the-loop scan over 100,000 and 1,000,000 applications, 10,000 overdue",
        ("<= 0.25 s at 1,000,000 applications (<= 1 s at 10,000,000: --scale 10)", "the same queries at each size"),
        ("--scale", 1.0),
    ),
    Benchmark(
        "p2",
        "p2_outbox",
        "10,000 messages to a local SMTP sink, send-time truth on, beside django-post-office and raw smtplib",
        (">= 1.3 x django-post-office", ">= 0.8 x the raw ceiling", "in each of three runs", "0 duplicates"),
        ("--messages", 10_000),
    ),
    Benchmark(
        "p3",
        "p3_pages",
        "the workspace pages at 500,000 active applications",
        ("<= 15 queries a page", "median <= 100 ms", "p95 <= 200 ms"),
        ("--applications", 500_000),
    ),
    Benchmark(
        "p4",
        "p4_latency",
        "a stage change to the SMTP hand-over, idle worker",
        ("p95 <= 2 s",),
        ("--changes", 200),
    ),
    Benchmark(
        "p5",
        "p5_close_job",
        "closing a job with 1,000 live applications",
        ("<= 5 s",),
        ("--applications", 1_000),
    ),
    Benchmark(
        "p6",
        "p6_memory",
        "the worker's memory while sending 10,000 messages",
        ("peak RSS <= 300 MB",),
        ("--messages", 10_000),
    ),
    Benchmark(
        "p7",
        "p7_inbound",
        "inbound replies: hostile texts up to the size limit, then replies through the webhook",
        ("<= 1 s to read any reply up to the size limit", ">= 50 replies a second through the webhook"),
        ("--replies", 1_000),
    ),
    Benchmark(
        "p8",
        "p8_api",
        "the REST API at 50,000 active applications: cursor-paged lists, and stage moves with an API key",
        ("list p95 <= 50 ms", "the same queries a page at 5,000 and 50,000", ">= 100 moves a second"),
        ("--applications", 50_000),
    ),
    Benchmark(
        "p9",
        "p9_texts",
        "10,000 texts handed to the fake Twilio server by the outbox's worker, beside 10,000 emails (P2's part)",
        ("0 texts handed over twice", "one TextDelivery per text"),
        ("--messages", 10_000),
    ),
)


def by_key() -> dict[str, Benchmark]:
    return {benchmark.key: benchmark for benchmark in BENCHMARKS}
