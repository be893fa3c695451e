"""The firm's name and look: saved by an admin only, shown on the candidate pages, used as the sender."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from candidates import links
from recruiting.branding import firm_settings, sender_address, text_colour_on
from recruiting.models import AuditLog, FirmSettings
from recruiting.services.branding import firm_settings_update
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _save(by, **changes):
    values = {"firm_name": "Harbour & Hale", "sending_name": "Harbour & Hale Recruiting", "colour": "#FFCC00"}
    return firm_settings_update(by=by, **{**values, **changes})


def test_defaults_without_a_saved_row():
    assert firm_settings().firm_name == "Inloop"


def test_an_admin_saves_once_and_again_into_the_one_row(admin_user):
    _save(admin_user)
    _save(admin_user, firm_name="Harbour Hale", logo=PNG)

    row = FirmSettings.objects.get()
    assert (row.firm_name, row.colour, row.logo_type) == ("Harbour Hale", "#ffcc00", "image/png")
    assert AuditLog.objects.filter(action="firm_settings.update").count() == 2


def test_a_recruiter_may_not_and_bad_values_are_refused(recruiter, admin_user):
    with pytest.raises(PermissionDenied):
        _save(recruiter)
    with pytest.raises(ValidationError):
        _save(admin_user, colour="red; background:url(x)")
    with pytest.raises(ValidationError):
        _save(admin_user, logo=b"<svg onload=alert(1)>")
    with pytest.raises(ValidationError):
        _save(admin_user, logo=PNG + b"\x00" * 300_000)
    assert not FirmSettings.objects.exists()


def test_text_on_the_colour_is_black_or_white_whichever_reads_better():
    assert text_colour_on("#ffcc00") == "#000000"
    assert text_colour_on("#1f4e79") == "#ffffff"


def test_the_candidate_page_shows_the_firm_its_logo_and_colour(client, admin_user):
    _save(admin_user, logo=PNG)
    application = ApplicationFactory()

    page = client.get(links.status_page_url(application.candidate)).content.decode()
    theme = client.get(reverse("firm_theme")).content.decode()
    logo = client.get(reverse("firm_logo"))

    assert "Harbour &amp; Hale" in page and "Inloop" not in page
    assert reverse("firm_logo") in page and reverse("firm_theme") in page
    assert "--firm-colour: #ffcc00" in theme and "--firm-text: #000000" in theme
    assert (logo.status_code, logo["Content-Type"], logo.content) == (200, "image/png", PNG)


def test_no_logo_is_a_404(client):
    assert client.get(reverse("firm_logo")).status_code == 404


def test_emails_go_out_under_the_sending_name(admin_user, settings):
    settings.DEFAULT_FROM_EMAIL = "Inloop <updates@firm.example>"
    _save(admin_user)

    assert sender_address() == "Harbour & Hale Recruiting <updates@firm.example>"
    assert not mail.outbox


def test_the_admin_form_saves_through_the_service(client, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin_user)
    response = client.post(
        reverse("admin:recruiting_firmsettings_add"),
        {
            "firm_name": "Northlight",
            "sending_name": "Northlight People",
            "colour": "#123456",
            "logo_file": SimpleUploadedFile("logo.png", PNG, content_type="image/png"),
        },
    )

    assert response.status_code == 302
    assert FirmSettings.objects.get().firm_name == "Northlight"
    refused = client.post(
        reverse("admin:recruiting_firmsettings_change", args=[1]),
        {
            "firm_name": "N",
            "sending_name": "N",
            "colour": "#123456",
            "logo_file": SimpleUploadedFile("x.svg", b"<svg/>", content_type="image/svg+xml"),
        },
    )
    assert refused.status_code == 200 and "PNG or JPEG" in refused.content.decode()
    assert FirmSettings.objects.get().firm_name == "Northlight"
