"""The rate limits count in the cache, which outlives a test's database transaction: a fixture that starts
and ends each test with an empty cache, used by the packages whose pages are rate-limited."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The POST rate limit counts in the cache, which outlives a test's database transaction."""
    cache.clear()
    yield
    cache.clear()
