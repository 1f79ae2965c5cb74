from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataConfig(AppConfig):
    name = "stadtkern.data"
    label = "data"
    verbose_name = _("Urban data platform")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from stadtkern.core import jobs
        from stadtkern.core.lazy import Lazy

        from . import frontdoor, signals, sqlfunctions

        # by name: the import machinery (data frames) loads when a job runs, not at start
        jobs.register("data.preview", Lazy("stadtkern.data.jobs.preview_job"))
        jobs.register("data.commit", Lazy("stadtkern.data.jobs.commit_job"))
        sqlfunctions.connect_signal()
        signals.connect()
        frontdoor.register()
