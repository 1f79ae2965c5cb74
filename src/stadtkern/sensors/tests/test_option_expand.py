"""$expand (OGC 18-088, 9.3.2.1): related entities inline, nested, with their own options."""

import pytest

from .conftest import READINGS, thing_body

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


def test_one_navigation_named_twice_is_expanded_once(anonymous, readings):
    """Datastreams/Sensor,Datastreams/ObservedProperty: both inside one expansion (the
    second name was a 500)."""
    thing = anonymous.get(
        f"Things({readings['thing']})",
        **{"$expand": "Datastreams/Sensor,Datastreams/ObservedProperty,Datastreams"},
    ).json()
    assert len(thing["Datastreams"]) == len(readings["datastreams"])
    assert all("Sensor" in d and "ObservedProperty" in d for d in thing["Datastreams"])
    for twice in ("Datastreams,Datastreams", "Datastreams/Sensor,Datastreams"):
        assert anonymous.get("Things", **{"$expand": twice}).status_code == 200
    response = anonymous.get("Things", **{"$expand": "Datastreams($top=1),Datastreams($top=2)"})
    assert response.status_code == 400
    assert "expanded twice with different options" in response.json()["detail"]


@pytest.mark.parametrize(
    ("expand", "words"),
    [("Wheels", "no navigation property"), ("Datastreams($top)", "is not an option"),
     ("Datastreams($top=x)", "$top"), ("Datastreams($orderby=colour)", "colour"), ("Datastreams(", "Unbalanced")],
)  # fmt: skip
def test_bad_expand_is_refused(anonymous, station, expand, words):
    response = anonymous.get("Things", **{"$expand": expand})
    assert response.status_code == 400
    assert words in response.json()["detail"]


SEEKING = [
    "Observations($top=1;$orderby=phenomenonTime desc)",
    "Observations($top=2;$skip=1;$orderby=result;$select=result)",
    "Observations($top=3)",
    "Observations($top=1;$filter=result gt 10;$orderby=phenomenonTime desc)",
    "Observations($top=2;$orderby=phenomenonTime desc;$expand=FeatureOfInterest($select=name))",
    "Observations($top=1;$count=true;$orderby=result desc)",
    "Observations($top=9;$skip=2;$orderby=phenomenonTime desc)",
]


@pytest.fixture
def two_streams(sta, readings):
    body = [{"Datastream": {"@iot.id": readings["datastreams"][1]},
             "components": ["phenomenonTime", "result"],
             "dataArray": [[f"2024-02-0{d}T10:00:00Z", d * 1.5] for d in range(1, 8)]}]  # fmt: skip
    assert sta.post("CreateObservations", body).status_code == 201
    return readings


@pytest.mark.parametrize("expand", SEEKING)
def test_the_newest_few_are_sought_as_the_window_would_rank_them(
    anonymous, two_streams, monkeypatch, expand
):
    from stadtkern.sensors import selectors

    def read():
        streams = anonymous.get("Datastreams", **{"$expand": expand, "$orderby": "id"}).json()
        thing = anonymous.get(
            f"Things({two_streams['thing']})",
            **{"$expand": f"Datastreams($orderby=id;$expand={expand})"},
        ).json()
        return streams, thing

    sought = read()
    monkeypatch.setattr(selectors, "SEEK_TOP", 0)  # every expansion by window function
    ranked = read()
    assert sought == ranked
    assert all(d["Observations"] for d in sought[0]["value"])


def test_seeking_takes_a_few_queries_whatever_the_number_of_datastreams(
    anonymous, sta, two_streams, django_assert_max_num_queries
):
    for i in range(6):
        thing = sta.post("Things", thing_body(f"T{i}", streams=("D",))).json()
        (ds,) = sta.get(f"Things({thing['@iot.id']})/Datastreams").json()["value"]
        body = [{"Datastream": {"@iot.id": ds["@iot.id"]}, "components": ["phenomenonTime", "result"],
                 "dataArray": [["2024-01-01T00:00:00Z", i], ["2023-01-01T00:00:00Z", -1]]}]  # fmt: skip
        assert sta.post("CreateObservations", body).status_code == 201
    expand = "Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc;$expand=FeatureOfInterest))"
    with django_assert_max_num_queries(8):
        body = anonymous.get("Things", **{"$expand": expand}).json()
    latest = [
        d["Observations"][0]["result"]
        for t in body["value"]
        for d in t["Datastreams"]
        if d["name"].startswith("D ")
    ]
    assert sorted(latest) == [0, 1, 2, 3, 4, 5]
    assert all(
        "FeatureOfInterest" in d["Observations"][0]
        for t in body["value"]
        for d in t["Datastreams"]
        if d["Observations"]
    )
