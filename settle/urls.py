from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from settle.api import api


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("imports/", include("settle.imports.urls")),
    path("outreach/", include("settle.communications.urls")),
    path("", include("settle.integrations.urls")),
    path("integrations/webhooks/", include("settle.webhooks_out.urls")),
    path("customers/", include("settle.integrations.privacy_urls")),
    path("", include("settle.web.urls")),
    path("", include("settle.cases.urls")),
    path("", include("settle.workdesk.urls")),
    path("", include("settle.plans.urls")),
]
