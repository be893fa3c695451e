"""The demo's clock: two months run through with time moved (time-machine), the beat jobs called at each
step as beat would call them, and the outbox sent as a woken worker sends it.

People act at three moments of each of the firm's business days; between them the clock jumps to the
next moment something falls due (an email's send time, a safety net, a reply or a client's answer), or
six hours on. Mail goes to Django's in-memory backend, whatever the settings say, so no demo email ever
leaves the machine; the task messages the services send after commit are not sent either, since the
steps do what the woken workers would.
"""

import contextlib
from datetime import datetime, time, timedelta

from django.core import mail
from django.db.models import Min
from django.test.utils import override_settings
from django.utils import timezone

from inloop.celery import app
from inloop.demo.data import DEMO_USERNAME
from inloop.demo.outside import outside_act
from inloop.demo.recruiters import arrivals_take, office_hours_act
from inloop.demo.story import World
from notifications.models import OutboundMessage
from notifications.services import digests, relay, sending
from recruiting import calendar, policy, selectors
from recruiting.models import Application
from recruiting.services.clients import client_answers_chase, client_prompts_scan
from recruiting.services.figure_weeks import figure_weeks_record
from recruiting.services.scan import prompts_scan_overdue

# A recruiter on leave for a while mid-story (days from its start): what waits for them is escalated, and
# the safety net acts for the candidates nobody told anything.
LEAVE = ("diego", timedelta(days=16), timedelta(days=30))
OFFICE_MOMENTS = (time(9, 30), time(12, 30), time(15, 30))
LONGEST_STEP = timedelta(hours=6)
# A woken worker sends within the outbox's fifteen minutes of grace, several messages in one batch.
WAKE_AFTER = timedelta(minutes=14)
# The demo login's last business days before today, out with clients: its candidates and prompts wait.
AWAY_BUSINESS_DAYS = 3
# The morning hours the digests go out in (the firm's staff are all in its time zone).
DIGEST_HOURS = (7, 12)
WAITING = (OutboundMessage.Status.HELD, OutboundMessage.Status.QUEUED)
OUTBOX_TASKS = ("notifications.tasks.outbox.",)


@contextlib.contextmanager
def outside_world_closed():
    """Mail kept in memory (and dropped after), task messages to the woken workers not sent."""
    sent_before = getattr(mail, "outbox", None)
    real_send_task = app.send_task

    def send_task(name, *args, **kwargs):
        if not name.startswith(OUTBOX_TASKS):
            raise RuntimeError(f"The demo's story started a task it does not run itself: {name}")

    app.send_task = send_task
    try:
        with override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}):
            yield
    finally:
        app.send_task = real_send_task
        if sent_before is None:
            with contextlib.suppress(AttributeError):
                del mail.outbox
        else:
            mail.outbox = sent_before


def office_moments(start: datetime, end: datetime) -> list[datetime]:
    """The firm's office moments between start and end (London business days, holidays off)."""
    tz, holidays = calendar.firm_time_zone(), selectors.firm_holidays()
    day, last = timezone.localdate(start, tz), timezone.localdate(end, tz)
    moments = []
    while day <= last:
        if policy.is_business_day(day, holidays):
            moments += [datetime.combine(day, moment, tzinfo=tz) for moment in OFFICE_MOMENTS]
        day += timedelta(days=1)
    return [moment for moment in moments if start < moment < end]


def machines_run(now: datetime, *, figures: bool) -> None:
    """The beat jobs (relay, scan, client chases, digests, figure weeks) and the woken sending worker."""
    prompts_scan_overdue()
    client_answers_chase()
    client_prompts_scan()
    if DIGEST_HOURS[0] <= timezone.localtime(now, calendar.firm_time_zone()).hour < DIGEST_HOURS[1]:
        digests.digests_send()
    relay.messages_relay(now=now)
    while sending.messages_send_due(worker="demo").claimed:
        pass
    # Hourly in beat; at each office moment here, and at the end, the week's last reading is the same.
    if figures:
        figure_weeks_record()


def next_moment(world: World, now: datetime, office: list[datetime]) -> datetime:
    """The next office moment, or earlier when an email, a safety net, a reply or a client falls due."""
    after = now + timedelta(seconds=1)
    found = [now + LONGEST_STEP, world.end]
    if office:
        found.append(office[0])
    send_at = OutboundMessage.objects.filter(status__in=WAITING, send_after__gte=after).aggregate(m=Min("send_after"))
    if send_at["m"] is not None:
        found.append(send_at["m"] + WAKE_AFTER)
    safety = Application.objects.filter(safety_net_at__gte=after).aggregate(m=Min("safety_net_at"))["m"]
    found.append(safety)
    found += [entry[0] for entry in world.replies]
    for story in world.stories.values():
        if not story.done and not story.client_said:
            found += [story.client_calls_at, story.client_answer_at]
    return max(after, min(moment for moment in found if moment is not None))


def away_from(world: World, office: list[datetime]) -> datetime:
    """When the demo login stops dealing with its prompts: its last business days before today."""
    days = sorted({timezone.localdate(moment, calendar.firm_time_zone()) for moment in office})
    if len(days) <= AWAY_BUSINESS_DAYS:
        return world.end
    first_away = days[-AWAY_BUSINESS_DAYS]
    return datetime.combine(first_away, time(0), tzinfo=calendar.firm_time_zone())


def story_run(world: World, *, start: datetime, traveller) -> int:
    """Run the clock from `start` to the world's end; returns the number of steps."""
    office = office_moments(start, world.end)
    away_at = away_from(world, office)
    now, steps = start, 0
    while True:
        traveller.move_to(now)
        at_office = bool(office) and office[0] <= now
        while office and office[0] <= now:
            office.pop(0)
        arrivals_take(world, now, office=at_office)
        outside_act(world, now)
        if at_office:
            away = {DEMO_USERNAME} if now >= away_at else set()
            if start + LEAVE[1] <= now < start + LEAVE[2]:
                away.add(LEAVE[0])
            office_hours_act(world, now, away=away)
        machines_run(now, figures=at_office or now >= world.end)
        steps += 1
        if now >= world.end:
            return steps
        now = min(next_moment(world, now, office), world.end)
