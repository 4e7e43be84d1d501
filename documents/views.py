from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def offices(request):
    return render(request, "documents/offices.html")


@require_GET
def contacts(request):
    return render(request, "documents/contacts.html")


@require_GET
def tariffs(request):
    return render(request, "documents/tariffs.html")
