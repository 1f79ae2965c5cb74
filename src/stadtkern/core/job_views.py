"""A job's page: its progress while the worker runs it (the page asks every second with
htmx, and without script at the press of a button), then where its result is."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from . import rules
from .jobs import progress_of
from .models import Job
from .selectors import municipality_get


def _result_url(request, job: Job) -> str:
    url = (job.result or {}).get("url", "") if isinstance(job.result, dict) else ""
    return url if url and url_has_allowed_host_and_scheme(url, allowed_hosts=None) else ""


def job_detail(request, slug: str, pk: int):
    """For the municipality's members: a finished job leads on to its result."""
    municipality = municipality_get(slug)
    if not rules.can_view_drafts(request.user, municipality):
        raise Http404
    job = Job.objects.filter(pk=pk, municipality=municipality).first()
    if job is None:
        raise Http404
    url = _result_url(request, job)
    polled = request.headers.get("HX-Request") == "true"
    if job.status == "done" and url:
        if polled:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    context = {"municipality": municipality, "job": job, "progress": progress_of(job), "url": url}
    return render(request, "core/_job.html" if polled else "core/job.html", context)
