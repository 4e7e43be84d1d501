from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Лицевые счета и пользователи")

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts.staff_groups import sync_after_migrate

        # Models added by later migrations get their permissions into the
        # staff groups on the next migrate (idempotent; see staff_groups.py).
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="accounts.sync_staff_groups")

        # --- access: staff two-factor login and lockout events ---
        from accounts.otp import connect_lockout_log, install_otp_admin

        install_otp_admin()
        connect_lockout_log()
