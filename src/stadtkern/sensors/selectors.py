"""Reads of the SensorThings service: who sees what, and paths resolved to querysets.

Things are public or internal; a Thing's Datastreams, Observations and
HistoricalLocations share its visibility. Sensors, ObservedProperties, Locations and
FeaturesOfInterest describe things and are readable by all. Members of a municipality
and its machine tokens see everything of that municipality; site staff see all.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.query import prefetch_related_objects

from stadtkern.core.models import Membership
from stadtkern.core.rules import MEMBER_ROLES

from .entities import TYPES, EntityType, reverse_lookup
from .filters import filter_q
from .models import MachineToken
from .odata import ODataError, Options, Path

# The path from each entity type to the Thing whose visibility it shares.
_THING = {
    "Thing": "",
    "Datastream": "thing__",
    "Observation": "datastream__thing__",
    "HistoricalLocation": "thing__",
}
# Navigations whose targets belong to the same Thing as their source: a visible source
# needs no second check of what is reached from it.
_SAME_THING = {
    ("Thing", "Datastream"),
    ("Thing", "HistoricalLocation"),
    ("Datastream", "Observation"),
}


@dataclass
class Caller:
    user: object = None
    token: MachineToken | None = None
    municipalities: set[int] = field(default_factory=set)
    staff: bool = False

    @classmethod
    def of(cls, request, token: MachineToken | None) -> "Caller":
        user = request.user if request.user.is_authenticated else None
        ids = set()
        if user is not None:
            ids = set(  # members; a moderator of proposals sees what the public sees
                Membership.objects.filter(user=user, role__in=MEMBER_ROLES)
                .values_list("municipality_id", flat=True)
            )  # fmt: skip
        if token is not None:
            ids.add(token.municipality_id)
        return cls(user, token, ids, bool(user and user.is_staff))


def visibility(etype: EntityType, caller: Caller) -> Q:
    if caller.staff or etype.name not in _THING:
        return Q()
    if etype.name == "Observation":
        # A test per row against its datastream, not a join: with a join, SQLite starts
        # from the datastreams and sorts all their observations before the first page.
        streams = TYPES["Datastream"].model.objects.filter(pk=OuterRef("datastream_id"))
        return Q(Exists(streams.filter(visibility(TYPES["Datastream"], caller))))
    return Q(**{f"{_THING[etype.name]}public": True}) | Q(municipality_id__in=caller.municipalities)


def shares_visibility(source: EntityType, target: EntityType) -> bool:
    return (source.name, target.name) in _SAME_THING


def visible(etype: EntityType, caller: Caller):
    return etype.model.objects.filter(visibility(etype, caller))


def resolve(path: Path, caller: Caller):
    """The entity (an instance) or collection (a queryset) a path names; 404 if hidden."""
    first = path.steps[0]
    current = visible(first.etype, caller)
    obj = None
    if first.id is not None:
        obj = _one(current.filter(pk=first.id), first.etype, first.id)
    previous = first.etype
    for step in path.steps[1:]:
        target = visible(step.etype, caller)
        if step.nav.many:
            current = getattr(obj, step.nav.field).all()
            if not shares_visibility(previous, step.etype):
                current = current.filter(visibility(step.etype, caller))
            obj = None
            if step.id is not None:
                obj = _one(current.filter(pk=step.id), step.etype, step.id)
        else:
            ident = getattr(obj, f"{step.nav.field}_id")
            obj = _one(target.filter(pk=ident), step.etype, ident)
        previous = step.etype
    return obj if obj is not None else current


def _one(qs, etype: EntityType, ident):
    obj = next(iter(qs[:1]), None)  # by its id: no ORDER BY to build or run
    if obj is None:
        raise ODataError(f"{etype.name} {ident} does not exist.", status=404)
    return obj


def ordered(qs, etype: EntityType, options: Options, series: bool = False):
    """$orderby, then the id in the same direction as the last key, so that an index on
    (datastream, phenomenonTime, id) serves both directions. A datastream's Observations
    (``series``) are in time order unless $orderby says otherwise; other collections
    in the order of their ids."""
    keys = []
    for name, desc in options.orderby:
        prop = etype.prop_by_name.get(name)
        column = "pk" if prop is None else prop.field
        keys.append(f"-{column}" if desc else column)
    if not keys and series and etype.name == "Observation":
        keys = ["phenomenon_time"]
    descending = bool(keys) and keys[-1].startswith("-")
    return qs.order_by(*keys, "-pk" if descending else "pk")


def filtered(qs, etype: EntityType, options: Options, caller: Caller):
    """Apply $filter; a path into entities the caller may not see finds none of them."""
    if not options.filter:
        return qs
    guard = None if caller.staff else (lambda name: visible(TYPES[name], caller))
    q, many = filter_q(etype, options.filter, guard)
    qs = qs.filter(q)
    return qs.distinct() if many else qs


# The newest few Observations of each expanded Datastream ($top up to this, the way
# map viewers ask for latest values) are sought per datastream in its index; more are
# read with a window function over all of the datastreams' observations.
SEEK_TOP = 10


def _seeks(etype: EntityType, exp) -> bool:
    """Whether an expansion is read by seeking (see ``expand_by_seeking``)."""
    return (
        etype.name == "Datastream"
        and exp.nav.target == "Observation"
        and exp.options.top + 1 <= SEEK_TOP
        and not (exp.options.filter and filter_q(TYPES["Observation"], exp.options.filter)[1])
    )


def _lookups(etype: EntityType, options: Options, caller: Caller) -> list:
    lookups = []
    for exp in options.expand:
        if _seeks(etype, exp):
            continue  # after the rows are read: expand_by_seeking
        target = TYPES[exp.nav.target]
        series = etype.name == "Datastream"
        base = (
            target.model.objects.all()
            if shares_visibility(etype, target)
            else visible(target, caller)
        )
        inner = ordered(filtered(base, target, exp.options, caller), target, exp.options, series)
        inner = with_expansions(inner, target, exp.options, caller)
        if exp.nav.many:
            inner = inner[exp.options.skip : exp.options.skip + exp.options.top + 1]
        lookups.append(Prefetch(exp.nav.field, queryset=inner, to_attr=f"x_{exp.nav.field}"))
    return lookups


def with_expansions(qs, etype: EntityType, options: Options, caller: Caller):
    """Prefetches for $expand, one query per expanded navigation whatever the count;
    nested $top/$skip become window functions (Django's sliced prefetches). One row
    more than $top is read to know whether a nextLink is due. A datastream's newest few
    Observations are left to ``expand_by_seeking``, once the rows are read."""
    lookups = _lookups(etype, options, caller)
    return qs.prefetch_related(*lookups) if lookups else qs


def expand_by_seeking(objs, etype: EntityType, options: Options, caller: Caller) -> None:
    """The expansions ``with_expansions`` left out, at every depth: each datastream's
    first rows in the expansion's order are found by one correlated subquery per
    position (an index seek each) instead of ranking all its observations; then the
    rows are read with their own expansions."""
    if not objs:
        return
    for exp in options.expand:
        target = TYPES[exp.nav.target]
        if _seeks(etype, exp):
            _seek(objs, exp, caller)
        children = []
        for obj in objs:
            items = getattr(obj, f"x_{exp.nav.field}", None)
            if isinstance(items, list):
                children.extend(items)
            elif items is not None:
                children.append(items)
        expand_by_seeking(children, target, exp.options, caller)


def _seek(datastreams, exp, caller: Caller) -> None:
    target, opts = TYPES["Observation"], exp.options
    rows = ordered(
        filtered(
            target.model.objects.filter(datastream_id=OuterRef("pk")), target, opts, caller
        ),
        target, opts, series=True,
    ).values("pk")  # fmt: skip
    positions = range(opts.skip, opts.skip + opts.top + 1)
    per = (
        TYPES["Datastream"].model.objects.filter(pk__in=[d.pk for d in datastreams])
        .annotate(**{f"at{i}": Subquery(rows[i : i + 1]) for i in positions})
        .values_list("pk", *(f"at{i}" for i in positions))
    )  # fmt: skip
    ids = {row[0]: [i for i in row[1:] if i is not None] for row in per}
    found = target.model.objects.in_bulk([i for row in ids.values() for i in row])
    observations = list(found.values())
    lookups = _lookups(target, opts, caller)
    if lookups and observations:
        prefetch_related_objects(observations, *lookups)
    for ds in datastreams:
        setattr(ds, f"x_{exp.nav.field}", [found[i] for i in ids.get(ds.pk, ()) if i in found])


def expansion_counts(objs, etype: EntityType, options: Options, caller: Caller) -> None:
    """``$count`` inside ``$expand``: one grouped count per expanded navigation, set as
    ``n_<field>`` on each object, and the same for nested expansions."""
    if not objs:
        return
    for exp in options.expand:
        target = TYPES[exp.nav.target]
        if exp.nav.many and exp.options.count:
            back = reverse_lookup(etype, exp.nav)
            qs = filtered(visible(target, caller), target, exp.options, caller)
            counts = dict(
                qs.filter(**{f"{back}__in": [o.pk for o in objs]})
                .values_list(back)
                .annotate(n=Count("pk", distinct=True))
                .order_by()
            )
            for obj in objs:
                setattr(obj, f"n_{exp.nav.field}", counts.get(obj.pk, 0))
        children = []
        for obj in objs:
            items = getattr(obj, f"x_{exp.nav.field}", None)
            if isinstance(items, list):
                children.extend(items)
            elif items is not None:
                children.append(items)
        expansion_counts(children, target, exp.options, caller)


def kept_count(path: Path, options: Options, caller: Caller) -> int | None:
    """``$count`` of Observations without a filter, from the counts the datastreams keep
    (a sum instead of a scan of millions of rows); None when it must be counted."""
    last = path.last
    if last.etype.name != "Observation" or options.filter:
        return None
    datastreams = visible(TYPES["Datastream"], caller)
    if len(path.steps) == 1 and last.id is None:
        return datastreams.aggregate(n=Sum("observation_count"))["n"] or 0
    parent = path.steps[-2] if len(path.steps) > 1 else None
    if (
        parent is not None
        and parent.etype.name == "Datastream"
        and parent.id is not None
        and len(path.steps) == 2
    ):
        return (
            datastreams.filter(pk=parent.id).values_list("observation_count", flat=True).first()
            or 0
        )
    return None
