"""OGC API Features at /ogcapi/, read with OWSLib as a GIS client would, over real HTTP."""

import json

import pytest
import requests
from owslib.ogcapi.features import Features

from stadtkern.data import importing
from stadtkern.data.models import Dataset

pytestmark = pytest.mark.django_db(transaction=True)


def _load(dataset, tmp_path, content: bytes, name: str):
    path = tmp_path / name
    path.write_bytes(content)
    return importing.run_import(dataset, path, name, importing.Options())


@pytest.fixture
def geodata(alpha, tmp_path):
    shops = Dataset.objects.create(
        municipality=alpha,
        slug="laeden",
        title="Läden",
        temporal_start="2024-01-01",
        temporal_end="2024-12-31",
    )
    lines = ["nr;lon;lat;status;erfasst"]
    for i in range(1, 31):
        lines.append(
            f"{i};{6.60 + i * 0.001:.5f};{51.40 + i * 0.001:.5f};{'leer' if i % 3 == 0 else 'belegt'};{i:02d}.01.2024"
        )
    _load(shops, tmp_path, "\n".join(lines).encode(), "laeden.csv")
    Dataset.objects.create(municipality=alpha, slug="intern", title="Intern", access="internal")
    table = Dataset.objects.create(municipality=alpha, slug="tabelle", title="Tabelle")
    _load(table, tmp_path, b"a\n1\n", "t.csv")
    return shops


@pytest.fixture
def ogc(live_server, geodata):
    return Features(f"{live_server.url}/ogcapi/")


def test_landing_conformance_and_openapi(ogc):
    rels = {link["rel"] for link in ogc.links}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    conforms = ogc.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conforms
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conforms
    api = ogc.api()
    assert api["openapi"].startswith("3.0") and "/collections/{collectionId}/items" in api["paths"]


def test_only_public_geo_datasets_are_collections(ogc):
    ids = [c["id"] for c in ogc.collections()["collections"]]
    assert ids == ["alpha.laeden"]
    info = ogc.collection("alpha.laeden")
    minx, miny, maxx, maxy = info["extent"]["spatial"]["bbox"][0]
    assert 6.6 < minx < maxx < 6.64 and 51.4 < miny < maxy < 51.44


def test_items_with_limit_offset_bbox_properties_datetime_and_cql2(ogc):
    page = ogc.collection_items("alpha.laeden", limit=5)
    assert page["numberMatched"] == 30 and page["numberReturned"] == 5
    assert page["features"][0]["geometry"]["type"] == "Point"
    assert any(link["rel"] == "next" for link in page["links"])
    second = ogc.collection_items("alpha.laeden", limit=5, offset=5)
    assert [f["properties"]["nr"] for f in second["features"]] == [6, 7, 8, 9, 10]
    boxed = ogc.collection_items("alpha.laeden", bbox=[6.6005, 51.4005, 6.6055, 51.4055])
    assert sorted(f["properties"]["nr"] for f in boxed["features"]) == [1, 2, 3, 4, 5]
    empty = ogc.collection_items("alpha.laeden", status="leer", limit=100)
    assert empty["numberMatched"] == 10
    january = ogc.collection_items("alpha.laeden", datetime_="2024-01-10/2024-01-12", limit=100)
    assert sorted(f["properties"]["nr"] for f in january["features"]) == [10, 11, 12]
    filtered = ogc.collection_items("alpha.laeden", filter="status = 'leer' AND nr > 20", limit=100)
    assert sorted(f["properties"]["nr"] for f in filtered["features"]) == [21, 24, 27, 30]
    liked = ogc.collection_items("alpha.laeden", filter="status LIKE 'be%' AND nr IN (1, 3, 4)")
    assert sorted(f["properties"]["nr"] for f in liked["features"]) == [1, 4]
    sorted_desc = ogc.collection_items("alpha.laeden", sortby=("nr", "desc"), limit=2)
    assert [f["properties"]["nr"] for f in sorted_desc["features"]] == [30, 29]
    feature = ogc.collection_item("alpha.laeden", page["features"][0]["id"])
    assert feature["properties"]["nr"] == 1


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("collections/alpha.fehlt/items", 404),
        ("collections/alpha.intern/items", 404),
        ("collections/alpha.tabelle/items", 404),
        ("collections/alpha.laeden/items/999999", 404),
        ("collections/alpha.laeden/items/abc", 404),
        ("collections/alpha.laeden/items?bbox=1,2,3", 400),
        ("collections/alpha.laeden/items?limit=0", 400),
        ("collections/alpha.laeden/items?limit=viele", 400),
        ("collections/alpha.laeden/items?unbekannt=1", 400),
        ("collections/alpha.laeden/items?datetime=gestern", 400),
        ("collections/alpha.laeden/items?filter=status%20%3D", 400),
        ("collections/alpha.laeden/items?filter=pg_sleep(5)%20%3D%201", 400),
        ("collections/alpha.laeden/items?filter=nr%20%3D%20(SELECT%201)", 400),
        ("collections/alpha.laeden/items?filter=password%20%3D%20'x'", 400),
        ("collections/alpha.laeden/items?filter-lang=cql2-json&filter=x", 400),
    ],
)
def test_bad_requests_are_problems(live_server, geodata, path, status):
    response = requests.get(f"{live_server.url}/ogcapi/{path}", timeout=10)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["detail"]


def test_members_can_read_their_internal_geodata(client, personas, geodata):
    Dataset.objects.filter(pk=geodata.pk).update(access="internal")
    assert client.get("/ogcapi/collections/alpha.laeden/items").status_code == 404
    client.force_login(personas["viewer"])
    body = json.loads(client.get("/ogcapi/collections/alpha.laeden/items").content)
    assert body["numberMatched"] == 30
