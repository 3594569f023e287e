from django.urls import path

from . import hooks, views

app_name = "integrations"

urlpatterns = [
    path("hooks/<str:source>/<slug:merchant>/", hooks.receive, name="hook"),
    path("pay/<uuid:code>/", views.pay, name="pay"),
    path("pay/<uuid:code>/done/", views.pay_done, name="pay-done"),
    path("integrations/", views.connections, name="connections"),
    path("integrations/<int:connection_id>/disconnect/", views.disconnect, name="disconnect"),
    path("integrations/<int:connection_id>/test/", views.test_connection, name="test"),
    path("integrations/events/", views.events, name="events"),
    path("integrations/events/<int:event_id>/replay/", views.replay, name="replay"),
]
