from tests.support.rate_limits import _fresh_rate_limits  # noqa: F401 (an autouse fixture for this package)
