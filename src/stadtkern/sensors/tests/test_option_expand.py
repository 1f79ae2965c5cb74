"""$expand (OGC 18-088, 9.3.2.1): related entities inline, nested, with their own options."""

import pytest

from .conftest import READINGS

pytestmark = pytest.mark.django_db


def test_expand_to_many_and_to_one(anonymous, readings):
    ds = anonymous.get(
        f"Datastreams({readings['datastreams'][0]})", **{"$expand": "Thing,Observations"}
    ).json()
    assert ds["Thing"]["@iot.id"] == readings["thing"]
    assert "Thing@iot.navigationLink" not in ds
    assert sorted(o["@iot.id"] for o in ds["Observations"]) == sorted(readings["observations"])


def test_nested_expand_with_options_inside(anonymous, readings):
    thing = anonymous.get(
        f"Things({readings['thing']})",
        **{
            "$expand": "Datastreams($orderby=id;$top=1;$expand=Observations($filter=result gt 10;$orderby=result desc;$select=result))"
        },
    ).json()
    (ds,) = thing["Datastreams"]
    assert thing["Datastreams@iot.nextLink"].endswith("Datastreams?$top=1&$skip=1")
    assert ds["Observations"] == [
        {"result": r} for r in sorted((r for _t, r in READINGS if r > 10), reverse=True)
    ]


def test_slash_expands_level_after_level(anonymous, readings):
    obs = anonymous.get(
        f"Observations({readings['observations'][0]})", **{"$expand": "Datastream/Thing/Locations"}
    ).json()
    assert obs["Datastream"]["Thing"]["Locations"][0]["name"] == "Markt"


def test_expand_of_a_collection_uses_one_query_per_navigation(
    anonymous, sta, readings, django_assert_max_num_queries
):
    location = anonymous.get(f"Things({readings['thing']})/Locations").json()["value"][0]["@iot.id"]
    for i in range(5):
        body = {"name": f"T{i}", "description": "-", "Locations": [{"@iot.id": location}]}
        assert sta.post("Things", body).status_code == 201
    with django_assert_max_num_queries(8):
        body = anonymous.get(
            "Things", **{"$expand": "Datastreams($expand=Observations),Locations"}
        ).json()
    assert len(body["value"]) == 6
    assert all(t["Locations"][0]["@iot.id"] == location for t in body["value"])
    assert sum(len(d["Observations"]) for t in body["value"] for d in t["Datastreams"]) == len(
        readings["observations"]
    )


@pytest.mark.parametrize(
    ("expand", "words"),
    [("Wheels", "no navigation property"), ("Datastreams($top)", "is not an option"),
     ("Datastreams($top=x)", "$top"), ("Datastreams($orderby=colour)", "colour"), ("Datastreams(", "Unbalanced")],
)  # fmt: skip
def test_bad_expand_is_refused(anonymous, station, expand, words):
    response = anonymous.get("Things", **{"$expand": expand})
    assert response.status_code == 400
    assert words in response.json()["detail"]
