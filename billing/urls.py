from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("charges/", views.charges, name="charges"),
    path("charges/<int:charge_id>/", views.charge_detail, name="charge_detail"),
    path("benefits/", views.benefits, name="benefits"),
    path("charts/", views.charts_page, name="charts"),
]
