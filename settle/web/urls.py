from django.contrib.auth import views as auth_views
from django.urls import path

from settle.web import views

app_name = "web"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("switch/", views.switch_merchant, name="switch-merchant"),
    path("customers/", views.customers, name="customers"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer"),
    path("customers/<int:customer_id>/payments/new/", views.payment_new, name="payment-new"),
    path("receivables/<int:receivable_id>/", views.receivable_detail, name="receivable"),
    path("settings/", views.merchant_settings, name="settings"),
    path("settings/api-keys/", views.api_keys, name="api-keys"),
    path("settings/api-keys/<int:api_key_id>/revoke/", views.api_key_revoke_view, name="api-key-revoke"),
]
