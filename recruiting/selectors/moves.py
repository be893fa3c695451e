"""What a stage move would do, read before it is made: the move form's preview.

The workspace shows the email a move would queue before the recruiter confirms it. The email is written
from the application as the move would leave it (its stage, its promised date, when the next update is
due: docs/rules.md#promised-date), computed here so that no page does clock arithmetic; a promised date
the move would refuse comes back as a warning instead of silently shaping the preview.
"""

import copy
from dataclasses import dataclass
from datetime import date

from recruiting import calendar, policy
from recruiting.models import ACTIVE_STAGES, Application
from recruiting.selectors.clock import firm_holidays, stage_policies
from recruiting.validators import coming_date_bounds


@dataclass(frozen=True)
class MovePreview:
    """`moved`: an unsaved copy of the application as the move would leave it. `past_date` and
    `too_far_date`: the promised date given, when the move would refuse it as in the past or beyond
    INLOOP_DATE_HORIZON_DAYS (a date too far is left out of `moved`, as the move would never write it)."""

    moved: Application
    past_date: date | None = None
    too_far_date: date | None = None


def application_move_preview(*, application: Application, to_stage: str, next_step_date: date | None) -> MovePreview:
    """The application as a move to `to_stage`, promising `next_step_date`, would leave it (unsaved)."""
    earliest, latest = coming_date_bounds()
    past_date = next_step_date if next_step_date is not None and next_step_date < earliest else None
    too_far_date = next_step_date if next_step_date is not None and next_step_date > latest else None
    promised = None if too_far_date else next_step_date
    moved = copy.copy(application)
    moved.stage = to_stage
    moved.promised_next_step_date = promised
    moved.next_update_due = None
    if to_stage in ACTIVE_STAGES and not application.candidate.do_not_contact:
        moved.next_update_due = policy.next_update_due(
            last_informed_at=application.last_informed_at or application.created_at,
            policy=stage_policies()[to_stage],
            tz=calendar.firm_time_zone(),
            promised_date=promised,
            holidays=firm_holidays(),
        )
    return MovePreview(moved=moved, past_date=past_date, too_far_date=too_far_date)
