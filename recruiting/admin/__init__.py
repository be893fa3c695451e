"""The Django admin for the pipeline. State changes go through the services, never through a model save.

Applications, stage changes, contacts and the audit log are read-only here: an application is created with
application_create, moved or reopened with the actions (application_move, application_reopen), given to
another recruiter with application_reassign, and a contact is logged with contact_log. Reference data
(teams, profiles, clients, jobs, stage policies, holidays) is edited as plain admin records.

One module per sub-domain, each registering its admins when imported here (Django's autodiscovery imports
this package); `base` holds the helpers the other apps' admins share.
"""

from recruiting.admin import applications, clients, clock, firm, prompts
from recruiting.admin.base import ReadOnlyAdmin, ReadOnlyInline, error_text, run_per_object

__all__ = [
    "ReadOnlyAdmin",
    "ReadOnlyInline",
    "applications",
    "clients",
    "clock",
    "error_text",
    "firm",
    "prompts",
    "run_per_object",
]
