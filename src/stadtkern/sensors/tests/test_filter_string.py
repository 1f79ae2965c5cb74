"""$filter: string functions (OGC 18-088, table 21)."""

import pytest

from .conftest import values

pytestmark = pytest.mark.django_db
NAMES = ["Wetterstation Markt", "Zählstelle Königstraße", " Parkhaus Altstadt "]


@pytest.fixture
def things(sta):
    for name in NAMES:
        assert sta.post("Things", {"name": name, "description": "x"}).status_code == 201


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("substringof('straße', name)", ["Zählstelle Königstraße"]),
        ("contains(name, 'Markt')", ["Wetterstation Markt"]),
        ("startswith(name, 'Zähl')", ["Zählstelle Königstraße"]),
        ("endswith(name, 'Markt')", ["Wetterstation Markt"]),
        ("length(name) eq 22", ["Zählstelle Königstraße"]),
        ("indexof(name, 'station') eq 6", ["Wetterstation Markt"]),
        ("substring(name, 1) eq 'ählstelle Königstraße'", ["Zählstelle Königstraße"]),
        ("substring(name, 0, 4) eq 'Wett'", ["Wetterstation Markt"]),
        ("tolower(name) eq 'wetterstation markt'", ["Wetterstation Markt"]),
        ("toupper(name) eq 'WETTERSTATION MARKT'", ["Wetterstation Markt"]),
        ("trim(name) eq 'Parkhaus Altstadt'", [" Parkhaus Altstadt "]),
        (
            "concat(concat(name, '/'), description) eq 'Wetterstation Markt/x'",
            ["Wetterstation Markt"],
        ),
        ("startswith(tolower(name), 'zähl')", ["Zählstelle Königstraße"]),
        ("contains(name, description)", []),
        ("name eq 'O''Brien'", []),
    ],
)
def test_string_functions(anonymous, things, expression, expected):
    assert sorted(values(anonymous.get("Things", **{"$filter": expression}), "name")) == sorted(
        expected
    )


def test_string_functions_need_text(anonymous, things):
    response = anonymous.get("Things", **{"$filter": "length(1) eq 1"})
    assert response.status_code == 400
    assert "text" in response.json()["detail"]
