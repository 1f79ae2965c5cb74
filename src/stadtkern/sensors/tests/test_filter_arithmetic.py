"""$filter: arithmetic operators add, sub, mul, div, mod (OGC 18-088, table 20)."""

import math

import pytest

from .conftest import READINGS, values

pytestmark = pytest.mark.django_db
RESULTS = [r for _t, r in READINGS]


@pytest.mark.parametrize(
    ("expression", "keep"),
    [
        ("result add 1 gt 10", lambda r: r + 1 > 10),
        ("result sub 1 lt 3", lambda r: r - 1 < 3),
        ("result mul 2 ge 36", lambda r: r * 2 >= 36),
        ("result div 2 eq 9", lambda r: r / 2 == 9),
        ("result div 4 gt 2", lambda r: r / 4 > 2),  # 9 / 4 is 2.25, not 2
        ("result mod 2 eq 0", lambda r: math.fmod(r, 2) == 0),
        ("result mod 2 eq -0.5", lambda r: math.fmod(r, 2) == -0.5),  # the sign of the dividend
        ("result mod 4 eq 3.25", lambda r: math.fmod(r, 4) == 3.25),
        ("-result gt 0", lambda r: -r > 0),
        ("result add 1 mul 2 eq 19", lambda r: r + 2 == 19),  # mul binds tighter than add
        ("(result add 1) mul 2 eq 20", lambda r: (r + 1) * 2 == 20),
    ],
)
def test_arithmetic(anonymous, readings, expression, keep):
    got = sorted(values(anonymous.get("Observations", **{"$filter": expression})))
    assert got == sorted(r for r in RESULTS if keep(r))


def test_arithmetic_needs_numbers(anonymous, station):
    response = anonymous.get("Things", **{"$filter": "name add 1 eq 2"})
    assert response.status_code == 400
    assert "numbers" in response.json()["detail"]
