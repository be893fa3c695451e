"""The safety net's email (docs/rules.md#silence-cap): "no news yet, you are not forgotten", with the next real date.

The overdue scan decides when the safety net acts and for whom (recruiting.services.scan) and hands the
messages it owes to `safety_nets_write` as the event recruiting.events.SafetyNetsDue, inside
its transaction; inloop/subscriptions.py subscribes it. Each email is held until the send time the
scan computed (policy.safety_net_send_time: after the usual hold, in the candidate's business hours when
any are left before the ceiling) and carries the moment it must have gone by, which the outbox's
late-message step never moves it past. One per application and silence: the idempotency key names the
application and the moment the silence started.
"""

from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings

from notifications import rendering
from notifications.models import MessageTemplate
from notifications.services.outbox import WAITING, MessageDraft, messages_create
from recruiting import calendar
from recruiting.events import SafetyNetOwed
from recruiting.models import ACTIVE_STAGES, SUBMITTED_STAGES, Application, StageChange


def safety_net_key(email: SafetyNetOwed) -> str:
    return f"safety_net:{email.application.pk}:{email.silence_started_at.isoformat()}"


def safety_nets_write(*, owed: Sequence[SafetyNetOwed], holidays: frozenset) -> set[int]:
    """Write the safety nets' emails; returns the ids of the applications whose email waits to go (a
    suppressed one, say to an address on the suppression list, tells nobody: the scan asks for a call)."""
    if not owed:
        return set()
    application_ids = [email.application.pk for email in owed]
    # What the merge fields read for each application, read once for the batch.
    reached_client = set(
        StageChange.objects.filter(application__in=application_ids, to_stage__in=SUBMITTED_STAGES).values_list(
            "application_id", flat=True
        )
    )
    alive: dict[int, set[int]] = defaultdict(set)
    for candidate_id, pk in Application.objects.filter(
        candidate_id__in={email.application.candidate_id for email in owed}, stage__in=ACTIVE_STAGES
    ).values_list("candidate_id", "pk"):
        alive[candidate_id].add(pk)
    drafts = []
    for email in owed:
        application = email.application
        candidate = application.candidate
        fields = rendering.application_merge_fields(
            application=application,
            reached_client=application.pk in reached_client,
            others_alive=len(alive[candidate.pk] - {application.pk}),
        )
        fields["next_update_by"] = rendering.format_day(
            email.next_update_by.astimezone(calendar.zone(candidate.time_zone)).date()
        )
        drafts.append(
            MessageDraft(
                idempotency_key=safety_net_key(email),
                template_code=MessageTemplate.Code.SAFETY_NET,
                to_address=candidate.email,
                fields=fields,
                candidate=candidate,
                application=application,
                recipient_user=None,
                stage_change=None,
                hold_minutes=settings.INLOOP_HOLD_MINUTES,
                window_tz=candidate.time_zone,
                send_after=email.send_at,
                must_send_by=email.must_send_by,
            )
        )
    messages = messages_create(drafts=drafts, by=None, holidays=holidays)
    return {message.application_id for message in messages if message.status in WAITING}
