"""Demo data of the urban data platform in Musterstadt.

- the real Moers pedestrian counts (May 2022, Datenlizenz Deutschland), as published;
- invented district polygons and an invented inner-city shop register
  (Leerstandskataster), both delivered in EPSG:25832 as a municipality's GIS would;
- the saved query that joins them: vacancy rate per district, shown on a map.

Everything goes through the real import path, so the demo shows the import reports too.
"""

import json
import random
import tempfile
from datetime import date, timedelta
from pathlib import Path

from stadtkern.core.models import Municipality

from . import importing, services
from .models import Dataset, SavedQuery

FILES = Path(__file__).resolve().parent / "demo_files"
# Musterstadt is drawn where Moers lies, so the real counts and the invented map agree.
CENTRE_E, CENTRE_N = 333_800.0, 5_702_600.0
DISTRICTS = [
    ("Nordwest", -1, 1), ("Nord", 0, 1), ("Nordost", 1, 1),
    ("West", -1, 0), ("Innenstadt", 0, 0), ("Ost", 1, 0),
    ("Südwest", -1, -1), ("Süd", 0, -1), ("Südost", 1, -1),
]  # fmt: skip
CELL = 900.0
STREETS = ["Steinstraße", "Neuer Wall", "Homberger Straße", "Friedrichstraße", "Neustraße",
           "Kirchstraße", "Haagstraße", "Pfefferstraße", "Burgstraße", "Uerdinger Straße",
           "Klosterstraße", "Meerstraße"]  # fmt: skip
USES = [
    ("Einzelhandel", ["Bekleidung", "Schuhe", "Lebensmittel", "Drogerie", "Buchhandel", "Optik"]),
    ("Gastronomie", ["Café", "Restaurant", "Imbiss", "Bar"]),
    ("Dienstleistung", ["Friseur", "Reisebüro", "Bank", "Versicherung"]),
    ("Büro", ["Kanzlei", "Praxis", "Agentur"]),
    ("Handwerk", ["Bäckerei", "Schneiderei", "Schlüsseldienst"]),
]
# The register's reference day in the demo, and the seed that places its units.
REGISTER_DAY = date(2026, 9, 30)
SHOP_SEED = 4711
# Vacancy is higher at the edge of the inner city than in its core, as in most towns.
VACANCY = {"Innenstadt": 0.09, "Nord": 0.16, "Ost": 0.2, "West": 0.14, "Süd": 0.24}

VACANCY_SQL = """SELECT b.name AS bezirk,
       COUNT(l.einheit_id) AS einheiten,
       SUM(CASE WHEN l.status = 'leer' THEN 1 ELSE 0 END) AS leer,
       ROUND(100.0 * SUM(CASE WHEN l.status = 'leer' THEN 1 ELSE 0 END)
             / NULLIF(COUNT(l.einheit_id), 0), 1) AS leerstandsquote,
       b.geometry
FROM bezirke AS b
LEFT JOIN leerstandskataster AS l ON sk_within(l._minx, l._miny, b.geometry)
GROUP BY b.name, b.geometry
ORDER BY leerstandsquote DESC"""


def _district_geojson(rng: random.Random) -> dict:
    features = []
    for name, dx, dy in DISTRICTS:
        x0 = CENTRE_E + (dx - 0.5) * CELL
        y0 = CENTRE_N + (dy - 0.5) * CELL
        ring = [[x0, y0], [x0 + CELL, y0], [x0 + CELL, y0 + CELL], [x0, y0 + CELL], [x0, y0]]
        features.append(
            {
                "type": "Feature",
                "properties": {"name": name, "einwohner": rng.randint(3500, 14000)},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    return {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
        "features": features,
    }


def shop_csv(
    rng: random.Random, count: int = 420, stichtag: date = REGISTER_DAY, factor: float = 1.0
) -> str:
    """The shop register on ``stichtag``: the same units every year (from ``rng``), vacant
    with the district's share times ``factor``."""
    chance = random.Random(stichtag.toordinal())  # noqa: S311 - reproducible demo data
    lines = [
        "Einheit-ID;Adresse;Rechtswert;Hochwert;Fläche m²;Nutzung;Branche;Status;Leer seit;Stichtag"
    ]
    for i in range(1, count + 1):
        # Shops crowd around the centre: a normal spread of about one cell.
        e = CENTRE_E + rng.gauss(0, CELL * 0.55)
        n = CENTRE_N + rng.gauss(0, CELL * 0.55)
        dx = round((e - CENTRE_E) / CELL)
        dy = round((n - CENTRE_N) / CELL)
        district = next((d for d, x, y in DISTRICTS if (x, y) == (dx, dy)), "Süd")
        share = VACANCY.get(district, 0.28) * factor
        use, branches = rng.choice(USES)
        branch = rng.choice(branches)
        area = f"{rng.uniform(28, 640):.1f}".replace(".", ",")
        address = f"{rng.choice(STREETS)} {rng.randint(1, 140)}"
        # The same draw per unit every year: a higher share empties more of the same units.
        vacant = rng.random() < share
        since = ""
        if vacant:
            since = (stichtag - timedelta(days=chance.randint(20, 1400))).strftime("%d.%m.%Y")
        lines.append(
            f"LK-{i:04d};{address};{e:.1f};{n:.1f};{area};{use};{branch};"
            f"{'leer' if vacant else 'belegt'};{since};{stichtag.strftime('%d.%m.%Y')}"
        )
    return "\r\n".join(lines) + "\r\n"


def import_file(dataset: Dataset, content: bytes, name: str, user, **options):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        return importing.run_import(dataset, path, name, importing.Options(**options), user)


def demo_load_data(municipality: Municipality, user) -> dict:
    """Load the demo datasets and the saved vacancy query into ``municipality``."""
    rng = random.Random(20261122)  # noqa: S311 - reproducible demo data, not security
    counts = services.dataset_create(
        municipality=municipality,
        user=user,
        slug="fussgaenger_steinstrasse",
        title="Passantenfrequenz Steinstraße (Mai 2022)",
        title_en="Pedestrian counts, Steinstraße (May 2022)",
        description=(
            "Stündliche Passantenzählung in der Steinstraße, Moers, Mai 2022 (Laserscanner, "
            "hystreet). Echte Daten der Stadt Moers, unverändert übernommen: Umlaute und ß "
            "waren in der Quelldatei bereits verloren."
        ),
        description_en="Hourly pedestrian counts in Steinstraße, Moers, May 2022; real data of the city of Moers.",
        license="dl-by-de/2.0",
        attribution="Stadt Moers, Besucherzahlen Innenstadt (hystreet)",
        themes=["TRAN", "REGI"],
        keywords=["Passanten", "Innenstadt", "Frequenz"],
        contact_name="Stadt Moers, Open Data",
        frequency="IRREG",
        temporal_start=date(2022, 5, 1),
        temporal_end=date(2022, 5, 31),
        source_url="https://www.offenesdatenportal.de/",
    )
    import_file(
        counts,
        (FILES / "moers_fussgaenger_2022_05.csv").read_bytes(),
        "besucherzahlen-moers-mai-2022.csv",
        user,
    )
    districts = services.dataset_create(
        municipality=municipality,
        user=user,
        slug="bezirke",
        title="Stadtbezirke",
        title_en="Districts",
        description="Grenzen der neun Stadtbezirke (erfunden für die Demo), geliefert in ETRS89 / UTM 32N.",
        license="dl-zero-de/2.0",
        themes=["REGI", "GOVE"],
        keywords=["Bezirke", "Geodaten"],
        contact_name="Vermessung und Kataster",
        contact_email="geodaten@musterstadt.example",
        frequency="ANNUAL",
        outlines=True,
    )
    import_file(districts, json.dumps(_district_geojson(rng)).encode(), "bezirke.geojson", user)
    shops = services.dataset_create(
        municipality=municipality,
        user=user,
        slug="leerstandskataster",
        title="Leerstandskataster Innenstadt",
        title_en="Vacant shop register, inner city",
        description=(
            "Ladeneinheiten der Innenstadt mit Nutzung, Fläche und Status (erfunden für die Demo). "
            "Koordinaten in ETRS89 / UTM 32N, wie das Liegenschaftskataster sie liefert."
        ),
        license="dl-by-de/2.0",
        themes=["ECON", "REGI"],
        keywords=["Leerstand", "Einzelhandel", "Innenstadt"],
        contact_name="Wirtschaftsförderung",
        contact_email="wirtschaft@musterstadt.example",
        frequency="MONTHLY",
    )
    import_file(
        shops, shop_csv(random.Random(SHOP_SEED)).encode("cp1252"), "leerstandskataster.csv", user
    )
    SavedQuery.objects.filter(municipality=municipality, slug="leerstand_je_bezirk").delete()
    services.saved_query_create(
        municipality=municipality,
        user=user,
        slug="leerstand_je_bezirk",
        title="Leerstandsquote je Bezirk",
        title_en="Vacancy rate per district",
        description=(
            "Verbindet das Leerstandskataster räumlich mit den Bezirken: Anteil leerer "
            "Ladeneinheiten je Bezirk, auf der Karte eingefärbt."
        ),
        sql=VACANCY_SQL,
        public=True,
    )
    return {
        "datasets": [counts.slug, districts.slug, shops.slug],
        "queries": ["leerstand_je_bezirk"],
    }
