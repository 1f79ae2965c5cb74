"""Files that answered 500 (or took minutes) give a clear 4xx, and nothing is stored."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from stadtkern.data.models import Dataset

pytestmark = pytest.mark.django_db

URL = "/api/v1/municipalities/alpha/datasets/laeden/imports"
FEATURE = (
    b'{"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[%s,5]}}'
)


def _upload(client, headers, name, content):
    return client.post(URL, {"file": SimpleUploadedFile(name, content)}, **headers)


@pytest.fixture
def editor(alpha, personas, token_for):
    Dataset.objects.create(municipality=alpha, slug="laeden", title="Läden")
    return token_for(personas["editor"])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("tief.geojson", b"[" * 100_000 + b"]" * 100_000),
        (
            "tief-innen.geojson",
            b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":'
            + b"[" * 100_000
            + b"]" * 100_000
            + b'},"geometry":null}]}',
        ),
        (
            "breit.csv",
            b";".join(b"c%d" % i for i in range(20_000)) + b"\n" + b"1;" * 19_999 + b"1\n",
        ),
    ],
)
def test_hostile_files_are_refused_clearly(client, editor, name, content):
    started = time.monotonic()
    response = _upload(client, editor, name, content)
    assert 400 <= response.status_code < 500, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert time.monotonic() - started < 10
    assert Dataset.objects.get(slug="laeden").row_count in (0, None)


def test_infinite_coordinates_reject_their_row_not_the_import(client, editor):
    content = b'{"type":"FeatureCollection","features":[%s,%s]}' % (
        FEATURE % b"1e400",
        FEATURE % b"6.6",
    )
    response = _upload(client, editor, "unendlich.geojson", content)
    assert response.status_code in (200, 201), response.content[:300]
    body = response.json()
    assert body["rows_imported"] == 1 and body["rows_rejected"] == 1
    assert "keine endliche Zahl" in str(body["errors"])  # German first
