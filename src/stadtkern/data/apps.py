from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataConfig(AppConfig):
    name = "stadtkern.data"
    label = "data"
    verbose_name = _("Urban data platform")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import frontdoor, jobs, signals, sqlfunctions

        jobs.connect()
        sqlfunctions.connect_signal()
        signals.connect()
        frontdoor.register()
