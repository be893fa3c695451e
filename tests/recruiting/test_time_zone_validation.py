"""Time zones are checked against the zone database wherever they are entered: one validator, every model."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from candidates.models import Candidate
from recruiting.models import RecruiterProfile
from recruiting.validators import validate_time_zone
from tests.factories import CandidateFactory, UserFactory

pytestmark = pytest.mark.django_db

REFUSAL = "“Mars/Olympus” is not a time zone we know."


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def profile_form(profile: RecruiterProfile, **changes) -> dict:
    return {
        "user": profile.user_id,
        "team": "",
        "role": profile.role,
        "time_zone": profile.time_zone,
        "signature": profile.signature,
        **changes,
    }


@pytest.mark.parametrize("name", ["UTC", "Europe/London", "America/Argentina/Buenos_Aires", "Asia/Kolkata"])
def test_zone_database_names_pass(name):
    validate_time_zone(name)


@pytest.mark.parametrize("name", ["Mars/Olympus", "europe/london", "GMT+2 ", "../../etc/passwd", "Europe/"])
def test_anything_else_is_refused_with_a_clear_message(name):
    with pytest.raises(ValidationError) as refused:
        validate_time_zone(name)
    assert refused.value.messages == [
        f"“{name}” is not a time zone we know. Use a name from the time zone database, such as Europe/London, "
        "America/New_York or UTC."
    ]


def test_the_admin_refuses_an_unknown_zone_on_a_recruiter_profile(admin_client):
    profile = UserFactory().profile
    url = reverse("admin:recruiting_recruiterprofile_change", args=[profile.pk])

    response = admin_client.post(url, profile_form(profile, time_zone="Mars/Olympus"))

    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    assert response.context["adminform"].form.errors["time_zone"]
    profile.refresh_from_db()
    assert profile.time_zone == "UTC"


def test_the_admin_saves_a_known_zone_on_a_recruiter_profile(admin_client):
    profile = UserFactory().profile
    url = reverse("admin:recruiting_recruiterprofile_change", args=[profile.pk])

    response = admin_client.post(url, profile_form(profile, time_zone="Africa/Lagos"))

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.time_zone == "Africa/Lagos"


def test_the_admin_refuses_an_unknown_zone_on_a_new_candidate_beside_the_field(admin_client, recruiter):
    response = admin_client.post(
        reverse("admin:candidates_candidate_add"),
        {
            "first_name": "Ines",
            "last_name": "Oyelaran",
            "email": "ines@mail.example",
            "phone": "",
            "time_zone": "Mars/Olympus",
            "owner": recruiter.pk,
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["time_zone"] == [
        "“Mars/Olympus” is not a time zone we know. Use a name from the time zone database, such as "
        "Europe/London, America/New_York or UTC."
    ]
    assert not Candidate.objects.filter(email="ines@mail.example").exists()


def test_both_models_validate_on_full_clean():
    candidate = CandidateFactory.build(owner=UserFactory(), time_zone="Mars/Olympus")
    with pytest.raises(ValidationError) as candidate_refused:
        candidate.full_clean()
    profile = UserFactory().profile
    profile.time_zone = "Mars/Olympus"
    with pytest.raises(ValidationError) as profile_refused:
        profile.full_clean()
    assert REFUSAL in candidate_refused.value.message_dict["time_zone"][0]
    assert REFUSAL in profile_refused.value.message_dict["time_zone"][0]
