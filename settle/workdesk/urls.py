from django.urls import path

from . import views

app_name = "workdesk"
urlpatterns = [
    path("workdesk/", views.queue, name="queue"),
    path("workdesk/tasks/<int:task_id>/", views.task_outcome, name="task"),
]
