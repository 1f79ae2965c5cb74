"""Generated requests over the whole OpenAPI description: no answer is a server error.

Requests carry a site-staff token, so that writes get past authentication and their
validation is exercised; the municipality in the path is the existing one.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from stadtkern.core.services import token_create, user_create
from stadtkern.strategy import services
from stadtkern.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    if path_parameters and "slug" in path_parameters:
        path_parameters["slug"] = "alpha"
    return path_parameters


@pytest.fixture
def keep_test_connection():
    # Like Django's test client: a request must not close the connection that holds
    # the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def staff_token(alpha, keep_test_connection):
    staff = user_create(username="fuzz", password="x", is_staff=True, check_password=False)
    services.measure_create(municipality=alpha, user=staff, title="Eine Maßnahme", published=True)
    services.goal_create(municipality=alpha, user=staff, title="Ein Ziel", sdg_targets=["11.1"])
    _token, secret = token_create(user=staff, name="fuzz")
    return secret


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_answers_with_a_server_error(case, staff_token):
    response = case.call(headers={"Authorization": f"Bearer {staff_token}"})
    case.validate_response(response, checks=[not_a_server_error])
