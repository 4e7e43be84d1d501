from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Документы")

    def ready(self):
        from django.db.models.signals import post_migrate

        from documents.appeal_kinds import ensure_after_migrate
        from eirc import pagecache

        # The shipped request kinds exist after every migrate, and after a
        # test database's flush (idempotent; never changes staff edits).
        post_migrate.connect(ensure_after_migrate, sender=self, dispatch_uid="documents.ensure_appeal_kinds")
        # The dashboard shows the notices in force: read them with its body.
        pagecache.share_with_pages("notices", pages=("dashboard",))
