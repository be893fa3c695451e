"""In the test settings our own templates fail loudly on a variable that does not resolve; the admin's and the
other third-party templates keep Django's silent empty string (inloop/settings/test.py)."""

import pytest
from django.template import engines
from django.template.loader import get_template
from django.urls import reverse

from inloop.settings.test import UndefinedTemplateVariable


class Person:
    name = "Ama"

    def greeting(self, other):
        return f"Hello {other}"


def test_a_name_that_does_not_resolve_in_our_templates_raises_and_says_which():
    template = engines["inloop"].from_string("{{ person.nickname|default:'someone' }}")
    with pytest.raises(UndefinedTemplateVariable, match="person.nickname"):
        template.render({"person": Person()})


def test_a_method_that_needs_arguments_raises_too():
    with pytest.raises(UndefinedTemplateVariable):
        engines["inloop"].from_string("{{ person.greeting }}").render({"person": Person()})


def test_what_does_resolve_and_an_absent_name_in_a_condition_render_as_always():
    template = engines["inloop"].from_string("{{ person.name }}{% if person.nickname %}!{% endif %}")
    assert template.render({"person": Person()}) == "Ama"


def test_our_templates_are_read_by_the_loud_engine_and_the_admins_by_the_silent_one():
    assert get_template("base.html").backend.name == "inloop"
    assert get_template("workspace/candidate_detail.html").backend.name == "inloop"
    assert get_template("admin/index.html").backend.name == "third_party"
    assert get_template("django_tables2/bootstrap5.html").backend.name == "third_party"
    assert engines["third_party"].from_string("{{ person.nickname }}").render({"person": Person()}) == ""


@pytest.mark.django_db
def test_the_admin_still_renders(client, admin_user):
    client.force_login(admin_user)
    for url in (reverse("admin:index"), reverse("admin:recruiting_application_changelist")):
        assert client.get(url).status_code == 200, url
