from django.contrib import admin
from django.urls import include, path

from eirc import views

admin.site.site_header = "ЕИРЦ Севастополь — администрирование"
admin.site.site_title = "ЕИРЦ Севастополь"
admin.site.index_title = "Управление личным кабинетом"
# No navigation column beside every page: it left wide lists (monthly
# statements have twelve columns) without room; the index lists every section.
admin.site.enable_nav_sidebar = False

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

# Error pages in Russian: 400, 403, 404 (and 403_csrf, 429) are the site's
# templates rendered by Django's own views, 500 is rendered without the
# request (eirc.views.server_error); under /api/ each is JSON instead.
handler400 = "eirc.errorviews.bad_request"
handler403 = "eirc.errorviews.permission_denied"
handler404 = "eirc.errorviews.page_not_found"
handler500 = "eirc.errorviews.server_error"
