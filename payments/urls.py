from django.urls import path

from payments import views, views_cards, views_quick

app_name = "payments"

# Mounted at the site root: the history is a cabinet page, the rest lives
# under payments/.
urlpatterns = [
    path("cabinet/payments/", views.history, name="history"),
    path("payments/pay/", views.pay, name="pay"),
    path("payments/<uuid:payment_id>/", views.payment_return, name="return"),
    path("payments/<uuid:payment_id>/status/", views.payment_status, name="status"),
    path("payments/sandbox/<key:provider_payment_id>/", views.sandbox, name="sandbox"),
    path("payments/yookassa/webhook/", views.yookassa_webhook, name="yookassa_webhook"),
    # Quick pay without a login (issue 17).
    path("pay/", views_quick.quick_find, name="quick_find"),
    path("pay/r/<str:code>/", views_quick.quick_receipt, name="quick_receipt"),
    path("pay/done/<uuid:payment_id>/", views_quick.quick_return, name="quick_return"),
    # Saved cards (the login's) and autopay (the account's).
    path("cabinet/cards/", views_cards.cards, name="cards"),
    path("cabinet/cards/<int:card_id>/delete/", views_cards.card_delete, name="card_delete"),
    path("cabinet/autopay/", views_cards.autopay, name="autopay"),
    path("autopay/skip/<str:token>/", views_cards.autopay_skip, name="autopay_skip"),
]
