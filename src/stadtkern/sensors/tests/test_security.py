"""Who may read and write sensor data: public Things for everyone, internal ones for
their municipality; writes only with a valid machine token of the owning
municipality, optionally limited to datastreams; revocation works at once."""

import base64
import os
import resource
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from stadtkern.sensors import models

from .conftest import StaClient, thing_body

pytestmark = pytest.mark.django_db


def test_writing_without_a_token_is_401(anonymous, alpha):
    response = anonymous.post("Things", thing_body())
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert models.Thing.objects.count() == 0


def test_a_wrong_or_revoked_token_is_401(client, alpha, alpha_token, station):
    forged = StaClient(client, alpha_token[:-4] + "AAAA")
    assert forged.post("Things", thing_body()).status_code == 401
    assert forged.get("Things").status_code == 401  # a bad token is never silently anonymous
    out = StringIO()
    call_command("token", "revoke", alpha_token, stdout=out)
    assert "revoked" in out.getvalue()
    revoked = StaClient(client, alpha_token)
    assert revoked.post("Things", thing_body()).status_code == 401
    assert models.Thing.objects.count() == 1


def test_basic_authentication_carries_the_token_as_password(client, alpha, alpha_token):
    header = "Basic " + base64.b64encode(f"sensor:{alpha_token}".encode()).decode()
    response = client.post("/sta/v1.1/Sensors", {"name": "s", "description": "-", "encodingType": "text/html",
                           "metadata": "-"}, content_type="application/json", HTTP_AUTHORIZATION=header)  # fmt: skip
    assert response.status_code == 201


def test_no_one_writes_into_another_municipalitys_entities(client, station, beta_token):
    beta = StaClient(client, beta_token)
    ds, thing = station["datastreams"][0], station["thing"]
    assert beta.post(f"Datastreams({ds})/Observations", {"result": 1}).status_code == 403
    assert (
        beta.post("Observations", {"result": 1, "Datastream": {"@iot.id": ds}}).status_code == 400
    )
    array = [{"Datastream": {"@iot.id": ds}, "components": ["result"], "dataArray": [[1]]}]
    assert beta.post("CreateObservations", array).status_code == 400
    assert beta.patch(f"Things({thing})", {"name": "Übernommen"}).status_code == 403
    assert beta.delete(f"Things({thing})").status_code == 403
    linked = thing_body("Fremd")
    linked["Datastreams"][0]["Sensor"] = {"@iot.id": models.Sensor.objects.first().pk}
    assert beta.post("Things", linked).status_code == 400
    assert models.Observation.objects.count() == 0
    assert models.Thing.objects.get(pk=thing).name == "Wetterstation Markt"
    assert models.Thing.objects.count() == 1


def test_a_datastream_scoped_token_writes_only_observations_there(client, alpha, station):
    ds, other = station["datastreams"]
    out = StringIO()
    call_command(
        "token",
        "create",
        "--municipality",
        alpha.ags,
        "--name",
        "Zähler",
        "--datastream",
        str(ds),
        stdout=out,
    )
    scoped = StaClient(client, out.getvalue().strip())
    assert scoped.post(f"Datastreams({ds})/Observations", {"result": 1}).status_code == 201
    assert scoped.post(f"Datastreams({other})/Observations", {"result": 1}).status_code == 403
    assert scoped.post("Things", {"name": "x", "description": "y"}).status_code == 403
    assert scoped.patch(f"Things({station['thing']})", {"name": "x"}).status_code == 403
    assert models.Observation.objects.filter(datastream_id=ds).count() == 1
    assert models.Observation.objects.filter(datastream_id=other).count() == 0


def test_internal_things_are_hidden_from_everyone_outside_the_municipality(
    client, sta, station, beta_token, anonymous
):
    models.Thing.objects.filter(pk=station["thing"]).update(public=False)
    ds = station["datastreams"][0]
    sta.post(f"Datastreams({ds})/Observations", {"result": 5})
    for outsider in (anonymous, StaClient(client, beta_token)):
        assert outsider.get("Things").json()["value"] == []
        assert outsider.get("Observations").json()["value"] == []
        assert outsider.get(f"Datastreams({ds})").status_code == 404
        assert outsider.get("Locations", **{"$expand": "Things"}).json()["value"][0]["Things"] == []
    assert [o["result"] for o in sta.get("Observations").json()["value"]] == [5]


def test_token_command_errors(alpha):
    with pytest.raises(CommandError, match="No municipality"):
        call_command("token", "create", "--municipality", "00000000")
    with pytest.raises(CommandError, match="No datastream"):
        call_command("token", "create", "--municipality", alpha.ags, "--datastream", "999999")
    with pytest.raises(CommandError, match="No token"):
        call_command("token", "revoke", "skm_nothere_x")


class _FullDisk(StringIO):
    def write(self, text):
        raise OSError(28, "No space left on device")


def test_a_token_whose_secret_could_not_be_written_is_revoked_again(alpha):
    """Nobody saw its secret: it must not stay active for whoever finds it later."""
    with pytest.raises(CommandError, match="could not be written.*is revoked again") as caught:
        call_command("token", "create", "--municipality", alpha.ags, stdout=_FullDisk())
    assert caught.value.returncode == 120
    token = models.MachineToken.objects.get()
    assert token.revoked_at is not None


class _ClosedNotes(StringIO):
    def write(self, text):
        raise OSError(9, "Bad file descriptor")


def test_a_token_is_revoked_when_its_notes_cannot_be_written_either(alpha):
    with pytest.raises(CommandError, match="is revoked again"):
        call_command("token", "create", "--municipality", alpha.ags, stdout=StringIO(),
                     stderr=_ClosedNotes())  # fmt: skip
    assert models.MachineToken.objects.get().revoked_at is not None


def test_a_secret_cut_short_by_a_file_size_limit_revokes_the_token(tmp_path):
    """A buffered write may stop short without an error: the secret is written whole into
    the file or the token does not stay. (The command runs on an instance of its own.)"""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["STADTKERN_VAR_DIR"] = str(tmp_path)
    run = [sys.executable, "-m", "stadtkern.cli"]
    subprocess.run([*run, "migrate", "-v0"], env=env, check=True, timeout=300)
    subprocess.run([*run, "shell", "--no-imports", "-c", "from stadtkern.core.services import "
                    "municipality_create; municipality_create(name='A', slug='a', ags='05999009', "
                    "kind='stadt', state='05')"], env=env, check=True, timeout=120)  # fmt: skip
    out = tmp_path / "secret.txt"
    limit = 256 * 2**20  # above the database's files, which the limit binds as well
    with open(out, "wb") as sparse:
        sparse.truncate(limit - 20)  # 20 bytes left: the secret does not fit
    with open(out, "ab") as target:
        done = subprocess.run(
            [*run, "token", "create", "--municipality", "a"], env=env, stdout=target,
            stderr=subprocess.PIPE, text=True, timeout=120,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
        )  # fmt: skip
    assert done.returncode == 120 and "is revoked again" in done.stderr, done.stderr
    listed = subprocess.run([*run, "token", "list", "--municipality", "a"], env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert "revoked" in listed.stdout and "active" not in listed.stdout, listed.stdout


def test_token_list_shows_no_secrets(alpha, alpha_token):
    out = StringIO()
    call_command("token", "list", "--municipality", alpha.slug, stdout=out)
    assert "Gateway" in out.getvalue() and "active" in out.getvalue()
    assert alpha_token not in out.getvalue()
    assert models.MachineToken.objects.get().digest != alpha_token


ORACLES = [
    # (entity set, condition that is true only through the internal observation 43.5)
    ("Sensors", "Datastreams/Observations/result eq 43.5"),
    ("ObservedProperties", "Datastreams/Observations/result eq 43.5"),
    ("FeaturesOfInterest", "Observations/result eq 43.5"),
    ("Locations", "Things/Datastreams/Observations/result eq 43.5"),
    ("Locations", "HistoricalLocations/Thing/name eq 'Wetterstation Markt'"),
    ("Sensors", "Datastreams/Thing/properties/betreiber eq 'Stadtwerke'"),
    ("Sensors", "Datastreams/Observations/result gt 40 and id gt 0"),
    ("Sensors", "substringof('Wetter', Datastreams/Thing/name)"),
    (
        "FeaturesOfInterest",
        "Observations/Datastream/Sensor/Datastreams/Observations/result eq 43.5",
    ),
]


@pytest.mark.parametrize(("entity_set", "condition"), ORACLES)
def test_filters_through_navigation_see_only_visible_entities(
    client, sta, station, beta_token, anonymous, entity_set, condition
):
    ds = station["datastreams"][0]
    assert sta.post(f"Datastreams({ds})/Observations", {"result": 43.5}).status_code == 201
    # The municipality sees its own internal thing through every path...
    models.Thing.objects.filter(pk=station["thing"]).update(public=False)
    assert sta.get(entity_set, **{"$filter": condition}).json()["value"] != []
    # ...outsiders find nothing, as if the internal entities did not exist.
    for outsider in (anonymous, StaClient(client, beta_token)):
        response = outsider.get(entity_set, **{"$filter": condition})
        assert response.status_code == 200, response.content
        assert response.json()["value"] == []
    # Once public, the same condition finds it for everyone: the filter still works.
    models.Thing.objects.filter(pk=station["thing"]).update(public=True)
    assert anonymous.get(entity_set, **{"$filter": condition}).json()["value"] != []


@pytest.mark.parametrize(
    ("entity_set", "condition"),
    [
        ("Things", "Datastreams/Sensor/Datastreams/name ne 'x'"),
        ("Sensors", "Datastreams/Thing/Datastreams/Observations/result ge 0"),
        ("Locations", "Things/Datastreams/Observations/result ge 0"),
    ],
)
def test_an_entity_found_through_many_paths_comes_once(sta, station, entity_set, condition):
    for ds in station["datastreams"]:
        for value in (1, 2):
            assert sta.post(f"Datastreams({ds})/Observations", {"result": value}).status_code == 201
    found = sta.get(entity_set, **{"$filter": condition, "$count": "true"}).json()
    ids = [e["@iot.id"] for e in found["value"]]
    assert ids and len(ids) == len(set(ids)) == found["@iot.count"]


def test_negated_conditions_through_hidden_paths_do_not_tell_either(
    client, sta, station, anonymous
):
    ds = station["datastreams"][0]
    sta.post(f"Datastreams({ds})/Observations", {"result": 43.5})
    models.Thing.objects.filter(pk=station["thing"]).update(public=False)
    everything = anonymous.get("Sensors").json()["value"]
    for guess in ("43.5", "12"):
        negated = anonymous.get(
            "Sensors", **{"$filter": f"not (Datastreams/Observations/result eq {guess})"}
        ).json()["value"]
        assert negated == everything  # the same answer, right guess or wrong


def scoped_client(client, municipality, ds) -> StaClient:
    """A client with a token limited to datastream ``ds``, made as operators make one."""
    out = StringIO()
    call_command(
        "token", "create", "--municipality", municipality.ags, "--name", "Zähler",
        "--datastream", str(ds), stdout=out,
    )  # fmt: skip
    return StaClient(client, out.getvalue().strip())


def test_a_scoped_token_cannot_attach_observations_to_another_municipalitys_feature(
    client, alpha, beta, station, beta_token
):
    ds = station["datastreams"][0]
    beta_sta = StaClient(client, beta_token)
    created = beta_sta.post("Things", thing_body(name="Beta-Station", streams=("NO2",)))
    assert created.status_code == 201
    beta_ds = beta_sta.get(f"Things({created.json()['@iot.id']})/Datastreams").json()["value"][0]
    beta_sta.post(f"Datastreams({beta_ds['@iot.id']})/Observations", {"result": 1})
    foreign_foi = models.FeatureOfInterest.objects.get(municipality=beta).pk
    scoped = scoped_client(client, alpha, ds)
    body = {"result": 7, "Datastream": {"@iot.id": ds}}
    path = f"FeaturesOfInterest({foreign_foi})/Observations"
    assert scoped.post(path, body).status_code == 403
    batch = scoped.post(
        "$batch", {"requests": [{"id": "1", "method": "post", "url": path, "body": body}]}
    )
    assert batch.json()["responses"][0]["status"] == 403
    assert not models.Observation.objects.filter(
        feature_of_interest_id=foreign_foi, datastream_id=ds
    ).exists()
    # Its own municipality's feature still takes observations of its datastream.
    assert scoped.post(f"Datastreams({ds})/Observations", {"result": 1}).status_code == 201
    own_foi = models.FeatureOfInterest.objects.get(municipality=alpha)
    assert scoped.post(f"FeaturesOfInterest({own_foi.pk})/Observations", body).status_code == 201


def test_a_scoped_token_cannot_move_its_observation_into_another_datastream(client, alpha, station):
    """Every way of naming a Datastream in a write: PATCH, PUT, a POST to Observations
    with a Datastream link, and each of them inside $batch."""
    ds, other = station["datastreams"]
    scoped = scoped_client(client, alpha, ds)
    obs = scoped.post(f"Datastreams({ds})/Observations", {"result": 1}).json()["@iot.id"]
    move = {"Datastream": {"@iot.id": other}}
    assert scoped.patch(f"Observations({obs})", move).status_code == 403
    assert scoped.put(f"Observations({obs})", {"result": 2, **move}).status_code == 403
    batch = scoped.post("$batch", {"requests": [
        {"id": "1", "method": "patch", "url": f"Observations({obs})", "body": move},
        {"id": "2", "method": "post", "url": "Observations", "body": {"result": 3, **move}},
    ]})  # fmt: skip
    assert [r["status"] for r in batch.json()["responses"]] == [403, 403]
    assert scoped.post("Observations", {"result": 3, **move}).status_code == 403
    assert models.Observation.objects.filter(datastream_id=other).count() == 0
    # Within its own datastream it still changes what it wrote.
    own = {"result": 5, "Datastream": {"@iot.id": ds}}
    assert scoped.patch(f"Observations({obs})", own).status_code == 200
    assert models.Observation.objects.get(pk=obs).result_number == 5


@pytest.mark.parametrize(
    "body",
    [b'{"name": "\\ud800", "description": "x"}', b'{"name": "a\xed\xa0\x80", "description": "x"}',
     b'{"name": "x", "description": "x", "properties": {"h": NaN}}',
     b'{"name": "x", "description": "x", "properties": {"h": 1e400}}',
     '{"name": "\ud800", "description": "x"}'.encode("utf-16-le", "surrogatepass")],
)  # fmt: skip
def test_a_body_no_database_could_hold_is_a_400(sta, station, body):
    """Unpaired surrogates and NaN passed Python's JSON reader and failed when written
    (a 500 for a Thing's name); inside $batch as well."""
    thing = station["thing"]
    name = models.Thing.objects.get(pk=thing).name
    for method in ("patch", "put"):
        response = sta.send(method, f"Things({thing})", body)
        assert response.status_code == 400, response.content
        assert "not valid JSON" in response.json()["detail"]
    batch = b'{"requests": [{"id": "1", "method": "patch", "url": "Things(%d)", "body": %s}]}'
    response = sta.send("post", "$batch", batch % (thing, body))
    assert response.status_code == 400
    assert models.Thing.objects.get(pk=thing).name == name
