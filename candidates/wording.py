"""How the pipeline reads to a candidate: stages in plain words, late news and the client's answers (the
client's own name is recruiting.client_names, docs/rules.md#confidential-client)."""

from dataclasses import dataclass
from datetime import date, datetime

from recruiting import calendar
from recruiting.models import Stage


@dataclass(frozen=True)
class StageWords:
    title: str
    explanation: str


STAGE_FOR_CANDIDATE: dict[str, StageWords] = {
    Stage.NEW: StageWords(
        "Application received", "We have your application and are reading through it to see how well the role fits."
    ),
    Stage.SCREENING: StageWords(
        "Getting to know you",
        "We are talking with you about your experience and what you are looking for before we go further.",
    ),
    Stage.SUBMITTED: StageWords(
        "Put forward to the client",
        "We have introduced you to the client, and they are reviewing your profile. We chase them for an answer.",
    ),
    Stage.INTERVIEWING: StageWords(
        "Interviewing with the client",
        "You are in the client's interview process. We pass on their feedback as soon as we have it.",
    ),
    Stage.OFFER: StageWords(
        "Offer stage", "The client wants to make you an offer, and we are working through the details with you."
    ),
    Stage.PLACED: StageWords("You got the job", "Congratulations: the role is yours. We are glad we could help."),
    Stage.REJECTED: StageWords(
        "Not going ahead",
        "This role did not work out this time. It says nothing about your other applications with us.",
    ),
    Stage.WITHDRAWN: StageWords("Withdrawn", "This application was withdrawn, so we are no longer pursuing it."),
}


# A rejection the candidate has not been told about yet: their recruiter tells them first
# (docs/rules.md#rejection-by-depth), so the page must not break the news on its own.
OUTCOME_NOT_YET_TOLD = StageWords(
    "Update on its way", "Your recruiter will be in touch with you about this application very soon."
)


def stage_words(*, stage: str, stage_entered_at: datetime, last_informed_at: datetime | None) -> StageWords:
    """The stage as the candidate reads it; a rejection only once someone has told them."""
    if stage == Stage.REJECTED and (last_informed_at is None or last_informed_at < stage_entered_at):
        return OUTCOME_NOT_YET_TOLD
    return STAGE_FOR_CANDIDATE[stage]


def late_update_words(*, recruiter_name: str, owner_reminded: bool, lead_reminded: bool) -> str:
    """A late update, said plainly, with who has been reminded: never a date that has passed."""
    if lead_reminded:
        return f"Your update is late. We have reminded {recruiter_name} and their team lead."
    if owner_reminded:
        return f"Your update is late. We have reminded {recruiter_name}."
    return "Your update is late, and we are sorry for the wait."


def personal_news_words(*, recruiter_name: str, due_on: date | None, late: bool, lead_reminded: bool) -> str:
    """After a late rejection the recruiter tells the candidate in person (docs/rules.md#rejection-by-depth): by when,
    or that it is late."""
    if late:
        whom = f"{recruiter_name} and their team lead" if lead_reminded else recruiter_name
        return f"Your recruiter's message is late. We have reminded {whom}."
    if due_on is None:
        return ""
    return (
        f"Your recruiter, {recruiter_name}, will be in touch with you personally about this application "
        f"by {calendar.day_words(due_on, year=True)}."
    )


def client_asked_words(*, client_name: str, asked_on: date) -> str:
    """That we asked the client for its decision, and when: said only once the request was actually sent (the caller
    passes the display name of docs/rules.md#confidential-client, which is the client's own name only once it has seen
    them)."""
    return f"We asked {client_name} for their decision on {calendar.day_words(asked_on)}."
