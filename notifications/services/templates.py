"""Message templates: the defaults we ship, recruiter edits (validated), previews with real data.

A template is written once, as plain text (subject and text); its HTML part is made from the rendered
text (`rendering.text_to_html`), so the two parts of an email always say the same thing.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from notifications import rendering
from notifications.models import MessageTemplate
from recruiting.audit import audit_log_record
from recruiting.models import Application, Role
from recruiting.permissions import role_of

DEFAULTS_DIR = Path(settings.BASE_DIR) / "templates" / "notifications" / "email"
# The short text message of each kind that has one: templates/notifications/sms/<code>.txt.
SMS_DEFAULTS_DIR = Path(settings.BASE_DIR) / "templates" / "notifications" / "sms"


@dataclass(frozen=True)
class TemplateParts:
    code: str
    subject: str
    body_text: str
    # The text message of this kind; blank when the kind has none.
    sms_body: str = ""


def template_default_parts(code: str) -> TemplateParts:
    """The text we ship for a template code, read from templates/notifications/email/<code>/."""
    if code not in MessageTemplate.Code.values:
        raise ValueError(f"Unknown message template code: {code!r}")
    folder = DEFAULTS_DIR / code
    return TemplateParts(
        code=code,
        subject=(folder / "subject.txt").read_text(encoding="utf-8").strip(),
        body_text=(folder / "body.txt").read_text(encoding="utf-8"),
        sms_body=sms_default_body(code),
    )


def sms_default_body(code: str) -> str:
    """The text message we ship for a kind, or "" when the kind has none."""
    path = SMS_DEFAULTS_DIR / f"{code}.txt"
    return path.read_text(encoding="utf-8").strip() if path.is_file() else ""


def templates_install_defaults(*, template_model=None) -> int:
    """Create the MessageTemplate row of every code that has none; edited rows are left alone.

    `template_model` lets a data migration pass its historical model. Returns how many were created.
    """
    model = template_model or MessageTemplate
    existing = set(model.objects.values_list("code", flat=True))
    missing = [code for code in MessageTemplate.Code.values if code not in existing]
    # A historical model from before the texts has no sms_body (templates_install_sms fills it later).
    has_sms = any(field.name == "sms_body" for field in model._meta.get_fields())
    for code in missing:
        parts = template_default_parts(code)
        texts = {"sms_body": parts.sms_body} if has_sms else {}
        model.objects.create(code=code, subject=parts.subject, body_text=parts.body_text, **texts)
    return len(missing)


def templates_install_sms(*, template_model=None) -> int:
    """Give every template row whose kind has a text message and whose own is blank the one we ship;
    returns how many were filled. `template_model` as for templates_install_defaults."""
    model = template_model or MessageTemplate
    filled = 0
    for row in model.objects.filter(sms_body=""):
        if body := sms_default_body(row.code):
            row.sms_body = body
            row.save(update_fields=["sms_body"])
            filled += 1
    return filled


def template_parts(code: str) -> TemplateParts:
    """The template in force for a code: the edited row, or our default when there is no row."""
    return templates_in_force([code])[code]


def templates_in_force(codes: Iterable[str]) -> dict[str, TemplateParts]:
    """The template in force for each code, in one query: the edited row, or our default when there is none."""
    codes = set(codes)
    rows = {row.code: row for row in MessageTemplate.objects.filter(code__in=codes)}
    return {
        code: (
            TemplateParts(code=code, subject=row.subject, body_text=row.body_text, sms_body=row.sms_body)
            if (row := rows.get(code)) is not None
            else template_default_parts(code)
        )
        for code in codes
    }


def template_validate(*, code: str, subject: str, body_text: str) -> None:
    """Refuse anything but merge fields of this code and {% if %}: raises ValidationError per part."""
    rendering.template_parts_check(code=code, subject=subject, body_text=body_text)


def _ensure_can_edit_templates(by: AbstractBaseUser | None) -> None:
    if by is not None and (not by.is_active or role_of(by) not in (Role.TEAM_LEAD, Role.ADMIN)):
        raise PermissionDenied("Only team leads and admins can change the firm's email templates.")


SMS_BODY_MAX_LENGTH = 1000


def sms_body_validate(*, code: str, sms_body: str) -> None:
    """Refuse a text message that is too long or uses anything but this kind's merge fields and {% if %}."""
    if len(sms_body) > SMS_BODY_MAX_LENGTH:
        raise ValidationError({"sms_body": f"A text message can be at most {SMS_BODY_MAX_LENGTH} characters long."})
    problems = rendering.template_part_problems(sms_body, allowed=rendering.fields_for_code(code))
    if problems:
        raise ValidationError({"sms_body": problems})


@transaction.atomic
def template_update(
    *,
    template: MessageTemplate,
    subject: str,
    body_text: str,
    by: AbstractBaseUser | None,
    sms_body: str | None = None,
) -> MessageTemplate:
    """Save a recruiter's edit of a template once it has passed validation; `sms_body` None leaves the
    text message as it is (blank: this kind goes by email only)."""
    _ensure_can_edit_templates(by)
    subject = subject.strip()
    template_validate(code=template.code, subject=subject, body_text=body_text)
    template = MessageTemplate.objects.select_for_update().get(pk=template.pk)
    sms_body = template.sms_body if sms_body is None else sms_body.strip()
    sms_body_validate(code=template.code, sms_body=sms_body)
    edits = (("subject", subject), ("body_text", body_text), ("sms_body", sms_body))
    changed = [name for name, value in edits if getattr(template, name) != value]
    template.subject, template.body_text, template.sms_body = subject, body_text, sms_body
    template.updated_at = timezone.now()
    template.updated_by = by
    template.full_clean()
    template.save()
    audit_log_record(actor=by, action="template.update", obj=template, details={"changed": changed})
    return template


def template_reset(*, template: MessageTemplate, by: AbstractBaseUser | None) -> MessageTemplate:
    """Put back the text we ship for this template."""
    parts = template_default_parts(template.code)
    return template_update(
        template=template, subject=parts.subject, body_text=parts.body_text, sms_body=parts.sms_body, by=by
    )


def template_render(
    *, code: str, fields: dict[str, object], parts: TemplateParts | None = None
) -> rendering.RenderedMessage:
    """Render the template in force for `code` with a plain dict of merge fields.

    `parts` is the template in force when the caller read it for a whole batch (templates_in_force).
    """
    parts = parts if parts is not None else template_parts(code)
    return rendering.render_parts(subject=parts.subject, body_text=parts.body_text, fields=fields)


def template_preview(
    *,
    application: Application,
    template_code: str | None = None,
    subject: str | None = None,
    body_text: str | None = None,
) -> rendering.RenderedMessage:
    """Render a saved template (by code) or unsaved text with a real application's data: both parts.

    Unsaved text is validated first, as a save would be (previewing a personal message uses the
    personal template's merge fields).
    """
    fields: dict[str, object] = rendering.application_merge_fields(application=application)
    if subject is None and body_text is None:
        if template_code is None:
            raise ValueError("Give a template code or the text to preview.")
        return template_render(code=template_code, fields=fields)
    code = template_code or MessageTemplate.Code.PERSONAL
    subject, body_text = subject or "", body_text or ""
    template_validate(code=code, subject=subject, body_text=body_text)
    if code == MessageTemplate.Code.PERSONAL:
        fields |= {"personal_subject": "", "personal_body": ""}
    return rendering.render_parts(subject=subject, body_text=body_text, fields=fields)


def personal_body_start(*, candidate_first_name: str, sender: AbstractBaseUser) -> str:
    """What a new personal email's text box starts with: the greeting and the sender's signature, once.

    The personal template adds neither, so the email reads exactly as the recruiter typed it.
    """
    profile = getattr(sender, "profile", None)
    signature = profile.signature.strip() if profile is not None and profile.signature.strip() else ""
    signature = signature or rendering.one_line(sender.get_full_name() or sender.get_username())
    first_name = rendering.one_line(candidate_first_name)
    greeting = f"Hello {first_name}," if first_name else "Hello,"
    return f"{greeting}\n\n\n\n{signature}\n"
