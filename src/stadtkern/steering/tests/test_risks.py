"""The opportunity and risk register: ratings from 1 to 5, responses that fit the kind,
the history of assessments, the matrix, and high risks in the report form and the cockpit."""

import pytest
from django.core.exceptions import ValidationError

from stadtkern.steering.models import Assessment, Risk
from stadtkern.steering.services import risks

from .factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(alpha):
    return make_project(alpha, published=True)


@pytest.mark.parametrize(("fields", "field"), [
    ({"probability": 0}, "probability"), ({"impact": 6}, "impact"), ({"probability": True}, "probability"),
    ({"kind": "opportunity", "response": "avoid"}, "response"), ({"response": "exploit"}, "response"),
])  # fmt: skip
def test_bad_ratings_and_responses_name_their_field(project, fields, field):
    with pytest.raises(ValidationError) as caught:
        risks.risk_save(project=project, user=None, **{"title": "X", "probability": 3, "impact": 3,
                                                       "response": "reduce", **fields})  # fmt: skip
    assert field in caught.value.message_dict and not Risk.objects.exists()


def test_each_new_rating_is_kept_in_the_history(project):
    risk = risks.risk_save(project=project, user=None, title="Eigentümer springen ab", probability=3, impact=4,
                           response="reduce")  # fmt: skip
    risks.risk_save(project=project, user=None, risk=risk, measures="Mehr Ladenlokale ansprechen")
    risks.risk_save(project=project, user=None, risk=risk, probability=4, note="Zwei Absagen")
    assert list(Assessment.objects.filter(risk=risk).order_by("at", "id").values_list("probability", "impact")) == [
        (3, 4), (4, 4)]  # fmt: skip


def test_high_risks_show_in_the_report_form_the_cockpit_and_the_matrix(client, project, personas):
    risks.risk_save(project=project, user=None, title="Eigentümer springen ab", probability=4, impact=4,
                    response="reduce")  # fmt: skip
    risks.risk_save(
        project=project,
        user=None,
        title="Kleines Risiko",
        probability=1,
        impact=2,
        response="accept",
    )
    risks.risk_save(project=project, user=None, kind="opportunity", title="Neue Förderung", probability=4,
                    impact=5, response="exploit")  # fmt: skip
    assert "Eigentümer springen ab" not in client.get("/m/alpha/cockpit/").content.decode()
    client.force_login(personas["editor"])
    cockpit = client.get("/m/alpha/cockpit/").content.decode()
    assert (
        "Eigentümer springen ab" in cockpit
        and "Kleines Risiko" not in cockpit
        and "Neue Förderung" not in cockpit
    )
    form = client.get(f"/m/alpha/steering/projects/{project.pk}/reports/new/").content.decode()
    assert "Eigentümer springen ab" in form
    page = client.get(f"/en/m/alpha/steering/projects/{project.pk}/risks/").content.decode()
    assert (
        'data-kind="grid"' in page and page.count('class="grid-mark') == 3 and "cell-high" in page
    )
    response = client.post(f"/en/m/alpha/steering/projects/{project.pk}/risks/new/", {
        "kind": "risk", "title": "Zu hoch", "probability": "9", "impact": "2", "response": "reduce"})  # fmt: skip
    assert response.status_code == 422 and Risk.objects.count() == 3
