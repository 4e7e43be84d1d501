"""The public authenticity check: /documents/verify/<code>/.

Says whether a code belongs to a document we issued, what it is, the account
number masked, when it was issued, and whether it was replaced — nothing
else personal. Works without login; the code space (32^10) is too large to
enumerate.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from documents import selectors, services


@require_GET
def verify(request, code: str = ""):
    """The form (``/documents/verify/``, nothing asked yet: no verdict, 200)
    and the answer for a code typed or read from a QR code."""
    typed = request.GET.get("code")
    if not code:
        if typed is None:
            return render(request, "documents/verify.html", {"asked": False})
        normal = services.normalize_code(typed)
        if normal:
            return redirect("documents:verify", code=normal)
        error = "Введите код проверки: он напечатан на документе рядом с QR-кодом."
        return render(request, "documents/verify.html", {"asked": False, "error": error})
    normal = services.normalize_code(code)
    doc = selectors.document_by_code(normal) if normal else None
    response = render(
        request,
        "documents/verify.html",
        {"asked": True, "code": normal, "doc": doc, "masked": doc.account.masked_number if doc else ""},
        status=200 if doc else 404,
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
