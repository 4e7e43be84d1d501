from django.urls import path

from meters import views

app_name = "meters"

urlpatterns = [
    path("", views.submit, name="submit"),
    path("confirmation/<key:code>/", views.confirmation, name="confirmation"),
    path("confirmation/<key:code>/download/", views.confirmation_download, name="confirmation_download"),
    path("meter/<int:meter_id>/", views.history, name="history"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
