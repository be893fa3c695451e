"""Reply addresses on outgoing mail, and the sender shown as "<recruiter> via <firm>"."""

from email.utils import parseaddr

import pytest

from notifications.services import sending
from notifications.services.reply_addresses import reply_address, reply_token_check
from recruiting import branding
from recruiting.models import FirmSettings
from tests.factories import ApplicationFactory, OutboundMessageFactory, UserFactory

pytestmark = pytest.mark.django_db

DOMAIN = "reply.northwind.example"


def _message():
    owner = UserFactory(first_name="Sam", last_name="Okafor", email="sam@northwind.example")
    return OutboundMessageFactory(application=ApplicationFactory(owner=owner, candidate__owner=owner))


def test_each_message_gets_its_own_signed_reply_address(settings):
    settings.INLOOP_REPLY_DOMAIN = DOMAIN
    first, second = _message(), _message()
    email = sending._email_for(first)
    assert email.reply_to == [reply_address(first.pk)]
    local, domain = email.reply_to[0].split("@")
    assert domain == DOMAIN and local.startswith("reply+") and len(local) <= 64 and local == local.lower()
    assert reply_token_check(email.reply_to[0]).message_id == first.pk
    assert reply_address(second.pk) != reply_address(first.pk)


def test_without_a_reply_domain_replies_go_to_the_recruiter_as_before(settings):
    settings.INLOOP_REPLY_DOMAIN = ""
    message = _message()
    assert sending._email_for(message).reply_to == ["sam@northwind.example"]
    assert reply_address(message.pk) is None


def test_a_token_moved_to_another_message_or_altered_is_refused(settings):
    settings.INLOOP_REPLY_DOMAIN = DOMAIN
    genuine = reply_address(41)
    token = genuine.split("+")[1].split("@")[0]
    mac = token.split("-")[1]
    assert reply_token_check(f"reply+42-{mac}@{DOMAIN}").problem.endswith("(forged or altered)")
    assert reply_token_check(f"reply+41-{'0' * 20}@{DOMAIN}").message_id is None
    assert "no readable token" in reply_token_check(f"reply+drop-table@{DOMAIN}").problem
    # Case folded by a mail server, and another domain: still ours, and not ours.
    assert reply_token_check(genuine.upper()).message_id == 41
    assert reply_token_check(genuine.replace(DOMAIN, "elsewhere.example")) is None


def test_a_token_signed_with_another_secret_is_refused(settings):
    settings.INLOOP_REPLY_DOMAIN = DOMAIN
    address = reply_address(7)
    settings.SECRET_KEY = "another-secret-key-for-another-installation-0123456789"
    assert reply_token_check(address).message_id is None


def test_mail_about_an_application_comes_from_the_recruiter_via_the_firm(settings):
    settings.DEFAULT_FROM_EMAIL = "Inloop <talent@northwind.example>"
    FirmSettings.objects.create(pk=FirmSettings.SINGLETON_PK, sending_name="Northwind Talent")
    email = sending._email_for(_message())
    assert parseaddr(email.from_email) == ("Sam Okafor via Northwind Talent", "talent@northwind.example")


def test_the_firms_sending_name_and_odd_names_stay_one_quoted_header(settings):
    settings.DEFAULT_FROM_EMAIL = "talent@northwind.example"
    FirmSettings.objects.create(pk=FirmSettings.SINGLETON_PK, sending_name="Northwind, Talent & Co")
    sender = branding.sender_address(recruiter_name='Sam "The Closer"\nOkafor')
    assert "\n" not in sender
    assert parseaddr(sender) == ('Sam "The Closer" Okafor via Northwind, Talent & Co', "talent@northwind.example")


def test_a_digest_keeps_the_firm_sender(settings):
    settings.DEFAULT_FROM_EMAIL = "Northwind Talent <talent@northwind.example>"
    FirmSettings.objects.create(pk=FirmSettings.SINGLETON_PK, sending_name="Northwind Talent")
    message = OutboundMessageFactory(application=None, candidate=None, to_address="lead@northwind.example")
    assert parseaddr(sending._email_for(message).from_email) == ("Northwind Talent", "talent@northwind.example")
