"""Reads of the urban data platform: the catalogue with its facets, one dataset, queries."""

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from stadtkern.core import rules
from stadtkern.core.selectors import municipalities_of, municipality_get

from .datastore import Query
from .models import Access, Dataset, SavedQuery


def datasets_visible(user) -> QuerySet[Dataset]:
    """Public datasets of every municipality, and internal ones of the user's own."""
    qs = Dataset.objects.select_related("municipality")
    if getattr(user, "is_authenticated", False) and user.is_staff:
        return qs
    # Internal datasets are the members' (as on their pages): a moderator is no member.
    own = [m.pk for m in municipalities_of(user) if rules.can_view_drafts(user, m)]
    return qs.filter(Q(access=Access.PUBLIC) | Q(municipality__in=own))


def datasets_of(user, municipality) -> QuerySet[Dataset]:
    """The datasets of one municipality the user may see."""
    return datasets_visible(user).filter(municipality=municipality)


def dataset_get(user, slug: str, name: str) -> Dataset:
    municipality = municipality_get(slug)
    dataset = (
        Dataset.objects.filter(municipality=municipality, slug=name)
        .select_related("municipality")
        .first()
    )
    # Internal datasets are invisible to outsiders: the same 404 as a missing one.
    if dataset is None or not rules.can_view_dataset(user, dataset):
        raise Http404(f"No dataset {name!r} in {slug!r}.")
    return dataset


NOT_AN_EDITOR = "Only editors and administrators of this municipality may do this."


def municipality_editable(user, slug: str):
    """The municipality, if the user may change its data; PermissionDenied otherwise."""
    municipality = municipality_get(slug)
    if not rules.can_edit_data(user, municipality):
        raise PermissionDenied(NOT_AN_EDITOR)
    return municipality


def dataset_editable(user, slug: str, name: str) -> Dataset:
    """The dataset, if the user may see and change it (404 when they may not even see it)."""
    dataset = dataset_get(user, slug, name)
    if not rules.can_edit_data(user, dataset.municipality):
        raise PermissionDenied(NOT_AN_EDITOR)
    return dataset


@dataclass
class CatalogueFilter:
    q: str = ""
    municipality: str = ""
    theme: str = ""
    license: str = ""
    format: str = ""  # "geo" for datasets with geometry, "table" for the others


@dataclass
class Catalogue:
    datasets: list[Dataset]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def catalogue(user, f: CatalogueFilter) -> Catalogue:
    """Datasets matching the filter, and counts per facet value over the visible ones."""
    visible = list(datasets_visible(user).order_by("title"))
    needle = f.q.strip().lower()

    def match(d: Dataset, skip: str = "") -> bool:
        if needle and not any(
            needle in (s or "").lower()
            for s in (d.title, d.title_en, d.description, d.description_en, " ".join(d.keywords))
        ):
            return False
        if skip != "municipality" and f.municipality and d.municipality.slug != f.municipality:
            return False
        if skip != "theme" and f.theme and f.theme not in d.themes:
            return False
        if skip != "license" and f.license and d.license != f.license:
            return False
        fmt = "geo" if d.has_geometry else "table"
        return not (skip != "format" and f.format and fmt != f.format)

    facets = {
        "municipality": Counter(d.municipality.slug for d in visible if match(d, "municipality")),
        "theme": Counter(t for d in visible if match(d, "theme") for t in d.themes),
        "license": Counter(d.license for d in visible if match(d, "license")),
        "format": Counter(
            ("geo" if d.has_geometry else "table") for d in visible if match(d, "format")
        ),
    }
    return Catalogue(
        [d for d in visible if match(d)],
        {k: sorted(v.items(), key=lambda kv: (-kv[1], kv[0])) for k, v in facets.items()},
    )


def saved_queries(user, slug: str) -> list[SavedQuery]:
    municipality = municipality_get(slug)
    qs = SavedQuery.objects.filter(municipality=municipality)
    if not rules.can_view_drafts(user, municipality):
        qs = qs.filter(public=True)
    return list(qs)


def saved_query_get(user, slug: str, name: str) -> SavedQuery:
    for q in saved_queries(user, slug):
        if q.slug == name:
            return q
    raise Http404(f"No saved query {name!r} in {slug!r}.")


OUTLINES_MAX = 500  # areas drawn as context; more would slow every map of the municipality
_LABEL_NAMES = ("name", "bezeichnung", "bezirk", "stadtteil", "ortsteil", "gebiet", "title")


def outlines_geojson(municipality) -> dict:
    """The municipality's district outlines as GeoJSON for its maps: the areas of its
    public datasets marked as outlines, each with its name as ``label``."""
    features = []
    datasets = Dataset.objects.filter(
        municipality=municipality, outlines=True, access=Access.PUBLIC
    ).exclude(table="")
    for dataset in datasets.order_by("pk")[:3]:
        if "Polygon" not in (dataset.geometry_type or ""):
            continue
        texts = [c["name"] for c in dataset.columns if c["type"] == "text"]
        label = next((n for n in texts if n.lower() in _LABEL_NAMES), texts[0] if texts else None)
        query = Query(dataset, fields=[*([label] if label else []), "geometry"])
        for row in query.stream():
            if len(features) >= OUTLINES_MAX:
                break
            features.append({
                "type": "Feature", "geometry": row.get("geometry"),
                "properties": {"label": str(row.get(label) or "") if label else ""},
            })  # fmt: skip
    return {"type": "FeatureCollection", "features": features}
