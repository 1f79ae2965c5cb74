"""Visitors' pages from memory (core/pagecache.py): the same answer until the data behind
it changes, by whatever way it changes; ETag and Last-Modified for a cheap 304; never
what belongs to one person (a session, a form's CSRF token, a member's drafts)."""

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client

from conftest import PASSWORD
from stadtkern.core import pagecache
from stadtkern.core.models import PageVersion
from stadtkern.core.querycount import count_queries
from stadtkern.strategy import services
from stadtkern.strategy.models import Measure

pytestmark = pytest.mark.django_db(transaction=True)
HOUSE = "/m/alpha/"
API = "/api/v1/municipalities/alpha/measures"


def _measure(personas, alpha, title: str, published: bool = True) -> Measure:
    return services.measure_create(
        municipality=alpha, user=personas["editor"], title=title, published=published
    )


def test_a_visitor_gets_the_kept_page_until_the_data_changes(client, alpha, personas):
    _measure(personas, alpha, "Radwege am Ring")
    first = client.get(HOUSE)
    assert first.status_code == 200 and "Radwege am Ring" in first.content.decode()
    assert first["ETag"] and first["Last-Modified"] and first["Cache-Control"] == "no-cache"
    with count_queries() as counted:
        again = client.get(HOUSE)
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert counted.count == 1  # the data version, nothing of the page
    _measure(personas, alpha, "Parkhaus mit Ladesäulen")
    changed = client.get(HOUSE)
    assert "Parkhaus mit Ladesäulen" in changed.content.decode()
    assert changed["ETag"] != first["ETag"]


def test_a_browser_revalidates_with_its_etag_or_date(client, alpha, personas):
    _measure(personas, alpha, "Radwege am Ring")
    first = client.get(HOUSE)
    unchanged = client.get(HOUSE, HTTP_IF_NONE_MATCH=first["ETag"])
    assert unchanged.status_code == 304 and unchanged.content == b""
    dated = client.get(HOUSE, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert dated.status_code == 304
    _measure(personas, alpha, "Neue Maßnahme")
    assert client.get(HOUSE, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


@pytest.mark.parametrize("how", ["service", "bulk update", "raw SQL", "delete"])
def test_every_kind_of_write_empties_the_cache(client, alpha, personas, how):
    measure = _measure(personas, alpha, "Alter Titel")
    assert "Alter Titel" in client.get(API).content.decode()
    if how == "service":
        services.measure_update(measure=measure, user=personas["editor"], title="Neuer Titel")
    elif how == "bulk update":
        Measure.objects.filter(pk=measure.pk).update(title="Neuer Titel")
    elif how == "raw SQL":
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE strategy_measure SET title = %s WHERE id = %s", ["Neuer Titel", measure.pk]
            )
    else:
        Measure.objects.filter(pk=measure.pk).delete()
    shown = client.get(API).content.decode()
    assert "Alter Titel" not in shown
    assert ("Neuer Titel" in shown) is (how != "delete")


def test_a_rolled_back_write_changes_nothing_and_the_next_commit_counts(client, alpha, personas):
    _measure(personas, alpha, "Erste")
    before = PageVersion.objects.get().changed_us
    with pytest.raises(RuntimeError), transaction.atomic():
        Measure.objects.update(title="Zurückgerollt")
        raise RuntimeError
    assert PageVersion.objects.get().changed_us == before
    with transaction.atomic():
        Measure.objects.update(title="Festgeschrieben")
    assert PageVersion.objects.get().changed_us > before
    assert "Festgeschrieben" in client.get(API).content.decode()


def test_what_a_member_sees_is_never_kept_or_shown_to_visitors(client, alpha, personas, token_for):
    _measure(personas, alpha, "Öffentlich")
    _measure(personas, alpha, "Entwurf im Haus", published=False)
    assert "Entwurf im Haus" not in client.get(HOUSE).content.decode()
    assert "Entwurf im Haus" not in client.get(API).content.decode()
    member = Client()
    member.login(username="editor", password=PASSWORD)
    assert "Entwurf im Haus" in member.get(HOUSE).content.decode()
    with_token = client.get(API, **token_for(personas["editor"]))
    assert "Entwurf im Haus" in with_token.content.decode()
    assert "Entwurf im Haus" not in client.get(HOUSE).content.decode()
    assert "Entwurf im Haus" not in client.get(API).content.decode()


def test_answers_in_each_language_are_kept_apart(client, alpha, personas):
    _measure(personas, alpha, "Radwege")
    german = client.get(API, HTTP_ACCEPT_LANGUAGE="de")
    english = client.get(API, HTTP_ACCEPT_LANGUAGE="en")
    assert german["Content-Language"] == "de" and english["Content-Language"] == "en"
    assert client.get(API, HTTP_ACCEPT_LANGUAGE="de")["Content-Language"] == "de"
    assert client.get("/en/m/alpha/")["Content-Language"] == "en"
    assert client.get(HOUSE)["Content-Language"] == "de"


def test_a_page_with_a_form_keeps_each_visitors_own_csrf_token(alpha):
    from stadtkern.participation import assemblies

    assemblies.assembly_create(
        municipality=alpha, slug="rat", title="Bürgerrat", panel_size=2,
        shares={"Alter": {"jung": 0.5, "alt": 0.5}},
    )  # fmt: skip
    url = "/m/alpha/participation/assemblies/rat/"
    first, second = Client(), Client()
    a, b = first.get(url), second.get(url)
    assert a.status_code == b.status_code == 200
    assert a.cookies["csrftoken"].value != b.cookies["csrftoken"].value
    # each can send the form it was given
    for visitor, page in ((first, a), (second, b)):
        token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        sent = visitor.post(url, {"csrfmiddlewaretoken": token, "name": "X", "contact": "x@example.org",
                                  "feature-0": "jung"})  # fmt: skip
        assert sent.status_code in (200, 302)


def test_sensor_readings_do_not_empty_the_cache(client, alpha, personas):
    _measure(personas, alpha, "Radwege")
    client.get(API)
    before = PageVersion.objects.get().changed_us
    with connection.cursor() as cur:  # as the sensors' write path touches it
        cur.execute("UPDATE sensors_datastream SET observation_count = observation_count + 1")
    assert PageVersion.objects.get().changed_us == before
    assert pagecache._shown('INSERT INTO "strategy_measure" ("title") VALUES (%s)')
    assert pagecache._shown("WITH x AS (DELETE FROM strategy_tag RETURNING id) SELECT 1")
    assert not pagecache._shown(
        "WITH new AS (INSERT INTO sensors_observation (a) VALUES (1)) SELECT 1"
    )
    assert not pagecache._shown('UPDATE "django_session" SET expire_date = %s')
    assert not pagecache._shown("SELECT * FROM strategy_measure")


def test_the_kept_pages_are_bounded(client, alpha, settings):
    largest = settings.CACHES["pages"]["OPTIONS"]["MAX_ENTRIES"]
    for i in range(largest + 50):
        assert client.get(f"{API}?q=x{i}").status_code == 200
    assert len(caches["pages"]._cache) <= largest
