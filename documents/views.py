"""Documents app views.

The public home page and reference information (public): the index of reference pages and articles,
offices, contacts, tariffs. Receipts and certificates get their own views.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

from documents import selectors
from documents.selectors_notices import notices_city
from eirc import periods

HOME_ARTICLES = 5


@require_GET
def home(request):
    """The public home page: what the portal does, the way in, the hotline,
    the latest reference articles."""
    return render(
        request,
        "home.html",
        {
            "articles": selectors.reference_articles()[:HOME_ARTICLES],
            "notices": notices_city(today=periods.today()),
        },
    )


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
