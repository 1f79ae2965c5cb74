"""Musterstadt's indicators for the demo, and some of Beispielhausen's for the comparison.

The vacancy case end to end: the shop register is imported once per year since 2021 (each
import a dataset version) and the indicator computed after each, so every year's rate
keeps the register version it came from; the counter's daily footfall and the NO2 annual
mean come from the sensors, the team's mood from its pulse check, and five SDG indicators
hold yearly figures as the statistics office publishes them (invented, plausible).
"""

import random
from datetime import date

from stadtkern.core.models import Municipality
from stadtkern.data import demo as data_demo
from stadtkern.data.models import Dataset, SavedQuery
from stadtkern.data.services import saved_query_create
from stadtkern.sensors.models import Datastream
from stadtkern.strategy.models import Goal, Measure

from . import jobs, services
from .catalogue import templates
from .models import Indicator

VACANCY_SERIES_SQL = """SELECT l.stichtag AS period, b.name AS district,
       ROUND(100.0 * SUM(CASE WHEN l.status = 'leer' THEN 1 ELSE 0 END) / COUNT(*), 1) AS value
FROM leerstandskataster AS l
JOIN bezirke AS b ON sk_within(l._minx, l._miny, b.geometry)
GROUP BY l.stichtag, b.name
UNION ALL
SELECT l.stichtag, NULL,
       ROUND(100.0 * SUM(CASE WHEN l.status = 'leer' THEN 1 ELSE 0 END) / COUNT(*), 1)
FROM leerstandskataster AS l
GROUP BY l.stichtag"""

# Reference day and the share of the usual vacancy: it rose after 2021, the measures
# have brought it down since 2024.
REGISTER_YEARS = [(date(2021, 9, 30), 1.0), (date(2022, 9, 30), 1.08), (date(2023, 9, 30), 1.12),
                  (date(2024, 9, 30), 1.04), (date(2025, 9, 30), 0.95)]  # fmt: skip

STATS = "IT.NRW, Kommunalprofil"
# key: (source, {year: value}) for Musterstadt; Beispielhausen gets the same keys, shifted.
YEARLY = {
    "pkw_dichte": ("Kraftfahrt-Bundesamt, FZ3", {2019: 561, 2020: 566, 2021: 569, 2022: 572, 2023: 570, 2024: 566, 2025: 561}),
    "verunglueckte_verkehr": ("Polizei NRW, Verkehrsunfallstatistik", {2019: 452, 2020: 371, 2021: 398, 2022: 431, 2023: 418, 2024: 402, 2025: 389}),
    "flaecheninanspruchnahme": (STATS, {2019: 17.9, 2020: 18.0, 2021: 18.1, 2022: 18.2, 2023: 18.3, 2024: 18.3, 2025: 18.4}),
    "naherholungsflaechen": (STATS, {2019: 41.2, 2020: 41.0, 2021: 41.3, 2022: 42.1, 2023: 42.8, 2024: 43.5, 2025: 44.0}),
    "pkw_elektro": ("Kraftfahrt-Bundesamt, FZ3", {2019: 0.4, 2020: 1.1, 2021: 2.3, 2022: 3.6, 2023: 4.9, 2024: 6.1, 2025: 7.8}),
    "breitbandversorgung": ("Bundesnetzagentur, Gigabit-Grundbuch", {2020: 21.0, 2021: 34.5, 2022: 48.0, 2023: 57.2, 2024: 66.9, 2025: 74.3}),
    "online_verwaltungsleistungen": ("OZG-Dashboard der Stadt", {2021: 18, 2022: 31, 2023: 44, 2024: 52, 2025: 61}),
}  # fmt: skip
TARGETS = {  # key: (baseline (date, value or None: the first value), target, tolerance, text DE, EN, milestones)
    "leerstandsquote": ((date(2021, 9, 30), None), (date(2030, 12, 31), 8.0), 1.0,
                        "Leerstandsquote unter 8 % bis 2030", "Vacancy rate below 8 % by 2030",
                        [(date(2027, 12, 31), 11.0, "Zwischenziel 2027")]),
    "passantenfrequenz": ((date(2025, 12, 31), None), (date(2030, 12, 31), 15000.0), 500.0,
                          "15.000 Passanten je Tag bis 2030", "15,000 passers-by a day by 2030", []),
    "no2_jahresmittel": ((date(2024, 12, 31), 38.0), (date(2030, 12, 31), 20.0), 1.0,
                         "Unter dem EU-Grenzwert ab 2030 (20 µg/m³)",
                         "Below the EU limit value from 2030 (20 µg/m³)", []),
    "pkw_elektro": ((date(2020, 12, 31), 1.1), (date(2030, 12, 31), 25.0), 1.5,
                    "Ein Viertel der Pkw elektrisch bis 2030", "A quarter of all cars electric by 2030", []),
    "breitbandversorgung": ((date(2020, 12, 31), 21.0), (date(2030, 12, 31), 100.0), 3.0,
                            "Gigabit für alle Haushalte bis 2030", "Gigabit for every household by 2030", []),
    "online_verwaltungsleistungen": ((date(2021, 12, 31), 18.0), (date(2028, 12, 31), 100.0), 5.0,
                                     "Alle Leistungen online bis 2028", "Every service online by 2028", []),
    "verunglueckte_verkehr": ((date(2019, 12, 31), 452.0), (date(2030, 12, 31), 300.0), 15.0,
                              "Ein Drittel weniger Verunglückte bis 2030",
                              "A third fewer road casualties by 2030", []),
}  # fmt: skip
GOALS = {
    "Belebte Innenstadt": ["leerstandsquote", "passantenfrequenz"],
    "Gesunde Stadt": ["no2_jahresmittel", "naherholungsflaechen"],
    "Nachhaltig mobil": ["pkw_dichte", "verunglueckte_verkehr", "pkw_elektro"],
    "Klimaneutral bis 2035": ["pkw_elektro", "flaecheninanspruchnahme"],
    "Digitale, bürgernahe Verwaltung": ["online_verwaltungsleistungen", "zustimmung_smart_city"],
    "Offene Daten und digitale Infrastruktur": ["breitbandversorgung"],
}
# measure title (start) -> [(indicator, {year: (planned, achieved)})]
EFFECTS = {
    "Leerstandskataster Innenstadt": [("leerstandsquote", {2024: (-1.0, -1.2), 2025: (-1.5, -1.1), 2026: (-1.5, None), 2027: (-1.0, None)})],
    "Pop-up-Stores": [("leerstandsquote", {2025: (-0.5, -0.3), 2026: (-0.8, None)})],
    "Digitaler Marktplatz": [("leerstandsquote", {2026: (-0.4, None)}),
                             ("passantenfrequenz", {2026: (300, None), 2027: (500, None)})],
    "Online-Terminvergabe": [("online_verwaltungsleistungen", {2024: (4, 5), 2025: (4, 4)})],
    "Digitales Bürgerbüro": [("online_verwaltungsleistungen", {2023: (10, 12), 2024: (12, 8), 2025: (12, 9), 2026: (15, None)})],
}  # fmt: skip


def _goal(municipality: Municipality, title: str) -> Goal | None:
    return Goal.objects.filter(municipality=municipality, title=title).first()


def _target(indicator: Indicator, user, baseline_value: float | None) -> None:
    spec = TARGETS.get(indicator.key)
    if not spec:
        return
    (b_date, b_value), (t_date, t_value), tolerance, text, text_en, milestones = spec
    if b_value is None:
        b_value = baseline_value
    services.indicator_update(
        indicator=indicator, user=user, baseline_date=b_date, baseline_value=b_value,
        target_date=t_date, target_value=t_value, tolerance=tolerance, target_text=text,
        target_text_en=text_en,
    )  # fmt: skip
    for when, value, label in milestones:
        services.milestone_set(indicator=indicator, user=user, when=when, value=value, label=label)


def _yearly(indicator: Indicator, user, values: dict, source: str, shift: float = 1.0) -> None:
    for year, value in values.items():
        number = round(value * shift, templates()[indicator.key].decimals)
        services.value_enter(indicator=indicator, user=user, period=year, value=number,
                             source=source, as_of=f"{year + 1}-06-30")  # fmt: skip


def demo_load_indicators(municipality: Municipality, user) -> dict:
    """Musterstadt's indicators with targets, effects and computed values (runs the jobs)."""
    Indicator.objects.filter(municipality=municipality).delete()
    adopted = {}
    keys = ["leerstandsquote", "passantenfrequenz", "no2_jahresmittel", "zustimmung_smart_city",
            *YEARLY]  # fmt: skip
    for key in keys:
        goals = [
            g for title, ks in GOALS.items() if key in ks for g in [_goal(municipality, title)] if g
        ]
        adopted[key] = services.indicator_adopt(
            municipality=municipality, key=key, user=user, published=key != "zustimmung_smart_city",
            goals=goals,
        )  # fmt: skip
    # The vacancy rate from the shop register, per district and for the town.
    SavedQuery.objects.filter(municipality=municipality, slug="leerstandsquote_zeitreihe").delete()
    query = saved_query_create(
        municipality=municipality, user=user, slug="leerstandsquote_zeitreihe",
        title="Leerstandsquote je Stichtag und Bezirk", title_en="Vacancy rate per reference day and district",
        description="Anteil leerer Ladeneinheiten am Stichtag des Katasters, je Bezirk und für die Stadt (Bezirk leer).",
        sql=VACANCY_SERIES_SQL, public=True,
    )  # fmt: skip
    services.indicator_update(
        indicator=adopted["leerstandsquote"], user=user, source="query", query=query
    )
    counter = Datastream.objects.filter(
        municipality=municipality, name__startswith="Passanten"
    ).first()
    no2 = Datastream.objects.filter(municipality=municipality, name="NO2 Homberger Straße").first()
    if counter:
        services.indicator_update(indicator=adopted["passantenfrequenz"], user=user, source="sensor",
                                  datastream=counter, sensor_interval="1mo", sensor_function="daymean")  # fmt: skip
    if no2:
        services.indicator_update(indicator=adopted["no2_jahresmittel"], user=user, source="sensor",
                                  datastream=no2, sensor_interval="1y", sensor_function="avg")  # fmt: skip
    services.indicator_update(indicator=adopted["zustimmung_smart_city"], user=user, source="survey",
                              survey_series="smart-city-team", survey_question=1, survey_measure="agree")  # fmt: skip
    for key, (source, values) in YEARLY.items():
        _yearly(adopted[key], user, values, source)

    # The register, one version a year; the rate computed after each import.
    shops = Dataset.objects.get(municipality=municipality, slug="leerstandskataster")
    for day, factor in [*REGISTER_YEARS, (data_demo.REGISTER_DAY, 0.88)]:
        csv = data_demo.shop_csv(random.Random(data_demo.SHOP_SEED), stichtag=day, factor=factor)
        data_demo.import_file(
            shops, csv.encode("cp1252"), f"leerstandskataster-{day.year}.csv", user
        )
        jobs.compute_now(municipality, "leerstandsquote")
    outcomes = jobs.compute_now(municipality)

    first = {key: adopted[key].values.filter(district="").order_by("end").first()
             for key in ("leerstandsquote", "passantenfrequenz")}  # fmt: skip
    for key, indicator in adopted.items():
        indicator.refresh_from_db()
        baseline = first[key].value if first.get(key) else None
        if key in TARGETS and (TARGETS[key][0][1] is not None or baseline is not None):
            _target(indicator, user, baseline)
    for start, effects in EFFECTS.items():
        measure = Measure.objects.filter(municipality=municipality, title__startswith=start).first()
        if measure is None:
            continue
        for key, years in effects:
            for year, (planned, achieved) in years.items():
                services.effect_set(measure=measure, indicator=adopted[key], user=user, year=year,
                                    planned=planned, achieved=achieved)  # fmt: skip
    return {"indicators": sorted(adopted), "computed": outcomes}


def demo_load_neighbour(municipality: Municipality, user) -> dict:
    """Beispielhausen publishes a few of the same indicators (entered yearly figures)."""
    Indicator.objects.filter(municipality=municipality).delete()
    shifts = {"pkw_dichte": 1.09, "verunglueckte_verkehr": 0.13, "pkw_elektro": 0.8,
              "breitbandversorgung": 0.7, "flaecheninanspruchnahme": 0.71}  # fmt: skip
    for key, shift in shifts.items():
        indicator = services.indicator_adopt(
            municipality=municipality, key=key, user=user, published=True
        )
        source, values = YEARLY[key]
        _yearly(
            indicator,
            user,
            values,
            source.replace("IT.NRW", "Bayerisches Landesamt für Statistik"),
            shift,
        )
    return {"indicators": sorted(shifts)}
