"""Every write of the pipeline, by sub-domain: applications, clock, contacts, prompts, the overdue scan,
jobs, data rights, and the port to the layers above. The names below are the most used ones, for the
layers above (the other modules are imported by name, e.g. `recruiting.services.prompts`); inside the
package the modules import each other directly."""

from recruiting.services.applications import (
    application_create,
    application_move,
    application_promise,
    application_reassign,
    application_reopen,
    application_transition_check,
    applications_move_locked,
)
from recruiting.services.clock import CLOCKS_RECOMPUTE_BATCH, application_clock_recompute, clocks_recompute
from recruiting.services.contacts import EmailSent, contact_log, contact_log_emails_sent, contact_mark_undelivered

__all__ = [
    "CLOCKS_RECOMPUTE_BATCH",
    "EmailSent",
    "application_clock_recompute",
    "application_create",
    "application_move",
    "application_promise",
    "application_reassign",
    "application_reopen",
    "application_transition_check",
    "applications_move_locked",
    "clocks_recompute",
    "contact_log",
    "contact_log_emails_sent",
    "contact_mark_undelivered",
]
