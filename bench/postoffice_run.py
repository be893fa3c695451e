"""P2's comparison run, executed inside the benchmark environment (.run/bench-venv) by bench.p2_outbox.

`python -m bench.postoffice_run COUNT PROCESSES`: migrate, queue COUNT post-office emails carrying the
same messages as the other senders, time `send_queued_mail`, and print one JSON line with the result.
"""

import json
import os
import sys
import time


def main() -> int:
    count, processes = int(sys.argv[1]), int(sys.argv[2])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.postoffice_settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from post_office.models import STATUS, Email

    from bench.support_mail import FROM_ADDRESS, sample_message

    call_command("migrate", verbosity=0, interactive=False)
    Email.objects.all().delete()
    emails = []
    for number in range(count):
        message = sample_message(number)
        emails.append(
            Email(
                from_email=FROM_ADDRESS,
                to=[message["to"]],
                subject=message["subject"],
                message=message["text"],
                html_message=message["html"],
                status=STATUS.queued,
            )
        )
    Email.objects.bulk_create(emails, batch_size=1000)
    # Statistics as on a live database, as the outbox's own run has them (bench.p2_outbox.outbox_seed).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    start = time.perf_counter()
    call_command("send_queued_mail", processes=processes, log_level=2)
    seconds = time.perf_counter() - start
    sent = Email.objects.filter(status=STATUS.sent).count()
    print(json.dumps({"seconds": seconds, "sent": sent, "processes": processes}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
