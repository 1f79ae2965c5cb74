import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages():
    """Services speak the language of the request; tests that call them directly read
    their messages in English, whatever an earlier test left active."""
    with translation.override("en"):
        yield
