from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("cases/", views.case_list_page, name="list"),
    path("cases/<int:case_id>/", views.case_detail_page, name="detail"),
    path("cases/<int:case_id>/disputes/", views.case_dispute_open, name="dispute-open"),
    path(
        "cases/<int:case_id>/disputes/<int:dispute_id>/resolve/",
        views.case_dispute_resolve,
        name="dispute-resolve",
    ),
    path("strategies/", views.strategy_list_page, name="strategies"),
    path("strategies/new/", views.strategy_edit_page, name="strategy-new"),
    path("strategies/preview/", views.strategy_preview, name="strategy-preview"),
    path("strategies/<int:strategy_id>/", views.strategy_edit_page, name="strategy-edit"),
]
