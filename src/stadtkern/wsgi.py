"""WSGI entry point for `stadtkern serve` and any WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stadtkern.settings")
application = get_wsgi_application()
