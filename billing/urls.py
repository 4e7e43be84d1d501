from django.urls import path

from billing import views, views_preview

app_name = "billing"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("charges/", views.charges, name="charges"),
    path("charges/<int:charge_id>/", views.charge_detail, name="charge_detail"),
    path("benefits/", views.benefits, name="benefits"),
    path("charts/", views.charts_page, name="charts"),
    path("readings/calc/", views_preview.readings_preview, name="readings_preview"),
    path("charges/why/", views_preview.why_changed, name="why_changed"),
    path("penalty/", views_preview.penalty_calculator, name="penalty_calc"),
    path("readings/calc.json", views_preview.readings_preview_json, name="readings_preview_json"),
]
