"""Details of the SensorThings standard and OData that clients rely on (OGC 18-088;
OData 4.01 URL conventions, canonical functions)."""

import pytest

from .conftest import READINGS, values

pytestmark = pytest.mark.django_db
RESULTS = sorted(r for _t, r in READINGS)


def test_errors_carry_problem_details_and_the_members_sensorthings_clients_read(anonymous):
    body = anonymous.get("Things", **{"$top": "x"}).json()
    assert body["status"] == 400 and body["detail"]
    assert body["code"] == 400 and body["type"] == "error" and body["message"] == body["detail"]


def test_the_service_root_lists_what_the_server_meets(anonymous):
    conformance = anonymous.get("").json()["serverSettings"]["conformance"]
    base = "http://www.opengis.net/spec/iot_sensing/1.1/req/"
    for requirement in (
        "datamodel", "request-data", "create-update-delete",
        "create-update-delete/update-entity-jsonpatch", "data-array/data-array",
    ):  # fmt: skip
        assert base + requirement in conformance
    # Only multipart batches are the standard's class; ours are JSON (FROST's extension).
    assert base + "batch-request/batch-request" not in conformance


def test_value_of_a_null_property_is_no_content(anonymous, station):
    response = anonymous.get(f"Things({station['thing']})/properties/$value")
    assert response.status_code in (200, 204)
    things = anonymous.get("Locations").json()["value"]
    response = anonymous.get(f"Locations({things[0]['@iot.id']})/properties/$value")
    assert response.status_code == 204
    assert response.content == b"" and "Content-Type" not in response


@pytest.mark.parametrize(
    ("expression", "keep"),
    [
        ("phenomenonTime gt mindatetime()", lambda r: True),
        ("phenomenonTime lt maxdatetime()", lambda r: True),
        ("geo.length(geography'LINESTRING(0 0, 3 4)') eq 5", lambda r: True),
        ("geo.distance(geography'POINT(0 0)', geography'POINT(3 4)') gt 6", lambda r: False),
        ("totaloffsetminutes(2020-01-01T00:00:00+02:00) eq 120", lambda r: True),
        ("round(2.5) eq 3 and round(-2.5) eq -3", lambda r: True),
        ("ROUND(result) eq 27", lambda r: round(r) == 27),
        ("indexof('Messwert', 'wert') eq 4", lambda r: True),
        ("indexof('Messwert', 'x') eq -1", lambda r: True),
        ("substring('Messwert', 4) eq 'wert'", lambda r: True),
    ],
)
def test_canonical_functions_as_odata_defines_them(anonymous, readings, expression, keep):
    response = anonymous.get("Observations", **{"$filter": expression})
    assert response.status_code == 200, response.content
    assert sorted(values(response)) == [r for r in RESULTS if keep(r)]


@pytest.mark.parametrize(
    ("expression", "status"),
    [
        ("hour(2020-01-01T01:00:00+02:00) eq 1", 400),  # not in UTC: must fail, not guess
        ("substring('Messwert', 0, -1) eq ''", 400),
        ("substring('Messwert', -3) eq 'ert'", 400),
        ("phenomenonTime gt 2020-01-01T00:00:00", 400),  # no offset
    ],
)
def test_what_odata_says_must_fail_fails(anonymous, readings, expression, status):
    assert anonymous.get("Observations", **{"$filter": expression}).status_code == status


@pytest.mark.parametrize("option", ["$search", "$format", "$apply"])
def test_known_options_not_offered_are_501(anonymous, option):
    response = anonymous.get("Things", **{option: "x"})
    assert response.status_code == 501 and option in response.json()["message"]


def test_literal_times_compare_by_their_offset(anonymous, readings):
    # 2024-06-21T14:15:30.250+02:00 is 12:15:30.250 UTC, the third reading.
    got = values(
        anonymous.get(
            "Observations", **{"$filter": "phenomenonTime eq 2024-06-21T14:15:30.250+02:00"}
        )
    )
    assert got == [27.25]


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_times_beyond_the_calendar_are_a_400_not_a_500(sta, anonymous, station, moment):
    ds = station["datastreams"][0]
    response = sta.post(f"Datastreams({ds})/Observations", {"result": 1, "phenomenonTime": moment})
    assert response.status_code == 400
    assert (
        anonymous.get("Observations", **{"$filter": f"phenomenonTime gt {moment}"}).status_code
        == 400
    )
