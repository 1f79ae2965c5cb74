"""Fixtures of the SensorThings tests: a machine token of alpha, a JSON client that
sends it, and a small sensor network (a Thing with a Location, two Datastreams)."""

import json

import pytest

from stadtkern.sensors import tokens

ROOT = "/sta/v1.1/"
OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"


class StaClient:
    """Django's test client speaking JSON to /sta/v1.1/ with an optional token."""

    def __init__(self, client, secret=None):
        self.client, self.secret = client, secret

    def _headers(self):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.secret}"} if self.secret else {}

    def get(self, path, **params):
        return self.client.get(ROOT + path, params, **self._headers())

    def send(self, method, path, body, content_type="application/json"):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return getattr(self.client, method)(
            ROOT + path, data, content_type=content_type, **self._headers()
        )

    def post(self, path, body):
        return self.send("post", path, body)

    def patch(self, path, body, content_type="application/json"):
        return self.send("patch", path, body, content_type)

    def put(self, path, body):
        return self.send("put", path, body)

    def delete(self, path):
        return self.client.delete(ROOT + path, **self._headers())


@pytest.fixture
def alpha_token(alpha):
    token, secret = tokens.token_create(municipality=alpha, name="Gateway")
    return secret


@pytest.fixture
def beta_token(beta):
    token, secret = tokens.token_create(municipality=beta, name="Beta gateway")
    return secret


@pytest.fixture
def sta(client, alpha_token):
    return StaClient(client, alpha_token)


@pytest.fixture
def anonymous(client):
    return StaClient(client)


def thing_body(name="Wetterstation Markt", lon=6.63, lat=51.45, streams=("Temperatur", "NO2")):
    return {
        "name": name,
        "description": "Station am Markt",
        "properties": {"betreiber": "Stadtwerke", "höhe": 32},
        "Locations": [
            {
                "name": "Markt",
                "description": "Marktplatz",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [lon, lat]},
            }
        ],
        "Datastreams": [
            {
                "name": f"{s} {name}",
                "description": f"{s} am Markt",
                "observationType": OM + "OM_Measurement",
                "unitOfMeasurement": {
                    "name": "Grad Celsius",
                    "symbol": "°C",
                    "definition": "ucum:Cel",
                },
                "Sensor": {
                    "name": f"Sensor {s}",
                    "description": "Messgerät",
                    "encodingType": "application/pdf",
                    "metadata": "https://example.org/datenblatt.pdf",
                },
                "ObservedProperty": {
                    "name": s,
                    "definition": f"https://example.org/{s}",
                    "description": s,
                },
            }
            for s in streams
        ],
    }


@pytest.fixture
def station(sta):
    """A Thing with one Location and two Datastreams created through the API."""
    response = sta.post("Things", thing_body())
    assert response.status_code == 201, response.content
    thing = response.json()
    streams = sta.get(f"Things({thing['@iot.id']})/Datastreams", **{"$orderby": "id"}).json()[
        "value"
    ]
    return {"thing": thing["@iot.id"], "datastreams": [d["@iot.id"] for d in streams]}


READINGS = [  # (phenomenonTime, result) of the first datastream
    ("2024-01-15T06:30:00Z", 3.5),
    ("2024-03-01T12:00:00Z", 9),
    ("2024-06-21T12:15:30.250Z", 27.25),
    ("2024-06-22T00:00:00Z", 18),
    ("2025-12-31T23:59:59Z", -2.5),
]


@pytest.fixture
def readings(sta, station):
    """Five observations with known times and results in the first datastream."""
    ds = station["datastreams"][0]
    response = sta.post(
        "CreateObservations",
        [
            {
                "Datastream": {"@iot.id": ds},
                "components": ["phenomenonTime", "result"],
                "dataArray": [list(r) for r in READINGS],
            }
        ],
    )
    assert response.status_code == 201, response.content
    return {**station, "observations": [int(u.rsplit("(", 1)[1][:-1]) for u in response.json()]}


def values(response, key="result"):
    assert response.status_code == 200, response.content
    return [item[key] for item in response.json()["value"]]
