"""The DCAT-AP.de catalogue validates against the official SHACL shapes with zero violations."""

import json
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SH, SKOS

from stadtkern.data.models import Dataset

pytestmark = pytest.mark.django_db

SHAPES = Path(__file__).resolve().parents[4] / "tests" / "dcat_ap_de"
EU = "http://publications.europa.eu/resource/authority/"
EU_TABLES = (
    "language",
    "frequency",
    "data-theme",
    "file-type",
    "access-right",
    "planned-availability",
    "dataset-type",
    "distribution-status",
)
SCHEMES = {
    "http://dcat-ap.de/def/politicalGeocoding/Level/": "http://dcat-ap.de/def/politicalGeocoding/Level",
    "http://purl.org/adms/publishertype/": "http://purl.org/adms/publishertype/1.0",
}


@pytest.fixture(scope="module")
def shapes():
    graph = Graph()
    for f in sorted(SHAPES.glob("*.ttl")):
        if not f.name.startswith(("ont-", "dcat-ap-de-imports")):
            graph.parse(f, format="turtle")
    ontology = Graph()
    for f in sorted(SHAPES.glob("ont-*")):
        ontology.parse(f)
    return graph, ontology


def violations(data: Graph, shapes) -> list[str]:
    """Validate as GovData does; EU authority tables are approximated by their namespace
    (offline, each IRI under a table's namespace is declared a concept of that table)."""
    graph, ontology = shapes
    data = data + Graph()
    for vocab in ("dcat-ap-de-licenses-open.rdf", "dcat-ap-de-contributors.rdf"):
        data.parse(SHAPES / vocab)
    for o in set(data.objects()):
        if not isinstance(o, URIRef):
            continue
        text = str(o)
        if text.startswith(EU) and text[len(EU) :].split("/")[0] in EU_TABLES:
            data.add((o, SKOS.inScheme, URIRef(EU + text[len(EU) :].split("/")[0])))
        for prefix, scheme in SCHEMES.items():
            if text.startswith(prefix):
                data.add((o, SKOS.inScheme, URIRef(scheme)))
    _conforms, report, _text = validate(
        data, shacl_graph=graph, ont_graph=ontology, inference="rdfs", allow_warnings=True
    )
    return sorted(
        f"{report.value(r, SH.focusNode)}: {report.value(r, SH.resultMessage)}"
        for r in report.subjects(SH.resultSeverity, SH.Violation)
    )


@pytest.fixture
def catalogue(alpha, beta, load):
    full = Dataset.objects.create(
        municipality=alpha, slug="bezirke", title="Bezirke", title_en="Districts",
        description="Grenzen der Bezirke", themes=["REGI", "GOVE"], keywords=["Bezirke"],
        contact_name="Vermessung", contact_email="geo@alpha.example", frequency="ANNUAL",
        license="dl-zero-de/2.0",
    )  # fmt: skip
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Mitte"},
                "geometry": {"type": "Point", "coordinates": [6.6, 51.4]},
            }
        ],
    }
    load(full, json.dumps(doc).encode(), "b.geojson")
    table = Dataset.objects.create(
        municipality=beta, slug="zahlen", title="Zahlen", license="cc-by/4.0", attribution="Betadorf",
        contact_name="Rathaus Betadorf",
        description="", temporal_start="2024-01-01", temporal_end="2024-12-31",
    )  # fmt: skip
    load(table, b"a;b\n1;2\n")
    Dataset.objects.create(municipality=alpha, slug="leer", title="Noch ohne Daten")
    Dataset.objects.create(municipality=alpha, slug="geheim", title="Geheim", access="internal")


@pytest.mark.parametrize(
    ("fmt", "parser"), [("ttl", "turtle"), ("jsonld", "json-ld"), ("rdf", "xml")]
)
def test_catalogue_is_valid_dcat_ap_de(client, catalogue, shapes, fmt, parser):
    response = client.get(f"/catalog.{fmt}")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content.decode(), format=parser)
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    titles = {str(graph.value(d, DCTERMS.title)) for d in datasets}
    assert titles >= {"Bezirke", "Zahlen", "Noch ohne Daten"} and "Geheim" not in titles
    assert len(set(graph.subjects(RDF.type, DCAT.Distribution))) >= 4 + 3 + 1
    assert violations(graph, shapes) == []


def test_the_validation_does_find_violations(shapes):
    broken = Graph()
    node = URIRef("http://example.org/ds")
    broken.add((URIRef("http://example.org/cat"), RDF.type, DCAT.Catalog))
    broken.add((node, RDF.type, DCAT.Dataset))
    assert violations(broken, shapes)


def test_published_indicator_series_are_datasets_of_the_catalogue(client, catalogue, alpha, shapes):
    from stadtkern.indicators import services

    shown = services.indicator_adopt(
        municipality=alpha, key="pkw_elektro", user=None, published=True
    )
    for year, value in ((2022, 3.6), (2023, 4.9)):
        services.value_enter(indicator=shown, user=None, period=year, value=value, source="KBA")
    draft = services.indicator_adopt(municipality=alpha, key="pkw_dichte", user=None)
    services.value_enter(indicator=draft, user=None, period=2023, value=570)
    graph = Graph().parse(data=client.get("/catalog.ttl").content.decode(), format="turtle")
    titles = {str(graph.value(d, DCTERMS.title)) for d in graph.subjects(RDF.type, DCAT.Dataset)}
    assert "Pkw mit Elektroantrieb – Alphastadt" in titles
    assert not any("Pkw-Dichte" in t for t in titles)
    node = URIRef("http://testserver/m/alpha/cockpit/pkw_elektro/")
    downloads = {
        str(graph.value(d, DCAT.downloadURL)) for d in graph.objects(node, DCAT.distribution)
    }
    assert "http://testserver/m/alpha/cockpit/pkw_elektro/values.csv" in downloads
    assert client.get("/m/alpha/cockpit/pkw_elektro/values.csv").status_code == 200
    assert violations(graph, shapes) == []


def test_a_control_character_in_a_title_does_not_break_the_rdf_catalogue(client, alpha):
    Dataset.objects.create(municipality=alpha, slug="steuer", title="Steuer\x0bzeichen")
    response = client.get("/catalog.rdf")
    graph = Graph().parse(data=response.content.decode(), format="xml")
    titles = {str(graph.value(d, DCTERMS.title)) for d in graph.subjects(RDF.type, DCAT.Dataset)}
    assert "Steuerzeichen" in titles
