from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("pay/", views.pay, name="pay"),
    path("<uuid:payment_id>/", views.payment_return, name="return"),
    path("<uuid:payment_id>/status/", views.payment_status, name="status"),
    path("sandbox/<str:provider_payment_id>/", views.sandbox, name="sandbox"),
    path("yookassa/webhook/", views.yookassa_webhook, name="yookassa_webhook"),
]
