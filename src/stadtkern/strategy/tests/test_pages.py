"""Editor forms show errors next to the fields; filters answer with an htmx fragment."""

from stadtkern.strategy import services
from stadtkern.strategy.models import Measure


def test_measure_form_shows_inline_errors_and_saves_nothing(client, alpha, personas):
    client.force_login(personas["editor"])
    response = client.post(
        "/m/alpha/measures/new/",
        {
            "title": "x" * 201,
            "status": "idea",
            "start": "2025-05-01",
            "end": "2025-01-01",
        },
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert "title" in form.errors and "end" in form.errors
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Measure.objects.exists()


def test_measure_form_creates_a_measure_with_values_for_user_groups(client, alpha, personas):
    client.force_login(personas["editor"])
    field = alpha.fields_of_action.first()
    group = alpha.user_groups.first()
    response = client.post(
        "/m/alpha/measures/new/",
        {
            "title": "Bürgerbus",
            "title_en": "Citizens' bus",
            "status": "planned",
            "published": "on",
            "fields_of_action": [field.pk],
            "sdg_targets": ["11.2"],
            "tags": "Mobilität, Ehrenamt",
            f"benefit_{group.pk}": "Kommt ohne Auto zum Arzt.",
            "estimated_cost": "12000",
        },
    )
    measure = Measure.objects.get(title="Bürgerbus")
    assert response.status_code == 302 and response["Location"].endswith(f"/measures/{measure.pk}/")
    assert measure.benefits.get().value == "Kommt ohne Auto zum Arzt."
    assert list(measure.sdg_targets.values_list("code", flat=True)) == ["11.2"]


def test_filter_by_status_answers_htmx_with_the_fragment(client, alpha, personas):
    editor = personas["editor"]
    services.measure_create(
        municipality=alpha, user=editor, title="Geplant", status="planned", published=True
    )
    services.measure_create(
        municipality=alpha, user=editor, title="Fertig", status="done", published=True
    )
    response = client.get("/m/alpha/measures/?status=done", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "Fertig" in html and "Geplant" not in html
    full = client.get("/m/alpha/?status=planned").content.decode()
    assert "<html" in full and "Geplant" in full and ">Fertig<" not in full


def test_filter_by_sdg_and_user_group(client, alpha, personas):
    editor = personas["editor"]
    group = alpha.user_groups.last()
    services.measure_create(
        municipality=alpha,
        user=editor,
        title="Klima",
        sdg_targets=["13.2"],
        published=True,
        benefits=[{"user_group": group.pk, "value": "v"}],
    )
    services.measure_create(
        municipality=alpha, user=editor, title="Stadt", sdg_targets=["11.1"], published=True
    )
    assert "Klima" in client.get("/m/alpha/?sdg=13").content.decode()
    assert ">Stadt<" not in client.get("/m/alpha/?sdg=13").content.decode()
    assert ">Stadt<" not in client.get(f"/m/alpha/?user_group={group.pk}").content.decode()


def test_garbage_filters_are_ignored_not_errors(client, alpha):
    response = client.get("/m/alpha/?field=abc&sdg=99&status=nonsense&page=-3&q=%00")
    assert response.status_code == 200
