from django.urls import path

from . import privacy_views

app_name = "privacy"

urlpatterns = [
    path("<int:customer_id>/privacy/", privacy_views.privacy, name="customer"),
    path("<int:customer_id>/privacy/export.json", privacy_views.export, name="export"),
]
