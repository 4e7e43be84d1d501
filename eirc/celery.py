"""Celery application. Eager (in process) when no broker is configured."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eirc.settings")

app = Celery("eirc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# eirc is not an installed app, so autodiscovery misses its tasks (send_email).
app.conf.imports = ("eirc.tasks",)
