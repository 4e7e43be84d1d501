from django.conf import settings


def site(request):
    """The centre's name and contacts for the layout (footer, header)."""
    return {"EIRC": settings.EIRC, "SITE_URL": settings.SITE_URL}
