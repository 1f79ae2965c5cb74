"""Musterstadt's participation demo: a finished Bürgerhaushalt with its results, one
whose vote is open (with voting codes and a verified resident to try it), a running
survey with answers, a year of the smart-city team's pulse checks, and a citizens'
assembly drawn by lot from its volunteers.

The finished one has 1,400 invented voters whose preferences follow where they live:
each district favours its own projects, everybody likes a few citywide ones. That is
the situation the Method of Equal Shares is for: the outcome gives each district its
share instead of letting the largest one take everything.
"""

import hashlib
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from stadtkern.core.models import Municipality, User

from . import assemblies, rules, services, surveys
from .models import Assembly, Ballot, BallotKind, PhaseKind, Process, Survey

BERLIN = ZoneInfo("Europe/Berlin")

# ref, title, cost in euros, district ("" for the whole town)
FINISHED_PROJECTS = [
    ("1", "Trinkbrunnen am Marktplatz", 18_000, ""),
    ("2", "Sitzbänke und Schatten in der Fußgängerzone", 24_000, "Innenstadt"),
    ("3", "Fahrradbügel am Bahnhof (60 Plätze)", 30_000, "Innenstadt"),
    ("4", "Kostenloses WLAN in der Stadtbibliothek", 12_000, ""),
    ("5", "Jugendtreff Nord: Ausstattung", 45_000, "Nord"),
    ("6", "Spielplatz Lindenweg erneuern", 60_000, "Nord"),
    ("7", "Beleuchtung Fußweg zur Schule Nord", 28_000, "Nord"),
    ("8", "Blühwiesen am Südring", 9_000, "Süd"),
    ("9", "Boule-Platz im Südpark", 14_000, "Süd"),
    ("10", "Barrierefreier Zugang zum Südbad", 70_000, "Süd"),
    ("11", "Nachbarschaftsgarten Ost", 16_000, "Ost"),
    ("12", "Überdachte Bushaltestelle Ostweg", 22_000, "Ost"),
    ("13", "Sensoren für freie Parkplätze in der Innenstadt", 40_000, "Innenstadt"),
    ("14", "Bücherschränke in allen Bezirken", 8_000, ""),
    ("15", "Repair-Café: Werkzeug und Räume", 11_000, ""),
    ("16", "Defibrillatoren an fünf Bushaltestellen", 15_000, ""),
    ("17", "Skateanlage am Stadion", 85_000, "Nord"),
    ("18", "Stadtbäume für die Hauptstraße", 50_000, "Innenstadt"),
]
# How many of the 1,400 demo voters live in each district.
DISTRICTS = {"Innenstadt": 560, "Nord": 420, "Süd": 280, "Ost": 140}

# number, title, English title, cost, district, place (lon, lat), description
OPEN_PROJECTS = [
    (
        "1",
        "Digitale Anzeigetafeln an Bushaltestellen",
        "Digital displays at bus stops",
        35_000,
        "Innenstadt",
        (6.6041, 51.4514),
        "An den fünf meistgenutzten Haltestellen zeigen Tafeln die nächsten Abfahrten in Echtzeit, "
        "auch als Ansage auf Knopfdruck. Die Daten kommen aus der Schnittstelle des Verkehrsverbunds.",
    ),
    (
        "2",
        "Wasserspielplatz im Stadtpark",
        "Water playground in the town park",
        48_000,
        "Nordost",
        (6.6142, 51.4566),
        "Pumpen, Rinnen und Staustufen zum Spielen mit Wasser für Kinder bis zwölf Jahre, neben dem "
        "bestehenden Spielplatz. Das Wasser läuft im Kreis und wird gefiltert; im Winter bleibt die "
        "Anlage leer.",
    ),
    (
        "3",
        "Mehr Mülleimer mit Füllstandssensor",
        "More litter bins with fill sensors",
        20_000,
        "Innenstadt",
        (6.6019, 51.4498),
        "Vierzig Mülleimer in der Fußgängerzone melden über das LoRaWAN-Funknetz, wann sie voll sind. "
        "Die Stadtreinigung leert sie, bevor sie überlaufen, und fährt seltener leere Eimer an.",
    ),
    (
        "4",
        "Lastenräder zum Ausleihen",
        "Cargo bikes to borrow",
        26_000,
        "Süd",
        (6.6065, 51.4431),
        "Sechs Lastenräder, davon zwei mit Kindersitzen, an drei Stationen; ausleihen per App oder "
        "mit dem Bibliotheksausweis, die ersten drei Stunden kostenlos.",
    ),
    (
        "5",
        "Öffentliche Toilette am Busbahnhof",
        "Public toilet at the bus station",
        55_000,
        "West",
        (6.5938, 51.4502),
        "Eine barrierefreie, selbstreinigende Toilette mit Wickeltisch, rund um die Uhr geöffnet.",
    ),
    (
        "6",
        "Pflanzkübel und Bänke am Rathausplatz",
        "Planters and benches at the town hall square",
        17_000,
        "Innenstadt",
        (6.6030, 51.4521),
        "Zwölf große Pflanzkübel mit Bäumen spenden Schatten; dazwischen Bänke mit Rücken- und "
        "Armlehnen, damit auch Ältere gut aufstehen.",
    ),
    (
        "7",
        "Offene Werkstatt für Jugendliche",
        "Open workshop for young people",
        30_000,
        "Nordwest",
        (6.5952, 51.4580),
        "Werkzeug, 3D-Drucker und Anleitung an zwei Nachmittagen pro Woche im Jugendzentrum, betreut "
        "von Ehrenamtlichen aus dem Handwerk.",
    ),
]
# Simple pictures for three projects, drawn here so that the demo ships no image files.
PICTURES = {
    "2": "Zeichnung: Kinder spielen an Wasserrinnen im Park",
    "4": "Zeichnung: ein Lastenrad mit Transportkiste",
    "6": "Zeichnung: Baum im Pflanzkübel neben einer Bank",
}


def _picture(ref: str) -> bytes:
    """A flat drawing for a demo project, as PNG bytes."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), "#dcebf5")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 230, 480, 320), fill="#8cbf73")  # grass
    if ref == "2":  # water channels and drops
        draw.rectangle((60, 220, 420, 245), fill="#4a90c8")
        for x in (120, 200, 280, 360):
            draw.ellipse((x - 14, 150, x + 14, 190), fill="#4a90c8")
            draw.polygon([(x - 12, 160), (x + 12, 160), (x, 128)], fill="#4a90c8")
        draw.ellipse((40, 40, 100, 100), fill="#f2c14e")  # sun
    elif ref == "4":  # a cargo bike
        for x in (130, 350):
            draw.ellipse((x - 45, 185, x + 45, 275), outline="#2b3a42", width=8)
        draw.rectangle((100, 120, 230, 190), fill="#d9693f")
        draw.line((230, 190, 350, 230, 320, 140, 230, 190), fill="#2b3a42", width=8)
        draw.line((320, 140, 300, 110), fill="#2b3a42", width=8)
    else:  # a tree in a planter beside a bench
        draw.rectangle((90, 200, 190, 250), fill="#8a6d4b")
        draw.rectangle((132, 120, 148, 200), fill="#6b4f32")
        draw.ellipse((80, 40, 200, 150), fill="#3f7f3a")
        draw.rectangle((250, 190, 420, 205), fill="#6b4f32")
        draw.rectangle((250, 160, 420, 172), fill="#6b4f32")
        for x in (265, 405):
            draw.rectangle((x - 5, 205, x + 5, 240), fill="#2b3a42")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=BERLIN)


def _finished(municipality: Municipality) -> Process:
    process = services.process_create(
        municipality=municipality, slug="buergerhaushalt-2025", title="Bürgerhaushalt 2025",
        title_en="Participatory budget 2025", published=True,
        description="Die Musterstädterinnen und Musterstädter haben über 250.000 Euro entschieden. "
        "Ausgezählt wurde nach der Methode der gleichen Anteile: Jede Stimme hatte den gleichen "
        "Anteil am Budget, und jedes Projekt wurde von denen bezahlt, die es wollten.",
    )  # fmt: skip
    for kind, start, end in [
        (PhaseKind.PROPOSALS, "2025-03-01", "2025-04-30"),
        (PhaseKind.REVIEW, "2025-05-01", "2025-08-31"),
        (PhaseKind.VOTING, "2025-09-01", "2025-09-22"),
        (PhaseKind.RESULTS, "2025-09-22", "2026-01-01"),
        (PhaseKind.IMPLEMENTATION, "2026-01-01", None),
    ]:
        services.phase_create(
            process=process, kind=kind, starts_at=_at(start), ends_at=_at(end) if end else None
        )
    budget = services.budget_create(
        process=process, name="Gesamtstadt", amount=Decimal(250_000), ballot_kind=BallotKind.APPROVAL,
        rule="equalshares/add1-comparison", min_projects=1, max_projects=5,
    )  # fmt: skip
    for ref, title, cost, district in FINISHED_PROJECTS:
        services.project_create(
            budget=budget, ref=ref, title=title, cost=Decimal(cost), category=district
        )
    rng = random.Random(2025)  # noqa: S311 - reproducible demo data, not security
    ballots = []
    voter = 0
    for district, count in DISTRICTS.items():
        own = [ref for ref, _t, _c, d in FINISHED_PROJECTS if d == district]
        town = [ref for ref, _t, _c, d in FINISHED_PROJECTS if d == ""]
        for _n in range(count):
            voter += 1
            chosen = rng.sample(own, k=min(len(own), rng.randint(1, 3)))
            chosen += rng.sample(town, k=rng.randint(0, 2))
            if rng.random() < 0.15:  # some like a project of another district
                chosen.append(
                    rng.choice([r for r, _t, _c, d in FINISHED_PROJECTS if d not in ("", district)])
                )
            key = hashlib.sha256(f"demo:{budget.pk}:{voter}".encode()).hexdigest()
            ballots.append(Ballot(budget=budget, key=key, projects=list(dict.fromkeys(chosen))[:5]))
    Ballot.objects.bulk_create(ballots, batch_size=2000)
    services.budget_count(budget=budget)
    _implementation(budget)
    return process


# What became of the selected projects of 2025: status, progress, updates on the way.
PROGRESS = [
    ("done", 100, [("2026-03-12", "Aufträge vergeben."), ("2026-06-30", "Fertig und in Betrieb.")]),
    (
        "in_progress",
        60,
        [
            ("2026-04-02", "Planung abgeschlossen, Bauantrag gestellt."),
            ("2026-09-15", "Bau begonnen; Fertigstellung im Frühjahr erwartet."),
        ],
    ),
    ("in_progress", 35, [("2026-05-20", "Standorte mit dem Bezirksbeirat abgestimmt.")]),
    ("delayed", 20, [("2026-07-01", "Lieferschwierigkeiten: Der Bau beginnt später als geplant.")]),
    ("planned", 0, []),
]
MEASURE_OF = {"WLAN": "WLAN", "Parkplätze": "Park", "Trinkbrunnen": "kühler Orte"}


def _implementation(budget) -> None:
    from stadtkern.core.models import User as Account
    from stadtkern.strategy.models import Measure

    from .implementation import implementation_note, implementation_set

    editor = Account.objects.filter(memberships__municipality=budget.process.municipality,
                                    memberships__role="admin").first()  # fmt: skip
    if editor is None:
        return
    measures = Measure.objects.filter(municipality=budget.process.municipality)
    for k, project in enumerate(budget.projects.filter(selected=True).order_by("position")):
        status, progress, notes = PROGRESS[k % len(PROGRESS)]
        word = next((w for w in MEASURE_OF if w in project.title), None)
        measure = measures.filter(title__icontains=MEASURE_OF[word]).first() if word else None
        implementation_set(
            project=project, user=editor, status=status, progress=progress, measure=measure
        )
        for day, text in notes:
            implementation_note(
                project=project, user=editor, day=date.fromisoformat(day), text=text
            )


def _open(municipality: Municipality) -> tuple[Process, list[str]]:
    now = timezone.now()
    process = services.process_create(
        municipality=municipality, slug="buergerhaushalt-2027", title="Bürgerhaushalt 2027",
        title_en="Participatory budget 2027", published=True,
        description="Stimmen Sie ab: 150.000 Euro für Ideen aus der Bürgerschaft.",
    )  # fmt: skip
    services.phase_create(process=process, kind=PhaseKind.PROPOSALS, starts_at=now - timedelta(days=90),
                          ends_at=now - timedelta(days=45))  # fmt: skip
    services.phase_create(process=process, kind=PhaseKind.REVIEW, starts_at=now - timedelta(days=45),
                          ends_at=now - timedelta(days=7))  # fmt: skip
    services.phase_create(process=process, kind=PhaseKind.VOTING, starts_at=now - timedelta(days=7),
                          ends_at=now + timedelta(days=21))  # fmt: skip
    services.phase_create(
        process=process, kind=PhaseKind.RESULTS, starts_at=now + timedelta(days=21), ends_at=None
    )
    budget = services.budget_create(
        process=process, name="Gesamtstadt", amount=Decimal(150_000), ballot_kind=BallotKind.KNAPSACK,
        rule="equalshares/add1", min_projects=1,
    )  # fmt: skip
    for ref, title, title_en, cost, district, (lon, lat), text in OPEN_PROJECTS:
        services.project_create(
            budget=budget, ref=ref, title=title, title_en=title_en, cost=Decimal(cost),
            category=district, longitude=lon, latitude=lat, description=text,
            image=_picture(ref) if ref in PICTURES else None, image_alt=PICTURES.get(ref, ""),
        )  # fmt: skip
    return process, services.voting_codes_create(process=process, count=5)


SURVEY_QUESTIONS = [
    {"kind": "likert", "text": "Musterstadt nutzt digitale Angebote, um das Leben leichter zu machen.",
     "text_en": "Musterstadt uses digital services to make life easier."},
    {"kind": "single", "text": "Welches Handlungsfeld ist Ihnen am wichtigsten?",
     "text_en": "Which field of action matters most to you?",
     "choices": ["Mobilität", "Umwelt & Klima", "Verwaltung", "Wohnen & Quartier", "Wirtschaft & Handel"]},
    {"kind": "multiple", "text": "Welche Online-Dienste der Verwaltung haben Sie genutzt?",
     "text_en": "Which online services of the administration have you used?",
     "choices": ["Termin im Bürgerbüro", "Anwohnerparkausweis", "Mängelmelder", "Keinen"], "required": False},
    {"kind": "nps", "text": "Wie wahrscheinlich empfehlen Sie Musterstadt als Wohnort weiter?",
     "text_en": "How likely are you to recommend Musterstadt as a place to live?"},
    {"kind": "text", "text": "Was sollte die Smart-City-Strategie als Nächstes angehen?",
     "text_en": "What should the smart-city strategy tackle next?", "required": False},
]  # fmt: skip


def _surveys(municipality: Municipality) -> None:
    now = timezone.now()
    survey = surveys.survey_create(
        municipality=municipality, slug="wie-smart-ist-musterstadt", title="Wie smart ist Musterstadt?",
        title_en="How smart is Musterstadt?", questions=SURVEY_QUESTIONS,
        opens_at=now - timedelta(days=10), closes_at=now + timedelta(days=20),
        description="Fünf Fragen, drei Minuten: Ihre Meinung fließt in die Fortschreibung der Strategie ein.",
    )  # fmt: skip
    rng = random.Random(11)  # noqa: S311 - reproducible demo data, not security
    q = [str(x.pk) for x in survey.questions.all()]
    for _n in range(120):
        surveys.response_submit(survey=survey, user=None, answers={
            q[0]: rng.choice([2, 3, 3, 4, 4, 4, 5]), q[1]: rng.choice(SURVEY_QUESTIONS[1]["choices"]),
            q[2]: rng.sample(SURVEY_QUESTIONS[2]["choices"][:3], k=rng.randint(0, 2)), q[3]: rng.randint(4, 10),
        })  # fmt: skip
    # Four waves of the smart-city team's pulse check, a quarter apart: the mood improves.
    # The team's members read drafts and answer the team-only pulse check.
    from stadtkern.core.services import membership_set

    team = [User.objects.get_or_create(username=f"team{k}")[0] for k in range(1, 9)]
    for member in team:
        membership_set(user=member, municipality=municipality, role="viewer")
    for wave in range(4):
        opens = (now - timedelta(days=91 * (3 - wave) + 10)).date()
        pulse = surveys.pulse_create(municipality=municipality, series="smart-city-team",
                                     title="Puls des Smart-City-Teams", opens=opens, days=30 if wave < 3 else 40)  # fmt: skip
        q = [str(x.pk) for x in pulse.questions.all()]
        for member in team:
            surveys.response_submit(survey=pulse, user=member, answered_at=pulse.opens_at + timedelta(days=2), answers={
                q[0]: min(5, rng.randint(2, 3) + wave // 2), q[1]: min(5, rng.randint(3, 4) + wave // 3),
                q[2]: min(5, rng.randint(2, 4) + wave // 2), q[3]: min(10, rng.randint(4, 8) + wave),
            })  # fmt: skip


ASSEMBLY_SHARES = {
    "Alter": {"16-29": 0.19, "30-49": 0.30, "50-64": 0.25, "65+": 0.26},
    "Geschlecht": {"weiblich": 0.51, "männlich": 0.49},
    "Bezirk": {"Innenstadt": 0.40, "Nord": 0.30, "Süd": 0.20, "Ost": 0.10},
    "Bildungsabschluss": {
        "ohne / Hauptschule": 0.30,
        "Realschule": 0.30,
        "Abitur / Hochschule": 0.40,
    },
}


def _assembly(municipality: Municipality) -> None:
    """A climate assembly of 30 drawn from 240 volunteers who are older and more educated
    than the town (as volunteers are): the draw corrects for it."""
    found = assemblies.assembly_create(
        municipality=municipality, slug="buergerrat-klima", title="Bürgerrat Klima 2026",
        title_en="Citizens' assembly on climate 2026", panel_size=30, shares=ASSEMBLY_SHARES,
        description="30 ausgeloste Musterstädterinnen und Musterstädter beraten an vier Samstagen, wie die Stadt "
        "bis 2040 klimaneutral wird, und geben dem Rat Empfehlungen.",
    )  # fmt: skip
    rng = random.Random(30)  # noqa: S311 - reproducible demo data, not security
    skew = {"Alter": [0.5, 1.0, 1.3, 1.4], "Bildungsabschluss": [0.5, 0.9, 1.6]}
    for k in range(240):
        features = {
            name: rng.choices(list(values), weights=[w * f for w, f in zip(values.values(), skew.get(name, [1] * len(values)), strict=False)])[0]
            for name, values in ASSEMBLY_SHARES.items()
        }  # fmt: skip
        assemblies.volunteer_register(assembly=found, name=f"Freiwillige Person {k + 1}",
                                      contact=f"person{k + 1}@example.org", features=features)  # fmt: skip
    editor = (
        User.objects.get(username="anna") if User.objects.filter(username="anna").exists() else None
    )
    found.seed = "Lottozahlen vom 14.11.2026: 3 11 19 27 38 44"
    found.registration_open = False
    found.save(update_fields=["seed", "registration_open"])
    if editor is not None and rules.can_manage_assembly(editor, municipality):
        assemblies.assembly_draw(assembly=found, user=editor)


IDEAS = [  # title, description, place (lon, lat) or None, supporters, comments
    (
        "Sitzinseln in der Steinstraße",
        "Ein paar Bänke mit Pflanzen zwischen den Geschäften, damit man "
        "beim Einkaufen verweilen kann.",
        (6.6028, 51.4509),
        9,
        ["Gute Idee, vor allem für Ältere.", "Bitte mit Rückenlehnen!"],
    ),
    (
        "Leerstände für Kunst öffnen",
        "Leere Ladenlokale zeitweise an Künstlerinnen, Vereine und "
        "Start-ups vergeben, bis sich eine Miete findet.",
        (6.6011, 51.4521),
        14,
        [
            "Das belebt die Straße sofort.",
            "Wer zahlt Strom und Versicherung?",
            "Siehe Pop-up-Stores.",
        ],
    ),
    (
        "Kostenlose Parkstunde am Samstag",
        "Die erste Stunde in den Parkhäusern am Samstag kostenlos, "
        "damit der Einkauf in der Innenstadt attraktiver wird.",
        None,
        5,
        ["Lieber den Bus am Samstag billiger machen."],
    ),
    (
        "Trinkbrunnen am Neumarkt",
        "Ein Trinkbrunnen für heiße Tage, wie am Marktplatz.",
        (6.6047, 51.4502),
        11,
        [],
    ),
    (
        "Fahrradstraße zur Innenstadt",
        "Die Achse vom Bahnhof zur Fußgängerzone als Fahrradstraße ausweisen.",
        (6.5987, 51.4496),
        7,
        ["Unbedingt, heute ist es gefährlich."],
    ),
]


def _ideas(municipality: Municipality) -> Process:
    """A call for proposals running now, with ideas, supporters and comments."""
    from stadtkern.strategy.models import FieldOfAction

    now = timezone.now()
    process = services.process_create(
        municipality=municipality, slug="ideen-innenstadt", title="Ideen für eine lebendige Innenstadt",
        title_en="Ideas for a lively town centre", published=True,
        description="Was würde die Innenstadt für Sie lebendiger machen? Schlagen Sie vor, unterstützen "
        "und kommentieren Sie; die Verwaltung prüft die Ideen mit den meisten Unterstützungen zuerst.",
    )  # fmt: skip
    services.phase_create(process=process, kind=PhaseKind.PROPOSALS, starts_at=now - timedelta(days=14),
                          ends_at=now + timedelta(days=30))  # fmt: skip
    services.phase_create(process=process, kind=PhaseKind.REVIEW, starts_at=now + timedelta(days=30),
                          ends_at=now + timedelta(days=75))  # fmt: skip
    people = []
    for k in range(1, 16):
        person, _created = User.objects.get_or_create(username=f"buergerin{k}")
        person.set_unusable_password()  # demo participants; nobody logs in as them
        person.save()
        people.append(person)
    field = FieldOfAction.objects.filter(municipality=municipality).first()
    for k, (title, text, place, supporters, comments) in enumerate(IDEAS):
        lon, lat = place if place else (None, None)
        proposal = services.proposal_create(
            process=process, user=people[k], title=title, description=text,
            field_of_action_id=field.pk if field else None, latitude=lat, longitude=lon,
        )  # fmt: skip
        for person in people[:supporters]:
            services.proposal_support(proposal=proposal, user=person)
        for j, comment in enumerate(comments):
            services.comment_create(proposal=proposal, user=people[-1 - j], text=comment)
    return process


@transaction.atomic
def demo_load_participation(municipality: Municipality, password: str) -> dict:
    """Replace the municipality's participation demo; return the voting codes and the voter."""
    Process.objects.filter(municipality=municipality).delete()
    Survey.objects.filter(municipality=municipality).delete()
    Assembly.objects.filter(municipality=municipality).delete()
    _finished(municipality)
    _surveys(municipality)
    _assembly(municipality)
    _process, codes = _open(municipality)
    _ideas(municipality)
    clara, _created = User.objects.get_or_create(username="clara")
    clara.set_password(password)
    clara.save()
    if not clara.verifications.filter(municipality=municipality).exists():
        services.verification_create(user=clara, municipality=municipality, method="in_person")
    return {"voting_codes": codes, "verified_resident": "clara"}
