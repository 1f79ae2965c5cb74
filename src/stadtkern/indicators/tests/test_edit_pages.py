"""Editor pages: adopt, define, milestones, values (one or a file), effects; only editors."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from stadtkern.indicators.models import Indicator
from stadtkern.strategy.services import goal_create, measure_create

pytestmark = pytest.mark.django_db

EDIT_PAGES = [
    "adopt-templates/",
    "statistics-import/",
    "pkw_elektro/edit/",
    "pkw_elektro/values/",
    "pkw_elektro/effects/",
]


@pytest.fixture
def editor(client, alpha, personas):
    client.force_login(personas["editor"])
    client.post("/m/alpha/cockpit/adopt-templates/", {"key": "pkw_elektro"})
    return client


def _form(indicator_key="pkw_elektro", **changes):
    data = {"name": "Pkw mit Elektroantrieb", "unit": "%", "decimals": "1", "direction": "higher",
            "level": "municipality", "comparison": "", "source": "manual", "period_column": "period",
            "value_column": "value", "district_column": "district", "sensor_interval": "1y",
            "sensor_function": "avg", "survey_question": "1", "survey_measure": "agree", "tolerance": "0"}  # fmt: skip
    data.update(changes)
    return data


def test_an_editor_adopts_a_template_as_a_draft_and_sets_its_target(editor, alpha):
    indicator = Indicator.objects.get(municipality=alpha, key="pkw_elektro")
    assert not indicator.published and indicator.unit == "%"
    goal = goal_create(municipality=alpha, user=None, title="Mobil", published=True)
    response = editor.post("/m/alpha/cockpit/pkw_elektro/edit/", _form(
        baseline_value="1,1", baseline_date="2020-12-31", target_value="25", target_date="2030-12-31",
        tolerance="1,5", published="on", goals=[goal.pk], sdg_targets=[]))  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    indicator.refresh_from_db()
    assert (indicator.baseline_value, indicator.tolerance, indicator.published) == (1.1, 1.5, True)
    assert list(indicator.goals.all()) == [goal]


def test_a_target_before_its_baseline_is_shown_at_the_field(editor):
    response = editor.post("/en/m/alpha/cockpit/pkw_elektro/edit/", _form(
        baseline_value="1", baseline_date="2030-12-31", target_value="25", target_date="2020-12-31"))  # fmt: skip
    assert response.status_code == 422
    assert "The target date must lie after the baseline date." in response.content.decode()


def test_milestones_values_files_and_effects_from_the_pages(editor, alpha):
    editor.post("/m/alpha/cockpit/pkw_elektro/edit/", _form(
        baseline_value="1", baseline_date="2020-12-31", target_value="25", target_date="2030-12-31"))  # fmt: skip
    editor.post("/m/alpha/cockpit/pkw_elektro/milestones/", {"date": "2025-12-31", "value": "10"})
    indicator = Indicator.objects.get(municipality=alpha, key="pkw_elektro")
    assert [(m.date.isoformat(), m.value) for m in indicator.milestones.all()] == [
        ("2025-12-31", 10.0)
    ]
    assert editor.post("/m/alpha/cockpit/pkw_elektro/values/",
                       {"period": "2023", "value": "4,9", "source": "KBA"}).status_code == 302  # fmt: skip
    bad = editor.post("/m/alpha/cockpit/pkw_elektro/values/", {"period": "bald", "value": "4"})
    assert (
        bad.status_code == 422
        and "is no period" in bad.content.decode().replace("&#x27;", "'")
        or "kein Zeitraum" in bad.content.decode()
    )
    upload = SimpleUploadedFile(
        "werte.csv", b"Jahr;Wert\n2021;2,3\n2022;3,6\n", content_type="text/csv"
    )
    assert (
        editor.post(
            "/m/alpha/cockpit/pkw_elektro/values/", {"file": upload, "source": "KBA"}
        ).status_code
        == 302
    )
    assert sorted(indicator.values.values_list("period", "value")) == [
        ("2021", 2.3),
        ("2022", 3.6),
        ("2023", 4.9),
    ]
    measure = measure_create(municipality=alpha, user=None, title="Ladesäulen")
    assert editor.post("/m/alpha/cockpit/pkw_elektro/effects/",
                       {"measure": measure.pk, "year": "2026", "planned": "2,5"}).status_code == 302  # fmt: skip
    assert indicator.effects.get().planned == 2.5


@pytest.mark.parametrize("persona", ["anonymous", "viewer", "other_editor"])
@pytest.mark.parametrize("page", EDIT_PAGES)
def test_only_the_municipalitys_editors_reach_the_editor_pages(
    client, editor, personas, persona, page
):
    client.logout()
    if personas[persona]:
        client.force_login(personas[persona])
    assert client.get(f"/m/alpha/cockpit/{page}").status_code in (403, 404)
    assert client.post(f"/m/alpha/cockpit/{page}", {"key": "pkw_dichte"}).status_code in (403, 404)
    assert Indicator.objects.filter(key="pkw_dichte").count() == 0
