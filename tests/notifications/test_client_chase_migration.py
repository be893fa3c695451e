"""The data migration of the client chase: the template installed, an unedited check-in brought up to date."""

import importlib

import pytest
from django.apps import apps

from notifications.models import MessageTemplate
from notifications.services.templates import template_default_parts

migration = importlib.import_module("notifications.migrations.0040_client_chase_template")

pytestmark = pytest.mark.django_db


def test_the_chase_template_is_installed():
    assert (
        MessageTemplate.objects.get(code="client_chase").body_text == template_default_parts("client_chase").body_text
    )


def test_an_unedited_check_in_gains_the_client_sentence_and_an_edited_one_is_left_alone():
    MessageTemplate.objects.filter(code="check_in").update(body_text=migration.OLD_CHECK_IN_TEXT.replace("\n", "\r\n"))
    migration.check_in_says_when_the_client_was_asked(apps, None)
    assert "{{ client_asked }}" in MessageTemplate.objects.get(code="check_in").body_text
    MessageTemplate.objects.filter(code="check_in").update(body_text="Our own words")
    migration.check_in_says_when_the_client_was_asked(apps, None)
    assert MessageTemplate.objects.get(code="check_in").body_text == "Our own words"
