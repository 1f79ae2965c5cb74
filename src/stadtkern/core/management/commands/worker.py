"""Run background jobs (imports, indicator computations) until stopped.

The jobs themselves run in a child process (django-tasks' database worker); this process
watches it and runs the schedules (sources that changed, nightly recomputation). A job
that crashes its process, or is killed for taking too much memory, takes down only that
child: the job is marked failed with a message and a new child takes the next job.
"""

import json
import signal
import subprocess
import sys
import time
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand

from stadtkern.core import jobs


class Command(BaseCommand):
    help = "Run background jobs: imports and indicator computations (Ctrl+C stops)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch",
            action="store_true",
            help="run what is due and queued now, print how many as JSON, then stop",
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between looks at the queue"
        )

    def handle(self, *args, batch: bool, interval: float, **options):
        if batch:
            queued = jobs.run_schedules(force=True)
            ran = jobs.run_pending()
            self.stdout.write(json.dumps({"queued": queued, "ran": ran}))
            return
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self.stderr.write("Stadtkern worker runs jobs (Ctrl+C stops)")
        child, child_id = None, ""
        while not self.stopping:
            if child is None or child.poll() is not None:
                if child is not None and child.returncode != 0:
                    failed = jobs.fail_abandoned({child_id})
                    self.stderr.write(
                        f"the job process ended with {child.returncode}; {failed} job(s) marked failed"
                    )
                child_id = f"{jobs.worker_id()}-{uuid.uuid4().hex[:8]}"
                child = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
                    [
                        sys.executable,
                        "-m",
                        "stadtkern.cli",
                        "db_worker",
                        "--queue-name",
                        "*",
                        "--interval",
                        str(interval),
                        "--no-startup-delay",
                        "--no-reload",
                        "--worker-id",
                        child_id,
                        "--verbosity",
                        "0",
                    ]  # fmt: skip
                )
            jobs.run_schedules()
            for _ in range(int(max(1, settings.JOBS_SCHEDULE_SECONDS) / 0.5)):
                if self.stopping or child.poll() is not None:
                    break
                time.sleep(0.5)
        if child is not None and child.poll() is None:
            child.terminate()  # the child finishes its job first (django-tasks' shutdown)
            try:
                child.wait(60)
            except subprocess.TimeoutExpired:
                child.kill()
                jobs.fail_abandoned({child_id})

    def _stop(self, signum, frame) -> None:
        self.stopping = True
