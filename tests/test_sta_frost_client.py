"""The SensorThings API used by FROST-Server's own Python client (frost-sta-client)
over real HTTP: create with deep insert, read, query, update, delete and the
dataArray extension, authenticated with a machine token as Basic password."""

import frost_sta_client as fsc
import geojson
import pytest
import requests

from stadtkern.sensors import models, tokens

pytestmark = pytest.mark.django_db(transaction=True)
OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


@pytest.fixture
def service(live_server, alpha):
    _token, secret = tokens.token_create(municipality=alpha, name="FROST client")
    auth = fsc.AuthHandler(username="sensor", password=secret)
    return fsc.SensorThingsService(f"{live_server.url}/sta/v1.1", auth_handler=auth)


@pytest.fixture
def station(service):
    thing = fsc.Thing(name="Luftmessstation Hombergerstraße", description="NO2 und Feinstaub",
                      properties={"betreiber": "LANUV"})  # fmt: skip
    thing.locations = [fsc.Location(name="Hombergerstraße", description="Moers",
                                    encoding_type="application/geo+json",
                                    location=geojson.Point((6.6251, 51.4503)))]  # fmt: skip
    sensor = fsc.Sensor(name="NO2-Analysator", description="Chemilumineszenz",
                        encoding_type="application/pdf", metadata="https://example.org/no2.pdf")  # fmt: skip
    prop = fsc.ObservedProperty(
        name="NO2", definition="https://example.org/no2", description="Stickstoffdioxid"
    )
    unit = fsc.UnitOfMeasurement(
        name="Mikrogramm pro Kubikmeter", symbol="µg/m³", definition="ucum:ug/m3"
    )
    stream = fsc.Datastream(name="NO2 Hombergerstraße", description="Stundenmittel", observation_type=OM,
                            unit_of_measurement=unit, sensor=sensor, observed_property=prop)  # fmt: skip
    thing.datastreams = [stream]
    service.create(thing)
    return thing


def test_deep_insert_and_find(service, station):
    assert isinstance(station.id, int)
    found = service.things().find(station.id)
    assert found.name == "Luftmessstation Hombergerstraße"
    assert found.properties == {"betreiber": "LANUV"}
    streams = service.datastreams().query().filter(f"Thing/id eq {station.id}").list()
    (stream,) = list(streams)
    assert stream.unit_of_measurement.symbol == "µg/m³"
    assert models.Location.objects.get().location["coordinates"] == [6.6251, 51.4503]


def test_observations_create_query_and_page(service, station):
    stream = next(iter(service.datastreams().query().list()))
    for hour in range(30):
        obs = fsc.Observation(result=20 + hour, phenomenon_time=f"2024-03-01T{hour % 24:02d}:00:00Z"
                              if hour < 24 else f"2024-03-02T{hour - 24:02d}:00:00Z", datastream=stream)  # fmt: skip
        service.create(obs)
        assert isinstance(obs.id, int)
    high = (
        service.observations()
        .query()
        .filter("result ge 40 and day(phenomenonTime) eq 2")
        .orderby("result", "ASC")
        .list()
    )
    assert [o.result for o in high] == [44, 45, 46, 47, 48, 49]
    everything = service.observations().query().top(7).list()  # the list follows @iot.nextLink
    assert len(list(everything)) == 30
    counted = service.observations().query().count().top(1).list()
    assert counted.count == 30
    expanded = (
        service.things()
        .query()
        .expand("Datastreams($expand=Observations($top=2;$orderby=result desc))")
        .list()
    )
    (thing,) = list(expanded)
    assert [o.result for o in thing.datastreams.entities[0].observations.entities] == [49, 48]


def test_update_patch_and_delete(service, station):
    found = service.things().find(station.id)
    found.description = "Neu beschrieben"
    service.update(found)
    assert service.things().find(station.id).description == "Neu beschrieben"
    service.things().patch(
        station, [{"op": "replace", "path": "/name", "value": "Messstation Moers"}]
    )
    assert service.things().find(station.id).name == "Messstation Moers"
    service.delete(station)
    assert models.Thing.objects.count() == 0
    assert models.Datastream.objects.count() == 0


def test_data_array_create_and_read(service, station, live_server):
    stream = next(iter(service.datastreams().query().list()))
    array = fsc.DataArrayValue()
    array.datastream = stream
    array.components = {
        fsc.DataArrayValue.Property.PHENOMENON_TIME,
        fsc.DataArrayValue.Property.RESULT,
    }
    for minute in range(50):
        array.add_observation(
            fsc.Observation(
                phenomenon_time=f"2024-04-01T10:{minute:02d}:00Z",
                result=minute / 2,
                datastream=stream,
            )
        )
    document = fsc.DataArrayDocument()
    document.add_data_array_value(array)
    created = service.observations().create(document)
    assert len(created) == 50
    assert models.Observation.objects.count() == 50
    url = f"{live_server.url}/sta/v1.1/Datastreams({stream.id})/Observations"
    body = requests.get(url, params={"$resultFormat": "dataArray", "$select": "phenomenonTime,result",
                                     "$orderby": "phenomenonTime", "$top": 50}, timeout=10).json()  # fmt: skip
    (group,) = body["value"]
    assert group["components"] == ["phenomenonTime", "result"]
    assert group["dataArray"][-1] == ["2024-04-01T10:49:00Z", 24.5]


def test_the_client_sees_errors_as_errors(service, station):
    stream = next(iter(service.datastreams().query().list()))
    with pytest.raises(Exception, match="400|takes OM_Measurement"):
        service.create(
            fsc.Observation(
                result="viel", phenomenon_time="2024-01-01T00:00:00Z", datastream=stream
            )
        )
    assert models.Observation.objects.count() == 0
