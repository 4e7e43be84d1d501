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


def sql_by_vendor(*, postgresql: str, sqlite: list[str], what: str):
    """A ``RunPython`` function that runs ``postgresql`` (one script) on
    PostgreSQL or each statement of ``sqlite`` on SQLite: the two databases
    of the project (triggers differ in syntax). Any other database is refused,
    naming ``what`` was to be installed."""

    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(postgresql, params=None)
        elif vendor == "sqlite":
            for sql in sqlite:
                schema_editor.execute(sql)
        else:  # pragma: no cover
            raise RuntimeError(f"no {what} for database {vendor}")

    return run
