"""/api/v1/ — the resident API (see meters.api)."""

from django.urls import path

from meters import api

app_name = "meters_api"

urlpatterns = [
    path("meters/", api.meters_list, name="meters"),
    path("meters/<int:meter_id>/", api.meter_detail, name="meter"),
    path("readings/", api.readings_submit, name="readings"),
    path("submissions/<key:code>/", api.submission_detail, name="submission"),
]
