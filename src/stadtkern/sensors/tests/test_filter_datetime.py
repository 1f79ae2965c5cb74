"""$filter: date and time functions (OGC 18-088, table 22); all times are UTC."""

import pytest

from .conftest import READINGS, values

pytestmark = pytest.mark.django_db


def results(anonymous, expression):
    return sorted(values(anonymous.get("Observations", **{"$filter": expression})))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("year(phenomenonTime) eq 2025", [-2.5]),
        ("month(phenomenonTime) eq 6", [18, 27.25]),
        ("day(phenomenonTime) eq 21", [27.25]),
        ("hour(phenomenonTime) eq 12", [9, 27.25]),
        ("minute(phenomenonTime) eq 30", [3.5]),
        ("second(phenomenonTime) eq 59", [-2.5]),
        ("fractionalseconds(phenomenonTime) gt 0.2", [27.25]),
        ("fractionalseconds(phenomenonTime) eq 0", [-2.5, 3.5, 9, 18]),
        ("date(phenomenonTime) eq 2024-06-21", [27.25]),
        ("totaloffsetminutes(phenomenonTime) eq 0", sorted(r for _t, r in READINGS)),
        ("phenomenonTime lt now()", sorted(r for _t, r in READINGS)),
        ("mindatetime(phenomenonTime) ge 2024-06-22T00:00:00Z", [-2.5, 18]),
        ("maxdatetime(phenomenonTime) le 2024-01-31T00:00:00Z", [3.5]),
    ],
)
def test_datetime_functions(anonymous, readings, expression, expected):
    assert results(anonymous, expression) == expected


def test_time_of_day(anonymous, readings):
    got = results(anonymous, "hour(phenomenonTime) ge 12 and minute(phenomenonTime) eq 0")
    assert got == [9]


def test_intervals_of_datastreams(anonymous, readings):
    hit = values(
        anonymous.get(
            "Datastreams", **{"$filter": "maxdatetime(phenomenonTime) gt 2025-01-01T00:00:00Z"}
        ),
        "name",
    )
    assert hit == ["Temperatur Wetterstation Markt"]


def test_a_time_function_needs_a_time(anonymous, readings):
    response = anonymous.get("Observations", **{"$filter": "year(result) eq 2024"})
    assert response.status_code == 400
    assert "date and time" in response.json()["detail"]
