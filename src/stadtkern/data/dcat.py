"""The catalogue in DCAT-AP.de 3.0, for GovData and every other harvester.

One dcat:Catalog for the instance with a dcat:Dataset per public dataset; each dataset
has a distribution per download format (CSV, JSON, XLSX, and GeoJSON for geodata) and,
for geodata, one for the OGC API Features collection. Publisher is the municipality,
with its AGS as political geocoding. Internal datasets are never exported.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from stadtkern.core.text import has_controls, without_controls

from .contributors import CATALOGUE_PARTS
from .models import Dataset
from .vocab import EXPORTS, FILE_TYPE_BASE, FREQUENCY_BASE, GEOCODING_BASE, LICENSE_BASE, THEME_BASE

DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
LANG = URIRef("http://publications.europa.eu/resource/authority/language/DEU")
LANG_EN = URIRef("http://publications.europa.eu/resource/authority/language/ENG")
IANA = "https://www.iana.org/assignments/media-types/"
LEVELS = {
    "stadt": "municipality",
    "gemeinde": "municipality",
    "landkreis": "districtKey",
    "verbund": "municipalAssociation",
}
RDF_FORMATS = {
    "ttl": ("turtle", "text/turtle"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("xml", "application/rdf+xml"),
}


def dt(value) -> Literal:
    return Literal(value.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def political_geocoding(g: Graph, node, municipality) -> None:
    if not municipality.ags:
        return
    level = LEVELS.get(municipality.kind, "municipality")
    key = "districtKey" if level == "districtKey" else "municipalityKey"
    ags = municipality.ags[:5] if key == "districtKey" else municipality.ags
    g.add((node, DCATDE.politicalGeocodingURI, URIRef(f"{GEOCODING_BASE}{key}/{ags}")))
    level_name = "administrativeDistrict" if level == "districtKey" else level
    g.add((node, DCATDE.politicalGeocodingLevelURI, URIRef(f"{GEOCODING_BASE}Level/{level_name}")))


def catalogue_graph(base: str, datasets: list[Dataset]) -> Graph:
    """The DCAT-AP.de graph of the given (public) datasets; ``base`` is the site's URL."""
    base = base.rstrip("/")
    g = Graph()
    for prefix, ns in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("dcatde", DCATDE),
                       ("vcard", VCARD), ("locn", LOCN)):  # fmt: skip
        g.bind(prefix, ns)
    catalog = URIRef(f"{base}/catalog")
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, Literal(settings.CATALOG_TITLE, lang="de")))
    g.add((catalog, DCTERMS.description, Literal(settings.CATALOG_DESCRIPTION, lang="de")))
    g.add((catalog, FOAF.homepage, URIRef(f"{base}/")))
    g.add((catalog, DCTERMS.language, LANG))
    publisher = URIRef(f"{base}/#publisher")
    g.add((catalog, DCTERMS.publisher, publisher))
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal(settings.CATALOG_PUBLISHER)))
    organisations: dict[int, URIRef] = {}

    def organisation(m) -> URIRef:
        if m.pk not in organisations:
            org = organisations[m.pk] = URIRef(f"{base}/m/{m.slug}/#organisation")
            g.add((org, RDF.type, FOAF.Organization))
            g.add((org, FOAF.name, Literal(m.name)))
        return organisations[m.pk]

    modified = [d.modified for d in datasets]
    for d in datasets:
        _dataset(g, base, catalog, d, organisation(d.municipality))
    for part in CATALOGUE_PARTS:
        modified += part(g, base, catalog, organisation)
    if modified:
        g.add((catalog, DCTERMS.modified, dt(max(modified))))
    return g


def _dataset(g: Graph, base: str, catalog, d: Dataset, org) -> None:
    with translation.override("de"):
        page = base + reverse("data:dataset", args=[d.municipality.slug, d.slug])
    node = URIRef(page)
    g.add((catalog, DCAT.dataset, node))
    g.add((node, RDF.type, DCAT.Dataset))
    g.add((node, DCTERMS.identifier, Literal(page)))
    g.add((node, DCTERMS.title, Literal(d.title, lang="de")))
    if d.title_en:
        g.add((node, DCTERMS.title, Literal(d.title_en, lang="en")))
    g.add((node, DCTERMS.description, Literal(d.description or d.title, lang="de")))
    if d.description_en:
        g.add((node, DCTERMS.description, Literal(d.description_en, lang="en")))
    g.add((node, DCTERMS.publisher, org))
    g.add((node, DCAT.landingPage, URIRef(page)))
    g.add((node, DCTERMS.issued, dt(d.issued)))
    g.add((node, DCTERMS.modified, dt(d.modified)))
    g.add((node, DCTERMS.accrualPeriodicity, URIRef(FREQUENCY_BASE + d.frequency)))
    g.add((node, DCTERMS.language, LANG))
    for theme in d.themes:
        g.add((node, DCAT.theme, URIRef(THEME_BASE + theme)))
    for keyword in d.keywords:
        g.add((node, DCAT.keyword, Literal(keyword, lang="de")))
    if d.contact_name or d.contact_email:
        contact = BNode()
        g.add((node, DCAT.contactPoint, contact))
        g.add((contact, RDF.type, VCARD.Organization))
        g.add((contact, VCARD.fn, Literal(d.contact_name or d.municipality.name)))
        if d.contact_email:
            g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{d.contact_email}")))
        else:
            # DCAT-AP.de wants a way to reach the contact: without an e-mail, a web page.
            g.add((contact, VCARD.hasURL, URIRef(d.source_url or page)))
    if d.temporal_start or d.temporal_end:
        period = BNode()
        g.add((node, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if d.temporal_start:
            g.add(
                (period, DCAT.startDate, Literal(d.temporal_start.isoformat(), datatype=XSD.date))
            )
        if d.temporal_end:
            g.add((period, DCAT.endDate, Literal(d.temporal_end.isoformat(), datatype=XSD.date)))
    political_geocoding(g, node, d.municipality)
    if d.bbox:
        minx, miny, maxx, maxy = d.bbox
        place = BNode()
        g.add((node, DCTERMS.spatial, place))
        g.add((place, RDF.type, DCTERMS.Location))
        wkt = (
            f"POLYGON(({minx} {miny}, {maxx} {miny}, {maxx} {maxy}, {minx} {maxy}, {minx} {miny}))"
        )
        g.add(
            (
                place,
                DCAT.bbox,
                Literal(wkt, datatype=URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")),
            )
        )
    if not d.table:
        return
    formats = [f for f in EXPORTS if f != "geojson" or d.has_geometry]
    for fmt in formats:
        file_type, media = EXPORTS[fmt]
        url = base + f"/api/v1/municipalities/{d.municipality.slug}/datasets/{d.slug}/export/{fmt}"
        _distribution(
            g, node, d, URIRef(f"{page}#{fmt}"), url, file_type, media, f"{d.title} ({file_type})"
        )
    if d.has_geometry and d.is_public:
        url = f"{base}/ogcapi/collections/{d.qualified_name}"
        dist = URIRef(f"{page}#ogcapi")
        _distribution(
            g,
            node,
            d,
            dist,
            url,
            "JSON",
            "application/geo+json",
            f"{d.title} (OGC API Features)",
            download=False,
        )


def _distribution(g, dataset_node, d: Dataset, node, url, file_type, media, title, download=True):
    g.add((dataset_node, DCAT.distribution, node))
    g.add((node, RDF.type, DCAT.Distribution))
    g.add((node, DCTERMS.title, Literal(title, lang="de")))
    g.add((node, DCAT.accessURL, URIRef(url)))
    if download:
        g.add((node, DCAT.downloadURL, URIRef(url)))
    g.add((node, DCTERMS.format, URIRef(FILE_TYPE_BASE + file_type)))
    g.add((node, DCAT.mediaType, URIRef(IANA + media)))
    g.add((node, DCTERMS.license, URIRef(LICENSE_BASE + d.license)))
    g.add((node, DCTERMS.modified, dt(d.modified)))
    if d.attribution or d.license.startswith(("dl-by", "cc-by")):
        attribution = d.attribution or f"{d.municipality.name}: {d.title}"
        g.add((node, DCATDE.licenseAttributionByText, Literal(attribution, lang="de")))


def serialise(graph: Graph, fmt: str) -> str:
    """The graph as text; literals lose control characters first, which XML cannot carry
    (one title with a stray control character would break the whole RDF/XML catalogue)."""
    for s, p, o in list(graph):
        if isinstance(o, Literal) and isinstance(o.value, str) and has_controls(str(o)):
            graph.remove((s, p, o))
            graph.add(
                (s, p, Literal(without_controls(str(o)), lang=o.language, datatype=o.datatype))
            )
    name, _media = RDF_FORMATS[fmt]
    return graph.serialize(format=name)
