from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("cases/<int:case_id>/plans/", views.case_plans, name="case"),
    path("cases/<int:case_id>/plans/<int:plan_id>/cancel/", views.plan_cancel_view, name="cancel"),
]
