from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "stadtkern.indicators"
    verbose_name = _("Indicators")

    def ready(self) -> None:
        from django.conf import settings

        from stadtkern.core import jobs
        from stadtkern.core.lazy import Lazy
        from stadtkern.data.contributors import register_catalogue_part
        from stadtkern.strategy.panels import register_measure_panel

        # By name: computing, the catalogue and the panel load their libraries when used.
        jobs.register("indicators.compute", Lazy("stadtkern.indicators.jobs.compute_job"))
        jobs.register_schedule("indicators.due", settings.JOBS_SCHEDULE_SECONDS,
                               Lazy("stadtkern.indicators.jobs.due"))  # fmt: skip
        register_catalogue_part(Lazy("stadtkern.indicators.dcat.contribute"))
        register_measure_panel(Lazy("stadtkern.indicators.views.measure_panel"))
