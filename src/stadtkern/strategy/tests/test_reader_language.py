"""Texts in the reader's language (summaries, descriptions, user-group values), lists
sorted by the title the reader sees, and measures flagged when their period is over."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from stadtkern.strategy import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def measures(alpha, personas):
    editor = personas["editor"]
    group = services.user_group_create(municipality=alpha, user=editor, title="Pendelnde",
                                       title_en="Commuters", published=True)  # fmt: skip
    services.measure_create(
        municipality=alpha, user=editor, title="Zebrastreifen", title_en="Accessible crossings",
        summary="Sichere Wege", summary_en="Safe ways", published=True,
        benefits=[{"user_group": group.pk, "value": "Kürzere Wege", "value_en": "Shorter ways"}],
    )  # fmt: skip
    services.measure_create(municipality=alpha, user=editor, title="Ampeln", title_en="Traffic lights",
                            published=True)  # fmt: skip
    yesterday = timezone.localdate() - timedelta(days=1)
    late = services.measure_create(
        municipality=alpha, user=editor, title="Baustelle", status="in_progress",
        start=date(2024, 1, 1), end=yesterday, published=True,
    )  # fmt: skip
    return late


def test_english_pages_show_english_texts_and_german_ones_german(client, measures):
    en = client.get("/en/m/alpha/measures/").content.decode()
    de = client.get("/m/alpha/measures/").content.decode()
    assert "Safe ways" in en and "Sichere Wege" not in en
    assert "Sichere Wege" in de and "Safe ways" not in de
    # Sorted by the title the reader sees: A(ccessible) before T(raffic) in English,
    # A(mpeln) before Z(ebrastreifen) in German.
    assert en.index("Accessible crossings") < en.index("Traffic lights")
    assert de.index("Ampeln") < de.index("Zebrastreifen")


def test_user_group_values_in_english(client, measures, alpha):
    measure = alpha.measures.get(title="Zebrastreifen")
    en = client.get(f"/en/m/alpha/measures/{measure.pk}/").content.decode()
    assert "Shorter ways" in en and "Kürzere Wege" not in en
    api = client.get(f"/api/v1/municipalities/alpha/measures/{measure.pk}").json()
    assert api["summary_en"] == "Safe ways" and api["benefits"][0]["value_en"] == "Shorter ways"


def test_a_measure_past_its_end_but_in_progress_is_flagged(client, measures, alpha):
    assert measures.overdue
    page = client.get(f"/m/alpha/measures/{measures.pk}/").content.decode()
    assert "überfällig" in page
    house = client.get("/m/alpha/measures/").content.decode()
    assert house.count('class="overdue"') == 1
    measures.status = "done"
    measures.save()
    assert not measures.overdue
    assert 'class="overdue"' not in client.get("/m/alpha/measures/").content.decode()
