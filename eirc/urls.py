from django.contrib import admin
from django.urls import include, path

from eirc import views

admin.site.site_header = "ЕИРЦ Севастополь — администрирование"
admin.site.site_title = "ЕИРЦ Севастополь"
admin.site.index_title = "Управление личным кабинетом"

urlpatterns = [
    path("", include("documents.home_urls")),
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("captcha/", include("captcha.urls")),
    path("cabinet/readings/", include("meters.urls")),
    path("api/v1/", include("meters.api_urls")),
    path("cabinet/", include("billing.urls")),
    path("", include("payments.urls")),
    path("", include("documents.urls")),
]

handler400 = "eirc.errorviews.bad_request"
handler403 = "eirc.errorviews.permission_denied"
handler404 = "eirc.errorviews.page_not_found"
handler500 = "eirc.errorviews.server_error"
