"""Who listens to which event: the one table, installed when the project starts (InloopConfig.ready).

The pipeline publishes named events (recruiting.events), the candidates app those of a person's data
rights and merges (candidates.events), the api app a webhook switched off (api.events); none imports what
follows from them. Each event's subscribers are listed here, in the order they run, inside the
publisher's transaction. This module sits in the project package because its subscribers live in more
than one layer (the notifications app's messages, the API's webhooks), and only the project may import
them all: an api event heard by the notifications app is wired here, with plain values.
"""

from api import data_rights as api_rights
from api import events as api_events
from api import webhook_events, webhooks
from candidates import events as candidate_events
from notifications import events as notification_events
from notifications.services import admin_notices, client_chases, promises, safety_net, stage_emails
from notifications.services import data_rights as notification_rights
from notifications.services import merge as notification_merge
from notifications.texts import data_rights as text_rights
from recruiting import events

SUBSCRIPTIONS: dict[type, list[events.Subscriber]] = {
    # A stage change owes the candidate a message (when the stage's policy says so) and the ATS a webhook.
    events.ApplicationsMoved: [stage_emails.stage_changes_written, webhooks.stage_changes_record],
    # The safety net's message to a candidate left silent too long.
    events.SafetyNetsDue: [safety_net.safety_nets_write],
    # A hiring manager chased for an answer that is due.
    events.ClientAnswersDue: [client_chases.client_chases_queue],
    # A next-step date promised: the candidate told when the recruiter asked to.
    events.DatePromised: [promises.date_promised_notify],
    # People's data rights and merges (candidates.events): the candidates app runs them, each app above
    # handles its own rows (the pipeline's are a direct call from below); texts after emails.
    candidate_events.CandidateAddressesAsked: [notification_rights.addresses_written_to],
    candidate_events.HiringManagerAddressesAsked: [notification_rights.client_chase_addresses],
    candidate_events.CandidateExporting: [
        notification_rights.candidate_rows_export,
        text_rights.candidate_texts_export,
    ],
    candidate_events.CandidateErasing: [
        notification_rights.candidate_rows_erase,
        text_rights.candidate_texts_erase,
        api_rights.candidate_rows_erase,
    ],
    candidate_events.HiringManagerErasing: [notification_rights.hiring_manager_rows_erase],
    candidate_events.PersonalDataSweeping: [notification_rights.personal_data_sweep, api_rights.personal_data_sweep],
    candidate_events.CandidatesMerging: [
        notification_merge.messages_candidates_merge,
        text_rights.candidate_texts_merge,
        api_rights.candidates_merge,
    ],
    # The ATS's webhooks for what the notifications and candidates apps publish (api/webhook_events.py):
    # messages the mail server accepted, an address that bounced or was complained about, and a
    # candidate who paused, unsubscribed or asked not to be contacted.
    notification_events.MessagesSent: [webhook_events.messages_sent_record],
    notification_events.AddressUndeliverable: [webhook_events.address_undeliverable_record],
    candidate_events.CandidatePreferencesChanged: [webhook_events.candidate_preferences_record],
    # The ATS's webhooks for what the pipeline publishes (api/webhook_events.py): a reply, a client's
    # answer, prompts opened or escalated, and what the safety net did.
    events.ReplyReceived: [webhook_events.replies_received_record],
    events.ClientAnswered: [webhook_events.client_answered_record],
    events.PromptsOpened: [webhook_events.prompts_opened_record],
    events.PromptsEscalated: [webhook_events.prompts_escalated_record],
    events.SafetyNetsActed: [webhook_events.safety_nets_acted_record],
    # The api app's own (api/events.py, plain values): a webhook subscription the system switched off after
    # repeated failures, told to every admin by email.
    api_events.WebhookSubscriptionSwitchedOff: [admin_notices.webhook_switched_off_notify],
}


def subscriptions_install() -> None:
    events.subscriptions_install(SUBSCRIPTIONS)
