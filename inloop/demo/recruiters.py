"""What the demo firm's people do, through the services their pages call: candidates apply through the
site at any hour; in office hours recruiters move applications on (promising dates), act on what clients
answered, deal with their prompts (a call, or a check-in email) and answer candidates' emails. Some are
quicker than others, and the team lead picks up what is escalated to them, so that the scan's
escalations and safety nets have work."""

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from candidates.services.people import candidate_create, candidate_set_preferences
from inloop.demo.data import (
    CHECK_IN_NOTES,
    CONTACT_NOTES,
    DEMO_USERNAME,
    DO_NOT_CONTACT_REASONS,
    MOVE_NOTES,
    REPLY_ANSWERS,
)
from inloop.demo.story import Story, World
from notifications.models import InboundMessage
from notifications.services.messages import check_ins_queue, message_personal_queue
from recruiting import calendar
from recruiting.models import ACTIVE_STAGES, Application, ClientAnswerKind, ContactEvent, RecruiterPrompt, Stage
from recruiting.services import application_create, application_move, contact_log
from recruiting.services.prompts import prompt_resolve

Reason = RecruiterPrompt.Reason
# The chance, at each office moment, that a person deals with one of their open prompts.
ACT_CHANCE = {DEMO_USERNAME: 0.3, "amara": 0.5, "diego": 0.3}
LEAD_CHANCE = 0.2
REPLY_CHANCE = 0.6
# Prompts dealt with by reaching the candidate; a check-in email serves for some of them.
CALLED_FOR = (Reason.OVERDUE, Reason.CANDIDATE_ASKED, Reason.DELIVERY_FAILED, Reason.FEEDBACK_OWED, Reason.SAFETY_NET)
EMAILED_FOR = (Reason.OVERDUE, Reason.CANDIDATE_ASKED)
CHECK_IN_SHARE = 0.35
CLIENT_STEPS = (Stage.SUBMITTED, Stage.INTERVIEWING)
REFUSALS = (ValidationError, PermissionDenied)


def _today() -> date:
    return timezone.localdate(timezone=calendar.firm_time_zone())


def arrivals_take(world: World, now: datetime, *, office: bool) -> None:
    """The candidates who applied through the firm's site since the last step (by nobody: the job may be
    a colleague's), each application's acknowledgment queued by the service; in office hours their
    recruiter sometimes rings them at once."""
    jobs = {job.pk: job for job in world.firm.open_jobs}
    while world.arrivals and world.arrivals[0].at <= now:
        arrival = world.arrivals.pop(0)
        owner = world.firm.users[arrival.owner]
        candidate = candidate_create(
            first_name=arrival.first_name,
            last_name=arrival.last_name,
            email=arrival.email,
            phone=arrival.phone,
            time_zone=arrival.time_zone,
            owner=owner,
            by=None,
        )
        if arrival.paused:
            candidate_set_preferences(candidate=candidate, by=owner, automated_updates_paused=True)
        applications = [application_create(candidate=candidate, job=jobs[pk], by=None) for pk in arrival.job_ids]
        for application in applications:
            act_at = now + timedelta(days=world.rng.uniform(1, 4))
            world.stories[application.pk] = Story(application.pk, owner.pk, application.job_id, act_at=act_at)
            if office and world.rng.random() < 0.4:
                _call(application, by=owner, summary=world.rng.choice(CONTACT_NOTES[Stage.NEW]))
        if arrival.bounces:
            world.bouncing.add(candidate.pk)
        if arrival.ask_at is not None:
            world.asks.append((arrival.ask_at, applications[0].pk))
        if arrival.do_not_contact_at is not None:
            world.do_not_contact.append((arrival.do_not_contact_at, candidate.pk))


def _call(application: Application, *, by, summary: str, next_step_date=None) -> None:
    try:
        contact_log(
            application=application,
            channel=ContactEvent.Channel.PHONE,
            direction=ContactEvent.Direction.OUTBOUND,
            by=by,
            summary=summary,
            next_step_date=next_step_date,
        )
    except REFUSALS:
        # A candidate who asked not to be contacted in the meantime: the call is not made.
        return


def _move(world: World, story: Story, application: Application, to_stage: str, *, promise_days=None) -> None:
    rng = world.rng
    promised = _today() + timedelta(days=promise_days) if promise_days else None
    owner = application.owner
    application_move(
        application=application, to_stage=to_stage, by=owner, note=MOVE_NOTES.get(to_stage, ""), next_step_date=promised
    )
    story.client_said = story.client_will_say = ""
    story.client_calls_at = story.client_answer_at = story.client_delay = None
    story.act_at = None
    if to_stage not in ACTIVE_STAGES:
        story.done = True
    elif to_stage in CLIENT_STEPS:
        _client_plan(world, story, to_stage)
    elif to_stage in (Stage.SCREENING, Stage.OFFER):
        story.act_at = timezone.now() + timedelta(days=rng.uniform(2, 7))
    if rng.random() < 0.5:
        _call(application, by=owner, summary=rng.choice(CONTACT_NOTES[to_stage]), next_step_date=promised)


def _client_plan(world: World, story: Story, stage: str) -> None:
    """What the client will answer about this step, and how: quick clients often call within a day or
    two; the others wait for the chase and answer by its link (a few by replying to it)."""
    rng, now = world.rng, timezone.now()
    forward = rng.random() < (0.65 if stage == Stage.SUBMITTED else 0.6)
    story.client_will_say = ClientAnswerKind.MOVE_FORWARD if forward else ClientAnswerKind.NOT_A_FIT
    quick = story.job_id in world.firm.quick_job_ids
    if quick and rng.random() < 0.5:
        story.client_calls_at = now + timedelta(days=rng.uniform(0.3, 1.8))
        return
    story.client_delay = timedelta(days=rng.uniform(0.05, 0.6) if quick else rng.uniform(1, 5.5))
    story.client_by_email = not quick and rng.random() < 0.25


def moves_make(world: World, now: datetime, *, away: set[str]) -> None:
    """Applications whose owner moves them on now: screened, sent to the client, placed, or let go."""
    rng = world.rng
    away_ids = {world.firm.users[username].pk for username in away}
    live = {pk: story for pk, story in world.stories.items() if not story.done and story.owner_id not in away_ids}
    due = {pk: story for pk, story in live.items() if story.act_at and story.act_at <= now}
    heard = {pk: story for pk, story in live.items() if story.client_said}
    wanted = list(due) + [pk for pk in heard if rng.random() < 0.8]
    applications = Application.objects.filter(pk__in=wanted).select_related("owner", "candidate").order_by("pk")
    for application in applications:
        story = world.stories[application.pk]
        if application.stage not in ACTIVE_STAGES:
            story.done = True
            continue
        to_stage, promise = _next_stage(world, story, application.stage)
        if to_stage is None:
            continue
        _move(world, story, application, to_stage, promise_days=promise)
        _client_answered_reviewed(application)


def _next_stage(world: World, story: Story, stage: str) -> tuple[str | None, int | None]:
    roll = world.rng.random()
    if stage == Stage.NEW:
        return (Stage.SCREENING, None) if roll < 0.85 else (Stage.REJECTED, None)
    if stage == Stage.SCREENING:
        if roll < 0.75:
            return Stage.SUBMITTED, world.rng.randint(3, 7) if world.rng.random() < 0.3 else None
        return (Stage.REJECTED, None) if roll < 0.93 else (Stage.WITHDRAWN, None)
    if stage == Stage.OFFER:
        return (Stage.PLACED, None) if roll < 0.8 else (Stage.WITHDRAWN, None)
    if stage in CLIENT_STEPS and story.client_said:
        if story.client_said == ClientAnswerKind.NOT_A_FIT:
            return Stage.REJECTED, None
        if stage == Stage.SUBMITTED:
            # The interview's date, promised to the candidate as their next step.
            return Stage.INTERVIEWING, world.rng.randint(2, 6)
        return Stage.OFFER, None
    return None, None


def _client_answered_reviewed(application: Application) -> None:
    prompt = RecruiterPrompt.objects.filter(
        application=application, reason=Reason.CLIENT_ANSWERED, resolved_at__isnull=True
    ).first()
    if prompt is not None:
        prompt_resolve(prompt=prompt, by=application.owner, resolution="Reviewed: the application moved on.")


def prompts_deal_with(world: World, now: datetime, *, away: set[str]) -> None:
    """Each open prompt that has come, taken up by its recruiter (or the lead it was escalated to) with
    that person's chance: a call, a check-in email, or for a silent client a call to the client."""
    rng, lead = world.rng, world.firm.users["lead"]
    # In the applications' order, not the prompts': the scan inserts prompts in an order each database
    # chooses, and the story must not depend on it.
    prompts = (
        RecruiterPrompt.objects.filter(resolved_at__isnull=True, due_at__lte=now)
        .exclude(reason__in=(Reason.REPLY_OWED, Reason.CLIENT_ANSWERED, Reason.OUTCOME_UNKNOWN))
        .select_related("recruiter", "application__candidate", "application__owner")
        .order_by("application_id", "reason")
    )
    for prompt in prompts:
        if prompt.snoozed_until and prompt.snoozed_until > now:
            continue
        actor = None
        username = prompt.recruiter.username
        if username not in away and rng.random() < ACT_CHANCE.get(username, 0.5):
            actor = prompt.recruiter
        elif prompt.escalated_to_id == lead.pk and (prompt.reason == Reason.SAFETY_NET or rng.random() < LEAD_CHANCE):
            actor = lead
        if actor is not None:
            _prompt_act(world, prompt, actor)


def _prompt_act(world: World, prompt: RecruiterPrompt, actor) -> None:
    application = prompt.application
    if prompt.reason == Reason.CLIENT_SILENT:
        prompt_resolve(prompt=prompt, by=actor, resolution="Called the client, who will answer this week.")
        return
    if prompt.reason in EMAILED_FOR and application.candidate.accepts_automated_email:
        if world.rng.random() < CHECK_IN_SHARE and not check_ins_queue(applications=[application], by=actor).skipped:
            return
    if prompt.reason == Reason.FEEDBACK_OWED:
        summary = world.rng.choice(CONTACT_NOTES[Stage.REJECTED])
    else:
        summary = world.rng.choice(CHECK_IN_NOTES)
    _call(application, by=actor, summary=summary)


def replies_answer(world: World, now: datetime, *, away: set[str]) -> None:
    """Candidates' emails answered by their recruiter's own email (which settles the reply owed once sent)."""
    owed = (
        RecruiterPrompt.objects.filter(reason=Reason.REPLY_OWED, resolved_at__isnull=True, due_at__lte=now)
        .exclude(recruiter__username__in=away)
        .select_related("recruiter", "application")
        .order_by("application_id")
    )
    for prompt in owed:
        if world.rng.random() >= REPLY_CHANCE:
            continue
        reply = (
            InboundMessage.objects.filter(application=prompt.application, status=InboundMessage.Status.ACCEPTED)
            .order_by("-received_at")
            .first()
        )
        subject = (reply.subject if reply else "") or "Your application"
        subject = subject if subject.lower().startswith("re:") else f"Re: {subject}"
        body = f"{world.rng.choice(REPLY_ANSWERS)}\n\n{prompt.recruiter.first_name}"
        try:
            message_personal_queue(application=prompt.application, subject=subject, body=body, by=prompt.recruiter)
        except REFUSALS:
            continue


def preferences_change(world: World, now: datetime) -> None:
    """Candidates who asked (on the phone) not to be contacted any more, recorded by their recruiter."""
    due = [entry for entry in world.do_not_contact if entry[0] <= now]
    world.do_not_contact = [entry for entry in world.do_not_contact if entry[0] > now]
    for _at, candidate_id in due:
        application = Application.objects.select_related("candidate__owner").filter(candidate_id=candidate_id).first()
        candidate = application.candidate
        candidate_set_preferences(
            candidate=candidate,
            by=candidate.owner,
            do_not_contact=True,
            reason=world.rng.choice(DO_NOT_CONTACT_REASONS),
        )


def office_hours_act(world: World, now: datetime, *, away: set[str]) -> None:
    preferences_change(world, now)
    moves_make(world, now, away=away)
    prompts_deal_with(world, now, away=away)
    replies_answer(world, now, away=away)
