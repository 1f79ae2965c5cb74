"""The real participatory-budgeting elections shipped with Stadtkern, for the tests."""

from pathlib import Path

PABULIB_DIR = Path(__file__).resolve().parent.parent / "elections"
REAL_FILES = [
    "Netherlands_Assen_2024.pb",
    "Poland_Czestochowa_2025.pb",
    "Poland_Gdynia_2020_Babie_Doly__large.pb",
    "Poland_Krakow_2018_Swoszowice.pb",
    "Poland_Warszawa_2023_Rembertow.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
    "Poland_Wroclaw_2016_Rejon_nr_13_250.pb",
]
