"""The target path and the status rule, for every input (Hypothesis), and the periods
sources write."""

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from stadtkern.indicators import periods, targets

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
tolerances = st.floats(min_value=0, max_value=1e4, allow_nan=False)


@st.composite
def paths(draw, values=values):
    start = draw(days)
    length = draw(st.integers(min_value=1, max_value=min(20000, (date(2100, 12, 31) - start).days)))
    end = start + timedelta(days=length)
    stones = draw(st.lists(st.tuples(days, values), max_size=4))
    return targets.path((start, draw(values)), (end, draw(values)), stones)


@given(paths())
def test_the_path_runs_from_baseline_to_target_through_its_corners(corners):
    (b_date, b_value), (t_date, t_value) = corners[0], corners[-1]
    assert targets.expected(corners, b_date) == b_value
    assert targets.expected(corners, t_date) == pytest.approx(t_value)
    assert targets.expected(corners, b_date - timedelta(days=400)) == b_value
    assert targets.expected(corners, t_date + timedelta(days=400)) == t_value
    for d, v in corners:
        assert targets.expected(corners, d) == pytest.approx(v, abs=1e-6)
    assert all(a[0] < b[0] for a, b in zip(corners, corners[1:], strict=False))


@given(paths(), days)
def test_between_two_corners_the_path_stays_between_their_values(corners, when):
    value = targets.expected(corners, when)
    for (d0, v0), (d1, v1) in zip(corners, corners[1:], strict=False):
        if d0 <= when <= d1:
            assert min(v0, v1) - 1e-6 <= value <= max(v0, v1) + 1e-6


ORDER = {targets.ON_TRACK: 0, targets.AT_RISK: 1, targets.OFF_TRACK: 2}


@given(paths(), days, values, values, tolerances, st.booleans())
def test_a_better_value_never_gets_a_worse_status(corners, when, a, b, tolerance, lower):
    worse, better = (min(a, b), max(a, b)) if not lower else (max(a, b), min(a, b))
    j_worse = targets.judge(corners, (when, worse), lower_is_better=lower, tolerance=tolerance)
    j_better = targets.judge(corners, (when, better), lower_is_better=lower, tolerance=tolerance)
    assert ORDER[j_better.status] <= ORDER[j_worse.status]


@given(paths(), days, tolerances, st.booleans())
def test_a_value_on_the_path_is_on_track_and_the_bands_follow_the_tolerance(
    corners, when, tol, lower
):
    should = targets.expected(corners, when)
    on = targets.judge(corners, (when, should), lower_is_better=lower, tolerance=tol)
    assert on.status == targets.ON_TRACK and on.expected == should
    assume(tol >= 1e-3 and abs(should) < 1e5)
    sign = 1 if lower else -1  # the direction in which a value is worse
    assert targets.judge(corners, (when, should + sign * tol * 1.5), lower_is_better=lower,
                         tolerance=tol).status == targets.AT_RISK  # fmt: skip
    assert targets.judge(corners, (when, should + sign * tol * 2.5), lower_is_better=lower,
                         tolerance=tol).status == targets.OFF_TRACK  # fmt: skip


def test_no_target_or_no_value_is_no_data():
    corners = targets.path((date(2020, 1, 1), 10), (date(2030, 1, 1), 5))
    assert (
        targets.judge(None, (date(2021, 1, 1), 1), lower_is_better=True, tolerance=0).status
        == targets.NO_DATA
    )
    assert targets.judge(corners, None, lower_is_better=True, tolerance=0).status == targets.NO_DATA


def test_the_vacancy_example_reads_as_the_page_says():
    # 17.1 % in 2021 down to 8 % at the end of 2030, tolerance one point.
    corners = targets.path((date(2021, 9, 30), 17.1), (date(2030, 12, 31), 8.0))
    judged = targets.judge(corners, (date(2026, 9, 30), 15.0), lower_is_better=True, tolerance=1.0)
    assert judged.expected == pytest.approx(12.18, abs=0.01)
    assert judged.status == targets.OFF_TRACK  # 2.8 points behind: more than twice the tolerance


@pytest.mark.parametrize(
    "text, label, start, end",
    [
        ("2024", "2024", date(2024, 1, 1), date(2024, 12, 31)),
        (2024, "2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-02", "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("02/2023", "2023-02", date(2023, 2, 1), date(2023, 2, 28)),
        ("2024-Q4", "2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("3. Quartal 2024", "2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024-H1", "2024-H1", date(2024, 1, 1), date(2024, 6, 30)),
        ("31.12.2021", "2021-12-31", date(2021, 12, 31), date(2021, 12, 31)),
        ("2021-12-31T23:00:00Z", "2021-12-31", date(2021, 12, 31), date(2021, 12, 31)),
        (date(2020, 5, 1), "2020-05-01", date(2020, 5, 1), date(2020, 5, 1)),
    ],
)
def test_periods_as_sources_write_them(text, label, start, end):
    p = periods.parse(text)
    assert (p.label, p.start, p.end) == (label, start, end)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2024-13",
        "30.02.2024",
        "Q5/2024",
        "1850",
        "nächstes Jahr",
        True,
        2024.5,
        None,
        "x" * 100,
    ],
)
def test_what_is_no_period_is_refused_with_a_message(text):
    with pytest.raises(periods.PeriodError) as error:
        periods.parse(text)
    assert str(error.value)


@given(st.one_of(
    st.integers(1900, 2100).map(periods.year),
    st.tuples(st.integers(1900, 2100), st.integers(1, 12)).map(lambda t: periods.month(*t)),
    st.tuples(st.integers(1900, 2100), st.integers(1, 4)).map(lambda t: periods.quarter(*t)),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).map(periods.day),
))  # fmt: skip
def test_every_normalised_period_reads_back_as_itself(period):
    assert periods.parse(period.label) == period
    assert period.start <= period.end


@given(st.text(max_size=30))
def test_any_text_is_a_period_or_a_clear_refusal(text):
    try:
        p = periods.parse(text)
    except periods.PeriodError as exc:
        assert str(exc)
    else:
        assert p.start <= p.end and 1900 <= p.start.year <= 2100
