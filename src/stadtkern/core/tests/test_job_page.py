"""A job's page: members follow its progress; it leads on to the result when done, and
names the reason and the report when it failed."""

import pytest

from stadtkern.core import jobs
from stadtkern.core.models import Job, JobStatus

pytestmark = pytest.mark.django_db


def _job(alpha, **fields) -> Job:
    return Job.objects.create(
        kind="data.preview", title="Prüfe laeden.csv", municipality=alpha, params={}, **fields
    )


def test_members_follow_a_running_job_and_others_find_nothing(client, alpha, personas):
    job = _job(alpha, status=JobStatus.RUNNING)
    jobs.Progress(job)(25, 100, "Zeilen")
    for persona in ("anonymous", "other_editor"):
        client.logout()
        if personas[persona]:
            client.force_login(personas[persona])
        assert client.get(f"/m/alpha/jobs/{job.pk}/").status_code == 404
    client.force_login(personas["viewer"])
    page = client.get(f"/m/alpha/jobs/{job.pk}/").content.decode()
    assert 'value="25"' in page and 'hx-trigger="every 1s"' in page
    fragment = client.get(f"/m/alpha/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode() and "25 %" in fragment.content.decode()


def test_a_finished_job_leads_on_and_a_failed_one_names_its_reason(client, alpha, personas):
    client.force_login(personas["editor"])
    done = _job(alpha, status=JobStatus.DONE, result={"url": "/m/alpha/data/"})
    assert client.get(f"/m/alpha/jobs/{done.pk}/")["Location"] == "/m/alpha/data/"
    polled = client.get(f"/m/alpha/jobs/{done.pk}/", HTTP_HX_REQUEST="true")
    assert polled.status_code == 204 and polled["HX-Redirect"] == "/m/alpha/data/"
    elsewhere = _job(alpha, status=JobStatus.DONE, result={"url": "https://evil.example/"})
    assert (
        client.get(f"/m/alpha/jobs/{elsewhere.pk}/").status_code == 200
    )  # no redirect off the site
    failed = _job(
        alpha,
        status=JobStatus.FAILED,
        error="Die Datei ist leer.",
        result={"url": "/m/alpha/data/x/import/3/"},
    )
    page = client.get(f"/m/alpha/jobs/{failed.pk}/").content.decode()
    assert (
        "Die Datei ist leer." in page
        and "/m/alpha/data/x/import/3/" in page
        and "hx-trigger" not in page
    )


def test_a_handler_that_crashes_ends_its_job_with_a_message_not_a_traceback(alpha):
    def crash(job):
        raise KeyError("intern")

    jobs.register("tests.crash", crash)
    job = jobs.enqueue(kind="tests.crash", title="x", municipality=alpha, params={"language": "en"})
    assert jobs.run_pending() == 1
    job.refresh_from_db()
    assert (
        job.status == JobStatus.FAILED
        and "unexpected error" in job.error
        and "intern" not in job.error
    )
