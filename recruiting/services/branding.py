"""The firm's name and look, saved by an admin (FirmSettings is one row)."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from recruiting.audit import audit_log_record
from recruiting.models import FirmSettings
from recruiting.permissions import ensure_admin

User = AbstractBaseUser

LOGO_MAX_BYTES = 200 * 1024
# Raster images only, recognised by their first bytes: an SVG could carry script.
LOGO_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def logo_type_of(data: bytes) -> str:
    for signature, content_type in LOGO_SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    raise ValidationError("The logo must be a PNG or JPEG image.")


@transaction.atomic
def firm_settings_update(
    *,
    by: User | None,
    firm_name: str,
    sending_name: str,
    colour: str,
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> FirmSettings:
    """Save the firm's name, sending name, colour and (optionally) a new logo or none."""
    ensure_admin(by, "change the firm's name and look")
    row = FirmSettings.objects.select_for_update().filter(pk=FirmSettings.SINGLETON_PK).first() or FirmSettings(
        pk=FirmSettings.SINGLETON_PK
    )
    row.firm_name, row.sending_name, row.colour = firm_name.strip(), " ".join(sending_name.split()), colour.lower()
    if logo is not None:
        if len(logo) > LOGO_MAX_BYTES:
            raise ValidationError({"logo_file": "The logo is larger than 200 KB."})
        row.logo, row.logo_type = logo, logo_type_of(logo)
    elif remove_logo:
        row.logo, row.logo_type = b"", ""
    row.updated_at = timezone.now()
    row.full_clean()
    row.save()
    audit_log_record(
        actor=by,
        action="firm_settings.update",
        obj=row,
        details={"firm_name": row.firm_name, "sending_name": row.sending_name, "colour": row.colour},
    )
    return row
