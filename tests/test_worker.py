"""`stadtkern worker` as it runs in production: a separate process on the same database
takes queued jobs, and a job whose process is killed ends as failed with a message."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.utils import translation

from stadtkern.core import jobs
from stadtkern.core.models import Job, JobStatus

from .conftest import database_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker():
    started = []

    def start():
        process = subprocess.Popen(
            [sys.executable, "-m", "stadtkern.cli", "worker", "--interval", "0.2"],
            env={**os.environ, "DATABASE_URL": database_url(), "SECRET_KEY": settings.SECRET_KEY,
                 "STADTKERN_VAR_DIR": str(settings.VAR_DIR), "STADTKERN_JOBS_SCHEDULE_SECONDS": "5"},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(60)


def _wait(job: Job, statuses, seconds: float = 60) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in statuses:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.pk} stayed {job.status}")


def test_the_worker_process_runs_a_queued_indicator_computation(worker, alpha):
    from stadtkern.data.models import SavedQuery
    from stadtkern.indicators import jobs as indicator_jobs
    from stadtkern.indicators import services

    indicator = services.indicator_adopt(municipality=alpha, key="abfallmenge", user=None)
    SavedQuery.objects.create(municipality=alpha, slug="q", title="Q",
                              sql="SELECT 2024 AS period, 412 AS value UNION ALL SELECT 2025, 405")  # fmt: skip
    services.indicator_update(indicator=indicator, user=None,
                              **services.resolve_references(indicator, {"source": "query", "query": "q"}))  # fmt: skip
    job = indicator_jobs.enqueue_compute(alpha, [indicator])
    worker()
    assert _wait(job, {JobStatus.DONE, JobStatus.FAILED}).status == JobStatus.DONE, job.error
    assert sorted(indicator.values.values_list("period", "value")) == [
        ("2024", 412.0),
        ("2025", 405.0),
    ]


def test_a_job_whose_process_is_killed_fails_with_a_message_and_the_next_runs(worker, alpha):
    # A query that runs until the sandbox's time limit: long enough to kill its process.
    from stadtkern.data.models import SavedQuery
    from stadtkern.indicators import jobs as indicator_jobs
    from stadtkern.indicators import services

    indicator = services.indicator_adopt(municipality=alpha, key="abfallmenge", user=None)
    SavedQuery.objects.create(municipality=alpha, slug="slow", title="Slow", sql=(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) "
        "SELECT 2024 AS period, COUNT(*) AS value FROM n"))  # fmt: skip
    services.indicator_update(indicator=indicator, user=None,
                              **services.resolve_references(indicator, {"source": "query", "query": "slow"}))  # fmt: skip
    with translation.override("en"):
        job = indicator_jobs.enqueue_compute(alpha, [indicator])
    process = worker()
    _wait(job, {JobStatus.RUNNING})
    children = open(f"/proc/{process.pid}/task/{process.pid}/children").read().split()  # noqa: SIM115
    assert children, "the worker runs its jobs in a child process"
    os.kill(int(children[0]), signal.SIGKILL)
    job = _wait(job, {JobStatus.FAILED})
    assert "stopped while running" in job.error
    second = jobs.enqueue(kind="indicators.compute", title="again", municipality=alpha,
                          params={"indicators": []})  # fmt: skip
    assert _wait(second, {JobStatus.DONE}).status == JobStatus.DONE
