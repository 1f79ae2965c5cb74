"""Citizens' assemblies: volunteers register, editors announce the seed and draw, the
panel meets the quotas, the published distribution repeats the draw."""

import json
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from conftest import PASSWORD
from stadtkern.participation import assemblies
from stadtkern.participation.sortition import Distribution

pytestmark = pytest.mark.django_db
SHARES = {
    "Alter": {"16-29": 0.2, "30-64": 0.5, "65+": 0.3},
    "Geschlecht": {"weiblich": 0.5, "männlich": 0.5},
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def assembly(alpha):
    found = assemblies.assembly_create(municipality=alpha, slug="buergerrat-klima", title="Bürgerrat Klima",
                                       panel_size=10, shares=SHARES)  # fmt: skip
    rng = random.Random(5)
    for k in range(60):
        age = rng.choices(["16-29", "30-64", "65+"], weights=[1, 3, 4])[
            0
        ]  # the young volunteer less
        assemblies.volunteer_register(assembly=found, name=f"Person {k}", contact=f"p{k}@example.org",
                                      features={"Alter": age, "Geschlecht": rng.choice(["weiblich", "männlich"])})  # fmt: skip
    return found


def test_the_panel_meets_the_quotas_and_the_draw_repeats(assembly, people):
    with pytest.raises(PermissionDenied):
        assemblies.assembly_draw(assembly=assembly, user=people["moderator"])
    with pytest.raises(ValidationError, match="Announce the seed"):
        assemblies.assembly_draw(assembly=assembly, user=people["editor"])
    assemblies.assembly_announce_seed(
        assembly=assembly, user=people["editor"], seed="Lotto 6 aus 49, 29.11.2026"
    )
    with pytest.raises(ValidationError, match="Registration is closed"):
        assemblies.volunteer_register(assembly=assembly, name="Spät", contact="x@example.org",
                                      features={"Alter": "65+", "Geschlecht": "weiblich"})  # fmt: skip
    panel = assemblies.assembly_draw(assembly=assembly, user=people["editor"])
    assert len(panel) == 10
    for row in assemblies.composition(assembly):
        assert row["min"] <= row["drawn"] <= row["max"], row
    assembly.refresh_from_db()
    chances = list(assembly.volunteers.values_list("probability", flat=True))
    assert sum(chances) == pytest.approx(10)
    # The young are few among the volunteers, so each of them has a higher chance.
    young = assembly.volunteers.filter(features__Alter="16-29").first().probability
    old = assembly.volunteers.filter(features__Alter="65+").first().probability
    assert young > old
    # Anyone can repeat the draw from the published distribution and the seed.
    d = assembly.distribution
    index = {pk: k for k, pk in enumerate(d["volunteers"])}
    repeat = Distribution([tuple(p) for p in d["panels"]], d["probabilities"], [],
                          members=[[index[pk] for pk in t] for t in d["types"]])  # fmt: skip
    again = {d["volunteers"][k] for k in repeat.draw(assembly.seed)}
    assert again == {v.pk for v in panel}
    with pytest.raises(ValidationError, match="drawn already"):
        assemblies.assembly_draw(assembly=assembly, user=people["editor"])


def test_a_volunteer_gives_a_known_value_for_every_feature(assembly):
    with pytest.raises(ValidationError) as caught:
        assemblies.volunteer_register(
            assembly=assembly, name="X", contact="x@example.org", features={"Alter": "99"}
        )
    assert set(caught.value.message_dict) == {"features.Alter", "features.Geschlecht"}


def test_too_few_volunteers_of_a_kind_are_named(alpha, people):
    small = assemblies.assembly_create(municipality=alpha, slug="klein", title="Klein", panel_size=4,
                                       shares={"Alter": {"jung": 0.5, "alt": 0.5}})  # fmt: skip
    for k in range(5):
        assemblies.volunteer_register(
            assembly=small, name=f"P{k}", contact="c@example.org", features={"Alter": "alt"}
        )
    assemblies.assembly_announce_seed(assembly=small, user=people["editor"], seed="Seed 12345")
    with pytest.raises(ValidationError, match="only 0 volunteers have Alter = jung"):
        assemblies.assembly_draw(assembly=small, user=people["editor"])


def test_pages_register_draw_and_export(client, assembly, people):
    url = "/m/alpha/participation/assemblies/buergerrat-klima/"
    response = client.post(url, {"name": "Neu", "contact": "neu@example.org", "feature-0": "16-29", "feature-1": "weiblich"},
                           follow=True)  # fmt: skip
    assert "Danke, dass Sie sich melden." in response.content.decode()
    assert client.get(url + "panel.csv").status_code == 403
    client.login(username="editor", password=PASSWORD)
    client.post(url, {"action": "seed", "seed": "Lotto vom 29.11.2026"})
    client.post(url, {"action": "draw"})
    page = client.get(url).content.decode()
    assert "Gezogen am" in page and "Lotto vom 29.11.2026" in page
    rows = client.get(url + "panel.csv").content.decode().splitlines()
    assert rows[0] == "name;contact;Alter;Geschlecht;probability" and len(rows) == 11
    public = client.get("/api/v1/participation/assemblies/alpha/buergerrat-klima").json()
    assert public["seed"] == "Lotto vom 29.11.2026" and "Neu" not in json.dumps(public)
    assert sum(r["drawn"] for r in public["composition"] if r["feature"] == "Alter") == 10
