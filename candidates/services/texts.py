"""Writes of a candidate's text-message channel: their mobile number, the channel automated messages take
(email, texts or both) and their consent to texts, recorded with when, how and by whom.

Texts go only with a consent in force for the number on file (docs/rules.md#candidate-wishes): the
recruiter records how the candidate agreed when turning texts on; the candidate changes the channel, or
stops texts, on their status page; a STOP texted from their number stops every text to it at once and a
START resumes them (the inbound webhook, notifications/texts, calls these). Each change leaves a
TextConsent row and an audit row; neither carries the number (field names only).
"""

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from candidates import selectors
from candidates.models import Candidate, TextConsent
from candidates.phones import mobile_clean, phone_mask
from recruiting.audit import audit_log_record
from recruiting.permissions import ensure_can_act

User = AbstractBaseUser
Channel = Candidate.Channel
How = TextConsent.How
logger = logging.getLogger(__name__)

# How a recruiter may say the candidate agreed; the other ways are the candidate's own.
RECRUITER_CONSENT_WAYS = (How.SPOKEN, How.WRITTEN)
STOPPED_BY_TEXT = (
    "They texted STOP from this number: texts stay off until they text START or turn texts on from their status page."
)


def _consent_record(candidate: Candidate, *, given: bool, how: str, by: User | None, note: str = "") -> TextConsent:
    consent = TextConsent(candidate=candidate, given=given, number=candidate.mobile, how=how, by=by, note=note[:300])
    consent.full_clean(exclude=["candidate", "by"])
    consent.save()
    return consent


@transaction.atomic
def candidate_texts_set(
    *, candidate: Candidate, by: User | None, mobile: str, channel: str, consent_how: str = "", consent_note: str = ""
) -> Candidate:
    """The recruiter sets the mobile number and the channel. A channel with texts needs a consent in force
    for that number, or one recorded now (`consent_how`: spoken or written, with an optional note). A new
    number withdraws the consent given for the old one. Refused after a STOP (only the candidate lifts it)."""
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    ensure_can_act(by, candidate.owner_id)
    if candidate.erased_at is not None:
        raise ValidationError("This candidate's personal data was erased.")
    if channel not in Channel.values:
        raise ValidationError({"channel": "Choose email, texts, or both."})
    try:
        number = mobile_clean(mobile)
    except ValidationError as error:
        raise ValidationError({"mobile": error.error_list}) from error
    changes: list[str] = []
    if number != (candidate.mobile.as_e164 if candidate.mobile else ""):
        if selectors.text_consent_in_force(candidate=candidate) is not None:
            _consent_record(candidate, given=False, how=How.NUMBER_CHANGED, by=by)
        candidate.mobile, candidate.texts_stopped_at = number, None
        changes.append("mobile")
    if channel != Channel.EMAIL:
        _texts_consent_ensure(candidate, by=by, how=consent_how, note=consent_note, changes=changes)
    if channel != candidate.channel:
        candidate.channel = channel
        changes.append("channel")
    if not changes:
        return candidate
    candidate.save()
    audit_log_record(
        actor=by,
        action="candidate.texts",
        obj=candidate,
        details={"fields": changes, "channel": candidate.channel, "consent_how": consent_how, "source": "recruiter"},
    )
    return candidate


def _texts_consent_ensure(candidate: Candidate, *, by: User | None, how: str, note: str, changes: list[str]) -> None:
    if not candidate.mobile:
        raise ValidationError({"mobile": "Texts need a mobile number."})
    if candidate.texts_stopped_at is not None:
        raise ValidationError({"channel": STOPPED_BY_TEXT})
    if how:
        if how not in RECRUITER_CONSENT_WAYS:
            raise ValidationError({"consent_how": "Say whether they agreed by speaking to you or in writing."})
        _consent_record(candidate, given=True, how=how, by=by, note=note.strip())
        changes.append("consent")
    elif selectors.text_consent_in_force(candidate=candidate) is None:
        raise ValidationError(
            {"consent_how": "Texts need the candidate's consent: record how they agreed to receive texts."}
        )


@transaction.atomic
def candidate_channel_choose(*, candidate: Candidate, channel: str) -> Candidate:
    """The candidate chooses how they hear from us, on their status page. Choosing texts is their consent
    (for the number on file, which only their recruiter changes) and lifts an earlier STOP; choosing
    email only withdraws it."""
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if channel not in Channel.values:
        raise ValidationError("We did not understand that choice.")
    if channel != Channel.EMAIL and not candidate.mobile:
        raise ValidationError("We have no mobile number for you: ask your recruiter to add it first.")
    in_force = selectors.text_consent_in_force(candidate=candidate)
    if channel == candidate.channel and (channel == Channel.EMAIL or (in_force and not candidate.texts_stopped_at)):
        return candidate
    if channel == Channel.EMAIL:
        if in_force is not None:
            _consent_record(candidate, given=False, how=How.STATUS_PAGE, by=None)
    elif in_force is None or candidate.texts_stopped_at is not None:
        _consent_record(candidate, given=True, how=How.STATUS_PAGE, by=None)
    candidate.channel, candidate.texts_stopped_at = channel, None
    candidate.save()
    audit_log_record(
        actor=None, action="candidate.texts", obj=candidate, details={"channel": channel, "source": "candidate"}
    )
    return candidate


@transaction.atomic
def texts_stop_by_number(*, number: str, keyword: str) -> list[Candidate]:
    """A STOP (or one of its variants, `keyword`) texted from `number`: every candidate with that number
    gets no further text, at once, recorded as a withdrawal of consent. Returns them."""
    now = timezone.now()
    stopped = list(selectors.candidates_with_mobile(number=number).select_for_update())
    for candidate in stopped:
        candidate.texts_stopped_at = candidate.texts_stopped_at or now
        candidate.save(update_fields=["texts_stopped_at"])
        _consent_record(candidate, given=False, how=How.KEYWORD, by=None, note=f"Texted {keyword}")
        audit_log_record(actor=None, action="candidate.texts_stop", obj=candidate, details={"keyword": keyword})
    logger.info("Texts to %s stopped by %s for %s candidate(s).", phone_mask(number), keyword, len(stopped))
    return stopped


@transaction.atomic
def texts_start_by_number(*, number: str, keyword: str) -> list[Candidate]:
    """A START (or a variant) texted from `number`: texts resume for every candidate a STOP had stopped
    at that number, recorded as consent given again. Returns them."""
    stopped = selectors.candidates_with_mobile(number=number).filter(texts_stopped_at__isnull=False)
    resumed = list(stopped.select_for_update())
    for candidate in resumed:
        candidate.texts_stopped_at = None
        candidate.save(update_fields=["texts_stopped_at"])
        _consent_record(candidate, given=True, how=How.KEYWORD, by=None, note=f"Texted {keyword}")
        audit_log_record(actor=None, action="candidate.texts_start", obj=candidate, details={"keyword": keyword})
    logger.info("Texts to %s resumed by %s for %s candidate(s).", phone_mask(number), keyword, len(resumed))
    return resumed
