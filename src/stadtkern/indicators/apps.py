from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "stadtkern.indicators"
    verbose_name = _("Indicators")

    def ready(self) -> None:
        from stadtkern.strategy.panels import register_measure_panel

        from . import dcat, jobs, views

        jobs.connect()
        dcat.connect()
        register_measure_panel(views.measure_panel)
