from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("info/offices/", views.offices, name="offices"),
    path("info/contacts/", views.contacts, name="contacts"),
    path("info/tariffs/", views.tariffs, name="tariffs"),
]
