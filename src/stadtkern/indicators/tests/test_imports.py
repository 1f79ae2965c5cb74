"""Values from files: a municipality's own table and the flat CSV of official statistics
(GENESIS-Online, Regionaldatenbank), matched by AGS; all or nothing, rows named."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stadtkern.indicators import imports, services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


HEADER = (
    "Statistik_Code;Statistik_Label;Zeit_Code;Zeit_Label;Zeit;1_Merkmal_Code;1_Merkmal_Label;"
    "1_Auspraegung_Code;1_Auspraegung_Label;2_Merkmal_Code;2_Merkmal_Label;2_Auspraegung_Code;"
    "2_Auspraegung_Label;BEVSTD__Bevoelkerungsstand__Anzahl;BEVSTD__Bevoelkerungsstand__q"
)


def _row(day, code, name, sex, value, quality="e"):
    return (
        f"12411-01-01-5;Bevölkerung: Gemeinden, Stichtag;STAG;Stichtag;{day};GEMEIN;Gemeinden;"
        f"{code};{name};GES;Geschlecht;{sex};{sex.lower()};{value};{quality}"
    )


GENESIS = "\n".join([
    HEADER,
    _row("31.12.2022", "05111000", "Düsseldorf, Landeshauptstadt", "GESM", "305123"),
    _row("31.12.2022", "05111000", "Düsseldorf, Landeshauptstadt", "GESW", "325456"),
    _row("31.12.2023", "05111000", "Düsseldorf, Landeshauptstadt", "GESM", "306000"),
    _row("31.12.2023", "05111000", "Düsseldorf, Landeshauptstadt", "GESW", "-"),
    _row("31.12.2023", "09162000", "München, Landeshauptstadt", "GESW", "."),
    _row("31.12.2023", "03241001", "Hannover, Landeshauptstadt", "GESW", "270000"),
]) + "\n"  # fmt: skip


@pytest.fixture
def population(alpha, beta):
    out = []
    for m in (alpha, beta):
        indicator = services.indicator_adopt(municipality=m, key="siedlungsdichte", user=None)
        services.indicator_update(indicator=indicator, user=None, source="statistics", statistics_table="12411-01-01-5",
                                  statistics_column="BEVSTD", statistics_filter="2_Auspraegung_Code=GESW")  # fmt: skip
        out.append(indicator)
    return out


def _file(tmp_path, text, name="12411-01-01-5_flat.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_one_statistics_file_fills_the_indicator_of_every_municipality_by_its_ags(
    tmp_path, population
):
    outcome = imports.statistics_import(
        user=None, path=_file(tmp_path, GENESIS), name="bev.csv", everywhere=True
    )
    assert outcome["table"] == "12411-01-01-5"
    alpha_ind, beta_ind = population
    assert [(v.period, v.value) for v in alpha_ind.values.order_by("end")] == [
        ("2022-12-31", 325456.0),
        ("2023-12-31", 0.0),
    ]
    assert not beta_ind.values.exists()  # "." is no value: nothing, not zero
    provenance = alpha_ind.values.first().provenance
    assert (
        provenance["kind"] == "statistics"
        and provenance["column"] == "BEVSTD__Bevoelkerungsstand__Anzahl"
    )


def test_an_editor_fills_only_the_municipalities_they_edit(tmp_path, population, personas):
    outcome = imports.statistics_import(
        user=personas["editor"], path=_file(tmp_path, GENESIS), name="bev.csv"
    )
    assert [r["municipality"] for r in outcome["indicators"]] == ["alpha"]


def test_a_further_dimension_without_a_filter_is_named_and_nothing_is_written(tmp_path, population):
    services.indicator_update(indicator=population[0], user=None, statistics_filter="")
    with pytest.raises(ValidationError, match="further dimension"):
        imports.statistics_import(
            user=None, path=_file(tmp_path, GENESIS), name="bev.csv", everywhere=True
        )
    assert not population[0].values.exists() and not population[1].values.exists()


def test_kreise_codes_of_five_digits_match_the_ags_of_their_kreis(tmp_path, alpha):
    indicator = services.indicator_adopt(municipality=alpha, key="straftaten", user=None)
    services.indicator_update(indicator=indicator, user=None, source="statistics", statistics_table="t1",
                              statistics_column="FALL01")  # fmt: skip
    text = ("Statistik_Code;Zeit;1_Merkmal_Code;1_Auspraegung_Code;FALL01__Faelle__je_1000\n"
            "t1;2024;KREISE;05111;88,4\nt1;2024;KREISE;05112;70,1\n")  # fmt: skip
    imports.statistics_import(
        user=None, path=_file(tmp_path, text, encoding="cp1252"), name="k.csv", everywhere=True
    )
    assert [(v.period, v.value) for v in indicator.values.all()] == [("2024", 88.4)]


@pytest.mark.parametrize(
    "text, message",
    [
        ("a;b\n1;2\n", "not a flat CSV"),
        (
            "Statistik_Code;Zeit;1_Merkmal_Code;1_Auspraegung_Code;X\nt;2024;GESCHL;M;1\n",
            "no regional dimension",
        ),
        (HEADER + "\n" + _row("irgendwann", "05111000", "D", "GESW", "5"), "is no period"),
        (HEADER + "\n" + _row("2024", "05111000", "D", "GESW", "fünf"), "is not a number"),
    ],
)
def test_bad_statistics_files_are_refused_with_the_reason(tmp_path, population, text, message):
    with pytest.raises(ValidationError, match=message):
        imports.statistics_import(
            user=None, path=_file(tmp_path, text), name="x.csv", everywhere=True
        )
    assert not population[0].values.exists()


def test_the_operators_command_reads_a_statistics_file(tmp_path, population, capsys):
    call_command("indicators", "statistics", str(_file(tmp_path, GENESIS)))
    assert '"table": "12411-01-01-5"' in capsys.readouterr().out
    assert population[0].values.count() == 2


def test_a_table_of_own_values_in_german_or_english_numbers(tmp_path, alpha, personas):
    indicator = services.indicator_adopt(municipality=alpha, key="leerstandsquote", user=None)
    text = "Jahr;Bezirk;Wert;Quelle\n2023;;12,5;Kataster\n2023;Nord;14,0;\n2024;;1.234,5;Kataster\n"
    report = imports.values_import(indicator=indicator, user=personas["editor"], path=_file(tmp_path, text, "w.csv"),
                                   name="w.csv", source="Wirtschaftsförderung")  # fmt: skip
    assert report.written == 3
    values = {
        (v.period, v.district): (v.value, v.provenance["source"]) for v in indicator.values.all()
    }
    assert values == {("2023", ""): (12.5, "Kataster"), ("2023", "Nord"): (14.0, "Wirtschaftsförderung"),
                      ("2024", ""): (1234.5, "Kataster")}  # fmt: skip
    assert indicator.values.first().entered_by == personas["editor"]


def test_a_bad_row_names_its_line_and_nothing_is_written(tmp_path, alpha):
    indicator = services.indicator_adopt(municipality=alpha, key="leerstandsquote", user=None)
    text = "Jahr;Wert\n2023;12\n2024;viel\n2023;13\n"
    with pytest.raises(ValidationError) as error:
        imports.values_import(
            indicator=indicator, user=None, path=_file(tmp_path, text, "w.csv"), name="w.csv"
        )
    messages = " ".join(error.value.messages)
    assert "Line 3" in messages and "Line 4" in messages and "second value for 2023" in messages
    assert not indicator.values.exists()


cells = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=';\n\r"\x00'),
    max_size=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(cells, cells), min_size=1, max_size=6))
def test_any_table_is_read_or_refused_with_line_numbers(tmp_path, alpha, rows):
    indicator = (
        services.indicator_adopt(municipality=alpha, key="abfallmenge", user=None)
        if not alpha.indicators.exists()
        else alpha.indicators.get()
    )
    text = "Jahr;Wert\n" + "".join(f"{p};{v}\n" for p, v in rows)
    try:
        report = imports.values_import(
            indicator=indicator, user=None, path=_file(tmp_path, text, "h.csv"), name="h.csv"
        )
    except ValidationError as exc:
        assert all(m.startswith("Line ") or "no value" in m or "needs a period" in m or "empty" in m.lower()
                   for m in exc.messages), exc.messages  # fmt: skip
    else:
        assert report.written >= 1


@pytest.mark.parametrize(
    "text",
    [
        "period;value\n2020\n2021;5\n",
        "period;value;district\n2020;5\n",
        "Jahr;Wert;Quelle\n2022;7\n",
    ],
)
def test_short_rows_read_as_empty_cells_not_a_crash(tmp_path, alpha, text):
    indicator = services.indicator_adopt(municipality=alpha, key="abfallmenge", user=None)
    try:
        imports.values_import(
            indicator=indicator, user=None, path=_file(tmp_path, text, "k.csv"), name="k.csv"
        )
    except ValidationError as exc:
        assert all(m.startswith("Line ") for m in exc.messages), exc.messages


def test_a_short_statistics_row_is_a_message(tmp_path, population):
    text = "Statistik_Code;Zeit;1_Merkmal_Code;1_Auspraegung_Code;BEVSTD__x\nT1;2024\n"
    with pytest.raises(ValidationError):
        imports.statistics_import(
            user=None, path=_file(tmp_path, text), name="x.csv", everywhere=True
        )


def test_values_come_as_tables_not_as_geodata(tmp_path, alpha):
    indicator = services.indicator_adopt(municipality=alpha, key="abfallmenge", user=None)
    path = _file(tmp_path, '{"type": "FeatureCollection", "features": []}', "w.geojson")
    with pytest.raises(ValidationError, match="CSV, XLSX or ODS"):
        imports.values_import(indicator=indicator, user=None, path=path, name="w.geojson")
