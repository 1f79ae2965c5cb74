from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SteeringConfig(AppConfig):
    name = "stadtkern.steering"
    verbose_name = _("Steering")

    def ready(self) -> None:
        from stadtkern.core import jobs
        from stadtkern.core.lazy import Lazy
        from stadtkern.indicators.panels import register_cockpit_panel
        from stadtkern.strategy.panels import register_house_panel, register_measure_panel

        from . import scopes

        # By name: their views, charts and selectors load when a page shows them.
        jobs.register_schedule(
            "steering.reminders", 3600, Lazy("stadtkern.steering.reminders.send_due")
        )
        register_cockpit_panel(Lazy("stadtkern.steering.risk_views.cockpit_panel"))
        register_cockpit_panel(Lazy("stadtkern.steering.sustainability_views.summary_panel"))
        register_measure_panel(Lazy("stadtkern.steering.sustainability_views.measure_panel"))
        register_house_panel(Lazy("stadtkern.steering.sustainability_views.summary_panel"))
        scopes.connect()
