"""Findings of an outside review of the steering JSON API and its page views, kept as
tests of the class of input: far dates, objects that approved minutes belong to, names
another municipality does not publish, answers that must show what is stored, fields a
request cannot change, dates outside 2000-2100, writes to what the instance shares, and the
language a person reads in. The attacks that were refused from the start stay here too."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from stadtkern.core.models import AuditEntry
from stadtkern.steering.models import (
    Actual,
    Communication,
    DocumentTemplate,
    FundingProgramme,
    Iteration,
    Lesson,
    Phase,
    Project,
    Stakeholder,
    TeamMember,
    Tie,
    WorkPackage,
)
from stadtkern.steering.services import learning, money, people
from stadtkern.steering.services import projects as project_services
from stadtkern.strategy.services import field_create, measure_create

from .factories import make_project

pytestmark = pytest.mark.django_db
A = "/api/v1/municipalities/alpha"


def client_of(user=None):
    c = Client(raise_request_exception=False)
    if user is not None:
        c.force_login(user)
    return c


def call(c, method, url, body=None):
    url = url if url.startswith("/api/") else A + url
    f = getattr(c, method)
    r = f(url, json.dumps(body), content_type="application/json") if body is not None else f(url)
    return r.status_code, (r.json() if r.content else None)


@pytest.fixture
def proj(alpha):
    today = timezone.localdate()
    p = make_project(alpha, "Leerstand", published=True, design="hybrid")
    p.start, p.end = today - timedelta(days=30), today + timedelta(days=700)
    p.save()
    return p


@pytest.fixture
def editor(personas):
    return client_of(personas["editor"])


# --- 500s -------------------------------------------------------------------------------


def test_a_package_far_in_the_future_is_refused_naming_its_start(editor, proj):
    base = f"/projects/{proj.pk}/plan/packages"
    status, _ = call(editor, "post", base, {"title": "X", "start": "9999-12-31", "duration": 5})
    assert status == 422, status
    _s, plan = call(
        editor, "post", base, {"title": "Y", "start": proj.start.isoformat(), "duration": 5}
    )
    pid = plan["packages"][0]["id"]
    status, _ = call(editor, "patch", f"{base}/{pid}", {"start": "9999-12-31"})
    assert status == 422, status


def test_what_approved_minutes_belong_to_is_not_removed(editor, proj):
    _s, series = call(editor, "post", "/meetings", {"title": "JF", "project": proj.pk})
    _s, m = call(
        editor, "post", f"/meetings/{series['id']}", {"held_on": timezone.localdate().isoformat()}
    )
    call(editor, "post", f"/meetings/{series['id']}/{m['id']}/approve", {})
    assert call(editor, "post", f"/meetings/{series['id']}/{m['id']}/correct", {})[0] == 201
    status, _ = call(editor, "delete", f"/projects/{proj.pk}")
    assert status == 409 and Project.objects.filter(pk=proj.pk).exists(), status

    other = make_project(proj.municipality, "Zweites")
    _s, prog = call(
        editor, "post", "/programmes", {"title": "ISEK", "measures": [other.measure_id]}
    )
    _s, s2 = call(editor, "post", "/meetings", {"title": "LK", "programme": prog["slug"]})
    _s, m2 = call(
        editor, "post", f"/meetings/{s2['id']}", {"held_on": timezone.localdate().isoformat()}
    )
    call(editor, "post", f"/meetings/{s2['id']}/{m2['id']}/approve", {})
    call(editor, "post", f"/meetings/{s2['id']}/{m2['id']}/correct", {})
    status, _ = call(editor, "delete", f"/programmes/{prog['slug']}")
    assert status == 409, status


# --- leaks ------------------------------------------------------------------------------


def test_a_shared_lesson_names_only_what_its_municipality_publishes(editor, alpha, personas):
    hidden = measure_create(
        municipality=alpha, user=None, title="Geheimes Vorhaben", published=False
    )
    field = field_create(municipality=alpha, user=None, title="Interner Bereich", published=False)
    today = timezone.localdate()
    _s, p = call(
        editor,
        "post",
        "/projects",
        {
            "measure": hidden.pk,
            "start": today.isoformat(),
            "end": (today + timedelta(days=90)).isoformat(),
            "published": True,
        },
    )
    call(
        editor,
        "post",
        f"/projects/{p['id']}/lessons",
        {"title": "L", "recommendation": "R", "shared": True, "fields_of_action": [field.pk]},
    )
    # the public does not see this project: it is internal
    assert call(client_of(), "get", f"/projects/{p['id']}")[0] == 404
    status, seen = call(
        client_of(personas["other_editor"]), "get", "/api/v1/municipalities/beta/lessons"
    )
    assert status == 200 and len(seen) == 1
    assert "Geheimes Vorhaben" not in json.dumps(seen, ensure_ascii=False)
    assert "Interner Bereich" not in json.dumps(seen, ensure_ascii=False)
    assert seen[0]["project"] is None


def test_visitors_see_a_programmes_published_measures_and_not_its_owner(editor, alpha, personas):
    hidden = measure_create(municipality=alpha, user=None, title="Geheim", published=False)
    call(
        editor,
        "post",
        "/programmes",
        {
            "title": "Pub",
            "published": True,
            "measures": [hidden.pk],
            "owner": personas["editor"].pk,
        },
    )
    status, listed = call(client_of(), "get", "/programmes")
    assert status == 200 and listed[0]["slug"] == "pub"
    assert listed[0]["measures"] == []
    assert listed[0]["owner"] is None


# --- inconsistent answers ---------------------------------------------------------------


def test_a_changed_project_answers_with_its_latest_report(editor, proj):
    project_services.report_create(
        project=proj,
        user=None,
        period_end=timezone.localdate(),
        scope="red",
        time="red",
        money="red",
        overall="red",
    )
    assert call(editor, "get", f"/projects/{proj.pk}")[1]["latest_report"] is not None
    status, changed = call(editor, "patch", f"/projects/{proj.pk}", {"department": "Amt 61"})
    assert status == 200
    assert changed["latest_report"] is not None


def test_a_cleared_application_deadline_stays_cleared(editor, proj):
    base = f"/projects/{proj.pk}/money"
    call(
        editor,
        "put",
        f"{base}/budget",
        {"year": proj.start.year + 1, "cost_type": "services", "planned": "1000"},
    )
    _s, app = call(
        editor,
        "post",
        f"{base}/applications",
        {"programme": "modellprojekte-smart-cities", "requested": "10", "deadline": None},
    )
    assert app["deadline"] is None
    _s, changed = call(
        editor, "patch", f"{base}/applications/{app['id']}", {"note": "nur eine Notiz"}
    )
    assert changed["deadline"] is None


def test_a_field_that_cannot_be_changed_is_refused_not_ignored(editor, proj):
    status, out = call(editor, "patch", f"/projects/{proj.pk}", {"measure": 999, "title": "Neu"})
    assert status == 422, (status, out)
    _s, series = call(editor, "post", "/meetings", {"title": "JF", "project": proj.pk})
    status, out = call(
        editor, "patch", f"/meetings/{series['id']}", {"kind": "steering", "project": None}
    )
    assert status == 422, (status, out)


def test_a_change_that_changes_nothing_keeps_the_items_version(editor, proj):
    _s, item = call(editor, "post", f"/projects/{proj.pk}/backlog", {"title": "I"})
    n = AuditEntry.objects.count()
    url = f"/projects/{proj.pk}/backlog/{item['id']}"
    assert call(editor, "patch", url, {"rank": 1})[0] == 422
    for unchanged in ({}, {"title": "I"}, {"title": "I", "status": "todo"}):
        _s, out = call(editor, "patch", url, unchanged)
        assert out["version"] == item["version"], unchanged
    assert AuditEntry.objects.count() == n
    assert call(editor, "patch", url, {"title": "J"})[1]["version"] == item["version"] + 1


def test_every_date_lies_between_2000_and_2100(editor, proj, alpha):
    base = f"/projects/{proj.pk}"
    # communication next_on, bookings, reports, projects refuse 0001/9999 (bounded()); these do not:
    risk = {
        "title": "R",
        "probability": 2,
        "impact": 3,
        "response": "reduce",
        "review_on": "0001-01-01",
    }
    assert call(editor, "post", f"{base}/risks", risk)[0] == 422
    assert (
        call(
            editor,
            "post",
            "/programmes",
            {"title": "P", "start": "0001-01-01", "end": "9999-12-31"},
        )[0]
        == 422
    )
    body = {
        "key": "alpha-f",
        "level": "land",
        "funder": "Land",
        "title": "LP",
        "rate": "50",
        "eligible": ["services"],
        "collected_on": "2026-12-01",
        "deadline": "9999-12-31",
    }
    status, _ = call(editor, "post", f"{A}/funding-programmes", body)
    if status == 201:  # then every application to it fails, naming a field the client never sent
        call(
            editor,
            "put",
            f"{base}/money/budget",
            {"year": proj.start.year + 1, "cost_type": "services", "planned": "1000"},
        )
        status2, err = call(
            editor,
            "post",
            f"{base}/money/applications",
            {"programme": "alpha-f", "requested": "10"},
        )
        assert (status2, err["errors"][0]["field"]) == (422, "deadline")
    assert status == 422


# --- audit ------------------------------------------------------------------------------


def test_changes_to_shipped_programmes_and_templates_are_in_the_log(personas):
    staff = client_of(personas["staff"])
    n = AuditEntry.objects.count()
    assert (
        call(
            staff,
            "patch",
            "/api/v1/funding-programmes/modellprojekte-smart-cities",
            {"title": "Umbenannt"},
        )[0]
        == 200
    )
    shipped = DocumentTemplate.objects.filter(added_by=None).first()
    assert (
        staff.post(f"/m/alpha/steering/learning/templates/{shipped.pk}/remove/").status_code == 302
    )
    assert AuditEntry.objects.count() > n


def test_refused_imported_bookings_drop_control_characters(editor, proj):
    csv = b"Datum;Betrag;Kostenart;Buchungstext\n01.02.2027;5;Sach;a\x01b\n"
    r = editor.post(
        f"{A}/projects/{proj.pk}/money/actuals/import", {"file": SimpleUploadedFile("f.csv", csv)}
    )
    assert r.status_code == 201
    # the same text through POST .../actuals is refused ("control characters")
    assert "\x01" not in Actual.objects.get().text


# --- RememberLanguageMiddleware ---------------------------------------------------------


def test_downloads_do_not_change_the_remembered_language(personas, alpha):
    user = personas["editor"]
    c = client_of(user)
    from stadtkern.steering import calendar

    _t, secret = calendar.token_create(user)
    for url in ["/catalog.ttl", "/ogcapi/", f"/calendar/{secret}.ics"]:
        assert c.get("/en/m/alpha/").status_code == 200
        user.refresh_from_db()
        assert user.language == "en"
        assert c.get(url).status_code == 200
        user.refresh_from_db()
        assert user.language == "en", url


# --- what held --------------------------------------------------------------------------


def test_refused_cross_project_and_cross_municipality_ids(editor, proj, alpha, beta, personas):
    base = f"/projects/{proj.pk}"
    other = make_project(alpha, "Anderes", design="agile")
    foreign_member = TeamMember.objects.create(project=other, name="O")
    foreign_phase = Phase.objects.create(project=other, title="P")
    foreign_it = Iteration.objects.create(
        project=other, name="I", start=other.start, end=other.start + timedelta(days=5)
    )
    foreign_pkg = WorkPackage.objects.create(
        project=other, title="W", start=other.start, duration=2
    )
    _s, plan = call(
        editor,
        "post",
        f"{base}/plan/packages",
        {"title": "A", "start": proj.start.isoformat(), "duration": 3},
    )
    pid = plan["packages"][0]["id"]
    assert (
        call(editor, "patch", f"{base}/plan/packages/{pid}", {"phase": foreign_phase.pk})[0] == 404
    )
    assert (
        call(
            editor,
            "put",
            f"{base}/plan/packages/{pid}/raci",
            {"member": foreign_member.pk, "letter": "R"},
        )[0]
        == 404
    )
    assert (
        call(
            editor,
            "post",
            f"{base}/plan/dependencies",
            {"predecessor": pid, "successor": foreign_pkg.pk},
        )[0]
        == 404
    )
    assert (
        call(editor, "post", f"{base}/backlog", {"title": "x", "assignee": foreign_member.pk})[0]
        == 404
    )
    assert (
        call(editor, "post", f"{base}/backlog", {"title": "x", "iteration": foreign_it.pk})[0]
        == 404
    )
    assert (
        call(
            editor,
            "post",
            f"{base}/risks",
            {
                "title": "R",
                "probability": 1,
                "impact": 1,
                "response": "reduce",
                "owner": foreign_member.pk,
            },
        )[0]
        == 404
    )
    _s, series = call(editor, "post", "/meetings", {"title": "JF", "project": proj.pk})
    _s, m = call(
        editor, "post", f"/meetings/{series['id']}", {"held_on": timezone.localdate().isoformat()}
    )
    url = f"/meetings/{series['id']}/{m['id']}"
    assert call(editor, "post", f"{url}/decisions", {"text": "D", "project": other.pk})[0] == 422
    assert call(editor, "post", f"{url}/actions", {"title": "A", "project": other.pk})[0] == 422
    beta_project = make_project(beta, "Fremd")
    for body in (
        {"title": "S", "project": beta_project.pk},
        {"title": "S", "chair": personas["other_editor"].pk},
    ):
        status, out = call(editor, "post", "/meetings", body)
        assert status in (404, 422) and "other_editor" not in json.dumps(out)
    assert (
        call(
            editor,
            "post",
            "/stakeholders",
            {
                "name": "S",
                "group": "g",
                "influence": 1,
                "interest": 1,
                "projects": [beta_project.pk],
            },
        )[0]
        == 422
    )
    assert (
        call(
            editor,
            "put",
            f"/measures/{beta_project.measure_id}/sustainability",
            {"scores": {"energy": {"score": 3, "reason": "x"}}},
        )[0]
        == 404
    )
    bc = client_of(personas["other_editor"])
    for method, url in [
        ("get", f"/api/v1/municipalities/beta/projects/{proj.pk}/risks"),
        ("delete", f"/api/v1/municipalities/beta/projects/{proj.pk}"),
        ("get", f"{A}/projects/{proj.pk}/money"),
        ("get", f"/api/v1/municipalities/beta/meetings/{series['id']}/{m['id']}"),
    ]:
        assert call(bc, method, url)[0] in (403, 404), url


def test_refused_viewers_visitors_and_other_municipality_on_pages(proj, alpha, beta, personas):
    viewer, other, anon = (
        client_of(personas["viewer"]),
        client_of(personas["other_editor"]),
        client_of(),
    )
    actual = money.actual_add(
        project=proj, user=None, booked_on=proj.start, cost_type="services", amount="5"
    )
    lesson = learning.lesson_save(project=proj, user=None, title="L", recommendation="r")
    s1 = people.stakeholder_save(
        municipality=alpha, user=None, name="A", group="g", influence=1, interest=1
    )
    s2 = people.stakeholder_save(
        municipality=alpha, user=None, name="B", group="g", influence=1, interest=1
    )
    tie = people.tie_add(a=s1, b=s2, user=None)
    entry = people.communication_save(municipality=alpha, user=None, group="g", channel="c")
    template = learning.template_create(
        municipality=alpha, user=None, kind="charter", title="T", body="b"
    )
    mine = money.programme_create(
        user=None,
        municipality=alpha,
        key="alpha-p",
        level="land",
        funder="L",
        title="T",
        rate=50,
        eligible=["services"],
        collected_on=proj.start,
    )
    beta_project = make_project(beta, "BP")
    for c in (viewer, other, anon):
        c.post(f"/m/alpha/steering/projects/{proj.pk}/money/actuals/{actual.pk}/", {"delete": "1"})
        c.post(f"/m/alpha/steering/projects/{proj.pk}/lessons/{lesson.pk}/", {"delete": "1"})
        c.post(f"/m/alpha/steering/stakeholders/{s1.pk}/", {"delete": "1"})
        c.post(f"/m/alpha/steering/stakeholders/communication/{entry.pk}/remove/")
        c.post("/m/alpha/steering/stakeholders/ties/remove/", {"tie": str(tie.pk)})
        c.post(f"/m/alpha/steering/learning/templates/{template.pk}/remove/")
        c.post(f"/m/alpha/steering/funding/{mine.key}/remove/")
    other.post(f"/m/beta/steering/projects/{beta_project.pk}/lessons/{lesson.pk}/", {"delete": "1"})
    other.post("/m/beta/steering/stakeholders/ties/remove/", {"tie": str(tie.pk)})
    other.post(f"/m/beta/steering/learning/templates/{template.pk}/remove/")
    other.post(f"/m/beta/steering/funding/{mine.key}/remove/")
    assert call(other, "patch", f"/api/v1/funding-programmes/{mine.key}", {"rate": "1"})[0] == 403
    assert (
        call(
            other, "patch", f"/api/v1/municipalities/beta/templates/{template.pk}", {"title": "x"}
        )[0]
        == 403
    )
    assert (
        call(other, "patch", f"/api/v1/municipalities/beta/lessons/{lesson.pk}", {"title": "x"})[0]
        == 404
    )
    assert (
        call(
            viewer,
            "post",
            f"/projects/{proj.pk}/risks",
            {"title": "R", "probability": 1, "impact": 1, "response": "reduce"},
        )[0]
        == 403
    )
    assert call(anon, "delete", f"/projects/{proj.pk}")[0] == 401
    assert (
        Actual.objects.filter(pk=actual.pk).exists()
        and Lesson.objects.filter(pk=lesson.pk).exists()
    )
    assert Stakeholder.objects.filter(pk=s1.pk).exists() and Tie.objects.filter(pk=tie.pk).exists()
    assert Communication.objects.filter(pk=entry.pk).exists()
    assert DocumentTemplate.objects.filter(pk=template.pk).exists()
    assert FundingProgramme.objects.get(key=mine.key).rate == 50
    assert Project.objects.filter(pk=proj.pk).exists()
