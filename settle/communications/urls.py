from django.urls import include, path

from . import views

app_name = "communications"
urlpatterns = [
    path("templates/", views.templates, name="templates"),
    path("templates/preview/", views.preview, name="preview"),
    path("templates/test/", views.send_test, name="send-test"),
    path("review/", views.review, name="review"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("sms/inbound/<slug:merchant_slug>/", views.sms_inbound, name="sms-inbound"),
    path("sms/status/<uuid:code>/", views.sms_status, name="sms-status"),
    path("anymail/", include("anymail.urls")),
]
