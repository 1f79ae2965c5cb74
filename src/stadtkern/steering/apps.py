from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SteeringConfig(AppConfig):
    name = "stadtkern.steering"
    verbose_name = _("Steering")

    def ready(self) -> None:
        from stadtkern.indicators.panels import register_cockpit_panel

        from . import risk_views

        register_cockpit_panel(risk_views.cockpit_panel)
