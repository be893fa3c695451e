"""By which channel each automated message goes: the candidate's (email, text, or both), and a text's
own checks and wording.

A message owed to a candidate is written once per channel of theirs that may carry it
(`drafts_by_channel`): an email row under its idempotency key, a text row under the same key with
TEXT_KEY_SUFFIX. A candidate on "both" gets the email and the text, which count as one message for the
one-a-day rule (docs/rules.md#candidate-wishes): they are due together and claimed together. A kind
whose template has no text (blank sms_body), a message the candidate asked for, or a candidate without
a consent in force for their number, goes by email only. The safety net goes by text to a candidate
whose email bounced and who consented to texts (docs/rules.md#silence-cap).
"""

import dataclasses
from collections.abc import Iterable, Mapping

from candidates import links
from candidates import selectors as candidate_selectors
from candidates.models import Candidate
from notifications import rendering
from notifications.models import MessageTemplate, OutboundMessage
from notifications.services.templates import TemplateParts, sms_body_validate, templates_in_force
from notifications.texts.encoding import TextSize, text_size

Code = MessageTemplate.Code
SMS = OutboundMessage.Channel.SMS
EMAIL = OutboundMessage.Channel.EMAIL
TEXT_KEY_SUFFIX = ":sms"
# Never by text: what a person asked for by email, and what is not the candidate's.
NOT_BY_TEXT = frozenset({Code.PERSONAL, Code.STATUS_LINK, Code.DIGEST, Code.CLIENT_CHASE})


def text_key(idempotency_key: str) -> str:
    return idempotency_key + TEXT_KEY_SUFFIX


def sms_text(parts: TemplateParts, fields: Mapping[str, object], candidate: Candidate) -> str:
    """The text of a message: its kind's sms_body with the merge fields of its email (which already keep
    a confidential client unnamed: rendering.client_display_name), the status link in its short form,
    on one line."""
    fields = {**fields, "status_page_url": links.status_short_url(candidate)}
    rendered = rendering.render_parts(subject="", body_text=parts.sms_body, fields=fields)
    return " ".join(rendered.body_text.split())


def sms_preview(*, application, template_code: str, sms_body: str, fields: dict | None = None) -> tuple[str, TextSize]:
    """A kind's text message (unsaved) rendered with a real application's data (or the merge `fields` given,
    say as they will read when it is sent), with its encoding and segment count; raises ValidationError as a
    save would."""
    sms_body_validate(code=template_code, sms_body=sms_body)
    parts = TemplateParts(code=template_code, subject="", body_text="", sms_body=sms_body)
    fields = fields if fields is not None else rendering.application_merge_fields(application=application)
    text = sms_text(parts, fields, application.candidate)
    return text, text_size(text)


def text_preview(*, application, template_code: str, fields: dict | None = None) -> tuple[str, TextSize, bool] | None:
    """The text a message of this kind would go as to the application's candidate (with the merge `fields`
    given, else as of now): the text, its size, and whether it goes instead of the email; None when it
    would go by email only."""
    candidate = application.candidate
    if not _may_be_texted(candidate, template_code) or candidate.pk not in texts_consented([candidate]):
        return None
    parts = templates_in_force([template_code])[template_code]
    if not parts.sms_body:
        return None
    text, size = sms_preview(
        application=application, template_code=template_code, sms_body=parts.sms_body, fields=fields
    )
    instead = candidate.channel != Candidate.Channel.BOTH or texts_instead_of_email(candidate, template_code)
    return text, size, instead


def _email_bounced(candidate: Candidate) -> bool:
    return candidate.email_status != Candidate.EmailStatus.OK


def texts_instead_of_email(candidate: Candidate, template_code: str) -> bool:
    """The safety net of a candidate on email whose address bounced goes by text, when they consented."""
    return template_code == Code.SAFETY_NET and _email_bounced(candidate)


def _may_be_texted(candidate: Candidate | None, template_code: str) -> bool:
    """Before the consent (a query): the channel, the number, no STOP, the kind."""
    return (
        candidate is not None
        and template_code not in NOT_BY_TEXT
        and bool(candidate.mobile)
        and candidate.texts_stopped_at is None
        and (candidate.channel != Candidate.Channel.EMAIL or texts_instead_of_email(candidate, template_code))
    )


def texts_consented(candidates: Iterable[Candidate | None]) -> set[int]:
    """The ids of those candidates who may get texts at all and whose consent is in force (one query)."""
    ids = {candidate.pk for candidate in candidates if candidate is not None and candidate.mobile}
    return candidate_selectors.candidates_texts_consented(ids) if ids else set()


def drafts_by_channel(drafts: list, templates: Mapping[str, TemplateParts]) -> list:
    """The drafts (outbox.MessageDraft) once per channel that carries them (module docstring)."""
    candidates = [draft.candidate for draft in drafts if _may_be_texted(draft.candidate, draft.template_code)]
    consented = texts_consented(candidates) if candidates else set()
    written = []
    for draft in drafts:
        candidate = draft.candidate
        if (
            draft.status is not None
            or not _may_be_texted(candidate, draft.template_code)
            or candidate.pk not in consented
            or not templates[draft.template_code].sms_body
            or draft.to_address.strip().lower() != candidate.email.strip().lower()
        ):
            written.append(draft)
            continue
        text = dataclasses.replace(
            draft,
            idempotency_key=text_key(draft.idempotency_key),
            channel=SMS,
            to_number=str(candidate.mobile),
            to_address="",
        )
        if candidate.channel == Candidate.Channel.BOTH and not texts_instead_of_email(candidate, draft.template_code):
            written.append(draft)
        written.append(text)
    return written


def text_suppression_reason(
    *, candidate: Candidate | None, template_code: str, to_number: str, consented: set[int], automated: bool = True
) -> str:
    """Why this text must not go, in words for the recruiter; empty when it may go."""
    if candidate is None:
        return "A text goes to a candidate only."
    if candidate.erased_at is not None:
        return "The candidate's data was erased."
    if candidate.do_not_contact:
        detail = f": {candidate.do_not_contact_reason}" if candidate.do_not_contact_reason else "."
        return f"The candidate asked not to be contacted{detail}"[:300]
    if automated and candidate.automated_updates_paused:
        return "The candidate paused automated updates."
    if candidate.texts_stopped_at is not None:
        return "The candidate texted STOP: no text goes to them until they text START."
    if str(candidate.mobile or "") != to_number:
        return "The candidate's mobile number changed since this text was written."
    if candidate.pk not in consented:
        return "The candidate's consent to texts is no longer in force."
    if candidate.channel == Candidate.Channel.EMAIL and not texts_instead_of_email(candidate, template_code):
        return "The candidate now hears from us by email only."
    return ""
