"""`make run` on another port writes links to that port: INLOOP_BASE_URL follows INLOOP_PORT unless set."""

import pytest
from django.conf import settings

from tests.inloop.test_deploy_check import manage

PRINT_BASE_URL = "from django.conf import settings; print(settings.INLOOP_BASE_URL)"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"INLOOP_PORT": "8123"}, "http://localhost:8123"),
        ({}, "http://localhost:8000"),
        ({"INLOOP_PORT": "8123", "INLOOP_BASE_URL": "https://inloop.example.com/"}, "https://inloop.example.com"),
    ],
)
def test_the_base_url_follows_the_port_when_not_set(env, expected):
    result = manage("shell", "-c", PRINT_BASE_URL, DJANGO_SETTINGS_MODULE="inloop.settings.local", **env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_the_readme_documents_the_default_the_settings_use():
    row = next(
        line
        for line in (settings.BASE_DIR / "README.md").read_text().splitlines()
        if line.startswith("| `INLOOP_BASE_URL` |")
    )
    default = manage("shell", "-c", PRINT_BASE_URL, DJANGO_SETTINGS_MODULE="inloop.settings.local")

    documented = row.split("|")[2]
    assert f"`{default.stdout.strip().splitlines()[-1]}`" in documented
    # The default follows the port (test_the_base_url_follows_the_port_when_not_set), and the row says so.
    assert "`INLOOP_PORT`" in documented
