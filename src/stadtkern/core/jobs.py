"""Background jobs: long work runs in ``stadtkern worker``, never inside a request.

The queue is django-tasks with its database backend (django-tasks-db): it works on SQLite
and on PostgreSQL, and a job enqueued inside a transaction reaches the queue only when that
transaction commits, because the queue is a table in the same database. Around it, core
keeps what people see of a job (``Job``): its title, who started it, its progress and how
it ended.

Apps register what they run (``register``) and what the worker checks on its own, every
minute or so (``register_schedule``), so core never imports them. A handler raises
``JobError`` with a message for people; any other exception is logged and shown as an
unexpected failure. Either way the job ends as failed and the page that started it says so.
"""

import json
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Job, JobStatus

try:  # Django 6 has the tasks framework itself; 5.2 has the backport
    from django.tasks import task
except ImportError:  # pragma: no cover - depends on the Django version
    from django_tasks import task

logger = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[[Job], dict | None]] = {}
SCHEDULES: dict[str, "Schedule"] = {}
PROGRESS_EVERY = 0.5  # seconds between two progress files of one job


class JobError(Exception):
    """The job cannot be done; the message says why, for the person who started it.
    ``result`` is kept on the job all the same (e.g. the address of a failure's report)."""

    def __init__(self, message: str, result: dict | None = None):
        super().__init__(message)
        self.result = result


@dataclass
class Schedule:
    name: str
    every: float  # seconds
    run: Callable[[], int]  # enqueues what is due; returns how many jobs
    last: float = 0.0


def register(kind: str, handler: Callable[[Job], dict | None]) -> None:
    HANDLERS[kind] = handler


def register_schedule(name: str, every: float, run: Callable[[], int]) -> None:
    SCHEDULES[name] = Schedule(name, every, run)


def enqueue(*, kind: str, title: str, municipality=None, user=None, params=None) -> Job:
    """Record the job and put it on the queue, in the caller's transaction."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for jobs of kind {kind!r}")
    params = dict(params or {})
    params.setdefault("language", translation.get_language() or settings.LANGUAGE_CODE)
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            title=title[:300],
            municipality=municipality,
            started_by=user if getattr(user, "is_authenticated", False) else None,
            params=params,
        )
        result = run_job.enqueue(job.pk)
        job.task_id = str(result.id)
        job.save(update_fields=["task_id"])
    return job


# --- progress, in a file beside the job: visible while the job's transaction is open ---


def _progress_path(job_id: int) -> Path:
    return settings.VAR_DIR / "jobs" / f"{int(job_id)}.json"


class Progress:
    """Reports ``done`` of ``total`` (None: unknown) at most every half second."""

    def __init__(self, job: Job | None):
        self.job_id = job.pk if job is not None else None
        self.last = 0.0

    def __call__(self, done: int, total: int | None = None, message: str = "") -> None:
        if self.job_id is None:
            return
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY and (total is None or done < total):
            return
        self.last = now
        path = _progress_path(self.job_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"done": done, "total": total, "message": message[:200]}))
        os.replace(tmp, path)


def progress_of(job: Job) -> dict:
    """``{"done", "total", "percent", "message"}`` of a running job; finished jobs are 100 %."""
    if job.status == JobStatus.DONE:
        return {"done": 1, "total": 1, "percent": 100, "message": ""}
    try:
        data = json.loads(_progress_path(job.pk).read_text())
    except (OSError, ValueError):
        data = {}
    done, total = data.get("done", 0), data.get("total")
    percent = None
    if isinstance(total, int) and total > 0 and isinstance(done, int):
        percent = max(0, min(100, round(100 * done / total)))
    return {"done": done, "total": total, "percent": percent, "message": data.get("message", "")}


# --- running ---


@task(queue_name="default")
def run_job(job_id: int) -> None:
    """Run one job by its handler; every ending is written on the job, none escapes."""
    job = Job.objects.filter(pk=job_id).select_related("municipality").first()
    if job is None or job.finished:
        return
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    handler = HANDLERS.get(job.kind)
    try:
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            if handler is None:
                raise JobError(_("This kind of job is not known to this installation."))
            try:
                result = handler(job)
            except JobError:
                raise
            except Exception:
                logger.exception("job %s (%s) failed", job.pk, job.kind)
                raise JobError(
                    _(
                        "The job stopped because of an unexpected error; nothing of it was "
                        "saved. The operator finds the details in the log."
                    )
                ) from None
    except JobError as exc:
        _finish(job.pk, JobStatus.FAILED, error=str(exc), result=exc.result)
    else:
        _finish(job.pk, JobStatus.DONE, result=result)


def _finish(job_id: int, status: str, *, error: str = "", result=None) -> None:
    Job.objects.filter(pk=job_id).update(
        status=status, error=error[:4000], result=result, finished_at=timezone.now()
    )
    _progress_path(job_id).unlink(missing_ok=True)


def worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}"


def run_pending(limit: int | None = None) -> int:
    """Run the queued tasks in this process until none is left (or ``limit`` ran); return
    how many ran. ``stadtkern indicators compute`` and the demo wait this way; the worker
    does the same in its own process."""
    from django_tasks_db.models import DBTaskResult

    ran = 0
    me = worker_id()
    while limit is None or ran < limit:
        with transaction.atomic():
            row = DBTaskResult.objects.ready().get_locked()
            if row is None:
                break
            row.claim(me)
        try:
            value = row.task.call(*row.task_result.args, **row.task_result.kwargs)
        except Exception as exc:  # run_job catches its own; this is a broken task row
            logger.exception("task %s failed", row.pk)
            row.set_failed(exc)
        else:
            row.set_successful(value)
        ran += 1
    return ran


def run_schedules(force: bool = False) -> int:
    """Let each app enqueue what is due (sources that changed, nightly recomputation)."""
    now = time.monotonic()
    queued = 0
    for schedule in SCHEDULES.values():
        if force or now - schedule.last >= schedule.every:
            schedule.last = now
            try:
                queued += schedule.run()
            except Exception:
                logger.exception("schedule %s failed", schedule.name)
    return queued


def fail_abandoned(worker_ids: set[str]) -> int:
    """Jobs whose worker process died (killed, out of memory) end as failed, with a message,
    instead of staying 'running' for ever."""
    from django_tasks_db.models import DBTaskResult

    rows = [
        r
        for r in DBTaskResult.objects.filter(status="RUNNING")
        if set(r.worker_ids or []) & worker_ids
    ]
    for row in rows:
        row.set_failed(RuntimeError("worker process ended"))
        job = Job.objects.filter(pk=(row.args_kwargs or {}).get("args", [None])[0]).first()
        if job is None or job.finished:
            continue
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            message = _(
                "The worker process stopped while running this job (it may have run out of "
                "memory); nothing of it was saved. Start it again, perhaps with a smaller file."
            )
        _finish(job.pk, JobStatus.FAILED, error=message)
    return len(rows)
