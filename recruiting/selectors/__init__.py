"""Every non-trivial read of the pipeline, by subject: the clock, timelines, prompts, the figures. The
names below are the pipeline's read API for the layers above."""

from recruiting.selectors.clock import (
    applications_due_today,
    applications_overdue,
    firm_holidays,
    live_counts_by_owner,
    stage_default_hold_minutes,
    stage_hold_minutes,
    stage_policies,
    stage_policy_rows,
)
from recruiting.selectors.figures import channel_figures, loop_figures
from recruiting.selectors.moves import MovePreview, application_move_preview
from recruiting.selectors.prompts import (
    prompts_escalated_to,
    prompts_open,
    prompts_open_for_application,
    prompts_open_for_user,
    prompts_snoozed_for_user,
)
from recruiting.selectors.timeline import TimelineEntry, application_timeline

__all__ = [
    "MovePreview",
    "TimelineEntry",
    "application_move_preview",
    "application_timeline",
    "applications_due_today",
    "applications_overdue",
    "firm_holidays",
    "live_counts_by_owner",
    "channel_figures",
    "loop_figures",
    "prompts_escalated_to",
    "prompts_open",
    "prompts_open_for_application",
    "prompts_open_for_user",
    "prompts_snoozed_for_user",
    "stage_default_hold_minutes",
    "stage_hold_minutes",
    "stage_policies",
    "stage_policy_rows",
]
