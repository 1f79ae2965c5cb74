from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "stadtkern.core"
    label = "core"
    verbose_name = _("Municipalities and users")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created

        from . import pagecache
        from .throttle import on_login

        user_logged_in.connect(on_login, dispatch_uid="stadtkern-login-throttle")
        # Every write to what pages show moves the visitors' page cache on.
        connection_created.connect(pagecache.install, dispatch_uid="stadtkern-page-version")
