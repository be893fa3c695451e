"""A candidate's mobile number, channel and consent to texts: the recruiter's form, the status page, the
mask in logs and the data rights."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from candidates import links
from candidates.models import Candidate, TextConsent
from candidates.phones import mobile_clean, phone_mask
from candidates.services import data_rights
from candidates.services.texts import candidate_texts_set, texts_stop_by_number
from notifications.models import InboundText
from notifications.texts.outgoing import text_hand_over
from recruiting.models import AuditLog
from tests.factories import CandidateFactory, UserFactory

pytestmark = pytest.mark.django_db
NUMBER = "+447911123456"


def test_numbers_are_read_in_the_firms_region_and_kept_in_e164(settings):
    assert mobile_clean("07911 123456") == NUMBER
    assert mobile_clean("+33 6 12 34 56 78") == "+33612345678"
    settings.INLOOP_PHONE_REGION = "US"
    assert mobile_clean("(201) 555-0123") == "+12015550123"
    for bad in ("12", "not a number", "+44 20 7946 0000", "0791\n1123456", "9" * 41):
        with pytest.raises(ValidationError):
            mobile_clean(bad)


def test_logs_never_print_a_whole_number():
    assert phone_mask(NUMBER) == "+44…56"
    assert "7911" not in phone_mask(NUMBER)
    assert phone_mask("") == phone_mask("123") == "…"


def test_texts_need_a_consent_recorded_with_how_and_by_whom():
    candidate = CandidateFactory()
    with pytest.raises(ValidationError) as refused:
        candidate_texts_set(candidate=candidate, by=candidate.owner, mobile=NUMBER, channel="sms")
    assert "consent_how" in refused.value.message_dict
    candidate_texts_set(
        candidate=candidate,
        by=candidate.owner,
        mobile="07911 123456",
        channel="both",
        consent_how="spoken",
        consent_note="On the phone, 3 May",
    )
    candidate.refresh_from_db()
    assert (str(candidate.mobile), candidate.channel) == (NUMBER, "both")
    consent = TextConsent.objects.get(candidate=candidate)
    assert (consent.given, consent.how, consent.by, str(consent.number)) == (True, "spoken", candidate.owner, NUMBER)
    audit = AuditLog.objects.filter(action="candidate.texts").get()
    assert NUMBER not in str(audit.details) and "7911" not in str(audit.details)


def test_a_new_number_needs_a_new_consent():
    candidate = CandidateFactory()
    candidate_texts_set(candidate=candidate, by=candidate.owner, mobile=NUMBER, channel="sms", consent_how="written")
    with pytest.raises(ValidationError):
        candidate_texts_set(candidate=candidate, by=candidate.owner, mobile="+447912345678", channel="sms")
    candidate_texts_set(candidate=candidate, by=candidate.owner, mobile="+447912345678", channel="email")
    assert TextConsent.objects.filter(candidate=candidate).latest("at").how == "number_changed"


def test_after_a_stop_only_the_candidate_turns_texts_back_on():
    candidate = CandidateFactory()
    candidate_texts_set(candidate=candidate, by=candidate.owner, mobile=NUMBER, channel="sms", consent_how="spoken")
    texts_stop_by_number(number=NUMBER, keyword="STOP")
    with pytest.raises(ValidationError):
        candidate_texts_set(candidate=candidate, by=candidate.owner, mobile=NUMBER, channel="sms", consent_how="spoken")


def test_the_recruiter_sets_texts_on_the_candidate_page(client):
    candidate = CandidateFactory()
    client.force_login(candidate.owner)
    url = reverse("candidate_texts", args=[candidate.pk])
    refused = client.post(url, {"mobile": NUMBER, "channel": "sms"})
    assert refused.status_code == 400 and b"consent" in refused.content
    client.post(url, {"mobile": NUMBER, "channel": "sms", "consent_how": "spoken"})
    candidate.refresh_from_db()
    assert candidate.channel == "sms"
    page = client.get(reverse("candidate_detail", args=[candidate.pk]))
    assert b"Consent to texts" in page.content


def test_someone_else_may_not_set_texts(client):
    candidate = CandidateFactory()
    client.force_login(UserFactory())
    response = client.post(
        reverse("candidate_texts", args=[candidate.pk]), {"mobile": NUMBER, "channel": "sms", "consent_how": "spoken"}
    )
    assert response.status_code == 403
    candidate.refresh_from_db()
    assert candidate.channel == "email" and not candidate.mobile


def test_the_candidate_chooses_the_channel_on_their_status_page(client):
    candidate = CandidateFactory(mobile=NUMBER)
    token = _status_token(candidate)
    page = client.get(reverse("candidates:status", args=[token]))
    assert b"ending in 56" in page.content and NUMBER.encode() not in page.content
    client.post(reverse("candidates:channel", args=[token]), {"channel": "sms"})
    candidate.refresh_from_db()
    consent = TextConsent.objects.filter(candidate=candidate).latest("at")
    assert (candidate.channel, consent.given, consent.how, consent.by) == ("sms", True, "status_page", None)
    client.post(reverse("candidates:channel", args=[token]), {"channel": "email"})
    candidate.refresh_from_db()
    assert candidate.channel == "email"
    assert TextConsent.objects.filter(candidate=candidate).latest("at").given is False
    assert client.get(reverse("candidates:channel", args=[token])).status_code == 405


def test_a_candidate_without_a_mobile_cannot_choose_texts(client):
    candidate = CandidateFactory()
    client.post(reverse("candidates:channel", args=[_status_token(candidate)]), {"channel": "sms"})
    candidate.refresh_from_db()
    assert candidate.channel == "email" and not TextConsent.objects.exists()


def _status_token(candidate: Candidate) -> str:
    return links.status_page_url(candidate).rstrip("/").rsplit("/", 1)[1]


def test_the_number_consent_and_texts_are_exported_and_erased(settings, tmp_path, admin_user):
    settings.INLOOP_SMS_FILE_PATH = str(tmp_path)
    settings.INLOOP_SMS_BACKEND = "file"
    admin = admin_user
    candidate = CandidateFactory()
    candidate_texts_set(candidate=candidate, by=candidate.owner, mobile=NUMBER, channel="sms", consent_how="spoken")
    text_hand_over(to=NUMBER, body="Your interview is on Friday", purpose="message", candidate_id=candidate.pk)
    InboundText.objects.create(provider_id="SM1", from_number=NUMBER, body="See you Friday", status="kept")
    export = data_rights.candidate_export(candidate=candidate, by=admin)
    assert export["details"]["mobile"] == NUMBER
    assert export["preferences"]["text_consents"][0]["how"] == "spoken"
    assert export["texts"]["received"][0]["text"] == "See you Friday"
    assert export["texts"]["text_files"][0]["body"] == "Your interview is on Friday"
    data_rights.candidate_erase(candidate=candidate, by=admin)
    candidate.refresh_from_db()
    assert (str(candidate.mobile), candidate.channel) == ("", "email")
    assert not TextConsent.objects.exists()
    assert InboundText.objects.get().body == "" and not list(tmp_path.glob("*.json"))
    assert not Candidate.objects.filter(mobile=NUMBER).exists()
