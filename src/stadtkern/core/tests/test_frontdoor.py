"""The start page and the search: calls to act with their deadlines, and hits only
where the visitor may see them."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.text import slugify
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from stadtkern.data.models import Dataset
from stadtkern.participation.models import Phase, Process, Survey
from stadtkern.strategy.models import Measure

pytestmark = pytest.mark.django_db


def _process(municipality, title, kind, ends_in, published=True):
    now = timezone.now()
    process = Process.objects.create(municipality=municipality, slug=slugify(title),
                                     kind="budget", title=title, published=published)  # fmt: skip
    Phase.objects.create(process=process, kind=kind, starts_at=now - timedelta(days=5),
                         ends_at=now + ends_in)  # fmt: skip
    return process


def _survey(municipality, title, closes_in, opens_in=timedelta(days=-1)):
    now = timezone.now()
    return Survey.objects.create(municipality=municipality, slug=slugify(title),
                                 title=title, opens_at=now + opens_in, closes_at=now + closes_in,
                                 published=True)  # fmt: skip


def test_the_start_page_lists_open_calls_nearest_deadline_first(client, alpha, beta):
    _process(alpha, "Bürgerhaushalt 2027", "voting", timedelta(days=20))
    _process(beta, "Ideen für Beta", "proposals", timedelta(days=3))
    _survey(alpha, "Mobilität heute", timedelta(days=10))
    _process(alpha, "Entwurf", "voting", timedelta(days=1), published=False)
    _process(alpha, "Vorbei", "voting", timedelta(days=-1))
    _survey(alpha, "Noch nicht", timedelta(days=30), opens_in=timedelta(days=2))
    html = client.get("/").content.decode()
    calls = html[html.index('id="calls-title"') : html.index('id="municipalities-title"')]
    order = [calls.index(t) for t in ("Ideen für Beta", "Mobilität heute", "Bürgerhaushalt 2027")]
    assert order == sorted(order)
    for hidden in ("Entwurf", "Vorbei", "Noch nicht"):
        assert hidden not in calls
    deadline = timezone.localtime(timezone.now() + timedelta(days=3)).strftime("%d.%m.%Y")
    assert f"bis {deadline}" in calls
    assert "Vorschläge einreichen" in calls or "Vorschlagen" in calls


def test_the_start_page_names_the_newest_public_datasets_only(client, alpha):
    Dataset.objects.create(municipality=alpha, slug="offen", title="Offener Datensatz")
    Dataset.objects.create(municipality=alpha, slug="intern", title="Interner Datensatz",
                           access="internal")  # fmt: skip
    html = client.get("/").content.decode()
    assert "Offener Datensatz" in html and "Interner Datensatz" not in html


@pytest.fixture
def findable(alpha, beta):
    Measure.objects.create(municipality=alpha, title="Radnetz Innenstadt", published=True,
                           summary="Sichere Wege zur Schule")  # fmt: skip
    Measure.objects.create(municipality=alpha, title="Radparken Entwurf", published=False)
    Measure.objects.create(municipality=beta, title="Radweg Betadorf", published=True)
    Dataset.objects.create(municipality=alpha, slug="radzaehlung", title="Radzählung",
                           access="internal")  # fmt: skip
    Dataset.objects.create(municipality=beta, slug="laeden", title="Läden",
                           keywords=["Leerstand", "Radverkehr"])  # fmt: skip


def _titles(response) -> str:
    return response.content.decode()


def test_search_finds_published_things_of_every_municipality(client, findable):
    html = _titles(client.get("/search/", {"q": "rad"}))
    assert "Radnetz Innenstadt" in html and "Radweg Betadorf" in html
    assert "Läden" in html  # by its keyword
    assert "Radparken Entwurf" not in html and "Radzählung" not in html


def test_search_matches_every_word_in_title_or_text(client, findable):
    html = _titles(client.get("/search/", {"q": "Radnetz schule"}))
    assert "Radnetz Innenstadt" in html and "Radweg Betadorf" not in html


def test_members_find_their_own_drafts_and_internal_data_only(client, findable, personas):
    client.force_login(personas["editor"])
    html = _titles(client.get("/search/", {"q": "rad"}))
    assert "Radparken Entwurf" in html and "Radzählung" in html
    client.force_login(personas["other_editor"])
    html = _titles(client.get("/search/", {"q": "rad"}))
    assert "Radparken Entwurf" not in html and "Radzählung" not in html


def test_a_query_too_short_or_too_long_is_answered_not_failed(client, findable):
    assert "mindestens zwei Zeichen" in _titles(client.get("/search/", {"q": "r"}))
    response = client.get("/search/", {"q": "rad " * 5000})
    assert response.status_code == 200


class SearchInput(TestCase):
    @settings(max_examples=60, deadline=None)
    @given(st.text(max_size=300))
    def test_any_query_gets_a_page(self, query):
        response = self.client.get("/search/", {"q": query})
        assert response.status_code == 200
