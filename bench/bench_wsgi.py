"""WSGI entry for the webhook bench: Settle's URLs plus the bare baseline view (bench only, never deployed)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settle.settings")

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

settings.ROOT_URLCONF = "bench_urls"
application = get_wsgi_application()
