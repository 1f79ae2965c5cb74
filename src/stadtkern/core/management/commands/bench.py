"""Run a benchmark from bench/ and print its figures as JSON."""

import importlib.util
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

BENCH_DIRS = [settings.PACKAGE_DIR.parent.parent / "bench", Path.cwd() / "bench"]


def _find(name: str) -> Path:
    for folder in BENCH_DIRS:
        candidate = folder / f"{name}.py"
        if candidate.is_file():
            return candidate
    names = sorted({p.stem for d in BENCH_DIRS if d.is_dir() for p in d.glob("[!_]*.py")})
    raise CommandError(f"No benchmark {name!r}. Known: {', '.join(names) or 'none'}.")


class Command(BaseCommand):
    help = "Run bench/NAME.py on a scratch database and print JSON figures on stdout."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--sizes", help="comma-separated sizes (each benchmark has defaults)")
        parser.add_argument("--repeat", type=int, help="timed runs per figure")

    def handle(self, *args, name, sizes, repeat, **options):
        path = _find(name)
        spec = importlib.util.spec_from_file_location(f"stadtkern_bench_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        try:
            size_list = (
                [int(s) for s in sizes.split(",") if s.strip()]
                if sizes
                else list(getattr(module, "DEFAULT_SIZES", [100, 1000, 10000]))
            )
        except ValueError:
            raise CommandError("--sizes takes whole numbers separated by commas.") from None
        repeat = repeat or getattr(module, "DEFAULT_REPEAT", 30)
        if repeat < 1 or any(s < 1 for s in size_list):
            raise CommandError("--sizes and --repeat must be positive.")
        result = module.run(sizes=size_list, repeat=repeat, progress=self.stderr)
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
