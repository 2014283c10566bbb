"""WSGI entry point. The web process (experthive/asgi.py) answers HTTP through this same handler."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "experthive.settings")
application = get_wsgi_application()
