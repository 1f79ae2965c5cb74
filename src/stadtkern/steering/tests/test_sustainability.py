"""The sustainability check: a score and a reason per criterion, all or nothing; the radar
on the measure's page; averages per field of action in the house and the cockpit."""

import pytest
from django.core.exceptions import ValidationError

from stadtkern.steering.models import SustainabilityScore
from stadtkern.steering.services import sustainability
from stadtkern.strategy.services import field_create, measure_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def measure(alpha):
    field = field_create(municipality=alpha, user=None, title="Wirtschaft", published=True)
    return measure_create(municipality=alpha, user=None, title="Leerstandsmelder", published=True,
                          fields_of_action=[field.pk])  # fmt: skip


@pytest.mark.parametrize(("scores", "field"), [
    ({"energy": (6, "x")}, "score_energy"), ({"energy": (0, "x")}, "score_energy"),
    ({"energy": (3, "  ")}, "reason_energy"), ({"cake": (3, "x")}, "criterion"), ({"energy": (True, "x")}, "score_energy"),
])  # fmt: skip
def test_a_bad_score_names_its_field_and_nothing_is_saved(measure, scores, field):
    with pytest.raises(ValidationError) as caught:
        sustainability.check_save(
            measure=measure, user=None, scores={"hosting": (4, "Ökostrom"), **scores}
        )
    assert field in caught.value.message_dict and not SustainabilityScore.objects.exists()


def test_the_check_on_the_measure_the_house_and_the_cockpit(client, measure, personas):
    client.force_login(personas["editor"])
    data = {"score_energy": "4", "reason_energy": "LoRaWAN-Sensoren mit Batterie", "score_open_source": "5",
            "reason_open_source": "EUPL", "score_accessibility": "2", "reason_accessibility": ""}  # fmt: skip
    url = f"/en/m/alpha/steering/sustainability/{measure.pk}/"
    response = client.post(url, data)
    assert response.status_code == 422 and "Give the reason" in response.content.decode()
    assert "LoRaWAN-Sensoren mit Batterie" in response.content.decode()  # what was typed stays
    data["reason_accessibility"] = "Noch nicht geprüft"
    assert client.post(url, data).status_code == 302
    assert SustainabilityScore.objects.filter(measure=measure).count() == 3
    client.logout()
    page = client.get(f"/en/m/alpha/measures/{measure.pk}/").content.decode()
    assert 'data-kind="radar"' in page and "EUPL" in page
    house = client.get("/en/m/alpha/").content.decode()
    assert "Sustainability by field of action" in house and "Wirtschaft" in house
    assert (
        "Sustainability by field of action" in client.get("/en/m/alpha/cockpit/").content.decode()
    )
    assert client.post(url, data).status_code in (302, 403)
    assert client.get(url).status_code in (302, 403)
