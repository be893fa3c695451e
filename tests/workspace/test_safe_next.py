"""After an action the workspace goes back to `next` only when it is a path of this site (Django's
url_has_allowed_host_and_scheme), for a plain redirect and for htmx's HX-Redirect alike."""

import pytest
from django.urls import reverse

from recruiting.models import Stage
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    "/\\evil.example/",
    "/\\/evil.example/",
    "//evil.example/",
    "/\t/evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
]


def _log_call(client, next_url, **headers):
    owner = UserFactory()
    application = ApplicationFactory(candidate__owner=owner, owner=owner, job__owner=owner, stage=Stage.SCREENING)
    client.force_login(owner)
    return client.post(
        reverse("application_log_call", args=[application.pk]), {"summary": "Called", "next": next_url}, **headers
    )


@pytest.mark.parametrize("target", HOSTILE)
def test_a_next_that_leaves_the_site_goes_home_instead(client, target):
    response = _log_call(client, target)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("target", HOSTILE)
def test_an_htmx_redirect_to_another_site_goes_home_instead(client, target):
    # Not in place (no in_place for a form post with next): the answer is an HX-Redirect header.
    owner = UserFactory()
    client.force_login(owner)

    response = client.post(reverse("applications_check_in"), {"next": target}, headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("home")


def test_a_path_of_the_site_is_followed(client):
    response = _log_call(client, "/jobs/?page=2")

    assert response["Location"] == "/jobs/?page=2"
