"""The indicators' background work: computing values, and noticing when to.

The worker asks ``due`` every minute or so: an indicator is recomputed when its source's
fingerprint changed (a new dataset version, new observations, a closed survey wave, a
changed definition) and at least once every ``INDICATORS_RECOMPUTE_HOURS``.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtkern.core import jobs
from stadtkern.core.models import Job, JobStatus, Municipality

from . import services, sources
from .models import Indicator, SourceKind

KIND = "indicators.compute"
COMPUTED = [SourceKind.QUERY, SourceKind.SENSOR, SourceKind.SURVEY]


def compute_job(job: Job) -> dict:
    ids = [int(i) for i in job.params.get("indicators", [])]
    indicators = list(
        Indicator.objects.filter(pk__in=ids).select_related(
            "municipality", "query", "datastream__thing"
        )
    )
    progress = jobs.Progress(job)
    outcomes = []
    for n, indicator in enumerate(indicators, start=1):
        progress(n - 1, len(indicators), indicator.name)
        outcomes.append(services.compute(indicator))
        progress(n, len(indicators), indicator.name)
    return {"outcomes": outcomes}


@transaction.atomic
def enqueue_compute(
    municipality: Municipality, indicators, user=None, once: bool = True
) -> Job | None:
    """One computation job per municipality at a time (``once``): a second request while
    one waits adds nothing (the municipality's row is locked while this is decided)."""
    ids = [i.pk for i in indicators if i.computed]
    if not ids:
        return None
    Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
    waiting = Job.objects.filter(kind=KIND, municipality=municipality, status=JobStatus.QUEUED)
    if once and waiting.exists():
        return None
    return jobs.enqueue(
        kind=KIND,
        title=_("Compute %(n)s indicator(s) of %(m)s") % {"n": len(ids), "m": municipality.name},
        municipality=municipality,
        user=user,
        params={"indicators": ids},
    )


def pending(municipality: Municipality) -> bool:
    return Job.objects.filter(
        kind=KIND, municipality=municipality, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).exists()


def due() -> int:
    """Enqueue one job per municipality for the indicators whose source changed: a fixed
    number of queries whatever the number of indicators (sources.fingerprints)."""
    stale = timezone.now() - timedelta(hours=settings.INDICATORS_RECOMPUTE_HOURS)
    by_municipality: dict[int, list[Indicator]] = {}
    indicators = list(
        Indicator.objects.filter(source__in=COMPUTED).select_related(
            "municipality", "query", "datastream__thing"
        )
    )
    now = sources.fingerprints(indicators)
    for indicator in indicators:
        # The last attempt counts, failed or not: a source that fails is tried again when
        # it changes, or a day later, not every minute.
        tried = max((t for t in (indicator.computed_at, indicator.error_at) if t), default=None)
        old = tried is None or tried < stale
        if old or now[indicator.pk] != indicator.fingerprint:
            by_municipality.setdefault(indicator.municipality_id, []).append(indicator)
    queued = 0
    for group in by_municipality.values():
        municipality = group[0].municipality
        if enqueue_compute(municipality, group):
            queued += 1
    return queued


def compute_now(municipality: Municipality, key: str | None = None) -> list[dict]:
    """Enqueue the municipality's computed indicators (or one) and run the queue until done."""
    qs = Indicator.objects.filter(municipality=municipality, source__in=COMPUTED)
    if key:
        qs = qs.filter(key=key)
    job = enqueue_compute(municipality, list(qs), once=False)
    if job is None:
        return []
    jobs.run_pending()
    job.refresh_from_db()
    if job.status != JobStatus.DONE:
        return [{"status": "failed", "error": job.error}]
    return job.result["outcomes"]
