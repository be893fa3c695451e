"""Walk the whole URLconf anonymously: nothing is open but sign-in, password reset, health and signed links."""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Route names that answer an anonymous visitor on purpose.
PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
    # The firm's logo and colour: the candidate pages and emails show them to people with no login.
    "firm_logo",
    "firm_theme",
    # Browsers ask for it on every page, signed in or not.
    "favicon",
    "admin:login",
    # The REST API's description and docs page: they describe the API, not the firm's data.
    "api:openapi-json",
    "api:openapi-view",
}
# The candidate's own pages: reached by signed link, no login. A made-up token shows nothing.
SIGNED_NAMESPACES = {"candidates"}

DUMMY_BY_CONVERTER = {"int": "1", "str": "dummy", "slug": "dummy", "path": "dummy/path", "uuid": str(uuid.uuid4())}


def _fill_route(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: DUMMY_BY_CONVERTER[m.group(1) or "str"], route)


def _fill_regex(regex: str) -> str:
    # Admin's regex routes: every named group becomes a harmless word; anchors go.
    filled = re.sub(r"\(\?P<\w+>[^)]*\)", "dummy", regex)
    return filled.replace("^", "").replace("$", "").replace("\\", "")


def _fill(pattern) -> str:
    text = str(pattern.pattern)
    return _fill_regex(text) if text.startswith("^") or "(?P<" in text else _fill_route(text)


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _walk(entry.url_patterns, prefix + _fill(entry), inner or "")
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            yield "/" + prefix + _fill(entry), name, namespace


ALL_URLS = sorted(set(_walk(get_resolver().url_patterns)))


def test_the_walk_finds_the_workspace_and_the_admin():
    names = {name for _, name, _ in ALL_URLS}
    for expected in ("home", "job_board", "candidate_detail", "outbox", "figures", "admin:index", "candidates:status"):
        assert expected in names
    assert len(ALL_URLS) > 60


LOGIN_PAGES = ("/login/", "/admin/login/")


def _ends_on_a_login_page(client, response) -> bool:
    """A redirect (or a short chain of them, like the admin's logout) that lands on a sign-in page."""
    for _ in range(3):
        if response.status_code != 302:
            return False
        location = response["Location"]
        if location.startswith(LOGIN_PAGES):
            return True
        response = client.get(location)
    return False


@pytest.mark.parametrize(("url", "name", "namespace"), ALL_URLS, ids=[f"{n or u}" for u, n, _ in ALL_URLS])
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_url_is_closed_to_anonymous_visitors(client, url, name, namespace, method):
    response = getattr(client, method)(url)

    if name in PUBLIC:
        assert response.status_code in (200, 301, 302, 404, 405), f"{url} answered {response.status_code}"
        return
    if namespace.split(":")[0] in SIGNED_NAMESPACES:
        assert response.status_code in (400, 404, 405), f"{url} showed something for a made-up token"
        return
    if not namespace:
        # The workspace's own pages check the login before anything else: never a 404 that could hide an open view.
        allowed = (405,) if name == "logout" else ()
        assert _ends_on_a_login_page(client, response) or response.status_code in allowed, (
            f"{method.upper()} {url} ({name}) answered {response.status_code} instead of asking to sign in"
        )
        return
    if namespace == "api":
        # The REST API asks for its key (401) rather than sending a program to a sign-in page.
        assert response.status_code in (401, 404, 405), f"{method.upper()} {url} answered {response.status_code}"
        return
    assert _ends_on_a_login_page(client, response) or response.status_code in (403, 404, 405), (
        f"{method.upper()} {url} ({name}) answered {response.status_code} to an anonymous visitor"
    )
