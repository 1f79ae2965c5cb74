"""A counting station as a sensor's set-up posts it: one Thing with its Location and
one Datastream of counts, for the tests that talk to a broker."""

OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"


def counting_station(
    name="Zählstelle Steinstraße", street="Steinstraße", at=(6.6317, 51.4515), counts="Passanten"
) -> dict:
    return {
        "name": name,
        "description": counts,
        "Locations": [{"name": street, "description": "-", "encodingType": "application/geo+json",
                       "location": {"type": "Point", "coordinates": list(at)}}],
        "Datastreams": [{"name": counts, "description": "je Stunde", "observationType": OM + "OM_CountObservation",
                         "unitOfMeasurement": {"name": "Anzahl", "symbol": "1", "definition": "ucum:1"},
                         "Sensor": {"name": "Zähler", "description": "-", "encodingType": "text/html", "metadata": "-"},
                         "ObservedProperty": {"name": counts, "definition": "-", "description": "-"}}],
    }  # fmt: skip


def post_station(http, **kw) -> None:
    response = http.post(
        "/sta/v1.1/Things", counting_station(**kw), content_type="application/json"
    )
    assert response.status_code == 201, response.content
