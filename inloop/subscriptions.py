"""Who listens to which event: the one table, installed when the project starts (InloopConfig.ready).

The pipeline publishes named events (recruiting.events) and never imports what follows from them. Each
event's subscribers are listed here, in the order they run, inside the publisher's transaction. This
module sits in the project package because its subscribers live in more than one layer above the
pipeline (the notifications app's messages, the API's webhooks), and only the project may import both.
"""

from api import webhooks
from notifications.services import client_chases, promises, safety_net, stage_emails
from recruiting import events

SUBSCRIPTIONS: dict[type, list[events.Subscriber]] = {
    # A stage change owes the candidate a message (when the stage's policy says so) and the ATS a webhook.
    events.ApplicationsMoved: [stage_emails.stage_changes_notify, webhooks.stage_changes_record],
    # The safety net's message to a candidate left silent too long.
    events.SafetyNetsDue: [safety_net.safety_nets_write],
    # A hiring manager chased for an answer that is due.
    events.ClientAnswersDue: [client_chases.client_chases_queue],
    # A next-step date promised: the candidate told when the recruiter asked to.
    events.DatePromised: [promises.date_promised_notify],
}


def subscriptions_install() -> None:
    events.subscriptions_install(SUBSCRIPTIONS)
