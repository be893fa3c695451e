import pytest

from tests.support.fake_twilio import FakeTwilio


@pytest.fixture
def fake_twilio(settings):
    """A fake Twilio on loopback, and the settings that send texts to it."""
    with FakeTwilio() as twilio:
        settings.INLOOP_SMS_BACKEND = "twilio"
        settings.TWILIO_ACCOUNT_SID = twilio.account_sid
        settings.TWILIO_AUTH_TOKEN = twilio.auth_token
        settings.TWILIO_FROM_NUMBER = "+447700900000"
        settings.TWILIO_MESSAGING_SERVICE_SID = ""
        settings.TWILIO_API_BASE_URL = twilio.base_url
        settings.INLOOP_SMS_TIMEOUT = 2
        yield twilio


@pytest.fixture
def text_files(settings, tmp_path):
    settings.INLOOP_SMS_BACKEND = "file"
    settings.INLOOP_SMS_FILE_PATH = str(tmp_path / "texts")
    return tmp_path / "texts"
