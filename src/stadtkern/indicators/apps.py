from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "stadtkern.indicators"
    verbose_name = _("Indicators")

    def ready(self) -> None:
        from . import dcat, jobs

        jobs.connect()
        dcat.connect()
