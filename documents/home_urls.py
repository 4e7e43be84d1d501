"""The site's home page, mounted at the root without a namespace (templates
link to it as ``{% url 'home' %}``)."""

from django.urls import path

from documents import views

urlpatterns = [path("", views.home, name="home")]
