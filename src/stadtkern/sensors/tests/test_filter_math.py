"""$filter: math functions round, floor, ceiling (OGC 18-088, table 23)."""

import math

import pytest

from .conftest import READINGS, values

pytestmark = pytest.mark.django_db
RESULTS = [r for _t, r in READINGS]


@pytest.mark.parametrize(
    ("expression", "keep"),
    [
        ("round(result) eq 27", lambda r: round(r) == 27),
        ("floor(result) eq -3", lambda r: math.floor(r) == -3),
        ("ceiling(result) eq 4", lambda r: math.ceil(r) == 4),
        ("floor(result) eq result", lambda r: math.floor(r) == r),
    ],
)
def test_math_functions(anonymous, readings, expression, keep):
    got = sorted(values(anonymous.get("Observations", **{"$filter": expression})))
    assert got == sorted(r for r in RESULTS if keep(r))
