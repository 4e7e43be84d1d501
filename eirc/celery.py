"""Celery application. Eager (in process) when no broker is configured."""

import logging
import os

from celery import Celery
from celery.signals import task_postrun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eirc.settings")

app = Celery("eirc")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Every installed app's tasks module, the core's (eirc.tasks: send_email) too.
app.autodiscover_tasks()


@task_postrun.connect(weak=False)
def _mark_outbox_row_finished(sender=None, task_id=None, state=None, **_):
    """A run of a task published from the outbox (id ``job-<row>``) marks its
    row finished; a failure to do so only leaves the row unmarked."""
    from eirc import jobs

    try:
        jobs.job_finished(task_id=task_id, state=state)
    except Exception:
        logging.getLogger(__name__).exception("outbox: could not mark %s finished", task_id)
