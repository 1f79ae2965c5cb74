"""Every steering object is written through the JSON API as on its page: created,
changed, removed, each write in the audit log; other municipalities' objects are not
found, viewers and visitors are refused, nulls and broken rules are 422 naming the field."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from stadtkern.core.models import AuditEntry
from stadtkern.steering.models import Actual, FundingProgramme, Lesson, Meeting, Stakeholder
from stadtkern.steering.services import money
from stadtkern.strategy.services import field_create, measure_create

from .factories import make_project

pytestmark = pytest.mark.django_db
API = "/api/v1/municipalities/alpha"


class Api:
    def __init__(self, client):
        self.client = client

    def __call__(self, method, url, body=None, status=None):
        url = url if url.startswith("/api/") else API + url
        call = getattr(self.client, method)
        response = (
            call(url, json.dumps(body), content_type="application/json")
            if body is not None
            else call(url)
        )
        if status is not None:
            assert response.status_code == status, (
                url,
                response.status_code,
                response.content[:400],
            )
        if response.status_code >= 400:
            assert response["Content-Type"] == "application/problem+json", url
        return response.json() if response.content else None


@pytest.fixture
def api(client, personas):
    client.force_login(personas["editor"])
    return Api(client)


@pytest.fixture
def project(alpha):
    today = timezone.localdate()
    project = make_project(alpha, "Leerstand", published=True, design="hybrid")
    project.start, project.end = today - timedelta(days=30), today + timedelta(days=700)
    project.save()
    return project


def _field_of(errors):
    return [e["field"] for e in errors["errors"]]


def test_programmes_and_projects(api, alpha, beta, personas, client):
    measure = measure_create(municipality=alpha, user=None, title="Sensoren", published=True)
    foreign = measure_create(municipality=beta, user=None, title="Fremd")
    created = api("post", "/programmes", {"title": "ISEK Innenstadt", "kind": "isek", "measures": [measure.pk],
                                          "owner": personas["editor"].pk}, 201)  # fmt: skip
    assert created["slug"] == "isek-innenstadt" and created["measures"] == [measure.pk]
    errors = api("post", "/programmes", {"title": "X", "measures": [foreign.pk]}, 422)
    assert _field_of(errors) == ["measures"]
    errors = api("post", "/programmes", {"title": "X", "owner": personas["other_editor"].pk}, 422)
    assert _field_of(errors) == ["owner"] and "other_editor" not in json.dumps(errors)
    changed = api("patch", "/programmes/isek-innenstadt", {"status": "paused", "start": None}, 200)
    assert changed["status"] == "paused" and changed["measures"] == [measure.pk]
    assert _field_of(api("patch", "/programmes/isek-innenstadt", {"title": None}, 422)) == ["title"]

    today = timezone.localdate()
    body = {"measure": measure.pk, "start": today.isoformat(), "end": (today + timedelta(days=90)).isoformat(),
            "design": "waterfall", "lead": personas["editor"].pk}  # fmt: skip
    made = api("post", "/projects", body, 201)
    assert made["title"] == "Sensoren" and made["lead"] == personas["editor"].pk
    assert _field_of(api("post", "/projects", body, 422)) == ["measure"]
    assert api("post", "/projects", {**body, "measure": foreign.pk}, 404)
    team = api("get", f"/projects/{made['id']}/team", status=200)
    assert [m["role"] for m in team] == ["Projektleitung"] or [m["role"] for m in team] == [
        "Project lead"
    ]
    outsider = api(
        "post", f"/projects/{made['id']}/team", {"name": "Büro Stadtplan", "role": "C"}, 201
    )
    api("delete", f"/projects/{made['id']}/team/{outsider['id']}", status=204)
    errors = api(
        "patch", f"/projects/{made['id']}", {"end": (today - timedelta(days=1)).isoformat()}, 422
    )
    assert _field_of(errors) == ["end"]
    assert (
        api("patch", f"/projects/{made['id']}", {"design": "hybrid", "published": True}, 200)[
            "design"
        ]
        == "hybrid"
    )
    assert api("get", f"/projects/{made['id']}", status=200)["latest_report"] is None
    api("delete", "/programmes/isek-innenstadt", status=204)
    api("delete", f"/projects/{made['id']}", status=204)
    kinds = set(AuditEntry.objects.filter(municipality=alpha).values_list("object_type", "action"))
    assert {("programme", "create"), ("programme", "update"), ("programme", "delete"), ("project", "create"),
            ("project", "update"), ("project", "delete"), ("teammember", "delete")} <= kinds  # fmt: skip
    # visitors see the published project, without lead or reports; viewers write nothing
    client.logout()
    assert api("get", f"/projects/{made['id']}", status=404)
    client.force_login(personas["viewer"])
    api("post", "/programmes", {"title": "Y"}, 403)


def test_plan_and_backlog(api, project, personas):
    base = f"/projects/{project.pk}"
    phase = api("post", f"{base}/plan/phases", {"title": "Konzept"}, 201)
    start = project.start.isoformat()
    plan = api(
        "post",
        f"{base}/plan/packages",
        {"title": "A", "start": start, "duration": 10, "phase": phase["id"]},
        201,
    )
    a = plan["packages"][0]["id"]
    plan = api("post", f"{base}/plan/packages", {"title": "B", "start": start, "duration": 5}, 201)
    b = next(p["id"] for p in plan["packages"] if p["title"] == "B")
    plan = api(
        "post", f"{base}/plan/dependencies", {"predecessor": a, "successor": b, "lag": 2}, 201
    )
    assert plan["pushed"] == [b]
    plan = api("patch", f"{base}/plan/packages/{a}", {"duration": 20}, 200)
    assert plan["pushed"] == [b] and {p["title"]: p["critical"] for p in plan["packages"]} == {
        "A": True,
        "B": True,
    }
    assert _field_of(api("patch", f"{base}/plan/packages/{a}", {"duration": 5000}, 422)) == [
        "duration"
    ]
    assert _field_of(api("patch", f"{base}/plan/packages/{a}", {"start": None}, 422)) == ["start"]
    member = api("post", f"{base}/team", {"user": personas["editor"].pk}, 201)
    plan = api(
        "put", f"{base}/plan/packages/{a}/raci", {"member": member["id"], "letter": "A"}, 200
    )
    assert plan["packages"][0]["raci"] == {str(member["id"]): "A"}
    other = api("post", f"{base}/team", {"name": "Extern"}, 201)
    errors = api(
        "put", f"{base}/plan/packages/{a}/raci", {"member": other["id"], "letter": "A"}, 422
    )
    assert _field_of(errors) == ["letter"]
    assert api("post", f"{base}/plan/baseline", {}, 200)["baseline_at"]
    api("patch", f"{base}/plan/phases/{phase['id']}", {"title": "Konzeption"}, 200)
    dependency = api("get", f"{base}/plan", status=200)["dependencies"][0]["id"]
    api("delete", f"{base}/plan/dependencies/{dependency}", status=204)
    api("delete", f"{base}/plan/phases/{phase['id']}", status=204)
    api("delete", f"{base}/plan/packages/{b}", status=204)

    it = api("post", f"{base}/iterations", {"name": "Sprint 1", "start": start,
                                            "end": (project.start + timedelta(days=13)).isoformat()}, 201)  # fmt: skip
    errors = api("post", f"{base}/iterations", {"name": "Sprint 1b", "start": start,
                                                "end": (project.start + timedelta(days=5)).isoformat()}, 422)  # fmt: skip
    assert _field_of(errors) == ["start"]
    item = api("post", f"{base}/backlog", {"title": "Karte", "estimate": 3, "iteration": it["id"],
                                           "assignee": member["id"]}, 201)  # fmt: skip
    assert item["version"] == 1 and item["iteration"] == it["id"]
    changed = api("patch", f"{base}/backlog/{item['id']}", {"status": "done", "version": 1}, 200)
    assert changed["version"] == 2
    assert api("patch", f"{base}/backlog/{item['id']}", {"title": "Alt", "version": 1}, 409)
    assert api("patch", f"{base}/backlog/{item['id']}", {"assignee": 999999}, 404)
    listed = api("get", f"{base}/iterations", status=200)
    assert listed[0]["points"] == 3 and listed[0]["points_done"] == 3
    errors = api(
        "patch",
        f"{base}/iterations/{it['id']}",
        {"end": (project.start + timedelta(days=200)).isoformat()},
        422,
    )
    assert _field_of(errors) == ["end"]
    api("patch", f"{base}/iterations/{it['id']}", {"goal": "Karte fertig"}, 200)
    api("delete", f"{base}/iterations/{it['id']}", status=204)
    assert api("get", f"{base}/backlog", status=200)[0]["iteration"] is None
    api("delete", f"{base}/backlog/{item['id']}", status=204)


def test_money_and_the_funding_catalogue(api, alpha, beta, project, personas, client):
    base = f"/projects/{project.pk}/money"
    year = project.start.year
    api("put", f"{base}/budget", {"year": year, "cost_type": "services", "planned": "100000"}, 200)
    programme = FundingProgramme.objects.get(key="modellprojekte-smart-cities")
    assert "services" in programme.eligible
    rate = programme.rate
    too_much = str((Decimal(100000) * rate / 100 + 1).quantize(Decimal("1")))
    errors = api(
        "post", f"{base}/applications", {"programme": programme.key, "requested": too_much}, 422
    )
    assert _field_of(errors) == ["requested"]
    fine = str((Decimal(100000) * rate / 100).quantize(Decimal("1")) - 1)
    app = api("post", f"{base}/applications", {"programme": programme.key, "requested": fine}, 201)
    errors = api("patch", f"{base}/applications/{app['id']}", {"status": "granted"}, 422)
    assert _field_of(errors) == ["granted"]
    granted = api(
        "patch", f"{base}/applications/{app['id']}", {"status": "granted", "granted": fine}, 200
    )
    assert granted["granted"] == f"{fine}.00"
    booking = api("post", f"{base}/actuals", {"booked_on": project.start.isoformat(), "cost_type": "services",
                                              "amount": "1200.50", "text": "Rechnung 1"}, 201)  # fmt: skip
    corrected = api("patch", f"{base}/actuals/{booking['id']}", {"amount": "1250.50"}, 200)
    assert corrected["amount"] == "1250.50"
    assert _field_of(
        api("patch", f"{base}/actuals/{booking['id']}", {"cost_type": "food"}, 422)
    ) == ["cost_type"]
    assert _field_of(api("patch", f"{base}/actuals/{booking['id']}", {"amount": None}, 422)) == [
        "amount"
    ]
    entry = AuditEntry.objects.filter(object_type="actual", action="update").latest("pk")
    assert entry.before["amount"] == "1200.50" and entry.after["amount"] == "1250.50"
    upload = SimpleUploadedFile(
        "fibu.csv", b"Datum;Betrag;Kostenart\n01.02.2027;-50,00;Dienstleistung\n"
    )
    response = api.client.post(f"{API}{base}/actuals/import", {"file": upload})
    assert response.status_code == 201 and response.json() == {"imported": 1}
    bad = SimpleUploadedFile("fibu.csv", b"Datum;Betrag;Kostenart\nmorgen;5;Sach\n")
    response = api.client.post(f"{API}{base}/actuals/import", {"file": bad})
    assert response.status_code == 422 and Actual.objects.filter(project=project).count() == 2
    api("delete", f"{base}/actuals/{booking['id']}", status=204)
    detail = api("get", base, status=200)
    assert (
        detail["actuals"] == {"services": "-50.00"}
        and detail["budget"][0]["planned"] == "100000.00"
    )
    errors = api("put", f"{base}/financing", {"own_funds": "1"}, 422)
    assert _field_of(errors)[0] == "own_funds"

    # the shared catalogue: a municipality looks after what it added, staff after what is shipped
    body = {"key": "alpha-foerderung", "level": "land", "funder": "Land", "title": "Landesprogramm", "rate": "50",
            "eligible": ["services"], "collected_on": "2026-12-01"}  # fmt: skip
    assert api("post", "/funding-programmes", body, 201)["added_by"] == "alpha"
    assert _field_of(api("post", "/funding-programmes", {**body, "rate": "150"}, 422)) == ["rate"]
    assert (
        api("patch", "/api/v1/funding-programmes/alpha-foerderung", {"rate": "60"}, 200)["rate"]
        == "60.00"
    )
    api("patch", f"/api/v1/funding-programmes/{programme.key}", {"rate": "10"}, 403)
    api("delete", f"/api/v1/funding-programmes/{programme.key}", status=403)
    client.force_login(personas["other_editor"])
    api("patch", "/api/v1/funding-programmes/alpha-foerderung", {"rate": "1"}, 403)
    client.force_login(personas["staff"])
    errors = api("delete", f"/api/v1/funding-programmes/{programme.key}", status=422)
    assert _field_of(errors) == ["key"] and errors["errors"][0]["message"].startswith("1 ")
    client.force_login(personas["editor"])
    api("delete", "/api/v1/funding-programmes/alpha-foerderung", status=204)
    assert not FundingProgramme.objects.filter(key="alpha-foerderung").exists()
    assert money.financing_problems(project) is not None


def test_risks_people_and_communication(api, alpha, beta, project, personas):
    base = f"/projects/{project.pk}/risks"
    risk = api(
        "post",
        base,
        {"title": "Eigentümer", "probability": 2, "impact": 3, "response": "reduce"},
        201,
    )
    api("patch", f"{base}/{risk['id']}", {"probability": 5, "note": "Zwei Absagen"}, 200)
    api("patch", f"{base}/{risk['id']}", {"closed": True}, 200)
    history = api("get", f"{base}/{risk['id']}/history", status=200)
    assert [(h["probability"], h["note"]) for h in history] == [(2, ""), (5, "Zwei Absagen")]
    assert _field_of(api("patch", f"{base}/{risk['id']}", {"impact": None}, 422)) == ["impact"]

    s1 = api("post", "/stakeholders", {"name": "Werbegemeinschaft", "group": "Handel", "influence": 4,
                                       "interest": 5, "projects": [project.pk]}, 201)  # fmt: skip
    assert s1["projects"] == [project.pk] and s1["approach"]
    s2 = api("post", "/stakeholders", {"name": "Eigentümerverein", "group": "Eigentümer", "influence": 3,
                                       "interest": 2, "attitude": "critical"}, 201)  # fmt: skip
    assert _field_of(api("post", "/stakeholders", {"name": "X", "group": "Y", "influence": 9, "interest": 1}, 422)) == [
        "influence"]  # fmt: skip
    tie = api("post", "/ties", {"a": s2["id"], "b": s1["id"], "note": "Runder Tisch"}, 201)
    assert (tie["a"], tie["b"]) == (s1["id"], s2["id"])
    assert _field_of(api("post", "/ties", {"a": s1["id"], "b": s2["id"]}, 422)) == ["b"]
    api("delete", f"/ties/{tie['id']}", status=204)
    api("patch", f"/stakeholders/{s2['id']}", {"attitude": "supportive", "projects": []}, 200)
    foreign = Stakeholder.objects.create(
        municipality=beta, name="B", group="g", influence=1, interest=1
    )
    api("patch", f"/stakeholders/{foreign.pk}", {"name": "taken"}, 404)
    api("post", "/ties", {"a": s1["id"], "b": foreign.pk}, 404)
    line = api("post", "/communication", {"group": "Handel", "channel": "Newsletter", "format": "communication",
                                          "owner": personas["editor"].pk, "project": project.pk}, 201)  # fmt: skip
    changed = api(
        "patch",
        f"/communication/{line['id']}",
        {"next_on": "2027-02-01", "frequency": "monatlich"},
        200,
    )
    assert changed["next_on"] == "2027-02-01"
    assert _field_of(
        api("patch", f"/communication/{line['id']}", {"next_on": "9999-01-01"}, 422)
    ) == ["next_on"]
    api("delete", f"/communication/{line['id']}", status=204)
    api("delete", f"/stakeholders/{s1['id']}", status=204)
    assert Stakeholder.objects.get(pk=foreign.pk).name == "B"


def test_meetings_from_series_to_correction(api, alpha, project, personas):
    series = api("post", "/meetings", {"title": "Jour fixe Leerstand", "project": project.pk,
                                       "chair": personas["editor"].pk}, 201)  # fmt: skip
    assert api("post", "/meetings", {"title": "X", "programme": "nope"}, 404)
    api("patch", f"/meetings/{series['id']}", {"cadence": "dienstags"}, 200)
    today = timezone.localdate().isoformat()
    meeting = api("post", f"/meetings/{series['id']}", {"held_on": today}, 201)
    assert _field_of(api("post", f"/meetings/{series['id']}", {"held_on": today}, 422)) == [
        "held_on"
    ]
    url = f"/meetings/{series['id']}/{meeting['id']}"
    api("post", f"{url}/agenda", {"title": "Förderantrag", "section": "strategic"}, 201)
    api("post", f"{url}/decisions", {"text": "Antrag stellen", "project": project.pk}, 201)
    done = api("post", f"{url}/actions", {"title": "Antrag schreiben", "owner": personas["editor"].pk,
                                          "project": project.pk, "due_on": today}, 201)  # fmt: skip
    action = done["actions"][0]["id"]
    agenda = {i["title"]: i["id"] for i in done["agenda"]}
    saved = api(
        "put",
        f"{url}/minutes",
        {"minutes": "Kurz.", "notes": {str(agenda["Förderantrag"]): "ja"}},
        200,
    )
    assert saved["minutes"] == "Kurz." and any(i["note"] == "ja" for i in saved["agenda"])
    assert api("post", f"{url}/actions/{action}/transfer", {}, 200)["backlog_item"]
    api("post", f"{url}/approve", {}, 200)
    assert api("put", f"{url}/minutes", {"minutes": "Anders."}, 409)
    assert api("post", f"{url}/decisions", {"text": "Nachtrag"}, 409)
    assert api("patch", f"{url}/actions/{action}", {"done": True}, 200)["done"] is True
    api("delete", url, status=409)
    correction = api("post", f"{url}/correct", {}, 201)
    assert correction["version"] == 2 and correction["corrects"] == meeting["id"]
    assert Meeting.objects.get(pk=meeting["id"]).status == "superseded"
    api("delete", f"/meetings/{series['id']}/{correction['id']}", status=409)
    planned = api("post", f"/meetings/{series['id']}",
                  {"held_on": (timezone.localdate() + timedelta(days=7)).isoformat()}, 201)  # fmt: skip
    api("delete", f"/meetings/{series['id']}/{planned['id']}", status=204)


def test_learning_and_sustainability(api, alpha, beta, project, personas, client):
    template = api(
        "post", "/templates", {"kind": "charter", "title": "Steckbrief", "body": "Ziel: …"}, 201
    )
    assert template["added_by"] == "alpha" and not template["shipped"]
    api("patch", f"/templates/{template['id']}", {"title": "Projektsteckbrief"}, 200)
    shipped = next(t for t in api("get", "/templates", status=200) if t["shipped"])
    api("delete", f"/templates/{shipped['id']}", status=403)
    client.force_login(personas["other_editor"])
    api("delete", f"/api/v1/municipalities/beta/templates/{template['id']}", status=403)
    client.force_login(personas["editor"])
    api("delete", f"/templates/{template['id']}", status=204)

    field = field_create(municipality=alpha, user=None, title="Wirtschaft", published=True)
    lesson = api("post", f"/projects/{project.pk}/lessons", {"title": "Eigentümer früh", "recommendation": "Früh reden",
                                                             "tags": "Leerstand, Handel", "fields_of_action": [field.pk]}, 201)  # fmt: skip
    assert lesson["tags"] == ["Leerstand", "Handel"] and lesson["fields_of_action"] == [
        "Wirtschaft"
    ]
    shared = api("patch", f"/lessons/{lesson['id']}", {"shared": True}, 200)
    assert shared["shared"] and shared["fields_of_action"] == ["Wirtschaft"]
    assert [x["title"] for x in api("get", "/lessons?q=früh", status=200)] == ["Eigentümer früh"]
    client.force_login(personas["other_editor"])
    seen = api("get", "/api/v1/municipalities/beta/lessons", status=200)
    assert [x["municipality"] for x in seen] == ["alpha"]
    api("delete", f"/api/v1/municipalities/beta/lessons/{lesson['id']}", status=404)
    client.force_login(personas["editor"])
    api("delete", f"/lessons/{lesson['id']}", status=204)
    assert not Lesson.objects.exists()

    improvement = api(
        "post", "/improvements", {"observed": "Protokolle spät", "action": "Vorlage"}, 201
    )
    assert (
        api(
            "patch",
            f"/improvements/{improvement['id']}",
            {"status": "done", "result": "schneller"},
            200,
        )["status"]
        == "done"
    )
    assert _field_of(
        api("patch", f"/improvements/{improvement['id']}", {"status": "later"}, 422)
    ) == ["status"]

    measure = project.measure_id
    check = api(
        "put",
        f"/measures/{measure}/sustainability",
        {"scores": {"energy": {"score": 4, "reason": "LoRaWAN"}}},
        200,
    )
    assert next(s for s in check["scores"] if s["criterion"] == "energy")["score"] == 4
    assert check["averages"]["ecological"] == 4.0
    errors = api(
        "put", f"/measures/{measure}/sustainability", {"scores": {"hosting": {"score": 3}}}, 422
    )
    assert _field_of(errors) == ["reason_hosting"]
    assert api(
        "put",
        f"/measures/{measure}/sustainability",
        {"scores": {"nonsense": {"score": 3, "reason": "x"}}},
        422,
    )
    client.logout()
    assert (
        api("get", f"/measures/{measure}/sustainability", status=200)["averages"]["ecological"]
        == 4.0
    )
    assert api("get", "/sustainability", status=200) == []  # the measure has no published field
