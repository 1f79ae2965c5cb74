from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SteeringConfig(AppConfig):
    name = "stadtkern.steering"
    verbose_name = _("Steering")

    def ready(self) -> None:
        from stadtkern.indicators.panels import register_cockpit_panel
        from stadtkern.strategy.panels import register_house_panel, register_measure_panel

        from . import reminders, risk_views, sustainability_views

        reminders.connect()

        register_cockpit_panel(risk_views.cockpit_panel)
        register_cockpit_panel(sustainability_views.summary_panel)
        register_measure_panel(sustainability_views.measure_panel)
        register_house_panel(sustainability_views.summary_panel)
        from . import scopes

        scopes.connect()
