"""Writes of the urban data platform: catalogue entries and saved queries.

Each function checks all of its input before it writes, runs in one transaction and
leaves an audit entry. Imports live in importing.py; dropping a dataset drops its table.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stadtkern.core.audit import snapshot
from stadtkern.core.models import Municipality
from stadtkern.core.services import audit_record

from .models import Dataset, SavedQuery
from .vocab import THEMES

DATASET_FIELDS = (
    "slug",
    "title",
    "title_en",
    "description",
    "description_en",
    "access",
    "license",
    "attribution",
    "themes",
    "keywords",
    "contact_name",
    "contact_email",
    "frequency",
    "temporal_start",
    "temporal_end",
    "source_url",
    "outlines",
)
THEME_CODES = {code for code, _label in THEMES}


def _clean(obj, exclude=()) -> None:
    errors = {}
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=True)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if isinstance(obj, Dataset):
        unknown = [t for t in obj.themes if t not in THEME_CODES]
        if unknown:
            errors.setdefault("themes", []).append(
                _("Unknown theme(s): %(t)s.") % {"t": ", ".join(map(str, unknown))}
            )
        if not all(isinstance(k, str) and 0 < len(k) <= 100 for k in obj.keywords):
            errors.setdefault("keywords", []).append(
                _("Keywords are texts of 1 to 100 characters.")
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def dataset_create(*, municipality: Municipality, user, **fields) -> Dataset:
    dataset = Dataset(
        municipality=municipality, **{k: v for k, v in fields.items() if k in DATASET_FIELDS}
    )
    _clean(dataset)
    dataset.save()
    audit_record(
        municipality=municipality, obj=dataset, action="create", user=user, before=None,
        after=snapshot(dataset),
    )  # fmt: skip
    return dataset


@transaction.atomic
def dataset_update(*, dataset: Dataset, user, **changes) -> Dataset:
    before = snapshot(dataset)
    for key, value in changes.items():
        if key in DATASET_FIELDS:
            setattr(dataset, key, value)
    _clean(dataset)
    dataset.save()
    audit_record(
        municipality=dataset.municipality, obj=dataset, action="update", user=user,
        before=before, after=snapshot(dataset),
    )  # fmt: skip
    return dataset


@transaction.atomic
def dataset_delete(*, dataset: Dataset, user) -> None:
    before = snapshot(dataset)
    audit_record(
        municipality=dataset.municipality, obj=dataset, action="delete", user=user,
        before=before, after=None,
    )  # fmt: skip
    dataset.delete()  # the table goes with it: see signals.py


@transaction.atomic
def saved_query_create(*, municipality: Municipality, user, **fields) -> SavedQuery:
    query = SavedQuery(municipality=municipality, **fields)
    _clean(query)
    query.save()
    audit_record(
        municipality=municipality, obj=query, action="create", user=user, before=None,
        after=snapshot(query),
    )  # fmt: skip
    return query


@transaction.atomic
def saved_query_delete(*, query: SavedQuery, user) -> None:
    audit_record(
        municipality=query.municipality, obj=query, action="delete", user=user,
        before=snapshot(query), after=None,
    )  # fmt: skip
    query.delete()
