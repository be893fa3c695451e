import json

import pytest
from django.test import Client

from api.keys import api_key_create


class ApiClient:
    """A test client that speaks JSON to /api/v1/ with a key."""

    def __init__(self, key: str | None):
        self.client = Client(enforce_csrf_checks=True)
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def _send(self, method: str, path: str, body=None, headers=None, **query):
        extra = {**self.headers, **(headers or {})}
        url = "/api/v1" + path
        if method == "get":
            return self.client.get(url, query, headers=extra)
        return getattr(self.client, method)(
            url, json.dumps(body if body is not None else {}), content_type="application/json", headers=extra
        )

    def get(self, path, **query):
        return self._send("get", path, **query)

    def post(self, path, body=None, headers=None):
        return self._send("post", path, body, headers)

    def put(self, path, body=None, headers=None):
        return self._send("put", path, body, headers)

    def patch(self, path, body=None, headers=None):
        return self._send("patch", path, body, headers)


@pytest.fixture
def api_for(db):
    """api_for(user) -> an ApiClient with a fresh key of that user."""

    def make(user, name="ATS"):
        made = api_key_create(user=user, name=name, by=None)
        client = ApiClient(made.key)
        client.api_key = made.api_key
        client.key = made.key
        return client

    return make


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"] and body["detail"]
    return body
