"""Documents app views.

Reference information (public): the index of reference pages and articles,
offices, contacts, tariffs. Receipts and certificates get their own views.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

from documents import selectors
from eirc import periods


@require_GET
def reference_index(request):
    return render(request, "documents/reference_index.html", {"articles": selectors.reference_articles()})


@require_GET
def offices(request):
    return render(request, "documents/offices.html", {"offices": selectors.offices_active()})


@require_GET
def contacts(request):
    return render(request, "documents/contacts.html", {"contacts": settings.EIRC})


@require_GET
def tariffs(request):
    today = periods.today()
    return render(request, "documents/tariffs.html", {"groups": selectors.tariff_table(on=today), "today": today})
