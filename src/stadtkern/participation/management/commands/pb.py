"""stadtkern pb outcome|import|export: participatory budgets in the Pabulib format.

``outcome FILE.pb [--rule RULE]`` prints which projects a rule funds (default: the
rule the file names) as JSON: ``{"rule", "selected", "cost", "seconds"}``;
``--explain`` adds each project's reason. ``import FILE.pb --municipality AGS``
creates a finished process with all its ballots, counted under the file's rule.
``export PROCESS --municipality AGS`` writes a process's budget as a ``.pb`` file.
"""

import json

from django.core.management.base import CommandError

from stadtkern.core.commands import DataCommand
from stadtkern.participation import pabulib
from stadtkern.participation.outcomes import RULES, RuleError, outcome

# ``outcome`` reads a file and runs without the app registry (stadtkern.cli.WITHOUT_APPS):
# what needs the models is imported in ``import`` and ``export`` only.


def read_election(path: str) -> pabulib.Election:
    """Return the election in ``path``; a defect ends the command with the file and line."""
    try:
        return pabulib.load(path)
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CommandError(f"{path}: is a folder, not a .pb file") from None
    except pabulib.PabulibError as exc:
        where = f"{path}:{exc.line}" if exc.line else path
        raise CommandError(f"{where}: {exc.message}") from None


class Command(DataCommand):
    help = "Compute outcomes of participatory budgets in the Pabulib .pb format."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        out = sub.add_parser("outcome", help="print which projects a rule funds, as JSON")
        out.add_argument("file", help="a .pb file")
        out.add_argument("--rule", choices=RULES, help="default: the rule the file names")
        out.add_argument("--explain", action="store_true", help="add each project's reason")
        imp = sub.add_parser("import", help="create a finished process from a .pb file")
        imp.add_argument("file", help="a .pb file")
        imp.add_argument("--municipality", required=True, help="AGS or short name")
        imp.add_argument("--slug", help="the process's short name (default: from the file name)")
        imp.add_argument("--title", default="", help="default: the file's description")
        exp = sub.add_parser("export", help="write a process's budget as a .pb file")
        exp.add_argument("process", help="the process's short name")
        exp.add_argument("--municipality", required=True, help="AGS or short name")
        exp.add_argument("--budget", help="the budget's name, when the process has several")
        exp.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, **o):
        {"outcome": self.outcome, "import": self.import_, "export": self.export}[o["action"]](o)

    def outcome(self, o):
        election = read_election(o["file"])
        if not (o["rule"] or election.rule):
            raise CommandError(f"{o['file']}: the file names no rule; choose one with --rule")
        try:
            result = outcome(election, o["rule"])
        except RuleError as exc:
            raise CommandError(str(exc)) from None
        data = result.as_json()
        if o["explain"]:
            data["projects"] = result.explanation
        self.stdout.write(json.dumps(data, ensure_ascii=False, default=_number))

    def import_(self, o):
        from django.core.exceptions import ValidationError
        from django.utils.text import slugify

        from stadtkern.data.management.commands._common import municipality_by_key
        from stadtkern.participation.models import Process
        from stadtkern.participation.services import election_import

        election = read_election(o["file"])
        municipality = municipality_by_key(o["municipality"])
        stem = o["file"].rsplit("/", 1)[-1].removesuffix(".pb")
        slug = o["slug"] or slugify(stem)[:80]
        if Process.objects.filter(municipality=municipality, slug=slug).exists():
            raise CommandError(
                f"{municipality.slug} already has a process {slug!r}; choose another with --slug"
            )
        try:
            process = election_import(
                election=election, municipality=municipality, slug=slug, title=o["title"]
            )
        except ValidationError as exc:
            raise CommandError(f"{o['file']}: {'; '.join(exc.messages)}") from None
        budget = process.budgets.get()
        summary = {
            "process": process.slug,
            "municipality": municipality.slug,
            "budget": budget.pk,
            "projects": budget.projects.count(),
            "ballots": budget.ballots.count(),
            "rule": budget.rule,
            "selected": budget.outcome["selected"],
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    def export(self, o):
        from stadtkern.data.management.commands._common import municipality_by_key
        from stadtkern.participation.models import Process
        from stadtkern.participation.selectors import budget_election

        municipality = municipality_by_key(o["municipality"])
        process = Process.objects.filter(municipality=municipality, slug=o["process"]).first()
        if process is None:
            raise CommandError(f"{municipality.slug} has no process {o['process']!r}")
        budgets = process.budgets.all()
        if o["budget"]:
            budgets = budgets.filter(name=o["budget"])
        budgets = list(budgets)
        if len(budgets) != 1:
            names = ", ".join(b.name for b in process.budgets.all()) or "none"
            raise CommandError(f"choose one budget with --budget (the process has: {names})")
        text = pabulib.dumps(budget_election(budgets[0], with_results=True))
        if o["output"]:
            try:
                with open(o["output"], "w", encoding="utf-8") as out:
                    out.write(text)
            except OSError as exc:
                raise CommandError(f"{o['output']}: cannot be written ({exc.strerror})") from None
        else:
            self.stdout.write(text, ending="")


def _number(value):
    # Decimal amounts print as JSON numbers, whole ones without a fraction.
    return int(value) if value == int(value) else float(value)
