from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The core layer as an app: the period calendar every app shares
    (``eirc.models.Period``) and the plumbing that knows no app."""

    name = "eirc"
    label = "eirc"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Расчётные периоды")

    def ready(self):
        from eirc import converters

        converters.register()

        from eirc.admin import install_money_display

        install_money_display()
