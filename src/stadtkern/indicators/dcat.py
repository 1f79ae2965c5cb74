"""Every published indicator's series as a dataset of the DCAT-AP.de catalogue, with its
values as CSV and JSON; registered with data.dcat, which knows nothing of indicators."""

from django.conf import settings
from django.db.models import Max, Min
from django.urls import reverse
from django.utils import translation
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, XSD

from stadtkern.data import dcat
from stadtkern.data.vocab import FILE_TYPE_BASE, FREQUENCY_BASE, LICENSE_BASE, THEME_BASE

from .models import Indicator

FREQUENCY = {4: "ANNUAL", 7: "MONTHLY", 10: "DAILY"}  # by the length of a period's label


def contribute(g, base: str, catalog, organisation) -> list:
    """Add the published indicators that have values; return when each last changed."""
    indicators = (
        Indicator.objects.filter(published=True, values__isnull=False)
        .select_related("municipality")
        .prefetch_related("sdg_targets")
        .annotate(
            first=Min("values__start"), last=Max("values__end"), changed=Max("values__recorded_at")
        )
        .order_by("pk")
    )
    modified = []
    for i in indicators:
        modified.append(max(i.changed, i.updated_at))
        _dataset(g, base.rstrip("/"), catalog, organisation(i.municipality), i)
    return modified


def _dataset(g, base: str, catalog, org, i: Indicator) -> None:
    m = i.municipality
    with translation.override("de"):
        page = base + reverse("indicators:detail", kwargs={"slug": m.slug, "key": i.key})
        csv_url = base + reverse("indicators:values_csv", kwargs={"slug": m.slug, "key": i.key})
    json_url = f"{base}/api/v1/municipalities/{m.slug}/indicators/{i.key}/values"
    node = URIRef(page)
    g.add((catalog, DCAT.dataset, node))
    g.add((node, RDF.type, DCAT.Dataset))
    g.add((node, DCTERMS.identifier, Literal(page)))
    g.add((node, DCTERMS.title, Literal(f"{i.name} – {m.name}", lang="de")))
    if i.name_en:
        g.add((node, DCTERMS.title, Literal(f"{i.name_en} – {m.name}", lang="en")))
    g.add((node, DCTERMS.description, Literal(i.explanation or i.formula or i.name, lang="de")))
    if i.explanation_en:
        g.add((node, DCTERMS.description, Literal(i.explanation_en, lang="en")))
    g.add((node, DCTERMS.publisher, org))
    g.add((node, DCAT.landingPage, URIRef(page)))
    g.add((node, DCTERMS.issued, dcat.dt(i.created_at)))
    g.add((node, DCTERMS.modified, dcat.dt(max(i.changed, i.updated_at))))
    label = i.values.order_by("-end").values_list("period", flat=True).first() or ""
    g.add(
        (
            node,
            DCTERMS.accrualPeriodicity,
            URIRef(FREQUENCY_BASE + FREQUENCY.get(len(label), "IRREG")),
        )
    )
    g.add((node, DCTERMS.language, dcat.LANG))
    g.add((node, DCAT.theme, URIRef(THEME_BASE + "REGI")))
    for keyword in ("Indikator", i.key, *(f"SDG {t.code}" for t in i.sdg_targets.all())):
        g.add((node, DCAT.keyword, Literal(keyword, lang="de")))
    contact = BNode()
    g.add((node, DCAT.contactPoint, contact))
    g.add((contact, RDF.type, dcat.VCARD.Organization))
    g.add((contact, dcat.VCARD.fn, Literal(m.name)))
    g.add((contact, dcat.VCARD.hasURL, URIRef(page)))
    period = BNode()
    g.add((node, DCTERMS.temporal, period))
    g.add((period, RDF.type, DCTERMS.PeriodOfTime))
    g.add((period, DCAT.startDate, Literal(i.first.isoformat(), datatype=XSD.date)))
    g.add((period, DCAT.endDate, Literal(i.last.isoformat(), datatype=XSD.date)))
    dcat.political_geocoding(g, node, m)
    for suffix, url, file_type, media in (
        ("csv", csv_url, "CSV", "text/csv"),
        ("json", json_url, "JSON", "application/json"),
    ):
        dist = URIRef(f"{page}#{suffix}")
        g.add((node, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(f"{i.name} ({file_type})", lang="de")))
        g.add((dist, DCAT.accessURL, URIRef(url)))
        g.add((dist, DCAT.downloadURL, URIRef(url)))
        g.add((dist, DCTERMS.format, URIRef(FILE_TYPE_BASE + file_type)))
        g.add((dist, DCAT.mediaType, URIRef(dcat.IANA + media)))
        g.add((dist, DCTERMS.license, URIRef(LICENSE_BASE + settings.INDICATORS_LICENSE)))
        g.add((dist, DCTERMS.modified, dcat.dt(max(i.changed, i.updated_at))))
        g.add(
            (dist, dcat.DCATDE.licenseAttributionByText, Literal(f"{m.name}: {i.name}", lang="de"))
        )
