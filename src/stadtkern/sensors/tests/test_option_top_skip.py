"""$top, $skip and @iot.nextLink (OGC 18-088, 9.3.3.3, 9.3.3.4)."""

from urllib.parse import parse_qs, urlsplit

import pytest

from stadtkern.sensors.odata import DEFAULT_TOP, MAX_TOP

from .conftest import READINGS, ROOT, values

pytestmark = pytest.mark.django_db


def test_top_and_skip_page_through_a_collection(anonymous, readings):
    everything = values(anonymous.get("Observations", **{"$orderby": "phenomenonTime"}))
    assert len(everything) == len(READINGS)
    page = values(
        anonymous.get("Observations", **{"$orderby": "phenomenonTime", "$top": 2, "$skip": 1})
    )
    assert page == everything[1:3]


def test_next_link_leads_to_the_next_page_and_keeps_the_other_options(anonymous, readings):
    seen = []
    response = anonymous.get(
        "Observations", **{"$orderby": "result", "$top": 2, "$filter": "result gt 0"}
    )
    while True:
        body = response.json()
        seen += [o["result"] for o in body["value"]]
        if "@iot.nextLink" not in body:
            break
        url = urlsplit(body["@iot.nextLink"])
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        assert params["$filter"] == "result gt 0" and params["$orderby"] == "result"
        response = anonymous.get(url.path.split(ROOT, 1)[1], **params)
    assert seen == sorted(r for _t, r in READINGS if r > 0)


def test_the_last_page_has_no_next_link(anonymous, readings):
    body = anonymous.get("Observations", **{"$top": len(READINGS)}).json()
    assert "@iot.nextLink" not in body
    assert len(body["value"]) == len(READINGS)


def test_default_page_size_and_upper_limit(anonymous, readings):
    assert DEFAULT_TOP == 100
    response = anonymous.get("Observations", **{"$top": MAX_TOP + 1})
    assert response.status_code == 400
    assert str(MAX_TOP) in response.json()["detail"]


@pytest.mark.parametrize("bad", ["-1", "x", "1.5", "", "99999999999"])
def test_top_and_skip_must_be_whole_numbers(anonymous, station, bad):
    for option in ("$top", "$skip"):
        response = anonymous.get("Things", **{option: bad})
        assert response.status_code == 400
        assert option in response.json()["detail"]
