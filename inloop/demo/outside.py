"""What the world outside the firm does in the demo, through the product's own doors: hiring managers
answer chases by their signed link or by email, or call the recruiter; candidates reply to our emails
(the inbound path, as `manage.py receive_email` hands them over), ask for news from their status page;
the mail provider reports a few bounces (the tracking service, as its webhook would)."""

from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from candidates.services.people import application_update_request
from inloop.demo.data import CANDIDATE_REPLIES, CLIENT_EMAIL_ANSWERS, DEMO_REPLIES, DEMO_USERNAME, OUT_OF_OFFICE
from inloop.demo.story import World
from notifications.models import OutboundMessage
from notifications.services.inbound import inbound_email_receive
from notifications.services.tracking import tracking_event_record
from recruiting import calendar
from recruiting.client_links import client_answer_link_read, client_answer_token
from recruiting.models import ACTIVE_STAGES, Application, ClientAnswerKind, ClientChase, Stage
from recruiting.services.client_answers import ClientAnswerRefused, client_answer_record

REPLY_SHARE = 0.07
OUT_OF_OFFICE_SHARE = 0.01
# The demo login's candidates write in the hours before the demo is opened: replies owed on its home page.
LAST_REPLIES_BEFORE = timedelta(hours=4)
CLIENT_STEPS = (Stage.SUBMITTED, Stage.INTERVIEWING)


def _raw_email(
    *, sender: tuple[str, str], answered: OutboundMessage, words: str, automatic: bool, number: int
) -> bytes:
    """An email as a mail server would pass it on: threaded on the message it answers."""
    now = timezone.now()
    message = EmailMessage()
    message["From"] = formataddr(sender)
    message["To"] = settings.DEFAULT_FROM_EMAIL
    subject = answered.subject or "your message"
    message["Subject"] = f"Automatic reply: {subject}" if automatic else f"Re: {subject}"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<demo-{number}.{int(now.timestamp())}@{sender[1].rsplit('@', 1)[-1]}>"
    message["In-Reply-To"] = answered.message_id
    message["References"] = answered.message_id
    if automatic:
        message["Auto-Submitted"] = "auto-replied"
    sent = timezone.localtime(answered.sent_at or now, calendar.firm_time_zone())
    quoted = "\n".join(f"> {line}" for line in (answered.body_text or "").splitlines()[:6])
    when = f"{calendar.day_words(sent, weekday=False, year=True)} at {sent:%H:%M}"
    message.set_content(f"{words}\n\nOn {when}, {settings.DEFAULT_FROM_EMAIL} wrote:\n{quoted}\n")
    return message.as_bytes()


def emails_read(world: World, now: datetime) -> None:
    """The candidates' emails sent since the last step: a bounce for an address planned to bounce, and
    now and then a reply (or an automatic answer) a few hours later."""
    rng = world.rng
    sent = OutboundMessage.objects.filter(
        status=OutboundMessage.Status.SENT, candidate__isnull=False, application__isnull=False, sent_at__lt=now
    )
    # Read before this step's sending: what the last step sent carries its moment, `sent_seen_until`.
    if world.sent_seen_until is not None:
        sent = sent.filter(sent_at__gte=world.sent_seen_until)
    for message in sent.order_by("sent_at", "pk").only("pk", "candidate_id", "to_address", "message_id", "sent_at"):
        if message.candidate_id in world.bouncing:
            world.bouncing.discard(message.candidate_id)
            tracking_event_record(
                esp_name="Mailgun",
                event_type="bounced",
                recipient=message.to_address,
                event_id=f"demo-bounce-{message.pk}",
                message_id=message.message_id,
                timestamp=now,
                description="550 5.1.1 The email account that you tried to reach does not exist.",
            )
            continue
        roll = rng.random()
        if roll < OUT_OF_OFFICE_SHARE:
            world.replies.append((message.sent_at + timedelta(minutes=3), message.pk, OUT_OF_OFFICE, True))
        elif roll < REPLY_SHARE:
            at = message.sent_at + timedelta(hours=rng.uniform(1, 20))
            world.replies.append((at, message.pk, rng.choice(CANDIDATE_REPLIES), False))
    world.sent_seen_until = now


def last_replies_plan(world: World, now: datetime) -> None:
    """A few of the demo login's candidates, told something lately, write back in the last hours."""
    if now < world.end - LAST_REPLIES_BEFORE or world.last_replies_planned:
        return
    world.last_replies_planned = True
    latest = (
        OutboundMessage.objects.filter(
            status=OutboundMessage.Status.SENT,
            application__owner__username=DEMO_USERNAME,
            application__stage__in=ACTIVE_STAGES,
            candidate__do_not_contact=False,
        )
        .order_by("application_id", "-sent_at")
        .values_list("application_id", "pk")
    )
    newest: dict[int, int] = {}
    for application_id, pk in latest:
        newest.setdefault(application_id, pk)
    chosen = world.rng.sample(sorted(newest.values()), min(len(DEMO_REPLIES), len(newest)))
    for index, pk in enumerate(chosen):
        at = now + timedelta(minutes=20 + 40 * index)
        world.replies.append((min(at, world.end - timedelta(minutes=10)), pk, DEMO_REPLIES[index], False))


def replies_arrive(world: World, now: datetime) -> None:
    due = sorted(entry for entry in world.replies if entry[0] <= now)
    world.replies = [entry for entry in world.replies if entry[0] > now]
    for number, (_at, message_pk, words, automatic) in enumerate(due, start=len(world.stories)):
        message = OutboundMessage.objects.select_related("candidate").get(pk=message_pk)
        candidate = message.candidate
        sender = (f"{candidate.first_name} {candidate.last_name}".strip(), candidate.email)
        raw = _raw_email(sender=sender, answered=message, words=words, automatic=automatic, number=number)
        inbound_email_receive(raw_bytes=raw, source="pipe")


def asks_arrive(world: World, now: datetime) -> None:
    """Candidates who ask for news from their status page."""
    due = [entry for entry in world.asks if entry[0] <= now]
    world.asks = [entry for entry in world.asks if entry[0] > now]
    for _at, application_id in due:
        application = Application.objects.select_related("candidate").get(pk=application_id)
        try:
            application_update_request(application=application, candidate=application.candidate)
        except ValidationError:
            # Closed since, or asked not to be contacted: the page would have said so.
            continue


def chases_read(world: World, now: datetime) -> None:
    """Managers whose chase arrived (sent) answer it after their own delay."""
    chased = ClientChase.objects.filter(message__status=OutboundMessage.Status.SENT, message__sent_at__lt=now)
    if world.chases_seen_until is not None:
        chased = chased.filter(message__sent_at__gte=world.chases_seen_until)
    for application_id, sent_at in chased.values_list("application_id", "message__sent_at"):
        story = world.stories.get(application_id)
        if story and story.client_delay is not None and story.client_answer_at is None:
            story.client_answer_at = sent_at + story.client_delay
    world.chases_seen_until = now


def clients_answer(world: World, now: datetime) -> None:
    for story in world.stories.values():
        if story.done or story.client_said:
            continue
        if story.client_calls_at and story.client_calls_at <= now:
            # The manager rang the recruiter: nothing to record but the owner's next move.
            story.client_said = story.client_will_say
        elif story.client_answer_at and story.client_answer_at <= now:
            _client_answer(world, story)


def _client_answer(world: World, story) -> None:
    application = Application.objects.filter(pk=story.application_id).first()
    chase = ClientChase.objects.filter(application=application).select_related("message").order_by("-at").first()
    story.client_answer_at = None
    if application.stage not in CLIENT_STEPS or chase is None or application.client_answer_due is None:
        return
    if story.client_by_email:
        _client_email(world, chase)
        return
    link = client_answer_link_read(
        client_answer_token(
            application_id=application.pk,
            hiring_manager_id=chase.hiring_manager_id,
            due_at=application.client_answer_due,
        )
    )
    forward = story.client_will_say == ClientAnswerKind.MOVE_FORWARD
    today = timezone.localdate(timezone=calendar.zone(chase.hiring_manager.time_zone))
    try:
        client_answer_record(
            link=link,
            kind=story.client_will_say,
            next_step="Interview with the team" if forward else "",
            next_step_date=today + timedelta(days=world.rng.randint(3, 7)) if forward else None,
            reason="" if forward else "Another candidate's experience is closer to what the team needs.",
        )
    except ClientAnswerRefused:
        return
    story.client_said = story.client_will_say


def _client_email(world: World, chase: ClientChase) -> None:
    """The manager answers the chase by email: its words reach every application the chase named."""
    manager = chase.hiring_manager
    forward = world.stories[chase.application_id].client_will_say == ClientAnswerKind.MOVE_FORWARD
    words = CLIENT_EMAIL_ANSWERS[0] if forward else CLIENT_EMAIL_ANSWERS[1]
    raw = _raw_email(
        sender=(manager.name, manager.email), answered=chase.message, words=words, automatic=False, number=chase.pk
    )
    inbound_email_receive(raw_bytes=raw, source="pipe")
    for application_id in ClientChase.objects.filter(message=chase.message).values_list("application_id", flat=True):
        story = world.stories.get(application_id)
        if story is not None and story.client_will_say and not story.client_said:
            story.client_said = story.client_will_say


def outside_act(world: World, now: datetime) -> None:
    emails_read(world, now)
    last_replies_plan(world, now)
    replies_arrive(world, now)
    asks_arrive(world, now)
    chases_read(world, now)
    clients_answer(world, now)
