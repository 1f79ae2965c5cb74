"""Visitors' pages from memory (core/pagecache.py): the same answer until the data behind
it changes, by whatever way it changes; ETag and Last-Modified for a cheap 304; never
what belongs to one person (a session, a form's CSRF token, a member's drafts)."""

import pytest
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


def test_a_browser_revalidates_with_its_etag(client, alpha, personas):
    _measure(personas, alpha, "Radwege am Ring")
    first = client.get(HOUSE)
    unchanged = client.get(HOUSE, HTTP_IF_NONE_MATCH=first["ETag"])
    assert unchanged.status_code == 304 and unchanged.content == b""
    # A date alone proves nothing: time (a phase that opens) changes pages too.
    assert client.get(HOUSE, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 200
    _measure(personas, alpha, "Neue Maßnahme")
    assert client.get(HOUSE, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    assert "Cookie" in client.get(HOUSE)["Vary"]  # a member's answer differs, for proxies


def test_a_part_of_a_page_for_a_script_never_stands_in_for_the_page(client, alpha, personas):
    _measure(personas, alpha, "Radwege am Ring")
    for _ in range(3):
        client.get(HOUSE, HTTP_HX_REQUEST="true")
    page = client.get(HOUSE).content.decode()
    assert "<html" in page and "Radwege am Ring" in page


def test_the_address_a_visitor_used_is_part_of_the_key(client, alpha, settings):
    settings.SITE_URL = ""
    other = client.get("/ogcapi/", HTTP_HOST="localhost:6666").content.decode()
    assert "localhost:6666" in other
    assert "localhost:6666" not in client.get("/ogcapi/").content.decode()


def test_the_map_tiles_stay_allowed_on_a_kept_page(client, alpha):
    alpha.map_tile_url = "https://tiles.example.org/{z}/{x}/{y}.png"
    alpha.save()
    policies = [client.get("/m/alpha/sensors/")["Content-Security-Policy"] for _ in range(3)]
    assert all("https://tiles.example.org" in p for p in policies), policies


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


def test_readings_do_not_empty_the_cache_but_a_datastreams_description_does(alpha):
    before = PageVersion.objects.get().changed_us
    with connection.cursor() as cur:  # as the sensors' write path marks its statements
        cur.execute("/* readings */ UPDATE sensors_datastream SET observation_count = 1")
    assert PageVersion.objects.get().changed_us == before
    with connection.cursor() as cur:  # a rename, a move to another Thing
        cur.execute("UPDATE sensors_datastream SET name = 'Neu'")
    assert PageVersion.objects.get().changed_us > before


@pytest.mark.parametrize(
    "sql, shown",
    [
        ('INSERT INTO "strategy_measure" ("title") VALUES (%s)', True),
        ('INSERT OR IGNORE INTO "participation_support" ("proposal_id") VALUES (%s)', True),
        ("REPLACE INTO strategy_tag (name) VALUES ('x')", True),
        ("TRUNCATE TABLE data_rows_1", True),
        ('CREATE TABLE "dataset_17" (x integer)', True),
        ("/* a note */ DELETE FROM strategy_tag", True),
        ("WITH x AS (DELETE FROM strategy_tag RETURNING id) SELECT 1", True),
        ("MERGE INTO strategy_tag USING x ON true WHEN MATCHED THEN DELETE", True),
        ('UPDATE "core_user" SET "username" = %s', True),  # a renamed or erased account
        (
            "/* readings */ WITH new AS (INSERT INTO sensors_observation (a) VALUES (1)) SELECT 1",
            False,
        ),
        ('UPDATE "django_session" SET expire_date = %s', False),
        ('INSERT INTO "sensors_observation" (a) VALUES (1)', False),
        ("SELECT * FROM strategy_measure", False),
        ("  select 1", False),
        ("WITH x AS (SELECT 1) SELECT * FROM x", False),
        ('SAVEPOINT "s1"', False),
        ("SET LOCAL statement_timeout = 10", False),
    ],
)
def test_which_statements_count_as_changes(sql, shown):
    assert pagecache._shown(sql) is shown


def test_the_version_moves_on_even_behind_a_faster_clock(alpha):
    PageVersion.objects.update(changed_us=10**18)  # a writer whose clock ran ahead
    pagecache.bump()
    assert PageVersion.objects.get().changed_us == 10**18 + 1


def test_the_kept_pages_are_bounded_in_bytes(client, alpha, personas, settings):
    _measure(personas, alpha, "Radwege")
    settings.PAGE_CACHE_BYTES = 20_000
    for i in range(300):
        assert client.get(f"{API}?q=x{i}&&&&").status_code == 200
        assert pagecache.KEPT.size <= settings.PAGE_CACHE_BYTES
    assert pagecache.KEPT.size > settings.PAGE_CACHE_BYTES / 2  # and it is used
