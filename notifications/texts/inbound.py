"""Texts that reach us (the provider's signed inbound webhook, notifications.views): each is kept once,
then acted on. STOP and its variants stop every text to the number at once, START and its variants
resume them, HELP and its variants are answered with the firm's name and how to stop, as carriers
require (docs/rules.md#candidate-wishes). Any other text from a candidate's number is a reply: handed to
the pipeline like an email reply, on the timeline and owed an answer (docs/rules.md#replies). A text from
a number no candidate has, or several have, is kept and attached to nobody.
"""

import logging
import string

from django.db import IntegrityError, transaction
from django.utils import timezone

from candidates import selectors as candidate_selectors
from candidates.phones import phone_mask
from candidates.services import texts as consent
from notifications.models import InboundText, TextDelivery
from notifications.texts.outgoing import number_start, number_stop, text_hand_over
from notifications.texts.senders import TextSendError
from recruiting.branding import firm_settings
from recruiting.models import ACTIVE_STAGES, Application, ContactEvent
from recruiting.services.replies import reply_record

logger = logging.getLogger(__name__)
Status = InboundText.Status
KEYWORDS = {
    **dict.fromkeys(("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"), "stop"),
    **dict.fromkeys(("START", "YES", "UNSTOP"), "start"),
    **dict.fromkeys(("HELP", "INFO"), "help"),
}
BODY_MAX = 5000


def keyword_of(body: str) -> str:
    """ "stop", "start" or "help" when the whole text is one of their keywords (any case, spaces and
    punctuation around it), else ""."""
    word = body.strip().strip(string.punctuation + " \t\r\n").upper()
    return KEYWORDS.get(word, "")


def help_answer() -> str:
    firm = firm_settings().firm_name
    return f"{firm}: updates on your job applications. Reply STOP to stop texts, START to get them again."


def inbound_text_receive(*, provider_id: str, from_number: str, to_number: str, body: str) -> InboundText:
    """Keep one inbound text and act on it; the existing row when the provider posts it again."""
    existing = InboundText.objects.filter(provider_id=provider_id).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _receive(provider_id=provider_id, from_number=from_number, to_number=to_number, body=body)
    except IntegrityError:
        return InboundText.objects.get(provider_id=provider_id)


def _receive(*, provider_id: str, from_number: str, to_number: str, body: str) -> InboundText:
    text = InboundText(
        provider_id=provider_id[:64], from_number=from_number[:20], to_number=to_number[:20], body=body[:BODY_MAX]
    )
    text.keyword = keyword_of(body)
    candidates = list(candidate_selectors.candidates_with_mobile(number=text.from_number)) if text.from_number else []
    text.candidate = candidates[0] if len(candidates) == 1 else None
    if text.keyword:
        return _keyword(text)
    if not candidates:
        return _keep(text, "from a number no candidate has")
    if text.candidate is None:
        return _keep(text, f"from a number {len(candidates)} candidates have: whose it is is not known")
    application = _application_of(text.candidate.pk)
    if application is None:
        return _keep(text, "the candidate has no application to put it on")
    return _reply(text, application)


def _keep(text: InboundText, reason: str) -> InboundText:
    text.status, text.reason = Status.KEPT, reason[:300]
    text.save()
    logger.info("Inbound text #%s from %s kept: %s.", text.pk, phone_mask(text.from_number), reason)
    return text


def _keyword(text: InboundText) -> InboundText:
    number, word = text.from_number, text.body.strip().upper()[:20]
    if text.keyword == "stop":
        number_stop(number=number, keyword=word)
        consent.texts_stop_by_number(number=number, keyword=word)
    elif text.keyword == "start":
        number_start(number=number)
        consent.texts_start_by_number(number=number, keyword=word)
    else:
        candidate_id = text.candidate.pk if text.candidate else None
        transaction.on_commit(lambda: _help_answer_send(number, candidate_id))
    text.status = Status.KEYWORD
    text.save()
    logger.info("Inbound text #%s from %s: %s.", text.pk, phone_mask(number), text.keyword.upper())
    return text


def _help_answer_send(number: str, candidate_id: int | None) -> None:
    try:
        text_hand_over(
            to=number, body=help_answer(), purpose=TextDelivery.Purpose.HELP_ANSWER, candidate_id=candidate_id
        )
    except TextSendError:
        # Logged by the sender with its reason; the person may text HELP again.
        pass


def _application_of(candidate_id: int) -> Application | None:
    """The application a reply is about: the candidate's latest live one, else their latest."""
    applications = Application.objects.filter(candidate_id=candidate_id).select_related("candidate")
    return (
        applications.filter(stage__in=ACTIVE_STAGES).order_by("-stage_entered_at").first()
        or applications.order_by("-stage_entered_at").first()
    )


def _reply(text: InboundText, application: Application) -> InboundText:
    """On the application's timeline as a text, owed an answer (the pipeline decides, as for an email reply)."""
    contact, _prompt = reply_record(
        application=application,
        at=timezone.now(),
        summary=f"Reply by text message: {text.body}"[:5000],
        automatic=False,
        from_candidate=True,
        verified=True,
        channel=ContactEvent.Channel.SMS,
    )
    text.application, text.contact, text.status = application, contact, Status.ACCEPTED
    text.save()
    logger.info("Inbound text #%s accepted for application #%s.", text.pk, application.pk)
    return text
