"""The OpenAPI document fuzzed with schemathesis: generated requests (valid and invalid) to every
operation, with a valid key; no server error, and every answer as the document describes it.

Schema-valid requests the rules refuse (an empty name, a duplicate address, a move the pipeline does not
allow) are answered 422 on purpose, so the check that every schema-valid request is accepted is left out.
A query parameter the document does not name is ignored, as HTTP APIs do (an ATS may add its own), so the
check that counts an unknown query parameter as invalid data is left out too (invalid bodies and values
are refused with 422: tests/api/test_auth.py). Derandomised, so that a run on any day
tries the same requests.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from api.keys import api_key_create
from recruiting.models import Stage
from tests.factories import ApplicationFactory, UserFactory

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def key(db):
    # The WSGI handler closes the database connection after each request, as it should in production;
    # here the test's transaction must survive it (Django's test client does the same).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    admin = UserFactory(is_staff=True, is_superuser=True, profile__role="admin")
    # Something for the generated ids to find now and then.
    ApplicationFactory(candidate__owner=admin, job__owner=admin, stage=Stage.SCREENING)
    yield api_key_create(user=admin, name="Fuzz", by=None).key
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, key):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {key}"},
        excluded_checks=[checks.positive_data_acceptance, checks.negative_data_rejection],
    )
