"""Celery application. Eager (in process) when no broker is configured."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eirc.settings")

app = Celery("eirc")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Every installed app's tasks module, the core's (eirc.tasks: send_email) too.
app.autodiscover_tasks()
