"""$filter: bad expressions are refused with a message naming the fault, never a 500;
generated expressions (Hypothesis) are answered with 200 or 400."""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from stadtkern.sensors.filters import parse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("result gt", "ends too early"),
        ("result gt 1 and", "ends too early"),
        ("result gtt 1", "unexpected 'gtt'"),
        ("colour eq 'red'", "no property 'colour'"),
        ("Datastream/colour eq 1", "Datastream has no property 'colour'"),
        ("frobnicate(name) eq 1", "unknown function 'frobnicate'"),
        ("length(name, name) eq 1", "takes 1 arguments, not 2"),
        ("result eq 'open", "unexpected"),
        ("(result gt 1", "ends too early"),
        ("(result gt 1 name", "expected ')'"),
        ("result gt 1)", "unexpected ')'"),
        ("1 lt result lt 5", "cannot be chained"),
        ("Datastream/name", "must be a condition"),
        ("Datastream/name eq 1", "compared with text"),
        ("phenomenonTime gt 'yesterday'", "date and time"),
        ("phenomenonTime gt 2024-13-45T00:00:00Z", "not a valid date and time"),
        ("Datastream/properties eq 1", "compare a part of properties"),
        ("result eq 1 ! 2", "unexpected"),
        ("result eq 99999999999999999999999", "too large"),
        ("length(Datastream/name) add Datastream/name eq 1", "numbers"),
        ("tolower(Datastream/name) gt 2024-01-01T00:00:00Z", "cannot be compared"),
        ("result eq 2024-01-01T00:00:00Z", "result is compared with a number"),
        ("result eq geography'POINT(1 2)'", "only be used in geospatial functions"),
        ("(" * 60 + "result gt 1" + ")" * 60, "nests deeper"),
        ("parameters/" + "a/" * 300 + "a eq 1", "at most 50 steps"),
        ("Datastream/" * 60 + "name eq 'x'", "at most 50 steps"),
    ],
)
def test_bad_filters_name_the_fault(anonymous, readings, expression, words):
    response = anonymous.get("Observations", **{"$filter": expression})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert words in response.json()["detail"]


def test_a_filter_that_fails_in_the_database_is_a_problem(anonymous, readings):
    response = anonymous.get("Observations", **{"$filter": "result div 0 gt 1"})
    assert response.status_code in (200, 400)
    if response.status_code == 200:  # SQLite: division by zero is NULL, matching nothing
        assert response.json()["value"] == []
    else:
        assert "division by zero" in response.json()["detail"]


TOKENS = ["result", "name", "phenomenonTime", "Datastream/name", "properties/a", "id", "eq", "ne",
          "gt", "lt", "and", "or", "not", "add", "div", "mod", "(", ")", ",", "1", "-2.5", "0",
          "'x'", "''", "2024-01-01T00:00:00Z", "2024-01-01", "null", "true", "length(", "tolower(",
          "substringof(", "year(", "round(", "geo.distance(", "st_within(", "now()",
          "geography'POINT(1 2)'", "location", "mindatetime(", "concat("]  # fmt: skip
EXPRESSIONS = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12).map(" ".join),
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(expression=EXPRESSIONS)
@example(expression="result div 0 eq 1")
@example(expression="properties/a add 1 gt 2")
@example(expression="substringof('x', Datastream/name) or not (result mod 0 eq 1)")
@example(expression="\x00")
@example(expression="result eq 2024-01-01")
@example(expression="properties/a gt 2024-01-01T00:00:00Z")
def test_generated_filters_are_answered_or_refused(anonymous, readings, expression):
    for entity_set in ("Observations", "Things"):
        response = anonymous.get(entity_set, **{"$filter": expression})
        assert response.status_code in (200, 400), (expression, response.content)
        if response.status_code == 400:
            assert response.json()["detail"]


@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=15).map(" ".join))
def test_the_parser_raises_only_its_own_error(expression):
    from stadtkern.sensors.odata import ODataError

    try:
        node = parse(expression)
    except ODataError as exc:
        assert str(exc).startswith("$filter")
    else:
        assert node[0] in ("lit", "path", "call", "bin", "not", "neg")
