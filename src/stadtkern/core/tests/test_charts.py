"""The shared chart renderer: the reader's number and date formats, nice ticks, fixed
scales, reference lines, time axes and the choice of horizontal bars."""

import math
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from stadtkern.core import charts
from stadtkern.core.charts import Reference, bars, line, nice_scale, number, time_ticks


def _mantissa(step: float) -> float:
    return round(step / 10 ** math.floor(math.log10(step) + 1e-9), 6)


finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@given(st.lists(finite, min_size=1, max_size=50))
def test_scales_cover_every_value_in_nice_steps(values):
    lo, hi, step = nice_scale(values)
    tolerance = step * 1e-6  # values far below a step are drawn on the step's line
    assert lo <= min(values) + tolerance and hi >= max(values) - tolerance
    assert lo <= 0 <= hi  # bars and counts start at zero
    assert _mantissa(step) in (1.0, 2.0, 5.0, 10.0)
    ticks = charts._value_ticks(lo, hi, step)
    assert 2 <= len(ticks) <= 9
    assert ticks[0] == pytest.approx(lo, abs=step * 1e-6)
    assert ticks[-1] == pytest.approx(hi, abs=step * 1e-6)


def test_ticks_are_not_the_data_s_odd_extremes():
    lo, hi, step = nice_scale([643, 1287])
    assert (lo, hi, step) == (0, 1400, 200)
    with translation.override("de"):
        labels = [number(t) for t in charts._value_ticks(lo, hi, step)]
    assert labels == ["0", "200", "400", "600", "800", "1.000", "1.200", "1.400"]


def test_fixed_scales_stay_fixed():
    assert nice_scale([2.3, 3.1], fixed=(1, 5))[:2] == (1, 5)
    assert charts._value_ticks(*nice_scale([2.3, 3.1], fixed=(1, 5))) == [1, 2, 3, 4, 5]
    assert charts._value_ticks(*nice_scale([12.0], fixed=(0, 100))) == [0, 20, 40, 60, 80, 100]


@pytest.mark.parametrize(
    ("language", "value", "decimals", "text"),
    [
        ("de", 1287, 0, "1.287"),
        ("en", 1287, 0, "1,287"),
        ("de", 1287.5, 1, "1.287,5"),
        ("en", 1287.5, 1, "1,287.5"),
        ("de", -0.0001, 2, "0,00"),
        ("de", 150000, 0, "150.000"),
    ],
)
def test_numbers_in_the_reader_s_language(language, value, decimals, text):
    with translation.override(language):
        assert number(value, decimals) == text


def test_dates_in_the_reader_s_language():
    with translation.override("de"):
        assert charts.when(date(2025, 3, 1), with_time=False) == "01.03.2025"
    with translation.override("en"):
        assert "2025" in charts.when(date(2025, 3, 1), with_time=False)


@pytest.mark.parametrize(
    ("span", "expected_step"),
    [
        (timedelta(hours=10), timedelta(hours=3)),
        (timedelta(days=4), timedelta(days=1)),
        (timedelta(days=30), timedelta(days=7)),
    ],
)
def test_time_ticks_fall_on_calendar_boundaries(span, expected_step):
    start = datetime(2025, 3, 1, 7, 23)
    ticks = time_ticks(start, start + span)
    assert 2 <= len(ticks) <= charts.MAX_TICKS
    moments = [t for t, _label in ticks]
    assert all(start <= t <= start + span for t in moments)
    assert all(b - a == expected_step for a, b in zip(moments, moments[1:], strict=False))
    assert all(t.minute == 0 and t.second == 0 for t in moments)


@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
    st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=365 * 150)),
)
def test_time_ticks_are_few_and_inside_the_span(start, span):
    with translation.override("de"):
        ticks = time_ticks(start, start + span)
    assert 1 <= len(ticks) <= charts.MAX_TICKS
    assert all(start <= t <= start + span for t, _label in ticks)


def test_months_and_years_are_labelled_as_such():
    with translation.override("de"):
        years = [label for _t, label in time_ticks(datetime(2015, 5, 1), datetime(2025, 5, 1))]
        months = [label for _t, label in time_ticks(datetime(2025, 1, 10), datetime(2025, 5, 1))]
    assert years == ["2016", "2018", "2020", "2022", "2024"]
    assert months[0] == "Feb 2025"


def test_a_time_series_keeps_uneven_gaps_uneven():
    chart = line(
        [(date(2020, 1, 1), 1), (date(2020, 1, 2), 2), (date(2021, 1, 1), 3)],
        title="t", x_label="x", y_label="y",
    )  # fmt: skip
    xs = [float(p.split(",")[0]) for p in chart.points.split()]
    assert (xs[1] - xs[0]) < (xs[2] - xs[1]) / 100


def test_units_and_reference_lines_are_drawn_and_widen_the_scale():
    with translation.override("de"):
        chart = line(
            [(datetime(2025, 1, 1, h, tzinfo=UTC), 20 + h) for h in range(10)],
            title="NO2", x_label="Zeit", y_label="Mittelwert", unit="µg/m³",
            references=[Reference(40, "EU-Grenzwert")],
        )  # fmt: skip
        html = render_to_string("core/_chart.html", {"chart": chart})
    assert chart.y_label == "Mittelwert (µg/m³)"
    assert chart.references[0]["label"] == "EU-Grenzwert: 40\u202fµg/m³"
    assert float(chart.references[0]["pos"]) >= chart.top  # inside the plot
    assert 'class="reference"' in html and "EU-Grenzwert" in html
    assert "01.01.2025 01:00" in html  # the table, in local time (UTC+1)


@pytest.mark.parametrize("kind", ["line", "bar", "hbar"])
def test_coordinates_are_written_with_a_dot_in_every_language(kind):
    """SVG reads 630.4, never the German 630,4 a template would make of a float."""
    labels = ["Innenstadt, Neumarkt und Altstadt"] * 3 if kind == "hbar" else ["A", "B", "C"]
    with translation.override("de"):
        if kind == "line":
            chart = line([(date(2025, 1, d), d * 1.37) for d in range(1, 9)],
                         title="t", x_label="x", y_label="y", references=[Reference(3.3, "r")])  # fmt: skip
        else:
            chart = bars(list(zip(labels, [1.5, 2.25, 3.125], strict=True)), title="t",
                         x_label="x", y_label="y", references=[Reference(2.7, "r")])  # fmt: skip
        html = render_to_string("core/_chart.html", {"chart": chart})
    assert chart.kind == kind
    coordinates = re.findall(r'\s(?:x|y|x1|x2|y1|y2|cx|cy|width|height|viewBox)="([^"]*)"', html)
    assert len(coordinates) > 20
    assert not [c for c in coordinates if "," in c]


def test_long_labels_turn_bars_on_their_side():
    short = bars([("A", 1), ("B", 2)], title="t", x_label="x", y_label="y")
    long = bars(
        [("Neugestaltung des Marktplatzes mit Bäumen", 120000), ("Radweg", 80000),
         ("Sitzbänke und Trinkbrunnen in der Altstadt", 20000)],
        title="t", x_label="x", y_label="y", unit="€", references=[Reference(150000, "Budget")],
    )  # fmt: skip
    assert short.kind == "bar" and long.kind == "hbar"
    assert long.height >= charts.PAD_TOP + 2 * charts.ROW
    assert long.bars[0]["label"].startswith("Neugestaltung")
    budget = float(long.references[0]["pos"])
    assert all(float(b["x"]) + float(b["w"]) <= budget for b in long.bars)


def test_values_that_are_not_numbers_are_left_out():
    assert line([(1, None), (2, float("nan"))], title="t", x_label="x", y_label="y") is None
    assert bars([("a", float("inf"))], title="t", x_label="x", y_label="y") is None


@given(st.lists(st.tuples(st.text(max_size=60), finite), min_size=1, max_size=60))
def test_any_bars_render(pairs):
    chart = bars(pairs, title="t", x_label="x", y_label="y")
    html = render_to_string("core/_chart.html", {"chart": chart})
    assert html.count("<rect") == min(len(pairs), charts.MAX_BARS)
    for b in chart.bars:
        assert float(b["w"]) >= 0 and float(b["h"]) >= 0


def test_a_span_without_a_boundary_inside_is_labelled_at_its_ends():
    start = datetime(2025, 3, 1, 7, 23)
    ticks = time_ticks(start, start + timedelta(minutes=20))
    assert [t for t, _label in ticks] == [start, start + timedelta(minutes=20)]
    with translation.override("de"):
        assert [label for _t, label in time_ticks(start, start + timedelta(minutes=20))] == [
            "07:23",
            "07:43",
        ]


@given(
    # up to 15 significant digits: beyond, a float's digits are noise and the two ways of
    # writing them out differ in the last place
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.integers(min_value=0, max_value=6),
    st.sampled_from(["de", "en"]),
)
def test_numbers_are_written_as_django_writes_them_in_each_language(value, decimals, language):
    from django.utils import formats, translation

    with translation.override(language):
        expected = formats.number_format(
            round(value, decimals) or 0.0, decimals, use_l10n=True, force_grouping=True
        )
        assert charts.number(value, decimals) == expected


@given(st.dates(min_value=date(1, 1, 1)), st.sampled_from(["de", "en"]))
def test_dates_are_written_as_django_writes_them_in_each_language(day, language):
    from django.utils import formats, translation

    with translation.override(language):
        assert charts.when(day, False) == formats.date_format(day, "SHORT_DATE_FORMAT")
