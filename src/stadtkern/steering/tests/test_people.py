"""Stakeholders: ratings from 1 to 5, ties within one municipality, the plan; the grid and
the network drawn; the team sees them, only editors change them, nobody else at all."""

import pytest
from django.core.exceptions import ValidationError

from stadtkern.steering.models import Stakeholder, Tie
from stadtkern.steering.services import people

from .factories import make_project

pytestmark = pytest.mark.django_db


def _make(municipality, name, **fields):
    data = {
        "name": name,
        "group": "Einzelhandel",
        "influence": 3,
        "interest": 4,
        "attitude": "supportive",
        **fields,
    }
    return people.stakeholder_save(municipality=municipality, user=None, **data)


@pytest.mark.parametrize(("fields", "field"), [({"influence": 0}, "influence"), ({"interest": 9}, "interest"),
                                               ({"attitude": "hostile"}, "attitude")])  # fmt: skip
def test_bad_stakeholders_name_their_field(alpha, fields, field):
    with pytest.raises(ValidationError) as caught:
        _make(alpha, "Werbegemeinschaft", **fields)
    assert field in caught.value.message_dict and not Stakeholder.objects.exists()


def test_ties_stay_within_a_municipality_and_are_not_doubled(alpha, beta, personas):
    a, b = _make(alpha, "Werbegemeinschaft"), _make(alpha, "Haus & Grund")
    other = _make(beta, "Fremd")
    people.tie_add(a=b, b=a, user=None, note="Runder Tisch")
    for x, y in ((a, b), (b, a), (a, a), (a, other)):
        with pytest.raises(ValidationError):
            people.tie_add(a=x, b=y, user=None)
    assert Tie.objects.count() == 1
    with pytest.raises(ValidationError) as caught:
        _make(alpha, "X", contact_owner=personas["other_editor"])
    assert "contact_owner" in caught.value.message_dict


def test_the_register_page(client, alpha, beta, personas):
    project = make_project(alpha)
    a = _make(alpha, "Werbegemeinschaft Innenstadt", projects=[project.pk], influence=4, interest=5)
    b = _make(alpha, "Haus & Grund", attitude="critical", influence=4, interest=2)
    people.tie_add(a=a, b=b, user=None, note="Runder Tisch Leerstand")
    assert client.get("/m/alpha/steering/stakeholders/").status_code == 403
    client.force_login(personas["other_editor"])
    assert client.get("/m/alpha/steering/stakeholders/").status_code == 403
    client.force_login(personas["viewer"])
    page = client.get("/en/m/alpha/steering/stakeholders/").content.decode()
    assert 'data-kind="grid"' in page and 'data-kind="network"' in page and "network-tie" in page
    assert "manage closely" in page and "keep satisfied" in page
    assert client.post("/m/alpha/steering/stakeholders/new/", {"name": "X"}).status_code == 403
    client.force_login(personas["editor"])
    response = client.post("/en/m/alpha/steering/stakeholders/new/", {"name": "Bürgerverein", "kind": "organisation",
                           "group": "Bürgerschaft", "influence": "2", "interest": "7", "attitude": "neutral"})  # fmt: skip
    assert response.status_code == 422 and Stakeholder.objects.count() == 2
    client.post("/m/alpha/steering/stakeholders/communication/", {"group": "Einzelhandel", "format": "dialogue",
                                                                  "channel": "Runder Tisch", "frequency": "quartalsweise"})  # fmt: skip
    assert "Runder Tisch" in client.get("/m/alpha/steering/stakeholders/").content.decode()
