"""What the start page and the search gather from every app, through a registry.

Core sits below the other apps and does not import them; each app registers, in its
``AppConfig.ready``, functions that answer for its part: current calls to act (open
votes, surveys, proposal phases), the newest things (datasets, sensor streams) and
search hits. Each function sees the request, so that it shows only what the visitor may
see.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise

MAX_QUERY = 100
HITS_PER_KIND = 20


@dataclass(frozen=True)
class Call:
    """An invitation to take part, with its deadline."""

    municipality_id: int
    kind: str | Promise  # "Vote", "Survey", "Proposals", in the reader's language
    title: str
    url: str
    ends_at: datetime | None


@dataclass(frozen=True)
class Item:
    """Something new on the platform."""

    municipality_id: int
    title: str
    url: str
    at: datetime | None
    detail: str = ""


@dataclass(frozen=True)
class Hit:
    municipality_id: int
    title: str
    url: str
    text: str = ""


_calls: list[Callable] = []
_news: dict[str, tuple[str | Promise, Callable]] = {}
_search: dict[str, tuple[str | Promise, Callable]] = {}


def register_calls(provider: Callable) -> None:
    """``provider(request) -> list[Call]``."""
    if provider not in _calls:
        _calls.append(provider)


def register_news(key: str, label, provider: Callable) -> None:
    """``provider(request, limit) -> list[Item]``, shown under ``label``."""
    _news[key] = (label, provider)


def register_search(key: str, label, provider: Callable) -> None:
    """``provider(request, query, limit) -> list[Hit]``, listed under ``label``."""
    _search[key] = (label, provider)


def clean_query(query: str) -> str:
    """Words of at most 100 characters in all, without control characters (PostgreSQL
    stores no NUL, and no title holds one)."""
    printable = "".join(ch if ch.isprintable() else " " for ch in query[: MAX_QUERY * 4])
    return " ".join(printable.split())[:MAX_QUERY]


def calls(request) -> list[Call]:
    """Every open call to act, the nearest deadline first (open-ended ones last)."""
    found = [call for provider in _calls for call in provider(request)]
    return sorted(found, key=lambda c: (c.ends_at is None, c.ends_at or datetime.max, c.title))


def news(request, limit: int = 5) -> list[tuple[str, list[Item]]]:
    return [(label, provider(request, limit)) for label, provider in _news.values()]


def search(request, query: str) -> list[tuple[str, list[Hit]]]:
    """Hits per kind (strategy, measures, datasets, ...) for a query of a few words."""
    query = clean_query(query)
    if len(query) < 2:
        return []
    return [
        (label, provider(request, query, HITS_PER_KIND)) for label, provider in _search.values()
    ]


def words_match(fields: list[str], query: str):
    """A filter: every word of the query in at least one of the fields (any case)."""
    from django.db.models import Q

    condition = Q()
    for word in query.split()[:8]:
        any_field = Q()
        for f in fields:
            any_field |= Q(**{f"{f}__icontains": word})
        condition &= any_field
    return condition
