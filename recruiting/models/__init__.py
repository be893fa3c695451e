"""The pipeline: clients, jobs, applications and their history, and the keep-in-the-loop clock.

A package by sub-domain; every model and every name the rest of the code takes from `recruiting.models` is
imported here, so that app loading, migrations and `from recruiting.models import X` see them unchanged.
"""

from recruiting.models.applications import Application, ContactEvent, SafetyNet, StageChange
from recruiting.models.client_answers import ClientAnswer, ClientAnswerKind, ClientChase
from recruiting.models.clients import Client, HiringManager, Job, JobClosing, JobStatus
from recruiting.models.clock import ESCALATING_REASONS, FirmHoliday, PromptReason, RecruiterPrompt, StagePolicy
from recruiting.models.firm import AuditLog, FigureWeek, FirmSettings, RecruiterProfile, Role, Team
from recruiting.models.stages import (
    ACTIVE_STAGES,
    CLOSED_STAGES,
    OFFER_STAGES,
    PIPELINE,
    SUBMITTED_STAGES,
    Stage,
    allowed_transitions,
)

__all__ = [
    "ACTIVE_STAGES",
    "CLOSED_STAGES",
    "ESCALATING_REASONS",
    "OFFER_STAGES",
    "PIPELINE",
    "SUBMITTED_STAGES",
    "Application",
    "AuditLog",
    "Client",
    "ClientAnswer",
    "ClientAnswerKind",
    "ClientChase",
    "ContactEvent",
    "FigureWeek",
    "FirmHoliday",
    "FirmSettings",
    "HiringManager",
    "Job",
    "JobClosing",
    "JobStatus",
    "PromptReason",
    "RecruiterProfile",
    "RecruiterPrompt",
    "Role",
    "SafetyNet",
    "Stage",
    "StageChange",
    "StagePolicy",
    "Team",
    "allowed_transitions",
]
