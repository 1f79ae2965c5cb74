"""`stadtkern indicators load|compute|values`: definitions from YAML, computation now,
values as JSON on stdout. Messages for people go to stderr; a bad input exits non-zero."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction

from stadtkern.core.commands import DataCommand
from stadtkern.core.models import Municipality

from ... import catalogue, imports, jobs, selectors, services
from ...models import Indicator


def _municipality(ags: str) -> Municipality:
    m = (
        Municipality.objects.filter(ags=ags).first()
        or Municipality.objects.filter(slug=ags).first()
    )
    if m is None:
        raise CommandError(f"No municipality with the AGS or short name {ags!r}.")
    return m


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(DataCommand):
    help = "Indicators: load definitions (YAML), compute them now, print their values as JSON."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="create or update indicators from a YAML file")
        load.add_argument("file")
        load.add_argument("--municipality", required=True, help="AGS or short name")
        load.add_argument("--publish", action="store_true", help="publish the indicators")
        compute = sub.add_parser("compute", help="compute the indicators now and wait")
        compute.add_argument("--municipality", required=True, help="AGS or short name")
        compute.add_argument("--key")
        values = sub.add_parser("values", help="print an indicator's values as JSON")
        values.add_argument("key")
        values.add_argument("--municipality", required=True, help="AGS or short name")
        statistics = sub.add_parser(
            "statistics",
            help="read a flat CSV of GENESIS or the Regionaldatenbank for every municipality",
        )
        statistics.add_argument("file")

    def handle(self, *args, action: str, **options):
        if action == "statistics":
            return self._statistics(options["file"])
        municipality = _municipality(options.pop("municipality"))
        getattr(self, f"_{action}")(municipality, **options)

    def _statistics(self, file: str):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        try:
            outcome = imports.statistics_import(
                user=None, path=path, name=path.name, everywhere=True
            )
        except ValidationError as exc:
            raise CommandError(f"{file}: {_messages(exc)}") from None
        self.stdout.write(json.dumps(outcome, ensure_ascii=False))

    def _load(self, municipality, file: str, publish: bool, **options):
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(
                f"{file}: cannot be read as UTF-8 text ({exc.__class__.__name__})."
            ) from None
        try:
            definitions = catalogue.parse(text)
            with transaction.atomic():
                outcome = [
                    services.indicator_define(
                        municipality=municipality,
                        template=t,
                        user=None,
                        published=True if publish else None,
                    )  # fmt: skip
                    for t in definitions
                ]
        except catalogue.DefinitionError as exc:
            raise CommandError(f"{file}: {exc}") from None
        except ValidationError as exc:
            raise CommandError(f"{file}: {_messages(exc)}") from None
        created = sum(1 for _i, c in outcome if c)
        self.stdout.write(json.dumps({"created": created, "updated": len(outcome) - created,
                                      "keys": [i.key for i, _c in outcome]}))  # fmt: skip

    def _compute(self, municipality, key: str | None, **options):
        if key and not Indicator.objects.filter(municipality=municipality, key=key).exists():
            raise CommandError(f"{municipality.name} has no indicator {key!r}.")
        outcomes = jobs.compute_now(municipality, key)
        self.stdout.write(json.dumps({"outcomes": outcomes}, ensure_ascii=False))
        if any(o.get("status") == "failed" for o in outcomes):
            raise CommandError(
                "At least one computation failed; its indicator keeps its last good values."
            )

    def _values(self, municipality, key: str, **options):
        indicator = Indicator.objects.filter(municipality=municipality, key=key).first()
        if indicator is None:
            raise CommandError(f"{municipality.name} has no indicator {key!r}.")
        all_values = list(indicator.values.order_by("end", "district"))
        whole = [v for v in all_values if not v.district]
        status = selectors.judge(indicator, whole, list(indicator.milestones.all())).status
        latest = whole[-1].pk if whole else None
        out = {
            "key": indicator.key,
            "unit": indicator.unit,
            "values": [
                {
                    "period": v.period,
                    "district": v.district or None,
                    "value": v.value,
                    "status": status if v.pk == latest else None,
                }  # fmt: skip
                for v in all_values
            ],
        }
        self.stdout.write(json.dumps(out, ensure_ascii=False))
