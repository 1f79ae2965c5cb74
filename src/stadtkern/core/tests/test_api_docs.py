"""The interactive API documentation is served with the instance's own files, no CDN."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_api_docs_load_only_files_of_this_instance(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    addresses = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert addresses and all(a.startswith("/static/ninja/") for a in addresses), addresses
    for address in addresses:
        assert finders.find(address.removeprefix("/static/")), address
    assert "cdn" not in page.lower() and "https://" not in page
