"""The sending worker under cProfile: where a batch's time goes (docs/benchmarks.md, P2).

P2's set-up (queued messages, each for its own application, send-time truth on) sent in this process
by `messages_send_due` batch after batch into the benchmark's SMTP sink, under cProfile; prints the top
functions by cumulative time and by own time (of this thread: the hand-over mark's and the recording
thread's own are not profiled), and the SQL statements per message (every connection's).

    .venv/bin/python -m bench.profile_sending [--messages N] [--top N]
"""

import argparse
import cProfile
import sys
import time

from bench.p2_outbox import outbox_seed
from bench.support import SmtpSink, django_start, profile_print


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2_000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-profile", action="store_true", help="only time the sending (CPU and wall clock)")
    parser.add_argument("--cpu", action="store_true", help="profile this process's CPU time (no waits)")
    arguments = parser.parse_args(argv)
    with SmtpSink() as sink:
        django_start("p2profile", smtp_port=sink.port)
        from django.db import connection
        from django.db.backends.signals import connection_created

        from notifications.services.sending import messages_send_due

        outbox_seed(arguments.messages)
        profile = cProfile.Profile(time.process_time) if arguments.cpu else cProfile.Profile()
        if arguments.no_profile:
            profile.enable = profile.disable = lambda: None
        sent = 0
        started, cpu = time.perf_counter(), time.process_time()
        statements = []

        def counted(execute, sql, params, many, context):
            statements.append(1)
            return execute(sql, params, many, context)

        def count_on(sender, connection, **kwargs):
            # The connections opened meanwhile (the recording thread's) are counted too.
            if counted not in connection.execute_wrappers:  # once, however often it reconnects
                connection.execute_wrappers.append(counted)

        connection_created.connect(count_on)
        with connection.execute_wrapper(counted):
            profile.enable()
            while (report := messages_send_due()).claimed:
                sent += report.sent
            profile.disable()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert sink.stats()["distinct"] == arguments.messages, sink.stats()
    print(
        f"{arguments.messages:,} messages in {seconds:.1f} s  "
        f"({arguments.messages / seconds:.0f} msg/s), {len(statements) / arguments.messages:.2f} "
        f"SQL statements a message, {cpu * 1000 / arguments.messages:.2f} ms of this process's CPU a message"
    )
    if arguments.no_profile:
        return 0
    profile_print(profile, top=arguments.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
