"""$filter: the logical operators and, or, not, with OData's precedence (not before
and before or) and parentheses (OGC 18-088, 9.3.3.5.1)."""

import pytest

from .conftest import READINGS, values

pytestmark = pytest.mark.django_db
RESULTS = [r for _t, r in READINGS]


def results(anonymous, expression):
    return sorted(values(anonymous.get("Observations", **{"$filter": expression})))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("result gt 0 and result lt 20", [r for r in RESULTS if 0 < r < 20]),
        ("result lt 0 or result gt 20", [r for r in RESULTS if r < 0 or r > 20]),
        ("not (result gt 0)", [r for r in RESULTS if not r > 0]),
        ("not result gt 0 and result lt 100", [r for r in RESULTS if not r > 0]),
        ("(result lt 4 or result gt 26) and result gt 0", [r for r in RESULTS if (r < 4 or r > 26) and r > 0]),
        # and binds tighter than or
        ("result lt 0 or result gt 0 and result lt 4", [r for r in RESULTS if r < 0 or 0 < r < 4]),
        ("result gt 0 and result lt 4 or result lt 0", [r for r in RESULTS if 0 < r < 4 or r < 0]),
        ("not (result gt 0 or result lt 0)", [r for r in RESULTS if r == 0]),
        ("not not (result gt 20)", [r for r in RESULTS if r > 20]),
        ("result gt 0 and not (result gt 20)", [r for r in RESULTS if 0 < r <= 20]),
        ("result eq 9 or resultTime eq null", RESULTS),
        ("result eq 9 and resultTime ne null", []),
    ],
)  # fmt: skip
def test_logical_operators(anonymous, readings, expression, expected):
    assert results(anonymous, expression) == sorted(expected)


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("result gt 0 and", "ends too early"),
        ("or result gt 0", "unexpected 'or'"),
        ("not", "ends too early"),
        ("result gt 0 and 5", "must be a condition"),
        ("not 5", "must be a condition"),
    ],
)
def test_incomplete_logic_is_a_400_naming_the_problem(anonymous, readings, expression, words):
    response = anonymous.get("Observations", **{"$filter": expression})
    assert response.status_code == 400, response.content
    assert words in response.json()["detail"]
