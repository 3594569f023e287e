from django.urls import path

from . import views

app_name = "webhooks_out"

urlpatterns = [
    path("", views.endpoints, name="endpoints"),
    path("<int:endpoint_id>/disable/", views.disable, name="disable"),
    path("deliveries/<int:delivery_id>/resend/", views.resend, name="resend"),
]
