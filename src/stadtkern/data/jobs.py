"""The data platform's imports from the web run as jobs: the page hands the uploaded file
to the worker and follows its progress, so a large file no longer runs inside a request."""

from pathlib import Path

from django.urls import reverse
from django.utils.translation import gettext as _

from stadtkern.core import jobs
from stadtkern.core.models import Job

from . import importing
from .models import Dataset, ImportRun

PREVIEW, COMMIT = "data.preview", "data.commit"


def _url(run: ImportRun) -> str:
    d = run.dataset
    return reverse(
        "data:import", kwargs={"slug": d.municipality.slug, "name": d.slug, "pk": run.pk}
    )


def _failed(exc: importing.ImportFailed) -> jobs.JobError:
    return jobs.JobError(str(exc), {"url": _url(exc.run)} if exc.run is not None else None)


def preview_job(job: Job) -> dict:
    dataset = (
        Dataset.objects.filter(pk=job.params["dataset"]).select_related("municipality").first()
    )
    if dataset is None:
        raise jobs.JobError(_("The dataset was deleted meanwhile."))
    options = importing.Options.from_json(job.params["options"])
    try:
        run, _analysis = importing.preview_stored(
            dataset, Path(job.params["path"]), job.params["name"], options, job.started_by,
            progress=jobs.Progress(job),
        )  # fmt: skip
    except importing.ImportFailed as exc:
        raise _failed(exc) from None
    return {"url": _url(run), "run": run.pk}


def commit_job(job: Job) -> dict:
    run = (
        ImportRun.objects.filter(pk=job.params["run"])
        .select_related("dataset__municipality")
        .first()
    )
    if run is None:
        raise jobs.JobError(_("The dataset was deleted meanwhile."))
    try:
        done = importing.commit_preview(
            run, job.params["changes"], job.started_by, progress=jobs.Progress(job)
        )
    except importing.ImportFailed as exc:
        raise _failed(exc) from None
    return {"url": _url(done), "run": done.pk}


def enqueue_preview(
    dataset: Dataset, stored: Path, name: str, options: importing.Options, user
) -> Job:
    return jobs.enqueue(
        kind=PREVIEW, title=_("Check %(file)s for %(dataset)s") % {"file": name, "dataset": dataset.title},
        municipality=dataset.municipality, user=user,
        params={"dataset": dataset.pk, "path": str(stored), "name": name, "options": options.as_json()},
    )  # fmt: skip


def enqueue_commit(run: ImportRun, changes: dict, user) -> Job:
    return jobs.enqueue(
        kind=COMMIT, title=_("Import %(file)s into %(dataset)s") % {"file": run.file_name, "dataset": run.dataset.title},
        municipality=run.dataset.municipality, user=user, params={"run": run.pk, "changes": changes},
    )  # fmt: skip
