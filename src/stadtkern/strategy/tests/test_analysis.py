"""The coverage analysis counts what it says, on the page and as JSON."""

from stadtkern.strategy import services


def test_coverage_matrix_counts_measures_per_field_and_sdg(client, alpha, personas):
    editor = personas["editor"]
    mob, klima = list(alpha.fields_of_action.all()[:2])
    goal = services.goal_create(municipality=alpha, user=editor, title="Mobil", published=True)
    lonely = services.goal_create(
        municipality=alpha, user=editor, title="Ohne Maßnahme", published=True
    )
    services.measure_create(
        municipality=alpha,
        user=editor,
        title="A",
        published=True,
        fields_of_action=[mob.pk],
        goals=[goal.pk],
        sdg_targets=["11.2", "11.6"],
    )
    services.measure_create(
        municipality=alpha,
        user=editor,
        title="B",
        published=True,
        fields_of_action=[mob.pk, klima.pk],
        sdg_targets=["13.2", "11.2"],
    )
    services.measure_create(
        municipality=alpha,
        user=editor,
        title="Draft",
        fields_of_action=[mob.pk],
        sdg_targets=["11.2"],
    )

    data = client.get("/api/v1/municipalities/alpha/analysis").json()
    rows = {r["field"]["id"]: r["counts"] for r in data["matrix"]}
    assert rows[mob.pk]["11"] == 2  # A and B, each counted once although A has two SDG 11 targets
    assert rows[mob.pk]["13"] == 1
    assert rows[klima.pk]["11"] == 1 and rows[klima.pk]["13"] == 1 and rows[klima.pk]["1"] == 0
    heat = {h["sdg"]: h["measures"] for h in data["sdg_heat"]}
    assert heat[11] == 2 and heat[13] == 1 and heat[3] == 0
    assert [g["title"] for g in data["goals_without_measures"]] == [lonely.title]
    assert [m["title"] for m in data["measures_without_goal"]] == ["B"]
    assert data["measure_total"] == 2

    page = client.get("/m/alpha/analysis/").content.decode()
    assert "Ohne Maßnahme" in page and "heat-5" in page
