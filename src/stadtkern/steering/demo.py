"""Steering in the demo: Musterstadt steers three programmes and five projects in
different designs and states (the vacancy management with a red latest report among
them); Beispielhausen one. Report and sprint dates lie relative to the day the demo is
loaded, so that the board always shows a running sprint and the reports are recent."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from stadtkern.core.models import Municipality, User
from stadtkern.strategy.models import Goal, Measure
from stadtkern.strategy.services import measure_create

from .catalogue import load_programmes
from .library import load_templates
from .models import (
    Communication,
    DocumentTemplate,
    FundingProgramme,
    Programme,
    Project,
    Stakeholder,
)
from .services import backlog, meetings, money, people, plans, programmes, projects, risks


def _measure(municipality, title: str) -> Measure:
    return Measure.objects.get(municipality=municipality, title=title)


def _reports(project: Project, user, lights: list[tuple], today: date) -> None:
    """``lights``: (days ago, scope, time, money, overall, text), oldest first."""
    for ago, scope, time, cost, overall, text in lights:
        projects.report_create(project=project, user=user, period_end=today - timedelta(days=ago),
                               scope=scope, time=time, money=cost, overall=overall, text=text)  # fmt: skip


def _plan(project: Project, user, phases: list[tuple]) -> dict:
    """``phases``: (phase title, [(package title, start, finish or None for a milestone,
    done %, [predecessor titles])]). Returns the packages by title."""
    made = {}
    for position, (phase_title, packages) in enumerate(phases):
        phase = plans.phase_create(project=project, user=user, title=phase_title, position=position)
        for title, start, finish, done, after in packages:
            duration = 0 if finish is None else (finish - start).days + 1
            made[title] = plans.package_create(project=project, user=user, title=title, phase=phase,
                                               start=start, duration=duration, done=done)  # fmt: skip
            for predecessor in after:
                plans.dependency_add(
                    predecessor=made[predecessor], successor=made[title], user=user
                )
    return made


def _vacancy(municipality, lead, team_user, today) -> Project:
    measure = _measure(municipality, "Leerstandsmanagement Innenstadt")
    project = projects.project_create(measure=measure, user=lead, design="hybrid", lead=lead,
                                      department="Wirtschaftsförderung", start=date(2026, 1, 1),
                                      end=date(2028, 6, 30), published=True)  # fmt: skip
    projects.team_member_add(project=project, user=lead, person=team_user, role="Datenanalyse")
    projects.team_member_add(project=project, user=lead, name="Citymanagement Musterstadt e. V.",
                             role="Partner, Eigentümerberatung")  # fmt: skip
    d = date
    packages = _plan(project, lead, [
        ("Konzeption", [
            ("Bestandsaufnahme Leerstände", d(2026, 1, 5), d(2026, 2, 27), 100, []),
            ("Förderantrag Zukunftsfähige Innenstädte", d(2026, 2, 2), d(2026, 3, 31), 100, []),
            ("Förderbescheid", d(2026, 6, 15), None, 0, ["Förderantrag Zukunftsfähige Innenstädte"]),
        ]),
        ("Umsetzung", [
            ("Leerstandsmelder im Kataster", d(2026, 7, 1), d(2026, 11, 30), 70, ["Förderbescheid"]),
            ("Eigentümerberatung", d(2026, 7, 1), d(2027, 12, 31), 30, ["Förderbescheid"]),
            ("Zwischennutzungen vermitteln", d(2026, 9, 1), d(2028, 3, 31), 15, ["Bestandsaufnahme Leerstände"]),
            ("Erste Zwischennutzung eröffnet", d(2026, 12, 1), None, 0, ["Bestandsaufnahme Leerstände"]),
        ]),
        ("Abschluss", [
            ("Wirkungsbericht an den Rat", d(2028, 4, 1), d(2028, 5, 31), 0,
             ["Eigentümerberatung", "Zwischennutzungen vermitteln"]),
            ("Projektende", d(2028, 6, 1), None, 0, ["Wirkungsbericht an den Rat"]),
        ]),
    ])  # fmt: skip
    plans.baseline_take(project=project, user=lead)
    # Since the baseline: the reporting tool came late, and the first interim use slips.
    plans.package_update(package=packages["Leerstandsmelder im Kataster"], user=lead, duration=183)
    plans.package_update(package=packages["Zwischennutzungen vermitteln"], user=lead,
                         start=d(2026, 10, 15), duration=(d(2028, 3, 31) - d(2026, 10, 15)).days + 1)  # fmt: skip
    plans.package_update(
        package=packages["Erste Zwischennutzung eröffnet"], user=lead, start=d(2027, 3, 1)
    )
    _reports(project, lead, [
        (75, "green", "yellow", "green", "yellow", "Bestandsaufnahme abgeschlossen; Förderbescheid kam zwei Wochen später."),
        (45, "green", "yellow", "green", "yellow", "Leerstandsmelder in Arbeit, Schnittstelle zum Kataster verzögert."),
        (14, "yellow", "red", "yellow", "red", "Erste Zwischennutzung verschiebt sich: zwei Eigentümer sind abgesprungen. "
         "Entscheidung im Lenkungskreis nötig: weitere Ladenlokale ansprechen oder Mietzuschuss erhöhen."),
    ], today)  # fmt: skip
    _money(project, lead)
    _risks(project, lead, today)
    _stakeholders(project, lead, team_user, today)
    _jour_fixe(project, lead, team_user, today)
    _learning(project, lead)
    _sprints(project, lead, today, [
        ("Meldeformular für Eigentümer", "story", 5, "done"), ("Export an das Kataster", "story", 8, "doing"),
        ("Karte der Zwischennutzungen", "story", 5, "review"), ("Datenschutzprüfung Meldeformular", "task", 3, "todo"),
        ("Adressabgleich fehlerhaft", "bug", 2, "todo"),
    ])  # fmt: skip
    return project


def _money(project: Project, user) -> None:
    """Budget 2026–2028, the bookings of 2026, a granted application and own funds that
    close the plan."""
    for year, cost_type, planned in [(2026, "personnel", 60000), (2027, "personnel", 80000),
                                     (2028, "personnel", 40000), (2026, "services", 30000),
                                     (2027, "services", 50000), (2026, "material", 10000),
                                     (2027, "investment", 50000)]:  # fmt: skip
        money.budget_set(project=project, user=user, year=year, cost_type=cost_type, planned=planned,
                         forecast=planned * Decimal("1.1") if (year, cost_type) == (2027, "services") else None)  # fmt: skip
    for booked_on, cost_type, amount, text in [
        (date(2026, 3, 31), "personnel", 14000, "Personal Q1"), (date(2026, 6, 30), "personnel", 15000, "Personal Q2"),
        (date(2026, 9, 30), "personnel", 15000, "Personal Q3"), (date(2026, 5, 12), "services", 12500, "Gutachten Leerstand"),
        (date(2026, 8, 3), "material", 4200, "Schilder Zwischennutzung"),
    ]:  # fmt: skip
        money.actual_add(
            project=project,
            user=user,
            booked_on=booked_on,
            cost_type=cost_type,
            amount=amount,
            text=text,
        )
    programme = FundingProgramme.objects.get(key="staedtebaufoerderung-lebendige-zentren")
    application = money.application_save(project=project, user=user, programme=programme, status="submitted",
                                         requested=200000, deadline=date(2025, 9, 30),
                                         submitted_on=date(2025, 9, 22))  # fmt: skip
    money.application_save(project=project, user=user, application=application, status="granted", granted=200000,
                           decided_on=date(2026, 6, 15))  # fmt: skip
    money.financing_set(project=project, user=user, own_funds=120000)


def _risks(project: Project, user, today: date) -> None:
    analyst = project.team.get(role="Datenanalyse")
    owners = risks.risk_save(project=project, user=user, title="Eigentümer springen ab",
                             description="Eigentümer leerer Läden sagen zugesagte Zwischennutzungen ab.",
                             probability=3, impact=4, response="reduce", review_on=today + timedelta(days=7),
                             measures="Weitere Ladenlokale ansprechen; Mietzuschuss prüfen.")  # fmt: skip
    risks.risk_save(
        project=project, user=user, risk=owners, probability=4, note="Zwei Absagen im Herbst"
    )
    risks.risk_save(project=project, user=user, title="Schnittstelle zum Kataster verzögert sich", probability=3,
                    impact=3, response="reduce", owner=analyst, review_on=today - timedelta(days=2),
                    measures="Export zunächst als CSV, Schnittstelle im nächsten Sprint.")  # fmt: skip
    risks.risk_save(project=project, user=user, title="Datenschutzbedenken beim Leerstandsmelder", probability=2,
                    impact=3, response="avoid", measures="Keine personenbezogenen Daten der Eigentümer im Melder.")  # fmt: skip
    risks.risk_save(project=project, user=user, kind="opportunity", title="Landesprogramm für Zwischennutzungen",
                    probability=3, impact=4, response="exploit", measures="Antrag vorbereiten, sobald der Aufruf kommt.")  # fmt: skip


def _stakeholders(project: Project, lead, team_user, today: date) -> None:
    municipality = project.municipality
    made = {}
    for name, kind, group, influence, interest, attitude, owner in [
        ("Werbegemeinschaft Innenstadt", "organisation", "Einzelhandel", 4, 5, "supportive", lead),
        ("Haus & Grund Musterstadt", "organisation", "Eigentümer", 4, 3, "critical", lead),
        ("Citymanagement Musterstadt e. V.", "organisation", "Einzelhandel", 3, 5, "supportive", team_user),
        ("Ausschuss für Stadtentwicklung", "organisation", "Politik", 5, 3, "neutral", lead),
        ("IHK Mittlerer Niederrhein", "organisation", "Wirtschaft", 3, 2, "supportive", None),
        ("Gründerzentrum Musterstadt", "organisation", "Gründer", 2, 4, "supportive", team_user),
        ("Quartiersbeirat Altstadt", "organisation", "Bürgerschaft", 2, 4, "neutral", None),
    ]:  # fmt: skip
        made[name] = people.stakeholder_save(municipality=municipality, user=lead, name=name, kind=kind, group=group,
                                             influence=influence, interest=interest, attitude=attitude,
                                             contact_owner=owner, projects=[project.pk])  # fmt: skip
    for a, b, how in [("Werbegemeinschaft Innenstadt", "Citymanagement Musterstadt e. V.", "gemeinsame Aktionen"),
                      ("Haus & Grund Musterstadt", "Citymanagement Musterstadt e. V.", "Runder Tisch Leerstand"),
                      ("Gründerzentrum Musterstadt", "Citymanagement Musterstadt e. V.", "Vermittlung Pop-up-Flächen"),
                      ("IHK Mittlerer Niederrhein", "Werbegemeinschaft Innenstadt", "Händlerberatung"),
                      ("Ausschuss für Stadtentwicklung", "Quartiersbeirat Altstadt", "Anhörung")]:  # fmt: skip
        people.tie_add(a=made[a], b=made[b], user=lead, note=how)
    for group, fmt, channel, frequency, owner, days in [
        ("Eigentümer", "dialogue", "Runder Tisch Leerstand", "quartalsweise", lead, 21),
        ("Einzelhandel", "communication", "Newsletter Innenstadt", "monatlich", team_user, 9),
        ("Gründer", "training", "Workshop Zwischennutzung", "halbjährlich", team_user, 45),
        ("Politik", "communication", "Bericht im Ausschuss", "halbjährlich", lead, 30),
    ]:  # fmt: skip
        people.communication_save(municipality=municipality, user=lead, project=project, group=group, format=fmt,
                                  channel=channel, frequency=frequency, owner=owner,
                                  next_on=today + timedelta(days=days))  # fmt: skip


def _jour_fixe(project: Project, lead, team_user, today: date) -> None:
    """Two approved minutes and the next meeting with its agenda assembled."""
    series = meetings.series_create(municipality=project.municipality, user=lead, title="Jour fixe Leerstandsmanagement",
                                    project=project, cadence="alle zwei Wochen, dienstags", chair=lead)  # fmt: skip
    first = meetings.meeting_create(series=series, user=lead, held_on=today - timedelta(days=28))
    meetings.minutes_save(meeting=first, user=lead, attendees="Anna (Leitung), Erik (Daten), Citymanagement",
                          minutes="Bestandsaufnahme abgeschlossen; Schnittstelle zum Kataster noch offen.")  # fmt: skip
    meetings.decision_add(
        meeting=first, user=lead, text="Export an das Kataster zunächst als CSV.", project=project
    )
    call = meetings.action_add(meeting=first, user=lead, title="Eigentümer der Hauptstraße 12 anrufen",
                               owner=lead, due_on=today - timedelta(days=14), project=project)  # fmt: skip
    meetings.action_done(action=call, user=lead)
    meetings.meeting_approve(meeting=first, user=lead)
    second = meetings.meeting_create(series=series, user=lead, held_on=today - timedelta(days=14))
    meetings.minutes_save(meeting=second, user=lead, attendees="Anna, Erik, Haus & Grund",
                          minutes="Zwei Eigentümer haben abgesagt; der Lenkungskreis soll über den Mietzuschuss entscheiden.")  # fmt: skip
    meetings.decision_add(
        meeting=second,
        user=lead,
        text="Vorlage zum Mietzuschuss für den Lenkungskreis.",
        project=project,
    )
    meetings.action_add(meeting=second, user=lead, title="Vorlage Mietzuschuss schreiben", owner=lead,
                        due_on=today + timedelta(days=3), project=project)  # fmt: skip
    meetings.action_add(meeting=second, user=lead, title="Datenschutzprüfung Meldeformular", owner=team_user,
                        due_on=today - timedelta(days=1), project=project)  # fmt: skip
    meetings.meeting_approve(meeting=second, user=lead)
    meetings.meeting_create(series=series, user=lead, held_on=today + timedelta(days=1))


def _learning(project: Project, lead) -> None:
    from .services import learning

    field = project.measure.fields_of_action.first()
    learning.lesson_save(project=project, user=lead, title="Eigentümer früh und persönlich ansprechen",
                         worked="Der Runde Tisch mit Haus & Grund hat Vertrauen geschaffen.",
                         did_not="Serienbriefe an Eigentümer blieben fast ohne Antwort.",
                         recommendation="Eigentümer persönlich anrufen, bevor ein Schreiben kommt; das "
                                        "Citymanagement als Vermittler nutzen.",
                         fields_of_action=[field.pk] if field else [], tags="Leerstand, Eigentümer, Beteiligung",
                         shared=True)  # fmt: skip
    learning.improvement_save(municipality=project.municipality, user=lead, project=project,
                              observed="Statusberichte kamen oft erst nach dem Jour fixe.",
                              action="Berichtstermin zwei Tage vor dem Jour fixe, Erinnerung per Kalender.",
                              owner=lead, status="doing")  # fmt: skip


def _sprints(project: Project, user, today: date, items: list[tuple]) -> None:
    """Two sprints, the second running today, with its items on the board."""
    backlog.iteration_create(project=project, user=user, name="Sprint 1", goal="Meldewege klären",
                             start=today - timedelta(days=21), end=today - timedelta(days=8))  # fmt: skip
    sprint = backlog.iteration_create(project=project, user=user, name="Sprint 2",
                                      goal="Ein erster Durchstich bis zum Kataster",
                                      start=today - timedelta(days=7), end=today + timedelta(days=6))  # fmt: skip
    for n, (title, kind, estimate, status) in enumerate(items):
        item = backlog.item_create(project=project, user=user, title=title, kind=kind, estimate=estimate,
                                   iteration=sprint, acceptance="Vom Fachamt abgenommen.")  # fmt: skip
        if status != "todo":
            item = backlog.item_move(item=item, user=user, version=item.version, status=status)
            if status == "done":
                type(item).objects.filter(pk=item.pk).update(
                    done_at=timezone.now() - timedelta(days=5 - n)
                )
    backlog.item_create(project=project, user=user, title="Mehrsprachige Hinweise", estimate=3)


def _waterfall(
    municipality, lead, title, start, end, phases, lights, today, *, published=True
) -> Project:
    project = projects.project_create(measure=_measure(municipality, title), user=lead, design="waterfall",
                                      lead=lead, start=start, end=end, published=published)  # fmt: skip
    _plan(project, lead, phases)
    plans.baseline_take(project=project, user=lead)
    _reports(project, lead, lights, today)
    return project


@transaction.atomic
def demo_load_steering(municipality: Municipality, neighbour: Municipality) -> dict:
    Programme.objects.filter(municipality__in=[municipality, neighbour]).delete()
    Stakeholder.objects.filter(municipality__in=[municipality, neighbour]).delete()
    Communication.objects.filter(municipality__in=[municipality, neighbour]).delete()
    Project.objects.filter(municipality__in=[municipality, neighbour]).delete()
    anna, erik = User.objects.get(username="anna"), User.objects.get(username="erik")
    today = timezone.localdate()
    # What the migrations ship, written again: a test database flushed between tests has lost it.
    load_programmes(FundingProgramme)
    load_templates(DocumentTemplate)
    d = date
    vacancy = _vacancy(municipality, anna, erik, today)
    popup = projects.project_create(measure=_measure(municipality, "Pop-up-Stores für Gründerinnen und Gründer"),
                                    user=erik, design="agile", lead=erik, start=today - timedelta(days=120),
                                    end=today + timedelta(days=240), published=True)  # fmt: skip
    _sprints(popup, erik, today, [
        ("Ladenlokal-Börse online", "story", 8, "done"), ("Mietvertrag-Vorlage", "task", 3, "done"),
        ("Bewerbungsformular Gründer", "story", 5, "doing"), ("Auswahlverfahren festlegen", "task", 2, "todo"),
    ])  # fmt: skip
    _reports(popup, erik, [(30, "green", "green", "green", "green", "Drei Läden vermittelt."),
                           (10, "green", "green", "yellow", "green", "Mehr Bewerbungen als Flächen.")], today)  # fmt: skip
    platform = _waterfall(municipality, anna, "Urbane Datenplattform", d(2024, 1, 1), d(2026, 12, 31), [
        ("Aufbau", [("Ausschreibung", d(2024, 1, 8), d(2024, 4, 30), 100, []),
                    ("Zuschlag", d(2024, 5, 15), None, 100, ["Ausschreibung"]),
                    ("Plattform einrichten", d(2024, 6, 1), d(2024, 12, 20), 100, ["Zuschlag"])]),
        ("Betrieb", [("Datensätze anbinden", d(2025, 1, 6), d(2026, 6, 30), 90, ["Plattform einrichten"]),
                     ("Sensorik anbinden", d(2025, 3, 1), d(2026, 9, 30), 80, ["Plattform einrichten"]),
                     ("Übergabe in den Regelbetrieb", d(2026, 12, 15), None, 0,
                      ["Datensätze anbinden", "Sensorik anbinden"])]),
    ], [(40, "green", "yellow", "green", "yellow", "Sensorik-Anbindung drei Monate hinter Plan."),
        (12, "green", "yellow", "green", "yellow", "Regelbetrieb ab Mitte Dezember erreichbar.")], today)  # fmt: skip
    light = _waterfall(municipality, erik, "Smarte Straßenbeleuchtung", d(2023, 4, 1), d(2027, 12, 31), [
        ("Pilot", [("Pilotstraße Nordstadt", d(2023, 4, 3), d(2023, 10, 31), 100, []),
                   ("Auswertung Pilot", d(2023, 11, 1), d(2024, 1, 31), 100, ["Pilotstraße Nordstadt"])]),
        ("Rollout", [("Rollout 1. Bauabschnitt", d(2024, 3, 1), d(2025, 12, 19), 100, ["Auswertung Pilot"]),
                     ("Rollout 2. Bauabschnitt", d(2026, 3, 2), d(2027, 10, 29), 35, ["Rollout 1. Bauabschnitt"]),
                     ("Abnahme", d(2027, 11, 15), None, 0, ["Rollout 2. Bauabschnitt"])]),
    ], [(20, "green", "green", "green", "green", "Zweiter Bauabschnitt im Plan.")], today)  # fmt: skip
    eakte = projects.project_create(measure=_measure(municipality, "E-Akte in der Kernverwaltung"), user=anna,
                                    design="hybrid", lead=anna, start=d(2023, 7, 1), end=d(2027, 6, 30))  # fmt: skip
    smart = programmes.programme_create(
        municipality=municipality, user=anna, title="Smart-City-Strategie Musterstadt 2030",
        title_en="Musterstadt smart-city strategy 2030", slug="smart-city", kind="smart_city", status="active",
        owner=anna, start=d(2023, 1, 1), end=d(2030, 12, 31), published=True,
        goals=list(Goal.objects.filter(municipality=municipality).values_list("pk", flat=True)),
        measures=[p.measure_id for p in (vacancy, popup, platform, light, eakte)],
    )  # fmt: skip
    programmes.programme_create(
        municipality=municipality, user=anna, title="ISEK Innenstadt 2030", title_en="Integrated city-centre concept 2030",
        slug="isek-innenstadt", kind="isek", status="active", owner=erik, start=d(2025, 1, 1), end=d(2030, 12, 31),
        published=True, measures=[vacancy.measure_id, popup.measure_id,
                                  _measure(municipality, "Leerstandskataster Innenstadt").pk],
    )  # fmt: skip
    programmes.programme_create(
        municipality=municipality, user=anna, title="Klimaschutzkonzept", title_en="Climate protection plan",
        slug="klimaschutz", kind="climate", status="active", start=d(2024, 1, 1), end=d(2035, 12, 31),
        published=True, measures=[light.measure_id, _measure(municipality, "Energiemonitoring kommunaler Gebäude").pk],
    )  # fmt: skip
    steering = meetings.series_create(municipality=municipality, user=anna, title="Lenkungskreis Smart City",
                                      kind="steering", programme=smart, cadence="monatlich", chair=anna)  # fmt: skip
    meetings.meeting_create(series=steering, user=anna, held_on=today + timedelta(days=8))
    _sustainability(municipality, anna)
    _neighbour(neighbour, today)
    return {"projects": [vacancy, popup, platform, light, eakte], "programme": smart}


SUSTAINABILITY = {
    "Urbane Datenplattform": {
        "energy": (3, "Betrieb im kommunalen Rechenzentrum, Auslastung wird gemessen."),
        "hosting": (4, "Rechenzentrum mit Ökostrom und Abwärmenutzung."), "data_volume": (3, "Rohdaten nach 5 Jahren aggregiert."),
        "hardware": (3, "Server im üblichen Fünfjahreszyklus."), "operating_costs": (3, "Betrieb ab 2027 im Haushalt eingeplant."),
        "lock_in": (4, "Offene Schnittstellen (SensorThings, OGC API)."), "open_source": (5, "Vollständig Open Source (EUPL)."),
        "reuse": (5, "Drei Nachbarkommunen nutzen dieselbe Installation."), "inclusion": (3, "Daten auch als Tabellen, nicht nur Karten."),
        "accessibility": (4, "Oberfläche nach BITV 2.0 geprüft."), "data_protection": (4, "Keine personenbezogenen Sensordaten."),
        "participation": (2, "Nutzerbeirat erst geplant."), "security": (4, "IT-Grundschutz-Check 2025."),
        "dependency": (3, "LoRaWAN-Netz eines Anbieters."), "fallback": (3, "Dashboards fallen aus, Rohdaten bleiben erhalten."),
    },
    "Smarte Straßenbeleuchtung": {
        "energy": (5, "LED und Dimmung sparen 60 % Strom."), "hardware": (4, "Leuchten mit 20 Jahren Lebensdauer, Module tauschbar."),
        "data_volume": (4, "Nur Betriebsdaten, keine Kameras."), "hosting": (3, "Steuerung beim Hersteller gehostet."),
        "operating_costs": (5, "Energiekosten sinken stärker als die Wartung steigt."), "lock_in": (2, "Proprietäres Steuerprotokoll."),
        "open_source": (1, "Steuersoftware geschlossen."), "reuse": (3, "Ausschreibung von anderen übernehmbar."),
        "inclusion": (4, "Mehr Sicherheit auf Wegen für alle."), "accessibility": (3, "Keine Oberfläche für Bürger."),
        "data_protection": (4, "Bewegungsmelder ohne Personenbezug."), "participation": (2, "Ortsbeiräte informiert, nicht beteiligt."),
        "security": (3, "Fernzugriff abgesichert, Prüfung ausstehend."), "dependency": (2, "Ein Hersteller, ein Funknetz."),
        "fallback": (5, "Leuchten fallen auf Nachtprogramm zurück."),
    },
    "Leerstandsmanagement Innenstadt": {
        "data_volume": (4, "Nur Flächen und Nutzung, keine Eigentümerdaten im Melder."), "open_source": (4, "Meldeformular auf der Datenplattform."),
        "reuse": (4, "Vorgehen als Leitfaden für andere Innenstädte."), "inclusion": (4, "Beratung auch persönlich im Citymanagement."),
        "participation": (5, "Runder Tisch mit Eigentümern und Handel."), "data_protection": (4, "Datenschutzprüfung im Sprint."),
        "fallback": (4, "Kataster funktioniert auch ohne Melder."), "operating_costs": (3, "Personal nach der Förderung offen."),
    },
}  # fmt: skip


def _sustainability(municipality, user) -> None:
    from .services import sustainability

    for title, scores in SUSTAINABILITY.items():
        sustainability.check_save(measure=_measure(municipality, title), user=user, scores=scores)


def _neighbour(municipality: Municipality, today: date) -> Project:
    bruno = User.objects.get(username="bruno")
    Measure.objects.filter(municipality=municipality, title="Glasfaser für alle Ortsteile").delete()
    measure = measure_create(municipality=municipality, user=bruno, title="Glasfaser für alle Ortsteile",
                             title_en="Fibre for every village", published=True, status="in_progress",
                             responsible_unit="Bauamt")  # fmt: skip
    project = projects.project_create(measure=measure, user=bruno, design="waterfall", lead=bruno,
                                      start=date(2025, 4, 1), end=date(2027, 12, 31), published=True)  # fmt: skip
    _plan(project, bruno, [("Ausbau", [
        ("Markterkundung", date(2025, 4, 1), date(2025, 6, 30), 100, []),
        ("Tiefbau Ortsteile Nord", date(2025, 9, 1), date(2026, 10, 30), 80, ["Markterkundung"]),
        ("Tiefbau Ortsteile Süd", date(2026, 11, 2), date(2027, 9, 30), 5, ["Tiefbau Ortsteile Nord"]),
        ("Alle Anschlüsse aktiv", date(2027, 12, 1), None, 0, ["Tiefbau Ortsteile Süd"]),
    ])])  # fmt: skip
    _reports(project, bruno, [(20, "green", "green", "green", "green", "Nord fast fertig.")], today)
    return project
