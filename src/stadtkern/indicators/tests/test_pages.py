"""The cockpit and the indicator page: what each visitor may see, in a fixed number of
queries, with the chart, the rule and the downloads."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stadtkern.indicators import services
from stadtkern.strategy.services import goal_create


@pytest.fixture
def cockpit(alpha, personas):
    goal = goal_create(municipality=alpha, user=None, title="Belebte Innenstadt", published=True)
    shown = services.indicator_adopt(
        municipality=alpha, key="pkw_elektro", user=None, published=True, goals=[goal]
    )
    hidden = services.indicator_adopt(
        municipality=alpha, key="breitbandversorgung", user=None, goals=[goal]
    )
    for year, value in [(2021, 2.3), (2022, 3.6), (2023, 4.9)]:
        services.value_enter(
            indicator=shown, user=personas["editor"], period=year, value=value, source="KBA"
        )
        services.value_enter(
            indicator=hidden, user=None, period=year, value=value * 10, source="BNetzA"
        )
    services.indicator_update(indicator=shown, user=None, baseline_value=1.1, target_value=25.0, tolerance=1.0,
                              baseline_date="2020-12-31", target_date="2030-12-31")  # fmt: skip
    return shown, hidden


def test_the_public_sees_published_indicators_with_status_and_the_team_sees_drafts(
    client, cockpit, personas
):
    page = client.get("/m/alpha/cockpit/").content.decode()
    assert "Pkw mit Elektroantrieb" in page and "Breitbandversorgung" not in page
    assert "ind-status off_track" in page  # 4.9 % in 2023 against 8.3 % on the path
    assert client.get("/m/alpha/cockpit/breitbandversorgung/").status_code == 404
    client.force_login(personas["viewer"])
    assert "Breitbandversorgung" in client.get("/m/alpha/cockpit/").content.decode()
    client.force_login(personas["other_editor"])
    assert client.get("/m/alpha/cockpit/breitbandversorgung/").status_code == 404


def test_the_indicator_page_draws_values_and_target_path_and_offers_downloads(client, cockpit):
    page = client.get("/en/m/alpha/cockpit/pkw_elektro/").content.decode()
    assert 'class="series series-actual"' in page and 'class="series series-target"' in page
    assert "The numbers as a table" in page and "entered: KBA" in page
    svg = client.get("/m/alpha/cockpit/pkw_elektro/chart.svg")
    assert svg["Content-Type"].startswith("image/svg+xml") and b"<polyline" in svg.content
    lines = client.get("/m/alpha/cockpit/pkw_elektro/values.csv").content.decode().splitlines()
    assert lines[0].startswith("key,period") and lines[1].startswith("pkw_elektro,2021,")


def test_the_cockpit_reads_a_fixed_number_of_queries_whatever_its_size(client, cockpit, alpha):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/m/alpha/cockpit/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for key in ("pkw_dichte", "arbeitslosenquote", "abfallmenge"):
        indicator = services.indicator_adopt(municipality=alpha, key=key, user=None, published=True)
        for year in range(2010, 2025):
            services.value_enter(indicator=indicator, user=None, period=year, value=year - 2000)
    assert count() == before


def test_only_editors_start_a_computation(client, cockpit, personas):
    assert client.post("/m/alpha/cockpit/pkw_elektro/compute/").status_code in (302, 403)
    client.force_login(personas["viewer"])
    assert client.post("/m/alpha/cockpit/pkw_elektro/compute/").status_code == 403


def test_draft_goals_stay_off_the_public_indicator_page(client, cockpit, alpha, personas):
    shown, _hidden = cockpit
    secret = goal_create(municipality=alpha, user=None, title="Geheime Schließung", published=False)
    shown.goals.add(secret)
    assert "Geheime Schließung" not in client.get("/m/alpha/cockpit/pkw_elektro/").content.decode()
    client.force_login(personas["viewer"])
    assert "Geheime Schließung" in client.get("/m/alpha/cockpit/pkw_elektro/").content.decode()


def test_district_names_cannot_become_spreadsheet_formulas(client, cockpit, alpha):
    indicator = services.indicator_adopt(
        municipality=alpha, key="leerstandsquote", user=None, published=True
    )
    services.value_enter(
        indicator=indicator, user=None, period=2024, value=3, district='=HYPERLINK("x")'
    )
    body = client.get("/m/alpha/cockpit/leerstandsquote/values.csv").content.decode()
    assert "'=HYPERLINK" in body and "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body


def test_the_chart_as_png_and_the_widget_for_other_websites(client, cockpit):
    from io import BytesIO

    from PIL import Image

    png = client.get("/m/alpha/cockpit/pkw_elektro/chart.png")
    assert png["Content-Type"] == "image/png"
    picture = Image.open(BytesIO(png.content))
    assert picture.size[0] == 1440  # twice the SVG's 720
    colours = picture.convert("RGB").getcolors(maxcolors=100000)
    assert len(colours) > 20  # lines and text were drawn, not a blank picture
    widget = client.get("/m/alpha/cockpit/pkw_elektro/widget/")
    assert widget.status_code == 200 and "frame-ancestors *" in widget["Content-Security-Policy"]
    assert "X-Frame-Options" not in widget
    assert client.get("/m/alpha/cockpit/pkw_elektro/")["X-Frame-Options"] == "DENY"
    assert client.get("/m/alpha/cockpit/breitbandversorgung/widget/").status_code == 404  # a draft


def test_the_plain_words_view_and_the_comparison(client, cockpit, beta):
    page = client.get("/en/m/alpha/cockpit/at-a-glance/").content.decode()
    assert "Electric cars" in page and "Broadband" not in page
    assert "clearly behind its plan" in page
    other = services.indicator_adopt(
        municipality=beta, key="pkw_elektro", user=None, published=True
    )
    services.value_enter(indicator=other, user=None, period=2023, value=6.1)
    comparison = client.get("/en/indicators/pkw_elektro/").content.decode()
    assert "Alphastadt" in comparison and "Betadorf" in comparison and "6.1" in comparison
    assert client.get("/indicators/").status_code == 200
    assert client.get("/indicators/gibt_es_nicht/").status_code == 404


def test_a_measure_page_names_the_indicators_it_should_move(client, cockpit, alpha, personas):
    from stadtkern.strategy.services import measure_create

    shown, hidden = cockpit
    measure = measure_create(municipality=alpha, user=None, title="Ladesäulen", published=True)
    services.effect_set(measure=measure, indicator=shown, user=None, year=2026, planned=2.5)
    services.effect_set(measure=measure, indicator=hidden, user=None, year=2026, planned=10)
    page = client.get(f"/m/alpha/measures/{measure.pk}/").content.decode()
    assert "Pkw mit Elektroantrieb" in page and "Breitbandversorgung" not in page
    client.force_login(personas["viewer"])
    assert "Breitbandversorgung" in client.get(f"/m/alpha/measures/{measure.pk}/").content.decode()


def test_a_goal_shows_its_indicators_side_by_side_as_an_index(client, cockpit, alpha):
    shown, _hidden = cockpit
    goal = shown.goals.get()
    other = services.indicator_adopt(
        municipality=alpha, key="pkw_dichte", user=None, published=True, goals=[goal]
    )
    for year, value in [(2021, 570), (2022, 572), (2023, 566)]:
        services.value_enter(indicator=other, user=None, period=year, value=value)
    page = client.get(f"/en/m/alpha/cockpit/goals/{goal.pk}/").content.decode()
    assert "Index (first value = 100)" in page and "series-c0" in page and "series-c1" in page
    assert "Breitbandversorgung" not in page and "Broadband" not in page  # a draft
    assert client.get("/m/alpha/cockpit/goals/999999/").status_code == 404


def test_an_administrator_states_the_population_with_its_year_and_source(client, alpha, personas):
    client.force_login(personas["admin"])
    response = client.post("/m/alpha/settings/population/", {
        "population": "612345", "population_year": "2024", "population_source": "IT.NRW, 31.12.2024",
    })  # fmt: skip
    assert response.status_code == 302
    alpha.refresh_from_db()
    assert (alpha.population, alpha.population_year, alpha.population_source) == (
        612345,
        2024,
        "IT.NRW, 31.12.2024",
    )
    client.force_login(personas["editor"])
    assert client.post("/m/alpha/settings/population/", {"population": "1"}).status_code in (
        403,
        404,
    )
