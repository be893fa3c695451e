"""The site's icon: linked from every layout, and /favicon.ico (which browsers ask for anyway) answers."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("signed_in", [False, True])
def test_favicon_ico_leads_to_the_icon_for_everyone(client, recruiter, signed_in):
    if signed_in:
        client.force_login(recruiter)

    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/img/favicon.ico"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file's header


def test_both_icons_are_our_own_static_files():
    ico, svg = finders.find("img/favicon.ico"), finders.find("img/favicon.svg")

    assert ico and svg
    with open(svg, encoding="utf-8") as file:
        assert file.read().startswith("<svg")


def test_the_workspace_the_sign_in_page_and_the_candidate_layout_link_the_icon(client, recruiter):
    sign_in = client.get(reverse("login")).content.decode()
    client.force_login(recruiter)
    workspace = client.get(reverse("home")).content.decode()

    for page in (sign_in, workspace):
        assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
        assert '<link rel="icon" href="/static/img/favicon.ico" sizes="32x32">' in page
    with open("templates/candidates/base_candidate.html", encoding="utf-8") as file:
        assert "{% static 'img/favicon.svg' %}" in file.read()
