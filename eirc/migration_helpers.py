"""Helpers for migrations that move a model's state between apps.

A model that changes apps keeps its table (``Meta.db_table``); only Django's
state moves. Its content type is renamed in place so that the permissions
granted on it (staff groups) stay granted.
"""

from __future__ import annotations


def move_content_type(old_app: str, new_app: str, model: str):
    """A ``RunPython`` pair that renames the content type of ``model`` from
    ``old_app`` to ``new_app`` (and back). A no-op on a fresh database, where
    Django creates the content type only after ``migrate``."""

    def rename(from_app, to_app):
        def run(apps, schema_editor):
            ContentType = apps.get_model("contenttypes", "ContentType")
            db = schema_editor.connection.alias
            if ContentType.objects.using(db).filter(app_label=to_app, model=model).exists():
                return
            ContentType.objects.using(db).filter(app_label=from_app, model=model).update(app_label=to_app)

        return run

    return rename(old_app, new_app), rename(new_app, old_app)
