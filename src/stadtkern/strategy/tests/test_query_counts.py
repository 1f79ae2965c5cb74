"""The number of SQL queries of the main pages does not grow with the number of measures."""

import pytest

from stadtkern.core.querycount import count_queries
from stadtkern.strategy.tests.factories import make_measures

PAGES = [
    "/m/alpha/",
    "/en/m/alpha/",
    "/api/v1/municipalities/alpha/measures?limit=500",
    "/m/alpha/analysis/",
    "/api/v1/municipalities/alpha/analysis",
]


def _count(client, path) -> int:
    with count_queries() as counted:
        response = client.get(path)
    assert response.status_code == 200
    assert counted.count > 0
    return counted.count


@pytest.mark.parametrize("path", PAGES)
def test_queries_do_not_grow_with_measures(client, alpha, personas, path):
    make_measures(alpha, personas["editor"], 5)
    few = _count(client, path)
    make_measures(alpha, personas["editor"], 60)
    many = _count(client, path)
    assert many == few, f"{path}: {few} queries with 5 measures, {many} with 65"


def test_member_view_of_the_house_has_constant_queries(client, alpha, personas):
    client.force_login(personas["editor"])
    client.get("/m/alpha/")  # the first page a person reads records their language, once
    make_measures(alpha, personas["editor"], 3, published=False)
    few = _count(client, "/m/alpha/")
    make_measures(alpha, personas["editor"], 40, published=False)
    assert _count(client, "/m/alpha/") == few
