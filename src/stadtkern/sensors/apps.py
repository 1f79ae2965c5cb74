from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SensorsConfig(AppConfig):
    name = "stadtkern.sensors"
    label = "sensors"
    verbose_name = _("Sensor data (SensorThings API)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from stadtkern.core import frontdoor
        from stadtkern.core.lazy import Lazy

        # By name: the query machinery of the streams loads when the front door asks.
        frontdoor.register_news(
            "streams", _("Newest sensor streams"), Lazy("stadtkern.sensors.frontdoor.newest")
        )
        frontdoor.register_search(
            "streams", _("Sensor streams"), Lazy("stadtkern.sensors.frontdoor.search")
        )
