from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SensorsConfig(AppConfig):
    name = "stadtkern.sensors"
    label = "sensors"
    verbose_name = _("Sensor data (SensorThings API)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import frontdoor

        frontdoor.register()
