from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo city (``manage.py seed_demo``): the top of the layers. It
    builds everything through the apps' services; nothing imports it."""

    name = "demo"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Демо-город")
